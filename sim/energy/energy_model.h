#pragma once
// The energy model of one step: prices the Traffic every cost model counted
// (FLOPs × pJ/FLOP by compute format, bytes × 8 × pJ/bit per level), adds the
// devices' resident power over the step and applies each device's power cap
// by lowering its core clock. Generic: it reads devices only through
// DeviceSummary. Leaves out temperature-dependent leakage and power-supply curves.
// Units: joules, watts, seconds. Whole runs and serving runs are summed by
// EnergyAccount (energy_account.h).

#include "sim/energy/energy_report.h"
#include "sim/hardware/system.h"
#include "sim/timing/step_result.h"
#include "sim/workload/graph.h"

namespace wafersim {

/// Dynamic joules of `t` on a device with `e`, FLOPs priced at the format ops
/// stored as `dtype` compute in. Throws InputError when no pJ/FLOP fits the format.
[[nodiscard]] EnergyBreakdown price_traffic(const Traffic& t, const DeviceEnergySpec& e, DType dtype,
                                            const std::string& device);

/// What a power cap does to a step: the core clock falls to `clock_fraction`
/// of nominal, so the step takes 1 / clock_fraction as long, and the on-chip dynamic
/// energy (compute, SRAM, fabric) falls with the voltage squared, the voltage
/// following the clock down to kMinVoltageFraction of nominal.
struct CapSolution {
  bool capped = false;
  double stretch = 1;         ///< latency multiplier
  double clock_fraction = 1;  ///< 1 / stretch
  double on_chip_scale = 1;   ///< multiplier on compute, SRAM and fabric joules
};

/// The lowest voltage DVFS reaches, as a fraction of nominal.
inline constexpr double kMinVoltageFraction = 0.7;

/// Solves resident + (on_chip × v(s)² + off_chip) / (devices × seconds × s) = cap for
/// the stretch s ≥ 1, v(s) = max(1/s, kMinVoltageFraction). Not capped when the
/// uncapped power fits.
[[nodiscard]] CapSolution solve_power_cap(double on_chip_j, double off_chip_j, double devices, double seconds,
                                          double resident_w, double cap_w);

/// Prices every op of a step run on `group` (sets OpTiming::energy_j), adds the
/// group's resident power over the step and applies the power cap: a capped step's
/// latency, time breakdown and op times are stretched in place.
StepEnergy apply_step_energy(StepResult& step, const Graph& graph, const DeviceGroup& group);

}  // namespace wafersim
