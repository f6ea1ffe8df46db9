#pragma once
// The wafer's own step model at approx fidelity (A-50..A-59). For each wafer of
// the plan (one pipeline stage per wafer) it lays the layers out on the mesh
// (RegionMapper), searches a fixed grid of region sizes for the fastest (A-238; or takes
// `mapping.region`), prices each op with the mesh kernels (OpKernelCoster), and
// schedules the step as tasks on regions, their fabric colours, region-to-region
// links and wafer I/O in the generic EventEngine: a layer's ops run as a dataflow
// graph (A-239; `mapping.schedule: sequential` = one at a time), micro-batches
// (layer_pipelined, batch > 1) overlap across regions, weight loads
// (weight_streaming) run ahead of the kernels that need them with two buffers,
// and activations cross between wafers over the I/O. `auto` schedules every
// layout that fits and keeps the fastest. The step's time is the makespan; its
// breakdown is the critical path's tasks split by what bounded each.
// The production stack (`stack:`, A-236) adds its time after each layer and step.
// Leaves out: chunked prefill (a prompt is one micro-batch per sequence), link
// sharing between concurrent transfers beyond one-at-a-time per boundary, and
// link sharing between a layer's concurrent reductions.
// At cycle fidelity (a kernel factory given) the layout, mapping mode and
// micro-batch count are still chosen with approx costs, so the cycle-level
// kernels run on the data placement approx uses; only the final schedule prices
// every kernel and region-to-region transfer with the factory's model.

#include <string>

#include "models/wafer/approx/op_kernel_coster.h"
#include "models/wafer/approx/region_mapper.h"
#include "models/wafer/wafer_spec.h"
#include "sim/timing/step_result.h"

namespace wafersim::wafer {

class WaferStepModel {
 public:
  /// `final_kernels`: the kernel model of the final schedule (empty = approx's).
  WaferStepModel(std::string device_name, const WaferSpec& spec, KernelModelFactory final_kernels = {})
      : name_(std::move(device_name)), spec_(spec), final_kernels_(std::move(final_kernels)) {}

  /// Times one step of `plan`. A layout that cannot hold the step comes back
  /// with `fit_error` set (bytes per core needed and available, the layers).
  [[nodiscard]] StepResult run(const Plan& plan) const;

  /// The layouts (one per wafer) `mode` would use for `plan` at `micro`
  /// micro-batches, region searched or forced.
  [[nodiscard]] std::vector<WaferLayout> layouts(const Plan& plan, WaferMapping mode, int micro = 1) const;

 private:
  std::string name_;
  const WaferSpec& spec_;
  KernelModelFactory final_kernels_;
};

}  // namespace wafersim::wafer
