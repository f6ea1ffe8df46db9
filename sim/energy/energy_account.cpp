#include "sim/energy/energy_account.h"

#include <algorithm>

#include "sim/energy/cooling_verdict.h"

namespace wafersim {
namespace {

constexpr double kPico = 1e-12;
constexpr double kSecondsPerYear = 365.25 * 24 * 3600;
constexpr double kJoulesPerKwh = 3.6e6;

}  // namespace

EnergyAccount::EnergyAccount(const System& system)
    : system_(system), used_(system.groups().size(), false), group_dynamic_j_(system.groups().size(), 0.0) {
  for (const DeviceGroup& g : system.groups())
    if (!g.device->summary().energy.present()) priced_ = false;
}

void EnergyAccount::add_step(const StepResult& step, const std::string& group, double times) {
  // A group that ran any step (even one weighted 0, like the first decode step after a
  // prefill) holds the model: resident for the whole run.
  const int i = system_.group_index(group);
  if (i >= 0) used_[static_cast<std::size_t>(i)] = true;
  if (times <= 0) return;
  EnergyBreakdown dyn = step.energy.energy.scaled(times);
  // Resident power and the cooling it implies are counted once, over the whole wall time, in finish().
  dyn.static_j = 0;
  const DeviceSummary& s = system_.groups()[static_cast<std::size_t>(std::max(i, 0))].device->summary();
  dyn.cooling = s.cooling.share * dyn.dynamic();
  dynamic_ += dyn;
  group_dynamic_j_[static_cast<std::size_t>(std::max(i, 0))] += dyn.dynamic();
  if (step.energy.power_capped) capped_ = true;
}

void EnergyAccount::add_transfer(double bytes, const std::string& from_group) {
  const int i = std::max(system_.group_index(from_group), 0);
  const DeviceSummary& s = system_.groups()[static_cast<std::size_t>(i)].device->summary();
  dynamic_.interconnect += bytes * 8 * s.energy.pj_per_bit.interconnect.value() * kPico;
}

std::optional<EnergyReport> EnergyAccount::finish(double seconds, double tokens, double tokens_per_s,
                                                  const StepResult* main) const {
  if (!priced_ || seconds <= 0) return std::nullopt;
  const SystemEnergySpec& spec = system_.energy();
  EnergyReport e;
  e.energy_j = dynamic_;
  e.power_capped = capped_;
  // devices of a group that ran a step hold a context all along (resident);
  // the others are on with nothing loaded (idle). Host and network are fixed.
  double device_static_w = 0;
  for (std::size_t i = 0; i < system_.groups().size(); ++i) {
    const DeviceGroup& g = system_.groups()[i];
    const DevicePowerLimits& l = g.device->summary().power_limits;
    const double share = g.device->summary().cooling.share;
    const double w = g.count * (used_[i] ? l.static_power.value_or(Watts(0)) : l.idle_or_resident()).value();
    device_static_w += w;
    e.energy_j.cooling += share * w * seconds;
    const double resident_w = g.count * l.static_power.value_or(Watts(0)).value();
    e.resident_system_w += resident_w;
    e.resident_cooling_w += share * resident_w;
  }
  const double fixed_w =
      spec.power.host.value() + spec.power.network.value() + spec.power.per_device.value() * system_.main_group().count;
  e.resident_system_w += fixed_w;
  e.cooling_share = system_.main_group().device->summary().cooling.share;
  e.energy_j.static_j = (device_static_w + fixed_w) * seconds;
  e.tokens = tokens;
  const double total = e.energy_j.total();
  e.energy_j_per_token = tokens > 0 ? total / tokens : 0;
  e.tokens_per_joule = total > 0 ? tokens / total : 0;
  e.power_w = total / seconds;
  if (main != nullptr) {
    e.device_power_w = main->energy.device_power_w;
    e.cap_stretch = main->energy.cap_stretch;
    e.core_voltage = main->energy.core_voltage;
  } else {
    const auto m = static_cast<std::size_t>(system_.main_group_index());
    const DeviceGroup& g = system_.main_group();
    const DevicePowerLimits& l = g.device->summary().power_limits;
    const double n = std::max(1, g.count);
    e.device_power_w = group_dynamic_j_[m] / (n * seconds) +
                       (used_[m] ? l.static_power.value_or(Watts(0)) : l.idle_or_resident()).value();
  }
  e.cooling = cooling_verdict(system_, e.power_w);
  e.rack_power_w = e.power_w / e.cooling.racks;

  // Cost per million tokens: capex spread over the hours the system
  // serves at the measured rate, plus the energy at the wall times PUE.
  CostReport& c = e.cost;
  const SystemPriceSpec& p = spec.price;
  c.capex_usd = system_price_usd(system_, c.capex_estimated) *
                (e.cooling.type == "liquid" ? 1 + spec.cooling.liquid_premium : 1.0);
  c.lifetime_years = spec.lifetime_years;
  c.utilization = p.utilization;
  c.usd_per_kwh = p.electricity;
  c.pue = p.pue;
  if (tokens_per_s > 0)
    c.capex_per_million = 1e6 * c.capex_usd / (spec.lifetime_years * kSecondsPerYear * p.utilization) / tokens_per_s;
  c.energy_per_million = 1e6 * e.energy_j_per_token * p.pue / kJoulesPerKwh * p.electricity;
  c.per_million_tokens = c.capex_per_million + c.energy_per_million;
  return e;
}

void finish_run_energy(RunResult& r, const System& system, const std::vector<StepResult>& steps,
                       const EnergyInputs& in) {
  if (!r.fits || !r.latency_s || *r.latency_s <= 0 || steps.empty()) return;
  EnergyAccount account(system);
  if (!account.priced()) return;
  for (std::size_t i = 0; i < steps.size() && i < in.step_weights.size(); ++i) {
    const std::string& group =
        i < in.step_groups.size() && !in.step_groups[i].empty() ? in.step_groups[i] : system.main_group().name;
    account.add_step(steps[i], group, in.step_weights[i]);
  }
  if (in.kv_transfer_bytes > 0) account.add_transfer(in.kv_transfer_bytes, in.kv_from_group);
  const std::size_t main =
      static_cast<std::size_t>(std::clamp<int>(in.main_step, 0, static_cast<int>(steps.size()) - 1));
  r.energy = account.finish(*r.latency_s, in.tokens, r.tokens_per_s.value_or(0), &steps[main]);
}

}  // namespace wafersim
