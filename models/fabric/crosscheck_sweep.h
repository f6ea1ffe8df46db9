#pragma once
// The approx-vs-cycle kernel sweep of a wafer (`wafersim crosscheck`, A-152):
// every mesh kernel on the grid of shapes (lines of 4..64 cores, regions
// 4x4..64x64, matrices 64..4096, batch 1..16, ragged shapes that do not divide the
// region, attention, norms, elementwise ops, transfers), each timed by approx's
// closed form (wafer::MeshKernels, a given reduction algorithm where the row
// names one) and by the cycle-level kernel (CycleKernels::run_*) with the numbers
// checked against Eigen. Shapes whose data does not fit a core's SRAM at cycle
// level come back with fits = false; regions larger than the mesh are left out.
// fp16 operands, the wafer's own per-cycle figures (OpKernelCoster::params).

#include <string>

#include "models/wafer/wafer_spec.h"
#include "sim/timing/crosscheck.h"

namespace wafersim::fabric {

[[nodiscard]] CrosscheckTable wafer_crosscheck(const std::string& device, const wafer::WaferSpec& spec,
                                               const CrosscheckOptions& options);

}  // namespace wafersim::fabric
