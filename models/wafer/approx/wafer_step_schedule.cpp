#include "models/wafer/approx/wafer_step_schedule.h"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <string>

#include "models/wafer/approx/layer_dataflow.h"
#include "models/wafer/approx/wafer_step_tasks.h"
#include "models/wafer/wafer_software.h"
#include "sim/engine/event_engine.h"

namespace wafersim::wafer {
namespace {

using engine::EventEngine;

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

/// The engine's resources of one wafer (stage).
struct WaferResources {
  std::vector<int> region;                        ///< per unit (one when shared)
  std::vector<std::array<int, kColours>> colour;  ///< per region
  std::vector<int> move;                          ///< per unit: the boundary into it (-1 for the first)
  int io = -1, load = -1;                         ///< to the next wafer; weights in
};

class StepSchedule {
 public:
  StepSchedule(const Plan& plan, const std::vector<WaferLayout>& ls, int micro, OpKernelCoster& coster,
               const WaferSpec& spec)
      : plan_(plan),
        g_(plan.graph()),
        ls_(ls),
        micro_(micro),
        coster_(coster),
        spec_(spec),
        stack_(stack_for(spec, plan.group().software.get())),
        clock_(spec.clock.value()),
        streaming_(!ls.empty() && ls.front().mode == WaferMapping::WeightStreaming) {}

  StepResult run() {
    add_resources();
    std::vector<int> ends;  // the last task of each micro-batch
    for (int mb = 0; mb < micro_; ++mb) ends.push_back(add_micro_batch(mb));
    add_step_overhead(ends);
    eng_.run();
    StepResult r;
    r.latency_s = engine::to_seconds(eng_.makespan());
    report_tasks(eng_, info_, clock_, spec_.io.latency.value(), r);
    split_critical_path(eng_, info_, r);
    summarise_busy(r);
    return r;
  }

 private:
  void add_resources();
  /// One micro-batch through every wafer; returns its last task.
  int add_micro_batch(int mb);
  /// One unit's ops as a dataflow graph on its region; returns the last task.
  int add_unit_ops(std::size_t s, std::size_t u, int gate, const std::string& suffix, std::vector<int>& weighted);
  void add_step_overhead(const std::vector<int>& ends);
  void summarise_busy(StepResult& r) const;

  int add(std::string name, int res, double seconds, std::vector<int> deps, TaskInfo ti) {
    std::erase(deps, -1);
    info_.push_back(std::move(ti));
    return eng_.add_task(std::move(name), res, engine::to_ps(seconds), std::move(deps));
  }

  const Plan& plan_;
  const Graph& g_;
  const std::vector<WaferLayout>& ls_;
  int micro_;
  OpKernelCoster& coster_;
  const WaferSpec& spec_;
  StackSpec stack_;  ///< the system's `software.wafer`, else the device's `stack:` (A-236)
  double clock_;
  bool streaming_;
  EventEngine eng_;
  std::vector<TaskInfo> info_;
  std::vector<WaferResources> res_;
};

void StepSchedule::add_resources() {
  const std::size_t stages = ls_.size();
  res_.resize(stages);
  for (std::size_t s = 0; s < stages; ++s) {
    const WaferLayout& l = ls_[s];
    WaferResources& wr = res_[s];
    const std::string w = stages > 1 ? fmt::format("wafer{} ", s) : "";
    auto add_region = [&](std::string name) {
      wr.region.push_back(eng_.add_resource(name, "region"));
      std::array<int, kColours> c{};
      for (int k = 0; k < kColours; ++k)
        c[static_cast<std::size_t>(k)] = eng_.add_resource(fmt::format("{} fabric colour {}", name, k), "fabric");
      wr.colour.push_back(c);
    };
    if (l.shared()) {
      add_region(fmt::format("{}region {} (all layers)", w, region_text(l.region)));
    } else {
      for (std::size_t u = 0; u < l.units.size(); ++u) {
        add_region(
            fmt::format("{}region {} {}", w, region_text(l.placed[u].size), unit_name(l.units[u].layer, g_.layers())));
        wr.move.push_back(
            u == 0 ? -1
                   : eng_.add_resource(fmt::format("{}fabric {} -> {}", w, unit_name(l.units[u - 1].layer, g_.layers()),
                                                   unit_name(l.units[u].layer, g_.layers())),
                                       "fabric"));
      }
    }
    if (s + 1 < stages) wr.io = eng_.add_resource(fmt::format("I/O wafer{} -> wafer{}", s, s + 1), "io");
    if (streaming_) wr.load = eng_.add_resource(fmt::format("{}I/O weights in", w), "io");
  }
}

int StepSchedule::add_micro_batch(int mb) {
  const std::string suffix = micro_ > 1 ? fmt::format(" [mb {}]", mb) : "";
  const KernelModel& kernels = coster_.kernels(g_.shape().dtype);
  int prev = -1;
  for (std::size_t s = 0; s < ls_.size(); ++s) {
    const WaferLayout& l = ls_[s];
    std::vector<int> weighted;  // kernels that read streamed weights, in order
    for (std::size_t u = 0; u < l.units.size(); ++u) {
      const LayerUnit& unit = l.units[u];
      const RegionSize r = l.region_of(u).size;
      if (!l.shared() && u > 0) {
        // The activations cross from the previous unit's region to this one's.
        const double bytes =
            static_cast<double>(g_.op(l.units[u - 1].end_op - 1).bytes.activations_out.value()) / micro_;
        const KernelCost k = kernels.transfer(bytes, l.distance(u - 1, u), l.boundary_links(u - 1, u));
        prev =
            add(fmt::format("{}.fabric_in{}", op_prefix(unit.layer, g_.layers()), suffix), res_[s].move[u],
                k.total() / clock_, {prev}, TaskInfo{TaskType::Move, false, nullptr, static_cast<int>(s), k, r, bytes});
      }
      prev = add_unit_ops(s, u, prev, suffix, weighted);
      if (stack_.layer_overhead.value() > 0 && unit.layer >= 0 && unit.layer < g_.layers())
        prev = add(op_prefix(unit.layer, g_.layers()) + ".stack" + suffix, res_[s].region[l.shared() ? 0 : u],
                   stack_.layer_overhead.value(), {prev},
                   TaskInfo{TaskType::Stack, false, nullptr, static_cast<int>(s), {}, r, 0});
    }
    if (s + 1 < ls_.size()) {
      const Stage& st = plan_.stages[s];
      const double bytes = static_cast<double>(g_.op(st.end_op - 1).bytes.activations_out.value()) / micro_;
      prev = add(fmt::format("wafer{}_to_wafer{}.io{}", s, s + 1, suffix), res_[s].io,
                 spec_.io.latency.value() + bytes / spec_.io.bandwidth.value(), {prev},
                 TaskInfo{TaskType::WaferIo, false, nullptr, static_cast<int>(s), {}, {}, bytes});
    }
  }
  return prev;
}

int StepSchedule::add_unit_ops(std::size_t s, std::size_t u, int gate, const std::string& suffix,
                               std::vector<int>& weighted) {
  const WaferLayout& l = ls_[s];
  const LayerUnit& unit = l.units[u];
  const RegionSize r = l.region_of(u).size;
  const std::size_t res = l.shared() ? 0 : u;
  std::vector<int> local_of(static_cast<std::size_t>(unit.end_op - unit.first_op), -1), end_of(local_of);
  for (int i = unit.first_op; i < unit.end_op; ++i) {
    const Op& op = g_.op(i);
    const auto at = static_cast<std::size_t>(i - unit.first_op);
    const auto [local, fabric] = split_kernel(coster_.cost(op, r, micro_));
    std::vector<int> deps, fabric_deps;
    for (const UnitInput& in : unit_inputs(g_, unit, i, coster_.schedule())) {
      const auto j = static_cast<std::size_t>(in.op - unit.first_op);
      deps.push_back(in.fused ? local_of[j] : end_of[j]);
      if (in.fused) fabric_deps.push_back(end_of[j]);
    }
    if (deps.empty() || i == unit.first_op) deps.push_back(gate);
    if (streaming_ && op.bytes.weights.value() > 0) {
      // Two weight buffers: a load waits until the kernel two loads back is done.
      std::vector<int> load_deps;
      if (weighted.size() >= 2) load_deps.push_back(weighted[weighted.size() - 2]);
      const double bytes = static_cast<double>(op.bytes.weights.value());
      deps.push_back(add(op.name + ".weights", res_[s].load, bytes / spec_.io.bandwidth.value(), load_deps,
                         TaskInfo{TaskType::WeightLoad, false, &op, static_cast<int>(s), {}, r, bytes}));
    }
    const int t = add(op.name + suffix, res_[s].region[res], local.total() / clock_, deps,
                      TaskInfo{TaskType::Op, false, &op, static_cast<int>(s), local, r,
                               static_cast<double>(op.bytes.total().value()) / micro_});
    local_of[at] = t;
    end_of[at] = t;
    if (fabric.total() > 0) {
      fabric_deps.push_back(t);
      end_of[at] = add(op.name + ".reduce" + suffix, res_[s].colour[res][at % kColours], fabric.total() / clock_,
                       fabric_deps, TaskInfo{TaskType::Op, true, &op, static_cast<int>(s), fabric, r, 0});
    }
    if (streaming_ && op.bytes.weights.value() > 0) weighted.push_back(end_of[at]);
  }
  return end_of.empty() ? gate : end_of.back();
}

void StepSchedule::add_step_overhead(const std::vector<int>& ends) {
  // What the production stack adds once per step, after the last kernel.
  if (stack_.step_overhead.value() > 0)
    add("stack.step_overhead", eng_.add_resource("serving stack (runtime, host, sampling)", "stack"),
        stack_.step_overhead.value(), ends, TaskInfo{TaskType::Stack, false, nullptr, 0, {}, {}, 0});
}

void StepSchedule::summarise_busy(StepResult& r) const {
  // Busy time per resource class: at batch 1 each layer's region idles while the
  // others work (the pipeline is empty), which is why micro-batches pay off.
  std::size_t regions = 0;
  for (const auto& res : eng_.resources()) regions += res.class_name == "region";
  if (eng_.makespan() > 0 && regions > 0)
    r.layout = fmt::format("regions busy {:.0f}% of the step on average",
                           100.0 * static_cast<double>(eng_.busy_of_class("region")) /
                               (static_cast<double>(eng_.makespan()) * static_cast<double>(regions)));
}

}  // namespace

StepResult schedule_step(const Plan& plan, const std::vector<WaferLayout>& layouts, int micro, OpKernelCoster& coster,
                         const WaferSpec& spec) {
  return StepSchedule(plan, layouts, micro, coster, spec).run();
}

}  // namespace wafersim::wafer
