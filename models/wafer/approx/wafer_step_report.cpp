#include <fmt/format.h>

#include "models/wafer/approx/wafer_step_tasks.h"

namespace wafersim::wafer {

std::string region_text(RegionSize r) { return fmt::format("{}x{}", r.rows, r.cols); }

void report_tasks(const engine::EventEngine& eng, const std::vector<TaskInfo>& info, double clock, double io_latency_s,
                  StepResult& r) {
  r.ops.reserve(info.size());
  const auto& tasks = eng.tasks();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const TaskInfo& ti = info[i];
    const engine::Task& t = tasks[i];
    OpTiming o;
    o.name = t.name;
    o.stage = ti.stage;
    o.start_s = engine::to_seconds(t.start);
    o.time_s = engine::to_seconds(t.duration);
    o.track = eng.resources()[static_cast<std::size_t>(t.resource)].name;
    o.bytes = ti.bytes;
    const KernelCost& k = ti.k;
    switch (ti.type) {
      case TaskType::Op: {
        o.op = ti.op->id;
        o.kind = ti.op->kind;
        o.layer = ti.op->layer;
        // FLOPs as the graph counts them (the kernel's own count, k.flops, differs
        // by a few per element for norms and softmax): energy and explain read one number.
        o.flops = ti.fabric_part ? 0 : ti.op->flops;
        const double local = k.local(), fabric = k.fabric();
        o.bound = local >= fabric && local >= k.overhead ? (k.compute >= k.sram ? Bound::Compute : Bound::Memory)
                  : fabric >= k.overhead                 ? Bound::Fabric
                                                         : Bound::Latency;
        // A local part shows its multicast's hops (if any); its reduction's are on the `.reduce` row.
        o.note =
            ti.fabric_part || k.multicast > 0
                ? fmt::format("{} · {:.0f} hops{}", region_text(ti.region), k.hops,
                              k.algo != ReduceAlgo::None ? fmt::format(" · {} reduce", reduce_algo_name(k.algo)) : "")
                : fmt::format("{} · local work", region_text(ti.region));
        o.cost.compute = Seconds(k.compute / clock);
        o.cost.memory = Seconds(k.sram / clock);
        o.cost.fabric_latency = Seconds(fabric / clock);
        o.cost.overhead = Seconds(k.overhead / clock);
        o.cost.traffic.flops = o.flops;
        o.cost.traffic.sram_bytes = k.sram_bytes;
        o.cost.traffic.fabric_byte_hops = k.fabric_byte_hops;
        break;
      }
      case TaskType::Move:
        o.kind = OpKind::Transfer;
        o.bound = Bound::Fabric;
        o.note = fmt::format("{:.0f} hops", k.hops);
        o.cost.fabric_latency = Seconds(k.fabric() / clock);
        o.cost.overhead = Seconds(k.overhead / clock);
        o.cost.traffic.fabric_byte_hops = k.fabric_byte_hops;
        break;
      case TaskType::WaferIo:
        o.kind = OpKind::Transfer;
        o.bound = Bound::Interconnect;
        o.note = "wafer I/O";
        o.cost.overhead = Seconds(io_latency_s);
        o.cost.traffic.io_bytes = ti.bytes;
        break;
      case TaskType::Stack:
        o.kind = OpKind::Transfer;
        o.bound = Bound::Latency;
        o.note = "production serving stack (software.wafer or the device's stack:; A-236)";
        o.cost.overhead = Seconds(o.time_s);
        break;
      case TaskType::WeightLoad:
        o.op = ti.op->id;
        o.kind = OpKind::Transfer;
        o.layer = ti.op->layer;
        o.bound = Bound::Memory;
        o.note = "weights streamed in through the wafer I/O";
        o.cost.memory = Seconds(o.time_s);
        o.cost.traffic.io_bytes = ti.bytes;
        break;
    }
    r.ops.push_back(std::move(o));
  }
}

void split_critical_path(const engine::EventEngine& eng, const std::vector<TaskInfo>& info, StepResult& r) {
  // The critical path is gapless: its tasks, split by what bounded each, add up
  // to the makespan.
  const auto& tasks = eng.tasks();
  for (int id : eng.critical_path()) {
    const TaskInfo& ti = info[static_cast<std::size_t>(id)];
    const double d = engine::to_seconds(tasks[static_cast<std::size_t>(id)].duration);
    const KernelCost& k = ti.k;
    switch (ti.type) {
      case TaskType::Op:
      case TaskType::Move: {
        const double total = k.total();
        if (total <= 0) break;
        const double f = d / total;
        (k.compute >= k.sram ? r.time.compute : r.time.memory) += k.local() * f;
        r.time.fabric += k.fabric() * f;
        r.time.overhead += k.overhead * f;
        break;
      }
      case TaskType::WaferIo:
        r.time.interconnect += d;
        break;
      case TaskType::Stack:
        r.time.overhead += d;
        break;
      case TaskType::WeightLoad:
        r.time.memory += d;
        break;
    }
  }
  r.bound = r.time.dominant();
}

}  // namespace wafersim::wafer
