#include "models/fabric/cycle_params_from_spec.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "models/wafer/approx/wafer_step_model.h"
#include "sim/core/error.h"

namespace wafersim::fabric {
namespace {

bool whole_at_least_one(double v) { return std::isfinite(v) && v >= 1 && std::floor(v) == v; }

}  // namespace

void check_cycle_mesh(const std::string& device, const wafer::WaferSpec& spec, bool crosscheck) {
  if (spec.mesh.width > kMaxCycleMeshSide || spec.mesh.height > kMaxCycleMeshSide) {
    const std::string size = fmt::format("meshes up to {}x{} cores; {}'s mesh is {}x{}", kMaxCycleMeshSide,
                                         kMaxCycleMeshSide, device, spec.mesh.width, spec.mesh.height);
    if (crosscheck)
      throw InputError::option("--system", "crosscheck runs kernels at cycle fidelity, which simulates " + size +
                                               " (use --system wse-mini, or a mesh of your own up to 128x128)");
    throw InputError::option("--fidelity",
                             "cycle simulates " + size + " (use --fidelity approx, or the wse-mini preset)");
  }
  const std::string option = crosscheck ? "--system" : "--fidelity";
  const double link = spec.fabric.link_bandwidth.value();
  if (!whole_at_least_one(link))
    throw InputError::option(
        option, fmt::format("cycle moves whole flits: {}'s fabric.link_bandwidth must be a whole number of "
                            "B/cycle, at least 1 (it is {:g} B/cycle)",
                            device, link));
  const double hop = spec.fabric.hop_latency.value();
  if (!whole_at_least_one(hop))
    throw InputError::option(option,
                             fmt::format("cycle steps routers in whole cycles: {}'s fabric.hop_latency must be a whole "
                                         "number of cycles, at least 1 (it is {:g} cycle)",
                                         device, hop));
}

CycleParams cycle_params(const wafer::WaferSpec& spec, const wafer::MeshParams& core) {
  CycleParams p;
  p.core = core;
  p.sram_per_core = spec.usable_sram_per_core().value();
  p.colors = static_cast<int>(std::min<std::int64_t>(kMaxCycleColors, spec.fabric.colors));
  return p;
}

wafer::KernelModelFactory cycle_kernel_factory(const wafer::WaferSpec& spec) {
  return [spec](const wafer::MeshParams& core) -> std::unique_ptr<wafer::KernelModel> {
    return std::make_unique<CycleKernels>(cycle_params(spec, core));
  };
}

StepResult cycle_step(const std::string& device, const wafer::WaferSpec& spec, const Plan& plan,
                      wafer::KernelModelFactory kernels) {
  try {
    return wafer::WaferStepModel(device, spec, kernels ? std::move(kernels) : cycle_kernel_factory(spec)).run(plan);
  } catch (const DoesNotFit& e) {
    StepResult r;
    r.fit_error = "at cycle fidelity, " + e.what;
    return r;
  }
}

}  // namespace wafersim::fabric
