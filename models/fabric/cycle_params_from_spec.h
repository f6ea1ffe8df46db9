#pragma once
// The glue between a wafer preset and the cycle-level kernels: which wafers the
// cycle model can run (meshes up to 128 x 128 cores, a fabric stepped in whole
// flits and whole cycles per hop), and the CycleParams of a wafer for one set of
// per-cycle figures (the same MeshParams approx's OpKernelCoster builds). A-150,
// Leaves out nothing of the spec the kernels read; the clock only converts
// cycles to seconds afterwards, in the step model.

#include <cstdint>
#include <string>

#include "models/fabric/cycle_kernels.h"
#include "models/wafer/approx/op_kernel_coster.h"
#include "sim/mapping/plan.h"
#include "sim/timing/step_result.h"
#include "models/wafer/wafer_spec.h"

namespace wafersim::fabric {

/// The largest mesh side the cycle model simulates (the 128 x 128).
inline constexpr std::int64_t kMaxCycleMeshSide = 128;
/// Colours the cycle router simulates at most.
inline constexpr int kMaxCycleColors = 4;

/// Throws InputError (option --fidelity) when `device`'s mesh is larger than
/// 128 x 128 or its fabric cannot be stepped in whole flits and whole cycles.
/// `crosscheck`: the message is about `crosscheck --system` instead.
void check_cycle_mesh(const std::string& device, const wafer::WaferSpec& spec, bool crosscheck = false);

/// CycleParams for `core` (per-cycle figures of one dtype) on `spec`'s cores:
/// usable SRAM per core, min(4, fabric.colors) colours.
[[nodiscard]] CycleParams cycle_params(const wafer::WaferSpec& spec, const wafer::MeshParams& core);

/// The factory OpKernelCoster / WaferStepModel use at cycle fidelity.
[[nodiscard]] wafer::KernelModelFactory cycle_kernel_factory(const wafer::WaferSpec& spec);

/// One step of `plan` at cycle fidelity: WaferStepModel with `kernels` (empty =
/// CycleKernels) in the final schedule. A kernel whose data does not fit a core's
/// SRAM (DoesNotFit) comes back as the step's fit_error.
[[nodiscard]] StepResult cycle_step(const std::string& device, const wafer::WaferSpec& spec, const Plan& plan,
                                    wafer::KernelModelFactory kernels = {});

}  // namespace wafersim::fabric
