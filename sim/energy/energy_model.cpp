#include "sim/energy/energy_model.h"

#include <algorithm>
#include <fmt/format.h>

#include "sim/core/error.h"

namespace wafersim {
namespace {

constexpr double kPico = 1e-12;
constexpr double kAirDensity = 1.2;        // kg/m^3, dry air at ~20 C and sea level
constexpr double kAirHeatCapacity = 1005;  // J/(kg K), dry air at constant pressure
constexpr double kSecondsPerYear = 365.25 * 24 * 3600;
constexpr double kJoulesPerKwh = 3.6e6;

double static_w(const DeviceSummary& s) { return s.power_limits.static_power.value_or(Watts(0)).value(); }

}  // namespace

EnergyBreakdown price_traffic(const Traffic& t, const DeviceEnergySpec& e, DType dtype, const std::string& device) {
  EnergyBreakdown b;
  if (t.flops > 0) {
    const auto pj = e.pj_per_flop.for_stored(dtype);
    if (!pj)
      throw InputError(Diagnostic{"", 0, 0, device + ".energy.pj_per_flop",
                                  fmt::format("no energy per FLOP for {} and no wider format listed; add "
                                              "--set {}.energy.pj_per_flop.{}=...",
                                              dtype_name(dtype), device, dtype_name(dtype))});
    b.compute = t.flops * pj->value() * kPico;
  }
  const PicojoulesPerBitLevels& l = e.pj_per_bit;
  b.sram = t.sram_bytes * 8 * l.sram.value() * kPico;
  b.hbm = t.hbm_bytes * 8 * l.hbm.value() * kPico;
  b.fabric = t.fabric_byte_hops * 8 * l.fabric.value() * kPico;
  b.interconnect = (t.interconnect_bytes * 8 * l.interconnect.value() + t.io_bytes * 8 * l.io.value()) * kPico;
  return b;
}

StepEnergy apply_step_energy(StepResult& step, const Graph& graph, const DeviceGroup& group) {
  StepEnergy out;
  const DeviceSummary& s = group.device->summary();
  if (!s.energy.present()) return out;
  out.priced = true;
  const std::string& name = group.device->name();
  for (OpTiming& op : step.ops) {
    const DType dtype = op.op >= 0 ? graph.op(op.op).dtype : DType::Fp16;
    const EnergyBreakdown e = price_traffic(op.cost.traffic, s.energy, dtype, name);
    op.energy_j = e.total();
    out.energy += e;
  }
  // a device whose mean power over the step would exceed its cap clocks
  // down; its dynamic energy is unchanged and the step stretches until
  // dynamic / (n t') + static = cap.
  const double n = std::max(1, group.count);
  const double t = step.latency_s;
  const double p_static = static_w(s);
  if (t > 0) {
    const double p_dyn = out.energy.dynamic() / (n * t);
    if (s.power_limits.cap) {
      const double cap = s.power_limits.cap->value();
      if (cap <= p_static)
        throw InputError(Diagnostic{"", 0, 0, name + ".power.cap",
                                    fmt::format("power cap {} W must exceed power.static {} W", cap, p_static)});
      if (p_dyn + p_static > cap * (1 + 1e-9)) {
        out.power_capped = true;
        out.cap_stretch = p_dyn / (cap - p_static);
        step.latency_s *= out.cap_stretch;
        step.time = step.time.scaled(out.cap_stretch);
        for (OpTiming& op : step.ops) {
          op.time_s *= out.cap_stretch;
          if (op.start_s >= 0) op.start_s *= out.cap_stretch;
        }
      }
    }
    out.energy.static_j = n * p_static * step.latency_s;
    out.device_power_w = out.energy.total() / (n * step.latency_s);
  }
  step.energy = out;
  return out;
}

namespace {

/// Static power of the whole system: every device of every group, busy or idle, plus host and network.
double system_static_w(const System& system, const SystemEnergySpec& spec) {
  double w = spec.power.host.value() + spec.power.network.value() +
             spec.power.per_device.value() * system.main_group().count;
  for (const DeviceGroup& g : system.groups()) w += g.count * static_w(g.device->summary());
  return w;
}

double racks_of(const System& system, const CoolingSpec& c) {
  const int main_count = system.main_group().count;
  return c.devices_per_rack > 0
             ? std::max<double>(1, std::ceil(static_cast<double>(main_count) / static_cast<double>(c.devices_per_rack)))
             : 1;
}

double exhaust_c(const CoolingSpec& c, double rack_w) {
  return c.inlet_c + rack_w / (kAirDensity * kAirHeatCapacity * c.airflow_m3_per_s);
}

CoolingReport cooling_for(const System& system, const SystemEnergySpec& spec, double power_w) {
  const CoolingSpec& c = spec.cooling;
  CoolingReport out;
  out.racks = racks_of(system, c);
  const double rack_w = power_w / out.racks;
  out.exhaust_c = exhaust_c(c, rack_w);
  const std::string kw = fmt::format("{:.1f} kW per rack", rack_w / 1e3);
  const std::string limit = fmt::format("{:.0f} kW air-cooled limit", c.air_limit.value() / 1e3);
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
    case CoolingChoice::Auto:
      if (rack_w > c.air_limit.value()) {
        out.type = "liquid";
        out.reason = kw + " exceeds the " + limit;
      } else {
        out.type = "air";
        out.reason = kw + " is within the " + limit;
      }
      break;
  }
  return out;
}

}  // namespace

double rated_exhaust_c(const System& system) {
  const SystemEnergySpec& spec = system.energy();
  double w = spec.power.host.value() + spec.power.network.value() +
             spec.power.per_device.value() * system.main_group().count;
  for (const DeviceGroup& g : system.groups()) {
    const DeviceSummary& s = g.device->summary();
    w += g.count * (s.power_limits.cap ? s.power_limits.cap->value() : std::max(s.power.value(), static_w(s)));
  }
  // A rack past the air limit is liquid cooled unless the design says air: its air
  // is no hotter than an air-cooled rack's at the limit.
  double rack_w = w / racks_of(system, spec.cooling);
  if (spec.cooling.type != CoolingChoice::Air) rack_w = std::min(rack_w, spec.cooling.air_limit.value());
  return exhaust_c(spec.cooling, rack_w);
}

void finish_run_energy(RunResult& r, const System& system, const std::vector<StepResult>& steps,
                       const EnergyInputs& in) {
  if (!r.fits || !r.latency_s || *r.latency_s <= 0 || steps.empty()) return;
  for (const DeviceGroup& g : system.groups())
    if (!g.device->summary().energy.present()) return;
  const SystemEnergySpec& spec = system.energy();
  EnergyReport e;
  for (std::size_t i = 0; i < steps.size() && i < in.step_weights.size(); ++i) {
    if (in.step_weights[i] <= 0) continue;
    EnergyBreakdown dyn = steps[i].energy.energy.scaled(in.step_weights[i]);
    dyn.static_j = 0;  // static is counted once below, for the whole system over the whole time
    e.energy_j += dyn;
    if (steps[i].energy.power_capped) e.power_capped = true;
  }
  if (in.kv_transfer_bytes > 0) {
    // The KV cache leaves the prefill group's devices over their interconnect.
    const DeviceSummary& s = system.group_for(StepKind::Prefill).device->summary();
    e.energy_j.interconnect += in.kv_transfer_bytes * 8 * s.energy.pj_per_bit.interconnect.value() * kPico;
  }
  const double t = *r.latency_s;
  e.energy_j.static_j = system_static_w(system, spec) * t;
  e.tokens = in.tokens;
  const double total = e.energy_j.total();
  e.energy_j_per_token = in.tokens > 0 ? total / in.tokens : 0;
  e.tokens_per_joule = total > 0 ? in.tokens / total : 0;
  e.power_w = total / t;
  const std::size_t main = static_cast<std::size_t>(std::clamp<int>(in.main_step, 0, static_cast<int>(steps.size()) - 1));
  e.device_power_w = steps[main].energy.device_power_w;
  e.cap_stretch = steps[main].energy.cap_stretch;
  e.cooling = cooling_for(system, spec, e.power_w);
  e.rack_power_w = e.power_w / e.cooling.racks;

  // Cost per million tokens: capex spread over the hours the system
  // serves at the measured rate, plus the energy at the wall times PUE.
  CostReport& c = e.cost;
  const SystemPriceSpec& p = spec.price;
  c.capex_usd = (p.system + p.per_device * system.main_group().count) *
                (e.cooling.type == "liquid" ? 1 + spec.cooling.liquid_premium : 1.0);
  c.lifetime_years = spec.lifetime_years;
  c.utilization = p.utilization;
  c.usd_per_kwh = p.electricity;
  c.pue = p.pue;
  const double tokens_per_s = r.tokens_per_s.value_or(0);
  if (tokens_per_s > 0)
    c.capex_per_million = 1e6 * c.capex_usd / (spec.lifetime_years * kSecondsPerYear * p.utilization) / tokens_per_s;
  c.energy_per_million = 1e6 * e.energy_j_per_token * p.pue / kJoulesPerKwh * p.electricity;
  c.per_million_tokens = c.capex_per_million + c.energy_per_million;
  r.energy = e;
}

}  // namespace wafersim
