#pragma once
// The energy model: prices the Traffic every cost model counted (FLOPs × pJ/FLOP
// by compute format, bytes × 8 × pJ/bit per level), adds static power × time for
// every device and the system's host and network, applies each device's power cap
// the step stretches until its mean power fits), and derives power, rack
// power, cost per million tokens and cooling. Generic: it reads devices only
// through DeviceSummary and systems through SystemEnergySpec. Leaves out DVFS
// savings under a cap, temperature-dependent leakage and power-supply curves.

#include <vector>

#include "sim/energy/energy_report.h"
#include "sim/hardware/system.h"
#include "sim/timing/run_result.h"

namespace wafersim {

/// Dynamic joules of `t` on a device with `e`, FLOPs priced at the format ops
/// stored as `dtype` compute in. Throws InputError when no pJ/FLOP fits the format.
[[nodiscard]] EnergyBreakdown price_traffic(const Traffic& t, const DeviceEnergySpec& e, DType dtype,
                                            const std::string& device);

/// Prices every op of a step run on `group` (sets OpTiming::energy_j), adds the
/// group's static power over the step and applies the power cap: a capped step's
/// latency, time breakdown and op times are stretched in place.
StepEnergy apply_step_energy(StepResult& step, const Graph& graph, const DeviceGroup& group);

/// Which timed steps make up the evaluation and how many times each ran.
struct EnergyInputs {
  std::vector<double> step_weights;  ///< per entry of the evaluator's step results
  int main_step = 0;                 ///< the step `explain` shows
  double kv_transfer_bytes = 0;      ///< prefill group → decode group (generate)
  double tokens = 0;                 ///< tokens the energy is divided by
};

/// Exhaust temperature of one rack of `system` at its rated power (every device at
/// its cap, else its chip power, plus host and network), degrees C: the temperature
/// links without their own run at.
[[nodiscard]] double rated_exhaust_c(const System& system);

/// Fills `r.energy` (when every group used has an energy section) from the steps'
/// energies, the system's static parts over `r.latency_s`, its price and cooling.
void finish_run_energy(RunResult& r, const System& system, const std::vector<StepResult>& steps,
                       const EnergyInputs& in);

}  // namespace wafersim
