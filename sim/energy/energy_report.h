#pragma once
// Energy, power, cost and cooling figures of one evaluation: the `eval --json`
// fields the energy model adds. Plain data; sim/energy/energy_model.* fills it.

#include <string>

namespace wafersim {

/// Joules by where they went. Dynamic parts price a cost model's Traffic counts;
/// `static_j` is resident (or idle) power × time (devices, host, network); `cooling`
/// is the fans and pumps inside devices that carry their own.
struct EnergyBreakdown {
  double compute = 0, sram = 0, hbm = 0, fabric = 0, interconnect = 0, static_j = 0, cooling = 0;
  [[nodiscard]] double dynamic() const { return compute + sram + hbm + fabric + interconnect; }
  /// The parts that run on the device's core clock, which a power cap slows.
  [[nodiscard]] double on_chip() const { return compute + sram + fabric; }
  [[nodiscard]] double total() const { return dynamic() + static_j + cooling; }
  EnergyBreakdown& operator+=(const EnergyBreakdown& o) {
    compute += o.compute;
    sram += o.sram;
    hbm += o.hbm;
    fabric += o.fabric;
    interconnect += o.interconnect;
    static_j += o.static_j;
    cooling += o.cooling;
    return *this;
  }
  [[nodiscard]] EnergyBreakdown scaled(double f) const {
    return {compute * f, sram * f, hbm * f, fabric * f, interconnect * f, static_j * f, cooling * f};
  }
};

/// Per step: the devices of the group that ran it.
struct StepEnergy {
  bool priced = false;        ///< the group's device has an energy section
  EnergyBreakdown energy;     ///< dynamic + the group's static over the step
  double device_power_w = 0;  ///< mean per device over the (stretched) step
  bool power_capped = false;
  double cap_stretch = 1;     ///< latency multiplier from the cap (1 = not capped)
  double clock_fraction = 1;  ///< core clock under the cap ÷ nominal (1 = not capped)
  double core_voltage = 1;    ///< core voltage ÷ the point the on-chip energies were fitted at (A-400)
};

/// Capex and energy cost per million tokens, with the terms used.
struct CostReport {
  double per_million_tokens = 0;  ///< USD
  double capex_per_million = 0, energy_per_million = 0;
  double capex_usd = 0;          ///< with the liquid premium when liquid cooled; 0 = not priced
  bool capex_estimated = false;  ///< the price behind capex_usd is an estimate
  /// "capex + energy", "capex (estimated) + energy" or "energy only (no price)".
  [[nodiscard]] const char* basis() const {
    return capex_usd <= 0    ? "energy only (no price)"
           : capex_estimated ? "capex (estimated) + energy"
                             : "capex + energy";
  }
  double lifetime_years = 0, utilization = 0, usd_per_kwh = 0, pue = 0;
};

struct CoolingReport {
  std::string type;  ///< "air" or "liquid"
  std::string reason;
  double racks = 1;
  double exhaust_c = 0;  ///< inlet + P_rack / (rho c_p airflow)
};

struct EnergyReport {
  EnergyBreakdown energy_j;  ///< the whole evaluation (the step, or prefill + decode for generate)
  double tokens = 0;         ///< tokens the energy is divided by
  double energy_j_per_token = 0;
  double tokens_per_joule = 0;
  double power_w = 0;         ///< mean wall power of the system over the evaluation
  double device_power_w = 0;  ///< mean power of one device of the main step's group
  double rack_power_w = 0;    ///< power_w / racks
  bool power_capped = false;
  double cap_stretch = 1;
  double core_voltage = 1;  ///< the main step's core voltage ÷ the energies' fit point (A-400)
  /// A serving run's floor: every group resident (each holds the model the whole
  /// run) + host and network, W; and the in-chassis cooling it brings, W.
  double resident_system_w = 0, resident_cooling_w = 0;
  double cooling_share = 0;  ///< the main group's in-chassis cooling per W of dynamic power (A-297)
  CostReport cost;
  CoolingReport cooling;
};

}  // namespace wafersim
