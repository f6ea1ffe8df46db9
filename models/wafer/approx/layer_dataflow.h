#pragma once
// The rules by which a layer's ops share their region, used both by the
// event-engine schedule (wafer_step_schedule.cpp) and by the region search's
// closed-form objective (estimate, below), so the search ranks regions by what
// the schedule will do. An op is two parts: its local part on the region's cores
// (task activation, multicast, local work, its reduction's core work) and the
// rest of its reduction (hops and ramps) on one of the region's fabric colours.
// Leaves out: link sharing between concurrent reductions. Units: cycles.

#include <utility>
#include <vector>

#include "models/wafer/approx/op_kernel_coster.h"
#include "models/wafer/approx/region_mapper.h"
#include "models/wafer/wafer_software.h"
#include "sim/workload/graph.h"

namespace wafersim::wafer {

/// Colours a region's collectives run on at once: a layer's independent
/// ops (q/k/v, gate/up) reduce on different colours while the cores go on.
inline constexpr int kColours = 4;

/// An input of an op inside its layer: which op, and whether the consumer only
/// needs its local part (a norm's scale folds into the next matrix product, so
/// the product's MACs start before the norm's all-reduce ends; A-239).
struct UnitInput {
  int op = 0;
  bool fused = false;
};

/// The inputs op `i` waits for inside `unit` (sequential: the op before it).
[[nodiscard]] std::vector<UnitInput> unit_inputs(const Graph& g, const LayerUnit& unit, int i, LayerSchedule schedule);

/// An op's kernel split into its part on the cores and the rest of its reduction.
[[nodiscard]] std::pair<KernelCost, KernelCost> split_kernel(const KernelCost& k);

/// Two layers with the same ops in the same shapes cost the same on the same region.
[[nodiscard]] bool same_shape(const Graph& g, const LayerUnit& a, const LayerUnit& b);

/// Cycles of one unit's ops as a dataflow graph on region `r`, at 1/`parts` of
/// the tokens (one micro-batch).
[[nodiscard]] double unit_cycles(const Graph& g, const LayerUnit& unit, RegionSize r, OpKernelCoster& coster,
                                 int parts);

/// Cycles of one wafer's share of the step on `l` with `micro` micro-batches:
/// the units and the moves between them as a pipeline (each region and each
/// boundary one stage; identical micro-batches through a chain of stages take
/// the sum of the stage times plus (micro − 1) times the slowest). The region
/// search's objective; at one micro-batch it equals the schedule's makespan up
/// to rounding.
[[nodiscard]] double estimate(const Graph& g, const WaferLayout& l, OpKernelCoster& coster, const WaferSpec& spec,
                              const StackSpec& stack, int micro = 1);

}  // namespace wafersim::wafer
