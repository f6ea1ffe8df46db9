#pragma once
// The energy, power, price and cooling parameters of one device and of one
// system, with their schemas. A device kind's spec holds a DeviceEnergySpec
// (`energy:` section), DevicePowerLimits (the `idle`, `static` and `cap` keys of its
// `power:` section), a DevicePriceSpec (`price:`) and a DeviceCoolingSpec
// (`cooling:`); a system holds a SystemEnergySpec (`power`, `price`, `lifetime`,
// `cooling`). Knows no hardware kind: models/ hook these sections into their own
// schemas. Units: watts, pJ, US dollars.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/schema.h"
#include "sim/core/units.h"

namespace wafersim {

/// pJ per bit moved at each level of the hierarchy (Traffic's levels).
struct PicojoulesPerBitLevels {
  PicojoulesPerBit sram{0};          ///< on-chip SRAM read or written (per bit)
  PicojoulesPerBit hbm{0};           ///< off-chip DRAM / HBM (per bit)
  PicojoulesPerBit fabric{0};        ///< on-wafer mesh, per bit per hop
  PicojoulesPerBit interconnect{0};  ///< device to device (NVLink, C2C, PCIe), per bit sent
  PicojoulesPerBit io{0};            ///< wafer edge I/O (weight streaming, wafer to wafer)
};

/// `energy:` of a device: dynamic energy per FLOP (by the format it is computed in)
/// and per bit at each level.
struct DeviceEnergySpec {
  DTypeTable<PicojoulesPerFlop> pj_per_flop;
  PicojoulesPerBitLevels pj_per_bit;
  /// True when the section was given (some pJ/FLOP listed): energy is only reported
  /// for systems whose every device has one.
  [[nodiscard]] bool present() const {
    for (const auto& v : pj_per_flop.values)
      if (v) return true;
    return false;
  }
};

/// `power.idle`, `power.static` (the resident power), `power.cap` and `power.boost_voltage`
/// of a device.
struct DevicePowerLimits {
  std::optional<Watts> idle;          ///< on, nothing loaded: no context, clocks down
  std::optional<Watts> static_power;  ///< resident: a context and the weights loaded, clocks up, no work
  std::optional<Watts> cap;           ///< the most the device may draw; above it it clocks down (A-293)
  /// Core voltage of a step the cap does not hold back ÷ the voltage the on-chip
  /// energies (pJ/FLOP, SRAM and fabric pJ/bit) were fitted at; ≥ 1.
  double boost_voltage = 1;
  /// Idle power, or the resident power when no idle figure is given.
  [[nodiscard]] Watts idle_or_resident() const { return idle.value_or(static_power.value_or(Watts(0))); }
};

[[nodiscard]] Schema<DeviceEnergySpec> device_energy_schema();

namespace energy_detail {
void parse_power_limits(const ConfigNode& section, DevicePowerLimits& out, Diagnostics& d);
std::vector<FieldDoc> power_limit_docs();
}  // namespace energy_detail

/// Adds `idle`, `static` (resident), `cap` and `boost_voltage` to a kind's `power:` section schema.
template <class P>
void add_power_limit_keys(Schema<P>& s, DevicePowerLimits P::*member) {
  // The keys are parsed together (they check one another); each is declared for
  // `describe` and unknown-key checks, and the first one does the work.
  bool first = true;
  for (const FieldDoc& f : energy_detail::power_limit_docs()) {
    s.custom(f.path, f.type, f.default_text, f.doc,
             [member, first](const ConfigNode*, const ConfigNode& section, P& out, Diagnostics& d) {
               if (first) energy_detail::parse_power_limits(section, out.*member, d);
             });
    first = false;
  }
}

/// How a device is cooled, as built: its own verdict, whatever system it is put in.
enum class DeviceCooling { Unstated, Air, Liquid };

/// `cooling:` of a device.
struct DeviceCoolingSpec {
  DeviceCooling type = DeviceCooling::Unstated;
  std::string reason;         ///< the source of the verdict
  double share = 0;           ///< fans and pumps inside the device's own chassis, per W it draws (A-297)
  std::int64_t per_rack = 0;  ///< devices one rack holds (0: not stated)
};

/// `price:` of a device (US dollars).
struct DevicePriceSpec {
  double usd = 0;          ///< one device; 0 = not priced
  bool estimated = false;  ///< an estimate, not a published price
};

[[nodiscard]] Schema<DevicePriceSpec> device_price_schema();
[[nodiscard]] Schema<DeviceCoolingSpec> device_cooling_schema();

/// `power:` of a system: what the devices do not draw.
struct SystemPowerSpec {
  Watts host{0};        ///< CPUs, memory, storage, fans, power-supply loss: fixed
  Watts network{0};     ///< NVSwitch trays, NICs, switches: fixed
  Watts per_device{0};  ///< host/network share that grows with the main group's device count
};

/// `price:` of a system (US dollars) and the terms its cost per token is figured on.
struct SystemPriceSpec {
  bool estimated = false;     ///< the price is an estimate, not a published one
  double system = 0;          ///< USD, the system as described (chassis, host, devices at their preset count)
  double per_device = 0;      ///< USD per device of the main group (added for each one: `--devices N` scales it)
  double electricity = 0.08;  ///< USD per kWh
  double pue = 1.58;          ///< facility power ÷ IT power
  double utilization = 1.0;   ///< fraction of the lifetime the system serves at the rate the run measured
};

enum class CoolingChoice { Auto, Air, Liquid };

/// `cooling:` of a system.
struct CoolingSpec {
  CoolingChoice type = CoolingChoice::Auto;
  Watts air_limit{30000};             ///< most one air-cooled rack can shed
  double airflow_m3_per_s = 1.0;      ///< air through one rack
  double inlet_c = 25;                ///< inlet air temperature
  double liquid_premium = 0.02;       ///< liquid cooling's share added to capex
  std::int64_t devices_per_rack = 0;  ///< 0: the whole system is one rack
  std::string reason;                 ///< why `type` is set, when not auto
};

struct SystemEnergySpec {
  SystemPowerSpec power;
  SystemPriceSpec price;
  double lifetime_years = 4;
  CoolingSpec cooling;
};

[[nodiscard]] Schema<SystemPowerSpec> system_power_schema();
[[nodiscard]] Schema<SystemPriceSpec> system_price_schema();
[[nodiscard]] Schema<CoolingSpec> cooling_schema();

}  // namespace wafersim
