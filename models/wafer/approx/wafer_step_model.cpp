#include "models/wafer/approx/wafer_step_model.h"

#include <algorithm>
#include <fmt/format.h>
#include <limits>

#include "models/wafer/approx/op_kernel_coster.h"
#include "sim/engine/event_engine.h"

namespace wafersim::wafer {
namespace {

using engine::EventEngine;

bool same_op_shape(const Op& a, const Op& b) {
  return a.kind == b.kind && a.m == b.m && a.k == b.k && a.n == b.n && a.count == b.count && a.dtype == b.dtype &&
         a.flops == b.flops && a.bytes.weights == b.bytes.weights && a.bytes.activations_in == b.bytes.activations_in &&
         a.bytes.activations_out == b.bytes.activations_out && a.bytes.kv_read == b.bytes.kv_read;
}

/// Two layers with the same ops in the same shapes cost the same on the same region.
bool same_shape(const Graph& g, const LayerUnit& a, const LayerUnit& b) {
  if (a.end_op - a.first_op != b.end_op - b.first_op) return false;
  for (int i = 0; i < a.end_op - a.first_op; ++i)
    if (!same_op_shape(g.op(a.first_op + i), g.op(b.first_op + i))) return false;
  return true;
}

/// Names like the graph's ops ("layers.3.", "head."), so explain sums them per layer.
std::string op_prefix(int layer, int layers) {
  if (layer < 0) return "embed";
  if (layer >= layers) return "head";
  return "layers." + std::to_string(layer);
}

std::string unit_name(int layer, int layers) {
  if (layer < 0) return "embeddings";
  if (layer >= layers) return "LM head";
  return "layer " + std::to_string(layer);
}

/// Serial cycles of one wafer's share of the step on `l` (the region search's objective).
double estimate(const Graph& g, const WaferLayout& l, OpKernelCoster& coster, const WaferSpec& spec) {
  const KernelModel& k = coster.kernels(g.shape().dtype);
  double total = 0, previous = 0, weights = 0;
  for (std::size_t u = 0; u < l.units.size(); ++u) {
    const LayerUnit& unit = l.units[u];
    const RegionSize r = l.region_of(u).size;
    if (u > 0 && same_shape(g, l.units[u - 1], unit) && l.region_of(u - 1).size.rows == r.rows &&
        l.region_of(u - 1).size.cols == r.cols) {
      total += previous;
    } else {
      previous = 0;
      for (int i = unit.first_op; i < unit.end_op; ++i) previous += coster.cost(g.op(i), r).total();
      total += previous;
    }
    if (!l.shared() && u > 0)
      total += k.transfer(static_cast<double>(g.op(l.units[u - 1].end_op - 1).bytes.activations_out.value()),
                          l.distance(u - 1, u), l.boundary_links(u - 1, u))
                   .total();
    weights += static_cast<double>(unit.weights.value());
  }
  if (l.mode == WaferMapping::WeightStreaming)
    total = std::max(total, weights / spec.io.bandwidth.value() * spec.clock.value());
  return total;
}

enum class TaskType { Op, Move, WaferIo, WeightLoad };

struct TaskInfo {
  TaskType type = TaskType::Op;
  const Op* op = nullptr;
  int stage = 0;
  KernelCost k;
  RegionSize region;
  double bytes = 0;
};

std::string region_text(RegionSize r) { return fmt::format("{}x{}", r.rows, r.cols); }

}  // namespace

std::vector<WaferLayout> WaferStepModel::layouts(const Plan& plan, WaferMapping mode) const {
  const Graph& g = plan.graph();
  RegionMapper mapper(spec_);
  OpKernelCoster coster(spec_, name_, g.shape().kv_dtype);
  std::vector<WaferLayout> out;
  const auto forced = spec_.mapping.forced_region();
  for (const Stage& st : plan.stages) {
    const auto units = RegionMapper::units_of(g, st);
    if (forced) {
      out.push_back(mapper.layout(mode, units, *forced, true, g.layers()));
      continue;
    }
    std::optional<WaferLayout> best;
    double best_cycles = std::numeric_limits<double>::infinity();
    for (const RegionSize& r : mapper.candidates(mode, units, g.layers())) {
      WaferLayout l = mapper.layout(mode, units, r, false, g.layers());
      if (!l.fits) continue;
      const double c = estimate(g, l, coster, spec_);
      if (c < best_cycles) {
        best_cycles = c;
        best = std::move(l);
      }
    }
    // Nothing fits: the whole mesh as one region says by how much.
    if (!best) best = mapper.layout(mode, units, RegionSize{spec_.mesh.height, spec_.mesh.width}, true, g.layers());
    out.push_back(std::move(*best));
  }
  return out;
}

namespace {

StepResult schedule(const Plan& plan, const std::vector<WaferLayout>& ls, int micro, OpKernelCoster& coster,
                    const WaferSpec& spec) {
  const Graph& g = plan.graph();
  const double clock = spec.clock.value();
  const KernelModel& kernels = coster.kernels(g.shape().dtype);
  const bool streaming = !ls.empty() && ls.front().mode == WaferMapping::WeightStreaming;
  const std::size_t stages = ls.size();
  EventEngine eng;
  std::vector<TaskInfo> info;
  std::vector<std::vector<int>> region_res(stages), move_res(stages);
  std::vector<int> io_res(stages, -1), load_res(stages, -1);
  for (std::size_t s = 0; s < stages; ++s) {
    const WaferLayout& l = ls[s];
    const std::string w = stages > 1 ? fmt::format("wafer{} ", s) : "";
    if (l.shared()) {
      region_res[s].push_back(eng.add_resource(fmt::format("{}region {} (all layers)", w, region_text(l.region)), "region"));
    } else {
      for (std::size_t u = 0; u < l.units.size(); ++u) {
        region_res[s].push_back(eng.add_resource(
            fmt::format("{}region {} {}", w, region_text(l.placed[u].size), unit_name(l.units[u].layer, g.layers())),
            "region"));
        move_res[s].push_back(u == 0 ? -1 : eng.add_resource(fmt::format("{}fabric {} -> {}", w,
                                                                        unit_name(l.units[u - 1].layer, g.layers()),
                                                                        unit_name(l.units[u].layer, g.layers())),
                                                            "fabric"));
      }
    }
    if (s + 1 < stages) io_res[s] = eng.add_resource(fmt::format("I/O wafer{} -> wafer{}", s, s + 1), "io");
    if (streaming) load_res[s] = eng.add_resource(fmt::format("{}I/O weights in", w), "io");
  }
  auto add = [&](std::string name, int res, double seconds, std::vector<int> deps, TaskInfo ti) {
    std::erase(deps, -1);
    info.push_back(std::move(ti));
    return eng.add_task(std::move(name), res, engine::to_ps(seconds), std::move(deps));
  };
  for (int mb = 0; mb < micro; ++mb) {
    const std::string suffix = micro > 1 ? fmt::format(" [mb {}]", mb) : "";
    int prev = -1;
    for (std::size_t s = 0; s < stages; ++s) {
      const WaferLayout& l = ls[s];
      std::vector<int> weighted;  // kernels that read streamed weights, in order
      for (std::size_t u = 0; u < l.units.size(); ++u) {
        const LayerUnit& unit = l.units[u];
        const RegionSize r = l.region_of(u).size;
        if (!l.shared() && u > 0) {
          const double bytes =
              static_cast<double>(g.op(l.units[u - 1].end_op - 1).bytes.activations_out.value()) / micro;
          const KernelCost k = kernels.transfer(bytes, l.distance(u - 1, u), l.boundary_links(u - 1, u));
          prev = add(fmt::format("{}.fabric_in{}", op_prefix(unit.layer, g.layers()), suffix),
                     move_res[s][u], k.total() / clock, {prev}, TaskInfo{TaskType::Move, nullptr, static_cast<int>(s), k, r, bytes});
        }
        for (int i = unit.first_op; i < unit.end_op; ++i) {
          const Op& op = g.op(i);
          const KernelCost& k = coster.cost(op, r, micro);
          std::vector<int> deps{prev};
          if (streaming && op.bytes.weights.value() > 0) {
            // Two weight buffers: a load waits until the kernel two loads back is done.
            std::vector<int> load_deps;
            if (weighted.size() >= 2) load_deps.push_back(weighted[weighted.size() - 2]);
            const double bytes = static_cast<double>(op.bytes.weights.value());
            deps.push_back(add(op.name + ".weights", load_res[s], bytes / spec.io.bandwidth.value(), load_deps,
                               TaskInfo{TaskType::WeightLoad, &op, static_cast<int>(s), {}, r, bytes}));
          }
          const int t = add(op.name + suffix, region_res[s][l.shared() ? 0 : u], k.total() / clock, deps,
                            TaskInfo{TaskType::Op, &op, static_cast<int>(s), k, r,
                                     static_cast<double>(op.bytes.total().value()) / micro});
          if (streaming && op.bytes.weights.value() > 0) weighted.push_back(t);
          prev = t;
        }
      }
      if (s + 1 < stages) {
        const Stage& st = plan.stages[s];
        const double bytes = static_cast<double>(g.op(st.end_op - 1).bytes.activations_out.value()) / micro;
        prev = add(fmt::format("wafer{}_to_wafer{}.io{}", s, s + 1, suffix), io_res[s],
                   spec.io.latency.value() + bytes / spec.io.bandwidth.value(), {prev},
                   TaskInfo{TaskType::WaferIo, nullptr, static_cast<int>(s), {}, {}, bytes});
      }
    }
  }
  eng.run();

  StepResult r;
  r.latency_s = engine::to_seconds(eng.makespan());
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
        o.flops = ti.op->flops;
        const double local = k.local(), fabric = k.fabric();
        o.bound = local >= fabric && local >= k.overhead ? (k.compute >= k.sram ? Bound::Compute : Bound::Memory)
                  : fabric >= k.overhead                 ? Bound::Fabric
                                                         : Bound::Latency;
        o.note = fmt::format("{} · {:.0f} hops{}", region_text(ti.region), k.hops,
                             k.algo != ReduceAlgo::None ? fmt::format(" · {} reduce", reduce_algo_name(k.algo)) : "");
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
        o.cost.overhead = Seconds(spec.io.latency.value());
        o.cost.traffic.io_bytes = ti.bytes;
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
  // The critical path is gapless: its tasks, split by what bounded each, add up
  // to the makespan.
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
      case TaskType::WaferIo: r.time.interconnect += d; break;
      case TaskType::WeightLoad: r.time.memory += d; break;
    }
  }
  r.bound = r.time.dominant();
  // Busy time per resource class: at batch 1 each layer's region idles while the
  // others work (the pipeline is empty), which is why micro-batches pay off.
  std::size_t regions = 0;
  for (const auto& res : eng.resources()) regions += res.class_name == "region";
  if (eng.makespan() > 0 && regions > 0)
    r.layout = fmt::format("regions busy {:.0f}% of the step on average",
                           100.0 * static_cast<double>(eng.busy_of_class("region")) /
                               (static_cast<double>(eng.makespan()) * static_cast<double>(regions)));
  return r;
}

}  // namespace

StepResult WaferStepModel::run(const Plan& plan) const {
  const Graph& g = plan.graph();
  OpKernelCoster coster(spec_, name_, g.shape().kv_dtype);
  std::vector<WaferMapping> modes{spec_.mapping.mode};
  if (spec_.mapping.mode == WaferMapping::Auto) {
    modes = {WaferMapping::LayerPipelined, WaferMapping::WaferParallel};
    if (spec_.io.external_memory.value() > 0) modes.push_back(WaferMapping::WeightStreaming);
  }
  struct Tried {
    WaferMapping mode;
    std::vector<WaferLayout> layouts;
    int micro = 1;
    StepResult result;
  };
  std::vector<Tried> tried;
  std::string first_error;
  for (WaferMapping mode : modes) {
    auto ls = layouts(plan, mode);
    const auto bad = std::find_if(ls.begin(), ls.end(), [](const WaferLayout& l) { return !l.fits; });
    if (bad != ls.end()) {
      if (first_error.empty())
        first_error = fmt::format("{}{}: {}", ls.size() > 1 ? fmt::format("wafer {} ", bad - ls.begin()) : "",
                                  wafer_mapping_name(mode), bad->fit_error);
      continue;
    }
    const std::int64_t batch = g.shape().batch;
    Tried best{mode, ls, 1, schedule(plan, ls, 1, coster, spec_)};
    if (mode == WaferMapping::LayerPipelined)
      for (int micro = 2; micro <= std::min<std::int64_t>(batch, 16); micro *= 2) {
        StepResult r = schedule(plan, ls, micro, coster, spec_);
        if (r.latency_s < best.result.latency_s) best = Tried{mode, ls, micro, std::move(r)};
      }
    tried.push_back(std::move(best));
  }
  if (tried.empty()) {
    StepResult r;
    r.fit_error = first_error;
    return r;
  }
  auto best = std::min_element(tried.begin(), tried.end(), [](const Tried& a, const Tried& b) {
    return a.result.latency_s < b.result.latency_s;
  });
  // Cycle fidelity: the chosen layout, mode and micro-batches, priced again kernel by kernel.
  if (final_kernels_) {
    OpKernelCoster final_coster(spec_, name_, g.shape().kv_dtype, final_kernels_);
    best->result = schedule(plan, best->layouts, best->micro, final_coster, spec_);
  }
  StepResult r = std::move(best->result);
  r.weights_streamed = best->mode == WaferMapping::WeightStreaming;
  const WaferLayout& l = best->layouts.front();
  const bool forced = spec_.mapping.forced_region().has_value();
  const std::string busy = r.layout;
  r.layout = fmt::format("{}, {} {}x{} cores ({}{})", wafer_mapping_name(best->mode),
                         l.shared() ? "all layers on one region of" : "each layer on a region of", l.region.rows,
                         l.region.cols, forced ? "forced by mapping.region" : "fastest region size found",
                         best->layouts.size() > 1 ? " on wafer 0" : "");
  if (best->micro > 1) r.layout += fmt::format(", {} micro-batches in flight", best->micro);
  if (!busy.empty()) r.layout += ", " + busy;
  if (tried.size() > 1 || modes.size() > 1) {
    std::string others;
    for (const auto& t : tried)
      if (&t != &*best)
        others += fmt::format("{}{} {}", others.empty() ? "" : ", ", wafer_mapping_name(t.mode),
                              fmt::format("{:.3g} ms", t.result.latency_s * 1e3));
    r.layout += fmt::format("; auto chose it{}{}", final_kernels_ ? " at approx" : "",
                            others.empty() ? " (nothing else fits)" : " over " + others);
  }
  return r;
}

}  // namespace wafersim::wafer
