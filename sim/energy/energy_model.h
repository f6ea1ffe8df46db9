#pragma once
// The energy model of one step: prices the Traffic every cost model counted
// (FLOPs × pJ/FLOP by compute format, bytes × 8 × pJ/bit per level), adds the
// devices' resident power over the step, prices on-chip work at the step's
// core voltage (boost when unthrottled, A-400) and applies each device's power cap by
// lowering its core clock. Generic: it reads devices only through
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

/// The operating point a step runs at, relative to the point the on-chip energies were
/// fitted at. A step the cap does not hold back runs at boost voltage
/// (on-chip energy × boost²); one that would then exceed the cap trims its voltage
/// towards the fitted point without slowing (the step times are calibrated there); only
/// when even the fitted point exceeds the cap does the core clock fall to
/// `clock_fraction` of it, the step taking 1 / clock_fraction as long, with the voltage
/// following the clock down to kMinVoltageFraction.
struct CapSolution {
  bool capped = false;        ///< the cap slowed the step (stretch > 1)
  double stretch = 1;         ///< latency multiplier
  double clock_fraction = 1;  ///< 1 / stretch
  double voltage = 1;         ///< core voltage ÷ the fitted point's (boost_voltage when unthrottled)
  double on_chip_scale = 1;   ///< multiplier on compute, SRAM and fabric joules: voltage²
};

/// The lowest voltage DVFS reaches, as a fraction of nominal.
inline constexpr double kMinVoltageFraction = 0.7;

/// Solves resident + (on_chip × v² + off_chip) / (devices × seconds × s) = cap: v =
/// `boost_voltage` and s = 1 when that fits; else v in [1, boost_voltage] at s = 1 when
/// v = 1 fits; else s ≥ 1 with v(s) = max(1/s, kMinVoltageFraction). `cap_w` ≤ 0: no cap.
[[nodiscard]] CapSolution solve_power_cap(double on_chip_j, double off_chip_j, double devices, double seconds,
                                          double resident_w, double cap_w, double boost_voltage = 1);

/// Prices every op of a step run on `group` (sets OpTiming::energy_j), adds the
/// group's resident power over the step and applies the power cap: a capped step's
/// latency, time breakdown and op times are stretched in place.
StepEnergy apply_step_energy(StepResult& step, const Graph& graph, const DeviceGroup& group);

}  // namespace wafersim
