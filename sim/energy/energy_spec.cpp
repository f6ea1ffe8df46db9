#include "sim/energy/energy_spec.h"

#include <fmt/format.h>

namespace wafersim {

namespace energy_detail {

std::vector<FieldDoc> power_limit_docs() {
  return {
      {"idle", "power (W)", "W", "(none)",
       "Power of one device switched on with nothing loaded: no context, clocks down (A-290). Drawn by devices a "
       "run leaves unused. Absent: the resident power."},
      {"static", "power (W)", "W", "(none)",
       "Resident power of one device: a context and the weights loaded, clocks up, no work (A-290). Drawn the "
       "whole time the device serves, busy or waiting in a pipeline; the dynamic power of the work it does comes "
       "on top. Absent: 0."},
      {"cap", "power (W)", "W", "(none)",
       "Power cap of one device (W). When a step's mean power (resident + dynamic) would exceed it, the device "
       "clocks down: the step stretches and its on-chip energy per operation falls with the voltage until the "
       "mean power is the cap (A-293). Absent: no cap."},
      {"boost_voltage", "number", "", "1",
       "Core voltage of a step the power cap does not hold back, as a multiple of the voltage the on-chip "
       "energies (energy.pj_per_flop, pj_per_bit.sram and .fabric) were fitted at (A-400): such a step runs at "
       "boost clocks and its on-chip energy is multiplied by boost_voltage squared. A step that would then exceed "
       "power.cap trims its voltage back towards the fitted one without slowing; only below it does the cap "
       "slow the clock (A-293). At least 1; 1: the energies hold at every clock."},
  };
}

void parse_power_limits(const ConfigNode& section, DevicePowerLimits& out, Diagnostics& d) {
  auto watts = [&](const char* key, Range range) -> std::optional<Watts> {
    const ConfigNode* n = section.find(key);
    if (n == nullptr) return std::nullopt;
    if (auto v = schema_detail::parse_unit_value(*n, UnitKind::Watts, range, d)) return Watts(*v);
    return std::nullopt;
  };
  const std::size_t before = d.size();
  out.idle = watts("idle", Range::NonNegative);
  out.static_power = watts("static", Range::NonNegative);
  out.cap = watts("cap", Range::Positive);
  if (const ConfigNode* n = section.find("boost_voltage")) {
    if (auto v = schema_detail::parse_number(*n, Range::Positive, d)) {
      if (*v < 1)
        d.add(section.error_at_key("boost_voltage",
                                   fmt::format("boost_voltage ({}) must be at least 1: it is the voltage of an "
                                               "unthrottled step over the voltage the energies were fitted at",
                                               *v)));
      else
        out.boost_voltage = *v;
    }
  }
  if (d.size() != before) return;
  const double res = out.static_power.value_or(Watts(0)).value();
  const char* res_key = "static";
  if (out.idle && out.static_power && out.idle->value() > res)
    d.add(section.error_at_key("idle", "idle power (" + format_quantity(out.idle->value(), UnitKind::Watts) +
                                           ") must not exceed power." + res_key + " (" +
                                           format_quantity(res, UnitKind::Watts) + ")"));
  if (out.cap && out.cap->value() <= res)
    d.add(section.error_at_key("cap", "power cap (" + format_quantity(out.cap->value(), UnitKind::Watts) +
                                          ") must exceed power." + res_key + " (" +
                                          format_quantity(res, UnitKind::Watts) + ")"));
}

}  // namespace energy_detail

Schema<DevicePriceSpec> device_price_schema() {
  Schema<DevicePriceSpec> s;
  s.number("usd", &DevicePriceSpec::usd,
           "Purchase price of one device in US dollars; a system without a price of its own adds up its devices' "
           "(A-298). 0: not priced (cost is then energy only, and says so).",
           0.0, Range::NonNegative)
      .flag("estimated", &DevicePriceSpec::estimated,
            "True when the price is an estimate rather than a published price (printed with the cost).", false);
  return s;
}

Schema<DeviceCoolingSpec> device_cooling_schema() {
  Schema<DeviceCoolingSpec> s;
  s.choice("type", &DeviceCoolingSpec::type,
           {{"unstated", DeviceCooling::Unstated}, {"air", DeviceCooling::Air}, {"liquid", DeviceCooling::Liquid}},
           "How the device is cooled as built (A-296). liquid: every system holding it is liquid cooled, whatever "
           "its own cooling section says; air: the device is air cooled, and the rack's power decides whether the "
           "room can still use air; unstated: the system decides.",
           DeviceCooling::Unstated)
      .text("reason", &DeviceCoolingSpec::reason, "The source of the verdict (printed with it).", "")
      .number("share", &DeviceCoolingSpec::share,
              "Power of the fans and pumps inside the device's own chassis, as a fraction of the power the device "
              "draws (A-297); counted as energy_j.cooling. 0 when the host's fans are in the system's power.",
              0.0, Range::NonNegative)
      .integer("per_rack", &DeviceCoolingSpec::per_rack,
               "Devices of this kind one rack holds, used when the system does not say (cooling.devices_per_rack). "
               "0: not stated (the whole system is one rack).",
               0, 0, 1'000'000);
  return s;
}

Schema<DeviceEnergySpec> device_energy_schema() {
  Schema<PicojoulesPerBitLevels> bits;
  const auto zero = std::optional<std::string>("0 pJ/bit");
  bits.quantity("sram", &PicojoulesPerBitLevels::sram, UnitKind::PicojoulesPerBit,
                "On-chip SRAM (wafer core memory, LPU SRAM, GPU L2/shared memory), per bit read or written.", zero,
                Range::NonNegative)
      .quantity("hbm", &PicojoulesPerBitLevels::hbm, UnitKind::PicojoulesPerBit,
                "Off-chip HBM/DRAM, per bit read or written.", zero, Range::NonNegative)
      .quantity("fabric", &PicojoulesPerBitLevels::fabric, UnitKind::PicojoulesPerBit,
                "On-wafer mesh, per bit per hop (wire plus router).", zero, Range::NonNegative)
      .quantity("interconnect", &PicojoulesPerBitLevels::interconnect, UnitKind::PicojoulesPerBit,
                "Between devices (NVLink through NVSwitch, chip-to-chip, PCIe), per bit sent.", zero,
                Range::NonNegative)
      .quantity("io", &PicojoulesPerBitLevels::io, UnitKind::PicojoulesPerBit,
                "Wafer edge I/O (weight streaming, wafer to wafer over Ethernet), per bit.", zero, Range::NonNegative);
  Schema<DeviceEnergySpec> s;
  s.per_dtype("pj_per_flop", &DeviceEnergySpec::pj_per_flop, UnitKind::PicojoulesPerFlop,
              "Dynamic energy per FLOP by the format the op is computed in (the same fallback as the FLOP rates: a "
              "format without a figure uses the next wider listed one).",
              false)
      .section("pj_per_bit", &DeviceEnergySpec::pj_per_bit, bits, "Dynamic energy per bit moved, per level.");
  return s;
}

Schema<SystemPowerSpec> system_power_schema() {
  Schema<SystemPowerSpec> s;
  s.quantity("host", &SystemPowerSpec::host, UnitKind::Watts,
             "Host power drawn whatever the load: CPUs, memory, storage, fans, power-supply loss (A-113).", "0 W",
             Range::NonNegative)
      .quantity("network", &SystemPowerSpec::network, UnitKind::Watts,
                "Network power drawn whatever the load: NVSwitch trays, NICs, switches (A-113).", "0 W",
                Range::NonNegative)
      .quantity("per_device", &SystemPowerSpec::per_device, UnitKind::Watts,
                "Host and network power per device of the main group (servers, cards' hosts), so `--devices N` "
                "scales it (A-113).",
                "0 W", Range::NonNegative);
  return s;
}

Schema<SystemPriceSpec> system_price_schema() {
  Schema<SystemPriceSpec> s;
  s.flag("estimated", &SystemPriceSpec::estimated,
         "True when the price is an estimate rather than a published one (printed with the cost).", false)
      .number("system", &SystemPriceSpec::system,
              "Purchase price of the system as described, in US dollars (A-116). When neither this nor "
              "per_device is given, the system costs the sum of its devices' price.usd (A-298).",
              0.0, Range::NonNegative)
      .number("per_device", &SystemPriceSpec::per_device,
              "Price per device of the main group in US dollars, added for each device (so `--devices N` scales "
              "the capex).",
              0.0, Range::NonNegative)
      .number("electricity", &SystemPriceSpec::electricity,
              "Electricity price in US dollars per kWh (default: US industrial average 2023, EIA, 8.06 c/kWh).", 0.08,
              Range::NonNegative)
      .number("pue", &SystemPriceSpec::pue,
              "Power usage effectiveness: facility power / IT power (default: Uptime Institute 2023 average 1.58).",
              1.58, Range::Positive)
      .number("utilization", &SystemPriceSpec::utilization,
              "Fraction of the lifetime the system serves at the rate the run measured (capex is spread over "
              "lifetime x utilization, A-117).",
              1.0, Range::Fraction);
  return s;
}

Schema<CoolingSpec> cooling_schema() {
  Schema<CoolingSpec> s;
  s.choice("type", &CoolingSpec::type,
           {{"auto", CoolingChoice::Auto}, {"air", CoolingChoice::Air}, {"liquid", CoolingChoice::Liquid}},
           "auto (A-118): liquid when one rack's power exceeds air_limit, else air; air or liquid: fixed by the design "
           "(say why in `reason`). A device that is liquid cooled as built makes the system liquid whatever this says "
           "(A-296).",
           CoolingChoice::Auto)
      .text("reason", &CoolingSpec::reason, "Why `type` is fixed (printed with the choice).", "")
      .quantity("air_limit", &CoolingSpec::air_limit, UnitKind::Watts,
                "Most power one air-cooled rack can shed (default 30 kW: conventional CRAC rule of thumb, "
                "../shared/anchors/power-cost.md section 3; rear-door exchangers reach 40-60 kW).",
                "30 kW")
      .number("airflow", &CoolingSpec::airflow_m3_per_s,
              "Air through one rack in m^3/s (1 m^3/s = 2,119 CFM), for the exhaust temperature "
              "dT = P / (rho c_p airflow) (A-115).",
              1.0, Range::Positive)
      .number("inlet", &CoolingSpec::inlet_c,
              "Inlet air temperature in degrees C (default 25: inside ASHRAE's recommended 18-27 C).", 25.0, Range::Any)
      .number("liquid_premium", &CoolingSpec::liquid_premium,
              "Liquid cooling's cost as a fraction of capex, added when the rack is liquid cooled (default 0.02: "
              "in-rack cold plates and manifolds, Morgan Stanley GB300 model, ../shared/anchors/power-cost.md section "
              "3; facility "
              "plant not included, A-116).",
              0.02, Range::NonNegative)
      .integer("devices_per_rack", &CoolingSpec::devices_per_rack,
               "Devices of the main group one rack holds; 0 = the main device's cooling.per_rack, else the whole "
               "system is one rack (A-296).",
               0, 0, 1'000'000);
  return s;
}

}  // namespace wafersim
