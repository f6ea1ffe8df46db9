#include "sim/energy/energy_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <optional>
#include <vector>

#include "sim/core/error.h"

namespace wafersim {
namespace {

constexpr double kPico = 1e-12;

/// Energy per FLOP of values stored as `dtype`, looked up once per format and step
/// (a step prices every op; the lookup walks the format's wider formats).
class FlopPrices {
 public:
  FlopPrices(const DeviceEnergySpec& e, const std::string& device) : e_(e), device_(device) {}
  double pj(DType dtype) {
    std::optional<double>& cached = pj_.at(static_cast<std::size_t>(dtype));
    if (cached) return *cached;
    const auto pj = e_.pj_per_flop.for_stored(dtype);
    if (!pj)
      throw InputError(Diagnostic{"", 0, 0, device_ + ".energy.pj_per_flop",
                                  fmt::format("no energy per FLOP for {} and no wider format listed; add "
                                              "--set {}.energy.pj_per_flop.{}=...",
                                              dtype_name(dtype), device_, dtype_name(dtype))});
    cached = pj->value();
    return *cached;
  }

 private:
  const DeviceEnergySpec& e_;
  const std::string& device_;
  std::array<std::optional<double>, kDTypeCount> pj_{};  ///< empty = not looked up yet
};

EnergyBreakdown price_counts(const Traffic& t, const DeviceEnergySpec& e, DType dtype, FlopPrices& prices) {
  EnergyBreakdown b;
  if (t.flops > 0) b.compute = t.flops * prices.pj(dtype) * kPico;
  const PicojoulesPerBitLevels& l = e.pj_per_bit;
  b.sram = t.sram_bytes * 8 * l.sram.value() * kPico;
  b.hbm = t.hbm_bytes * 8 * l.hbm.value() * kPico;
  b.fabric = t.fabric_byte_hops * 8 * l.fabric.value() * kPico;
  b.interconnect = (t.interconnect_bytes * 8 * l.interconnect.value() + t.io_bytes * 8 * l.io.value()) * kPico;
  return b;
}

}  // namespace

EnergyBreakdown price_traffic(const Traffic& t, const DeviceEnergySpec& e, DType dtype, const std::string& device) {
  FlopPrices prices(e, device);
  return price_counts(t, e, dtype, prices);
}

CapSolution solve_power_cap(double on_chip_j, double off_chip_j, double devices, double seconds, double resident_w,
                            double cap_w, double boost_voltage) {
  CapSolution out;
  const double boost = std::max(1.0, boost_voltage);
  out.voltage = boost;
  out.on_chip_scale = boost * boost;
  if (seconds <= 0 || devices <= 0) return out;
  auto power = [&](double s, double v_sq) {
    return resident_w + (on_chip_j * v_sq + off_chip_j) / (devices * seconds * s);
  };
  const double tolerance = 1 + 1e-12;
  if (cap_w <= 0 || power(1, boost * boost) <= cap_w * tolerance) return out;  // unthrottled, at boost
  if (power(1, 1) <= cap_w * tolerance) {
    // the voltage that holds the cap lies between the fitted point and boost.
    const double v_sq = ((cap_w - resident_w) * devices * seconds - off_chip_j) / on_chip_j;
    out.on_chip_scale = std::clamp(v_sq, 1.0, boost * boost);
    out.voltage = std::sqrt(out.on_chip_scale);
    return out;
  }
  // below the fitted point the clock falls too. power(s) falls monotonically
  // towards resident_w < cap_w: bracket, then bisect.
  auto voltage_sq = [](double s) { return std::pow(std::max(1.0 / s, kMinVoltageFraction), 2); };
  auto power_at = [&](double s) { return power(s, voltage_sq(s)); };
  double lo = 1, hi = 2;
  while (power_at(hi) > cap_w) {
    lo = hi;
    hi *= 2;
  }
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (power_at(mid) > cap_w ? lo : hi) = mid;
  }
  out.capped = true;
  out.stretch = hi;  // the side that fits the cap
  out.clock_fraction = 1 / hi;
  out.on_chip_scale = voltage_sq(hi);
  out.voltage = std::sqrt(out.on_chip_scale);
  return out;
}

StepEnergy apply_step_energy(StepResult& step, const Graph& graph, const DeviceGroup& group) {
  StepEnergy out;
  const DeviceSummary& s = group.device->summary();
  if (!s.energy.present()) return out;
  out.priced = true;
  const std::string& name = group.device->name();
  FlopPrices prices(s.energy, name);
  std::vector<EnergyBreakdown> per_op;
  per_op.reserve(step.ops.size());
  for (const OpTiming& op : step.ops) {
    per_op.push_back(price_counts(op.cost.traffic, s.energy, op.op >= 0 ? graph.op(op.op).dtype : DType::Fp16, prices));
    out.energy += per_op.back();
  }
  const double n = std::max(1, group.count);
  const double resident = s.power_limits.static_power.value_or(Watts(0)).value();
  const double cap = s.power_limits.cap ? s.power_limits.cap->value() : 0;
  if (cap > 0 && cap <= resident)
    throw InputError(Diagnostic{"", 0, 0, name + ".power.cap",
                                fmt::format("power cap {} W must exceed power.resident {} W", cap, resident)});
  CapSolution c;
  if (step.latency_s > 0) {
    const double on_chip = out.energy.on_chip();
    c = solve_power_cap(on_chip, out.energy.dynamic() - on_chip, n, step.latency_s, resident, cap,
                        s.power_limits.boost_voltage);
  }
  // on-chip energy at the step's voltage (boost, trimmed, or lowered with the
  // clock); A-293: a capped step's whole time stretches alike (a kind-agnostic stretch).
  out.power_capped = c.capped;
  out.cap_stretch = c.stretch;
  out.clock_fraction = c.clock_fraction;
  out.core_voltage = c.voltage;
  out.energy = EnergyBreakdown{};
  for (std::size_t i = 0; i < step.ops.size(); ++i) {
    OpTiming& op = step.ops[i];
    EnergyBreakdown& e = per_op[i];
    e.compute *= c.on_chip_scale;
    e.sram *= c.on_chip_scale;
    e.fabric *= c.on_chip_scale;
    op.energy_j = e.total();
    out.energy += e;
    if (c.capped) {
      op.time_s *= c.stretch;
      if (op.start_s >= 0) op.start_s *= c.stretch;
    }
  }
  if (step.latency_s <= 0) return step.energy = out;
  if (c.capped) {
    step.latency_s *= c.stretch;
    step.time = step.time.scaled(c.stretch);
  }
  out.energy.static_j = n * resident * step.latency_s;
  out.device_power_w = (out.energy.dynamic() + out.energy.static_j) / (n * step.latency_s);
  out.energy.cooling = s.cooling.share * (out.energy.dynamic() + out.energy.static_j);
  step.energy = out;
  return out;
}

}  // namespace wafersim
