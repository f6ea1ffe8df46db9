#include "sim/energy/cooling_verdict.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace wafersim {
namespace {

constexpr double kAirDensity = 1.2;        // kg/m^3, dry air at ~20 C and sea level
constexpr double kAirHeatCapacity = 1005;  // J/(kg K), dry air at constant pressure

/// The first device of the system that is liquid cooled as built, if any.
const DeviceGroup* liquid_device(const System& system) {
  for (const DeviceGroup& g : system.groups())
    if (g.count > 0 && g.device->summary().cooling.type == DeviceCooling::Liquid) return &g;
  return nullptr;
}

double racks_of(const System& system, const CoolingSpec& c) {
  const DeviceGroup& main = system.main_group();
  std::int64_t per_rack = c.devices_per_rack;
  if (per_rack <= 0) per_rack = main.device->summary().cooling.per_rack;
  if (per_rack <= 0) return 1;
  return std::max(1.0, std::ceil(static_cast<double>(main.count) / static_cast<double>(per_rack)));
}

}  // namespace

CoolingReport cooling_verdict(const System& system, double power_w) {
  const CoolingSpec& c = system.energy().cooling;
  CoolingReport out;
  out.racks = racks_of(system, c);
  const double rack_w = power_w / out.racks;
  out.exhaust_c = c.inlet_c + rack_w / (kAirDensity * kAirHeatCapacity * c.airflow_m3_per_s);
  const std::string kw = fmt::format("{:.1f} kW per rack", rack_w / 1e3);
  const std::string limit = fmt::format("{:.0f} kW air-cooled limit", c.air_limit.value() / 1e3);
  if (const DeviceGroup* g = liquid_device(system)) {
    // the hardware decides; a name or a system section cannot air-cool a cold plate.
    const DeviceCoolingSpec& d = g->device->summary().cooling;
    out.type = "liquid";
    out.reason =
        g->device->name() + " is liquid cooled as built" + (d.reason.empty() ? "" : " (" + d.reason + ")") + " · " + kw;
    if (c.type == CoolingChoice::Air) out.reason += "; the system's cooling.type: air cannot change that";
    return out;
  }
  switch (c.type) {
    case CoolingChoice::Air:
      out.type = "air";
      out.reason = c.reason.empty() ? "air by design (" + kw + ")" : c.reason;
      if (rack_w > c.air_limit.value()) out.reason += fmt::format("; warning: {} exceeds the {}", kw, limit);
      break;
    case CoolingChoice::Liquid:
      out.type = "liquid";
      out.reason = c.reason.empty() ? "liquid by design (" + kw + ")" : c.reason;
      break;
    case CoolingChoice::Auto: {
      out.type = rack_w > c.air_limit.value() ? "liquid" : "air";
      out.reason = kw + (rack_w > c.air_limit.value() ? " exceeds the " : " is within the ") + limit;
      // Say what the hardware itself implies: an air-cooled device in a rack the room cannot air-cool.
      const DeviceGroup& main = system.main_group();
      const DeviceCoolingSpec& d = main.device->summary().cooling;
      if (d.type == DeviceCooling::Air)
        out.reason = main.device->name() + " is air cooled as built" + (d.reason.empty() ? "" : " (" + d.reason + ")") +
                     " · " + out.reason;
      break;
    }
  }
  return out;
}

double rated_exhaust_c(const System& system) {
  const SystemEnergySpec& spec = system.energy();
  double w =
      spec.power.host.value() + spec.power.network.value() + spec.power.per_device.value() * system.main_group().count;
  for (const DeviceGroup& g : system.groups()) {
    const DeviceSummary& s = g.device->summary();
    const double resident = s.power_limits.static_power ? s.power_limits.static_power->value() : 0;
    w += g.count * (s.power_limits.cap ? s.power_limits.cap->value() : std::max(s.power.value(), resident));
  }
  double rack_w = w / racks_of(system, spec.cooling);
  if (spec.cooling.type != CoolingChoice::Air) rack_w = std::min(rack_w, spec.cooling.air_limit.value());
  return spec.cooling.inlet_c + rack_w / (kAirDensity * kAirHeatCapacity * spec.cooling.airflow_m3_per_s);
}

double system_price_usd(const System& system, bool& estimated) {
  const SystemPriceSpec& p = system.energy().price;
  estimated = false;
  if (p.system > 0 || p.per_device > 0) {
    estimated = p.estimated;
    return p.system + p.per_device * system.main_group().count;
  }
  double usd = 0;
  for (const DeviceGroup& g : system.groups()) {
    const DevicePriceSpec& d = g.device->summary().price;
    usd += d.usd * g.count;
    if (d.usd > 0 && d.estimated) estimated = true;
  }
  return usd;
}

}  // namespace wafersim
