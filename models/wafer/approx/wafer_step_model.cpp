#include "models/wafer/approx/wafer_step_model.h"

#include <algorithm>
#include <fmt/format.h>
#include <array>
#include <limits>

#include "models/wafer/approx/op_kernel_coster.h"
#include "models/wafer/wafer_software.h"
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

/// Colours a region's collectives run on at once: a layer's independent
/// ops (q/k/v, gate/up) reduce on different colours while the cores go on.
constexpr int kColours = 4;

/// An input of an op inside its layer: which op, and whether the consumer only
/// needs its local part (a norm's scale folds into the next matrix product, so
/// the product's MACs start before the norm's all-reduce ends; A-239).
struct UnitInput {
  int op = 0;
  bool fused = false;
};

std::vector<UnitInput> unit_inputs(const Graph& g, const LayerUnit& unit, int i, LayerSchedule schedule) {
  std::vector<UnitInput> out;
  if (schedule == LayerSchedule::Sequential) {
    if (i > unit.first_op) out.push_back(UnitInput{i - 1, false});
    return out;
  }
  const Op& op = g.op(i);
  for (int in : op.inputs) {
    if (in < unit.first_op || in >= i) continue;
    const bool product = op.kind == OpKind::MatMul || op.kind == OpKind::Router;
    out.push_back(UnitInput{in, product && g.op(in).kind == OpKind::Norm});
  }
  return out;
}

/// An op's kernel split into the part on the cores (task activation, multicast,
/// local work, and the reduction's own core work: add tasks and streams) and the
/// rest of the reduction, hops and ramps, which overlaps the next op.
std::pair<KernelCost, KernelCost> split_kernel(const KernelCost& k) {
  KernelCost local = k, fabric;
  const double busy = std::min(k.reduce, k.reduce_busy);
  local.reduce = busy;
  if (k.reduce - busy <= 0) return {local, fabric};
  fabric.reduce = k.reduce - busy;
  fabric.algo = k.algo;
  fabric.hops = k.hops;
  fabric.fabric_byte_hops = k.fabric_byte_hops;
  local.fabric_byte_hops = 0;
  local.algo = ReduceAlgo::None;
  return {local, fabric};
}

/// Cycles of one unit's ops as a dataflow graph on its region: the cores run the
/// local parts in order, each reduction on its colour once its local part (and a
/// fused norm's reduction) is done; the same rules as the event-engine schedule.
double unit_cycles(const Graph& g, const LayerUnit& unit, RegionSize r, OpKernelCoster& coster, int parts) {
  const auto n = static_cast<std::size_t>(unit.end_op - unit.first_op);
  std::vector<double> local_end(n, 0), end(n, 0);
  double cores_free = 0, colour_free[kColours] = {0, 0, 0, 0};
  for (int i = unit.first_op; i < unit.end_op; ++i) {
    const auto [local, fabric] = split_kernel(coster.cost(g.op(i), r, parts));
    const auto at = static_cast<std::size_t>(i - unit.first_op);
    double ready = cores_free, fabric_ready = 0;
    for (const UnitInput& in : unit_inputs(g, unit, i, coster.schedule())) {
      const auto j = static_cast<std::size_t>(in.op - unit.first_op);
      ready = std::max(ready, in.fused ? local_end[j] : end[j]);
      if (in.fused) fabric_ready = std::max(fabric_ready, end[j]);
    }
    local_end[at] = ready + local.total();
    cores_free = local_end[at];
    end[at] = local_end[at];
    if (fabric.total() > 0) {
      double& c = colour_free[at % kColours];
      end[at] = std::max({local_end[at], c, fabric_ready}) + fabric.total();
      c = end[at];
    }
  }
  return n == 0 ? 0 : end[n - 1];
}

/// Cycles of one wafer's share of the step on `l` at one micro-batch: the units'
/// dataflow spans and the moves between them, one after another (the region
/// search's objective, equal to the schedule's makespan up to rounding).
double estimate(const Graph& g, const WaferLayout& l, OpKernelCoster& coster, const WaferSpec& spec,
                const StackSpec& stack) {
  const KernelModel& k = coster.kernels(g.shape().dtype);
  double total = 0, previous = 0, weights = 0;
  for (std::size_t u = 0; u < l.units.size(); ++u) {
    const LayerUnit& unit = l.units[u];
    const RegionSize r = l.region_of(u).size;
    if (u > 0 && same_shape(g, l.units[u - 1], unit) && l.region_of(u - 1).size.rows == r.rows &&
        l.region_of(u - 1).size.cols == r.cols) {
      total += previous;
    } else {
      previous = unit_cycles(g, unit, r, coster, 1);
      if (unit.layer >= 0 && unit.layer < g.layers()) previous += stack.layer_overhead.value() * spec.clock.value();
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

enum class TaskType { Op, Move, WaferIo, WeightLoad, Stack };

struct TaskInfo {
  TaskType type = TaskType::Op;
  bool fabric_part = false;  ///< an op's reduction (its local part is another task)
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
      const double c = estimate(g, l, coster, spec_, stack_for(spec_, plan.group().software.get()));
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
  // The system's `software.wafer`, else the device's `stack:`.
  const StackSpec stack = stack_for(spec, plan.group().software.get());
  const Graph& g = plan.graph();
  const double clock = spec.clock.value();
  const KernelModel& kernels = coster.kernels(g.shape().dtype);
  const bool streaming = !ls.empty() && ls.front().mode == WaferMapping::WeightStreaming;
  const std::size_t stages = ls.size();
  EventEngine eng;
  std::vector<TaskInfo> info;
  std::vector<std::vector<int>> region_res(stages), move_res(stages);
  std::vector<std::vector<std::array<int, kColours>>> colour_res(stages);
  std::vector<int> io_res(stages, -1), load_res(stages, -1);
  for (std::size_t s = 0; s < stages; ++s) {
    const WaferLayout& l = ls[s];
    const std::string w = stages > 1 ? fmt::format("wafer{} ", s) : "";
    auto add_colours = [&](std::string region) {
      std::array<int, kColours> c{};
      for (int k = 0; k < kColours; ++k)
        c[static_cast<std::size_t>(k)] = eng.add_resource(fmt::format("{} fabric colour {}", region, k), "fabric");
      colour_res[s].push_back(c);
    };
    if (l.shared()) {
      const std::string name = fmt::format("{}region {} (all layers)", w, region_text(l.region));
      region_res[s].push_back(eng.add_resource(name, "region"));
      add_colours(name);
    } else {
      for (std::size_t u = 0; u < l.units.size(); ++u) {
        region_res[s].push_back(eng.add_resource(
            fmt::format("{}region {} {}", w, region_text(l.placed[u].size), unit_name(l.units[u].layer, g.layers())),
            "region"));
        add_colours(eng.resources().back().name);
        move_res[s].push_back(
            u == 0 ? -1
                   : eng.add_resource(fmt::format("{}fabric {} -> {}", w, unit_name(l.units[u - 1].layer, g.layers()),
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
  std::vector<int> ends;  // the last task of each micro-batch
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
          prev = add(fmt::format("{}.fabric_in{}", op_prefix(unit.layer, g.layers()), suffix), move_res[s][u],
                     k.total() / clock, {prev},
                     TaskInfo{TaskType::Move, false, nullptr, static_cast<int>(s), k, r, bytes});
        }
        // The unit's ops as a dataflow graph: local parts on the region's
        // cores in order, reductions on the region's colours.
        const int gate = prev;
        const std::size_t res = l.shared() ? 0 : u;
        std::vector<int> local_of(static_cast<std::size_t>(unit.end_op - unit.first_op), -1), end_of(local_of);
        for (int i = unit.first_op; i < unit.end_op; ++i) {
          const Op& op = g.op(i);
          const auto at = static_cast<std::size_t>(i - unit.first_op);
          const auto [local, fabric] = split_kernel(coster.cost(op, r, micro));
          std::vector<int> deps, fabric_deps;
          for (const UnitInput& in : unit_inputs(g, unit, i, coster.schedule())) {
            const auto j = static_cast<std::size_t>(in.op - unit.first_op);
            deps.push_back(in.fused ? local_of[j] : end_of[j]);
            if (in.fused) fabric_deps.push_back(end_of[j]);
          }
          if (deps.empty() || i == unit.first_op) deps.push_back(gate);
          if (streaming && op.bytes.weights.value() > 0) {
            // Two weight buffers: a load waits until the kernel two loads back is done.
            std::vector<int> load_deps;
            if (weighted.size() >= 2) load_deps.push_back(weighted[weighted.size() - 2]);
            const double bytes = static_cast<double>(op.bytes.weights.value());
            deps.push_back(add(op.name + ".weights", load_res[s], bytes / spec.io.bandwidth.value(), load_deps,
                               TaskInfo{TaskType::WeightLoad, false, &op, static_cast<int>(s), {}, r, bytes}));
          }
          const int t = add(op.name + suffix, region_res[s][res], local.total() / clock, deps,
                            TaskInfo{TaskType::Op, false, &op, static_cast<int>(s), local, r,
                                     static_cast<double>(op.bytes.total().value()) / micro});
          local_of[at] = t;
          end_of[at] = t;
          if (fabric.total() > 0) {
            fabric_deps.push_back(t);
            end_of[at] = add(op.name + ".reduce" + suffix, colour_res[s][res][at % kColours], fabric.total() / clock,
                             fabric_deps, TaskInfo{TaskType::Op, true, &op, static_cast<int>(s), fabric, r, 0});
          }
          if (streaming && op.bytes.weights.value() > 0) weighted.push_back(end_of[at]);
        }
        if (!end_of.empty()) prev = end_of.back();
        if (stack.layer_overhead.value() > 0 && unit.layer >= 0 && unit.layer < g.layers())
          prev = add(op_prefix(unit.layer, g.layers()) + ".stack" + suffix, region_res[s][res],
                     stack.layer_overhead.value(), {prev},
                     TaskInfo{TaskType::Stack, false, nullptr, static_cast<int>(s), {}, r, 0});
      }
      if (s + 1 < stages) {
        const Stage& st = plan.stages[s];
        const double bytes = static_cast<double>(g.op(st.end_op - 1).bytes.activations_out.value()) / micro;
        prev = add(fmt::format("wafer{}_to_wafer{}.io{}", s, s + 1, suffix), io_res[s],
                   spec.io.latency.value() + bytes / spec.io.bandwidth.value(), {prev},
                   TaskInfo{TaskType::WaferIo, false, nullptr, static_cast<int>(s), {}, {}, bytes});
      }
    }
    ends.push_back(prev);
  }
  // What the production stack adds once per step, after the last kernel.
  if (stack.step_overhead.value() > 0)
    add("stack.step_overhead", eng.add_resource("serving stack (runtime, host, sampling)", "stack"),
        stack.step_overhead.value(), ends, TaskInfo{TaskType::Stack, false, nullptr, 0, {}, {}, 0});
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
        o.cost.overhead = Seconds(spec.io.latency.value());
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
  auto best = std::min_element(tried.begin(), tried.end(),
                               [](const Tried& a, const Tried& b) { return a.result.latency_s < b.result.latency_s; });
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
