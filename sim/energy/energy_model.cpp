#include "sim/energy/energy_model.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "sim/core/error.h"

namespace wafersim {
namespace {

constexpr double kPico = 1e-12;

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

CapSolution solve_power_cap(double on_chip_j, double off_chip_j, double devices, double seconds, double resident_w,
                            double cap_w) {
  CapSolution out;
  if (seconds <= 0 || devices <= 0) return out;
  auto voltage_sq = [](double s) { return std::pow(std::max(1.0 / s, kMinVoltageFraction), 2); };
  auto power = [&](double s) {
    return resident_w + (on_chip_j * voltage_sq(s) + off_chip_j) / (devices * seconds * s);
  };
  if (power(1) <= cap_w * (1 + 1e-12)) return out;
  // power(s) falls monotonically towards resident_w < cap_w: bracket, then bisect.
  double lo = 1, hi = 2;
  while (power(hi) > cap_w) {
    lo = hi;
    hi *= 2;
  }
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (power(mid) > cap_w ? lo : hi) = mid;
  }
  out.capped = true;
  out.stretch = hi;  // the side that fits the cap
  out.clock_fraction = 1 / hi;
  out.on_chip_scale = voltage_sq(hi);
  return out;
}

StepEnergy apply_step_energy(StepResult& step, const Graph& graph, const DeviceGroup& group) {
  StepEnergy out;
  const DeviceSummary& s = group.device->summary();
  if (!s.energy.present()) return out;
  out.priced = true;
  const std::string& name = group.device->name();
  auto price_op = [&](const OpTiming& op) {
    return price_traffic(op.cost.traffic, s.energy, op.op >= 0 ? graph.op(op.op).dtype : DType::Fp16, name);
  };
  for (OpTiming& op : step.ops) {
    const EnergyBreakdown e = price_op(op);
    op.energy_j = e.total();
    out.energy += e;
  }
  const double n = std::max(1, group.count);
  const double resident = s.power_limits.static_power.value_or(Watts(0)).value();
  if (step.latency_s <= 0) return step.energy = out;
  if (s.power_limits.cap) {
    const double cap = s.power_limits.cap->value();
    if (cap <= resident)
      throw InputError(Diagnostic{"", 0, 0, name + ".power.cap",
                                  fmt::format("power cap {} W must exceed power.resident {} W", cap, resident)});
    const double on_chip = out.energy.on_chip();
    const CapSolution c = solve_power_cap(on_chip, out.energy.dynamic() - on_chip, n, step.latency_s, resident, cap);
    if (c.capped) {
      // the clock falls until mean power is the cap; everything the step
      // does takes 1 / clock_fraction as long (a kind-agnostic stretch of the whole
      // step), and on-chip energy per operation falls with the voltage squared.
      out.power_capped = true;
      out.cap_stretch = c.stretch;
      out.clock_fraction = c.clock_fraction;
      step.latency_s *= c.stretch;
      step.time = step.time.scaled(c.stretch);
      out.energy = EnergyBreakdown{};
      for (OpTiming& op : step.ops) {  // capped steps are rare: price again rather than keep every op's parts
        EnergyBreakdown e = price_op(op);
        e.compute *= c.on_chip_scale;
        e.sram *= c.on_chip_scale;
        e.fabric *= c.on_chip_scale;
        op.energy_j = e.total();
        out.energy += e;
        op.time_s *= c.stretch;
        if (op.start_s >= 0) op.start_s *= c.stretch;
      }
    }
  }
  out.energy.static_j = n * resident * step.latency_s;
  out.device_power_w = (out.energy.dynamic() + out.energy.static_j) / (n * step.latency_s);
  out.energy.cooling = s.cooling.share * (out.energy.dynamic() + out.energy.static_j);
  step.energy = out;
  return out;
}

}  // namespace wafersim
