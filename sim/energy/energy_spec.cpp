#include "sim/energy/energy_spec.h"

namespace wafersim {

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
  s.number("system", &SystemPriceSpec::system, "Purchase price of the system as described, in US dollars (A-116).",
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
           "(say why in `reason`).",
           CoolingChoice::Auto)
      .text("reason", &CoolingSpec::reason, "Why `type` is fixed (printed with the choice).", "")
      .quantity("air_limit", &CoolingSpec::air_limit, UnitKind::Watts,
                "Most power one air-cooled rack can shed (default 30 kW: conventional CRAC rule of thumb, "
                "power-cost.md section 3; rear-door exchangers reach 40-60 kW).",
                "30 kW")
      .number("airflow", &CoolingSpec::airflow_m3_per_s,
              "Air through one rack in m^3/s (1 m^3/s = 2,119 CFM), for the exhaust temperature "
              "dT = P / (rho c_p airflow) (A-115).",
              1.0, Range::Positive)
      .number("inlet", &CoolingSpec::inlet_c,
              "Inlet air temperature in degrees C (default 25: inside ASHRAE's recommended 18-27 C).", 25.0, Range::Any)
      .number("liquid_premium", &CoolingSpec::liquid_premium,
              "Liquid cooling's cost as a fraction of capex, added when the rack is liquid cooled (default 0.02: "
              "in-rack cold plates and manifolds, Morgan Stanley GB300 model, power-cost.md section 3; facility "
              "plant not included, A-116).",
              0.02, Range::NonNegative)
      .integer("devices_per_rack", &CoolingSpec::devices_per_rack,
               "Devices of the main group one rack holds; 0 = the whole system is one rack.", 0, 0, 1'000'000);
  return s;
}

}  // namespace wafersim
