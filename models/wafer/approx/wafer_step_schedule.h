#pragma once
// One step of a plan on its wafer layouts as tasks in the generic EventEngine
// (A-50..A-59, A-239): each unit's ops as a dataflow graph on its region (local
// parts on the region's cores, reductions on its fabric colours), the moves
// between regions, weight loads through the wafer I/O (weight_streaming, two
// buffers), the production stack's time after each layer and step, and
// activations crossing between wafers; `micro` micro-batches run through it as
// a pipeline. The step's time is the makespan; its breakdown is the critical
// path's tasks split by what bounded each. Leaves out: link sharing between
// concurrent transfers beyond one at a time per boundary. Units: seconds
// (kernel costs come in cycles and are converted at the wafer's clock).

#include <vector>

#include "models/wafer/approx/op_kernel_coster.h"
#include "models/wafer/approx/region_mapper.h"
#include "models/wafer/wafer_spec.h"
#include "sim/mapping/plan.h"
#include "sim/timing/step_result.h"

namespace wafersim::wafer {

/// Schedules one step of `plan` on `layouts` (one per wafer) with `micro`
/// micro-batches, pricing kernels with `coster`.
[[nodiscard]] StepResult schedule_step(const Plan& plan, const std::vector<WaferLayout>& layouts, int micro,
                                       OpKernelCoster& coster, const WaferSpec& spec);

}  // namespace wafersim::wafer
