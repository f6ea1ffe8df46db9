#pragma once
// The energy and power parameters of one device and of one system, with their
// schemas. A device kind's spec holds a DeviceEnergySpec (`energy:` section) and
// DevicePowerLimits (the `static` and `cap` keys of its `power:` section); a system
// holds a SystemEnergySpec (`power`, `price`, `lifetime`, `cooling`). Knows no
// hardware kind: models/ hook these sections into their own schemas.

#include <optional>
#include <string>

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

/// `power.static` and `power.cap` of a device.
struct DevicePowerLimits {
  std::optional<Watts> static_power;  ///< drawn whenever the device is on (leakage, clocks, idle)
  std::optional<Watts> cap;           ///< the most the device may draw; above it it clocks down
};

[[nodiscard]] Schema<DeviceEnergySpec> device_energy_schema();

/// Adds `static` and `cap` to a kind's `power:` section schema.
template <class P>
void add_power_limit_keys(Schema<P>& s, DevicePowerLimits P::*member) {
  auto key = [member](const char* name, std::optional<Watts> DevicePowerLimits::*field) {
    return [member, field, name](const ConfigNode* n, const ConfigNode&, P& out, Diagnostics& d) {
      (void)name;
      if (n == nullptr) return;
      const Range range = std::string_view(name) == "static" ? Range::NonNegative : Range::Positive;
      if (auto v = schema_detail::parse_unit_value(*n, UnitKind::Watts, range, d)) (out.*member).*field = Watts(*v);
    };
  };
  s.custom("static", "power (W)", "(none)",
           "Static power of one device (W): leakage, clocks, idle parts, drawn the whole time the device is on, "
           "busy or waiting in a pipeline (A-112). Absent: 0.",
           key("static", &DevicePowerLimits::static_power))
      .custom("cap", "power (W)", "(none)",
              "Power cap of one device (W). When a step's mean power (dynamic + static) would exceed it, the device "
              "is power-capped and the step stretches until it fits (A-114). Absent: no cap.",
              key("cap", &DevicePowerLimits::cap))
      .validate([member](const ConfigNode& node, const P& p, Diagnostics& d) {
        const DevicePowerLimits& l = p.*member;
        if (l.cap && l.cap->value() <= l.static_power.value_or(Watts(0)).value())
          d.add(node.error_at_key("cap", "power cap (" + format_quantity(l.cap->value(), UnitKind::Watts) +
                                             ") must exceed power.static (" +
                                             format_quantity(l.static_power->value(), UnitKind::Watts) + ")"));
      });
}

/// `power:` of a system: what the devices do not draw.
struct SystemPowerSpec {
  Watts host{0};        ///< CPUs, memory, storage, fans, power-supply loss: fixed
  Watts network{0};     ///< NVSwitch trays, NICs, switches: fixed
  Watts per_device{0};  ///< host/network share that grows with the main group's device count
};

/// `price:` of a system (US dollars) and the terms its cost per token is figured on.
struct SystemPriceSpec {
  double system = 0;        ///< USD, the system as described (chassis, host, devices at their preset count)
  double per_device = 0;    ///< USD per device of the main group (added for each one: `--devices N` scales it)
  double electricity = 0.08;///< USD per kWh
  double pue = 1.58;        ///< facility power ÷ IT power
  double utilization = 1.0; ///< fraction of the lifetime the system serves at the rate the run measured
};

enum class CoolingChoice { Auto, Air, Liquid };

/// `cooling:` of a system.
struct CoolingSpec {
  CoolingChoice type = CoolingChoice::Auto;
  Watts air_limit{30000};          ///< most one air-cooled rack can shed
  double airflow_m3_per_s = 1.0;   ///< air through one rack
  double inlet_c = 25;             ///< inlet air temperature
  double liquid_premium = 0.02;    ///< liquid cooling's share added to capex
  std::int64_t devices_per_rack = 0;  ///< 0: the whole system is one rack
  std::string reason;              ///< why `type` is set, when not auto
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
