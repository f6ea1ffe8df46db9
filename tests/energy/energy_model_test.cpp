// The energy model end to end: components sum, the power cap (clock and voltage,
// A-293), HBM pJ/bit sensitivity, resident energy over time, one op in closed form,
// the cost formula by hand, and every preset system reporting the fields. Cooling
// verdicts and prices: cooling_verdict_test.cpp; sums over steps and the public load
// points: energy_account_test.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "sim/energy/energy_model.h"
#include "sim/report/result_json.h"
#include "tests/energy/energy_fixture.h"

namespace wafersim {
namespace {

using namespace energy_test;

TEST_F(Energy, ComponentsSumToTheTotalAndPowerIsEnergyOverTime) {
  struct Case {
    std::string system, model;
    int batch;
    Phase phase;
  };
  for (const Case& c :
       {Case{"h100-sxm5", "llama-3.1-8b", 1, Phase::Decode}, Case{"dgx-h100", "llama-3.1-70b", 32, Phase::Decode},
        Case{"wse3", "llama-3.1-8b", 4, Phase::Prefill}, Case{"groq-rack", "llama-3.1-8b", 1, Phase::Decode},
        Case{"gpu-lpu-rack", "tiny-llama", 2, Phase::Generate}, Case{"dgx-b200", "llama-3.1-8b", 4, Phase::Generate},
        Case{"cs3-x4", "llama-3.1-70b", 1, Phase::Decode}}) {
    const RunResult r = run(c.system, c.model, c.batch, {}, c.phase);
    ASSERT_TRUE(r.fits && r.energy) << c.system;
    const EnergyReport& e = *r.energy;
    const EnergyBreakdown& b = e.energy_j;
    const double sum = b.compute + b.sram + b.hbm + b.fabric + b.interconnect + b.static_j + b.cooling;
    EXPECT_GT(b.compute, 0) << c.system;
    EXPECT_GT(b.static_j, 0) << c.system;
    EXPECT_LT(rel(e.energy_j_per_token * e.tokens, sum), 1e-12) << c.system;
    EXPECT_LT(rel(e.power_w * *r.latency_s, sum), 1e-12) << c.system;
    EXPECT_LT(rel(e.tokens_per_joule * e.energy_j_per_token, 1.0), 1e-12) << c.system;
  }
}

TEST_F(Energy, PowerNeverExceedsTheCapWithoutTheFlag) {
  // Every device kind, memory- and compute-bound steps, the presets' caps and a low one.
  struct Case {
    std::string system;
    double cap;
    std::vector<std::pair<std::string, std::string>> sets;
  };
  for (const Case& c :
       {Case{"h100-sxm5", 700, {}}, Case{"h100-sxm5", 300, {{"h100-sxm5.power.cap", "300 W"}}}, Case{"b200", 1000, {}},
        Case{"wse3", 20000, {}}, Case{"wse3", 3000, {{"wse3.power.cap", "3 kW"}}},
        Case{"groq-rack", 120, {{"groq-lpu.power.cap", "120 W"}}}}) {
    for (int batch : {1, 16, 256}) {
      for (Phase phase : {Phase::Decode, Phase::Prefill}) {
        const RunResult r = run(c.system, "llama-3.1-8b", batch, c.sets, phase);
        if (!r.fits) continue;
        ASSERT_TRUE(r.energy);
        const std::string what = c.system + " cap " + std::to_string(c.cap) + " batch " + std::to_string(batch);
        EXPECT_LE(r.energy->device_power_w, c.cap * (1 + 1e-9)) << what;
        EXPECT_EQ(r.energy->power_capped, r.energy->cap_stretch > 1) << what;
        if (r.energy->power_capped) {
          EXPECT_NEAR(r.energy->device_power_w, c.cap, 1e-6 * c.cap) << what;
        }
      }
    }
  }
}

TEST_F(Energy, TheCapSolutionInClosedForm) {
  // On-chip energy only, within the voltage range: P = R + E / (n t s^3) = cap.
  const CapSolution a = solve_power_cap(2.0, 0.0, 2, 1e-3, 100, 600);
  ASSERT_TRUE(a.capped);
  EXPECT_NEAR(a.stretch, std::cbrt(2.0 / (2 * 1e-3 * 500)), 1e-9);  // 1.26: the voltage is still above its floor
  EXPECT_NEAR(a.on_chip_scale, 1 / (a.stretch * a.stretch), 1e-9);
  // Off-chip energy only (HBM, links): nothing scales, the stretch is P_dyn / (cap - R).
  const CapSolution b = solve_power_cap(0.0, 3.0, 1, 1e-3, 100, 600);
  EXPECT_NEAR(b.stretch, 3000.0 / 500, 1e-9);
  // Below the voltage floor the energy stops falling: s = E x 0.49 / (n t (cap - R)).
  const CapSolution c = solve_power_cap(100.0, 0.0, 1, 1e-3, 100, 600);
  EXPECT_NEAR(c.stretch, 100.0 * 0.49 / (1e-3 * 500), 1e-9);
  EXPECT_NEAR(c.on_chip_scale, 0.49, 1e-12);
  EXPECT_FALSE(solve_power_cap(0.1, 0.1, 1, 1e-3, 100, 600).capped);  // 300 W fits
}

TEST_F(Energy, ALowCapSlowsTheClockAndHoldsPowerAtTheCap) {
  const RunResult free = run("h100-sxm5", "llama-3.1-8b", 64, {}, Phase::Prefill);
  const RunResult capped = run("h100-sxm5", "llama-3.1-8b", 64, {{"h100-sxm5.power.cap", "300 W"}}, Phase::Prefill);
  ASSERT_TRUE(free.energy && capped.energy);
  EXPECT_FALSE(free.energy->power_capped);
  ASSERT_TRUE(capped.energy->power_capped);
  EXPECT_NEAR(capped.energy->device_power_w, 300.0, 1e-6);
  // Speed falls with the clock; off-chip energy (HBM) is unchanged, on-chip energy falls
  // with the voltage squared, so the step costs less dynamic energy, not more.
  // The free step's on-chip energy is at its own voltage (boost or trimmed, A-400), the
  // capped one's at v(s) of the fit point.
  const double s = capped.energy->cap_stretch;
  EXPECT_LT(rel(*capped.latency_s, *free.latency_s * s), 1e-12);
  const double v2 = std::pow(std::max(1 / s, kMinVoltageFraction), 2);
  const double free_v2 = std::pow(free.energy->core_voltage, 2);
  EXPECT_LT(rel(capped.energy->core_voltage, std::sqrt(v2)), 1e-12);
  EXPECT_LT(rel(capped.energy->energy_j.hbm, free.energy->energy_j.hbm), 1e-12);
  EXPECT_LT(rel(capped.energy->energy_j.compute, free.energy->energy_j.compute * v2 / free_v2), 1e-12);
  EXPECT_LT(capped.energy->energy_j.dynamic(), free.energy->energy_j.dynamic());
  // The stretch solves resident + dynamic(s) / t(s) = cap.
  const EnergyBreakdown& f = free.energy->energy_j;
  const double p = 145 + (f.on_chip() * v2 / free_v2 + f.hbm + f.interconnect) / (*free.latency_s * s);
  EXPECT_LT(rel(p, 300.0), 1e-9);
}

TEST_F(Energy, DoublingHbmPicojoulesRaisesDecodeEnergyByTheHbmShareOnly) {
  const RunResult base = run("h100-sxm5", "llama-3.1-8b", 1);
  const RunResult twice = run("h100-sxm5", "llama-3.1-8b", 1, {{"h100-sxm5.energy.pj_per_bit.hbm", "12.2 pJ/bit"}});
  ASSERT_TRUE(base.energy && twice.energy);
  ASSERT_FALSE(twice.energy->power_capped);
  const EnergyBreakdown& a = base.energy->energy_j;
  const EnergyBreakdown& b = twice.energy->energy_j;
  EXPECT_GT(a.hbm, 0.3 * a.total());  // batch-1 decode on a GPU: HBM is a large share
  EXPECT_LT(rel(b.total() - a.total(), a.hbm), 1e-9);
  EXPECT_LT(rel(b.hbm, 2 * a.hbm), 1e-12);
  EXPECT_EQ(b.compute, a.compute);
  EXPECT_EQ(b.static_j, a.static_j);
  EXPECT_EQ(*twice.latency_s, *base.latency_s);
}

TEST_F(Energy, ResidentEnergyScalesWithTime) {
  const RunResult short_ctx = run("dgx-h100", "llama-3.1-8b", 8, {}, Phase::Decode, 512);
  const RunResult long_ctx = run("dgx-h100", "llama-3.1-8b", 8, {}, Phase::Decode, 32768);
  ASSERT_TRUE(short_ctx.energy && long_ctx.energy);
  ASSERT_GT(*long_ctx.latency_s, 1.2 * *short_ctx.latency_s);
  // 8 GPUs x 145 W resident + host 1760 W + network 800 W, whatever the step does.
  const double system_static = 8 * 145.0 + 1760 + 800;
  EXPECT_LT(rel(short_ctx.energy->energy_j.static_j / *short_ctx.latency_s, system_static), 1e-12);
  EXPECT_LT(rel(long_ctx.energy->energy_j.static_j / *long_ctx.latency_s, system_static), 1e-12);
}

TEST_F(Energy, OneOpInClosedForm) {
  // Pricing alone: 1e9 FLOP at 0.5 pJ + 1e6 B of SRAM at 0.1 pJ/bit + 2e6 B of HBM at 4
  // pJ/bit + 3e6 B·hop at 0.04 + 4e6 B interconnect at 11 + 5e6 B I/O at 10.
  DeviceEnergySpec e;
  e.pj_per_flop.set(DType::Fp16, PicojoulesPerFlop(0.5));
  e.pj_per_bit = {PicojoulesPerBit(0.1), PicojoulesPerBit(4), PicojoulesPerBit(0.04), PicojoulesPerBit(11),
                  PicojoulesPerBit(10)};
  Traffic t;
  t.flops = 1e9;
  t.sram_bytes = 1e6;
  t.hbm_bytes = 2e6;
  t.fabric_byte_hops = 3e6;
  t.interconnect_bytes = 4e6;
  t.io_bytes = 5e6;
  const EnergyBreakdown b = price_traffic(t, e, DType::Bf16, "dev");  // bf16 falls back to fp16
  EXPECT_DOUBLE_EQ(b.compute, 1e9 * 0.5e-12);
  EXPECT_DOUBLE_EQ(b.sram, 8e6 * 0.1e-12);
  EXPECT_DOUBLE_EQ(b.hbm, 16e6 * 4e-12);
  EXPECT_DOUBLE_EQ(b.fabric, 24e6 * 0.04e-12);
  EXPECT_DOUBLE_EQ(b.interconnect, (32e6 * 11 + 40e6 * 10) * 1e-12);
  EXPECT_THROW((void)price_traffic(t, e, DType::Fp32, "dev"), InputError);

  // And one real op as the GPU roofline counts it: FLOPs x 0.676 pJ + bytes x 8 x (6.1 +
  // 0.144) pJ, the on-chip parts at the step's voltage squared.
  EvalRequest req;
  req.system = "h100-sxm5";
  req.model = "llama-3.1-8b";
  req.options.fidelity = Fidelity::Roofline;
  const RunResult r = RequestRunner(registry, root()).run(req);
  const auto it = std::find_if(r.ops.begin(), r.ops.end(), [](const OpTiming& o) { return o.kind == OpKind::MatMul; });
  ASSERT_NE(it, r.ops.end());
  ASSERT_TRUE(r.energy);
  const double v2 = std::pow(r.energy->core_voltage, 2);
  EXPECT_LT(rel(it->energy_j, (it->flops * 0.676 * v2 + it->bytes * 8 * (6.1 + 0.144 * v2)) * 1e-12), 1e-12)
      << it->name;
}

TEST_F(Energy, CostPerMillionTokensByHand) {
  const RunResult r = run("dgx-h100", "llama-3.1-70b", 16);
  ASSERT_TRUE(r.energy);
  const EnergyReport& e = *r.energy;
  ASSERT_EQ(e.cooling.type, "air");
  // $270,000 over 4 years at utilization 1, at the measured tokens/s; energy at
  // $0.08/kWh and PUE 1.58.
  const double capex = 270000.0 / (4 * 365.25 * 86400) / *r.tokens_per_s * 1e6;
  const double energy = e.energy_j_per_token * 1.58 / 3.6e6 * 0.08 * 1e6;
  EXPECT_LT(rel(e.cost.capex_per_million, capex), 1e-12);
  EXPECT_LT(rel(e.cost.energy_per_million, energy), 1e-12);
  EXPECT_LT(rel(e.cost.per_million_tokens, capex + energy), 1e-12);
  // Liquid cooling adds its premium to capex.
  const RunResult liquid = run("dgx-h100", "llama-3.1-70b", 16,
                               {{"dgx-h100.cooling.type", "liquid"}, {"dgx-h100.cooling.liquid_premium", "0.3"}});
  EXPECT_LT(rel(liquid.energy->cost.capex_usd, 270000 * 1.3), 1e-12);
}

TEST_F(Energy, EveryPresetSystemReportsTheFields) {
  ConfigLibrary library(root());
  library.set_device_kinds(registry.devices().kinds());
  auto systems = library.list(ConfigFolder::Systems);
  for (const auto& d : library.list(ConfigFolder::Devices)) systems.push_back(d);
  for (const auto& s : systems) {
    RunResult r = run(s, "llama-3.1-8b", 1, {}, Phase::Generate);
    if (!r.fits) r = run(s, "tiny-llama", 1, {}, Phase::Generate);
    ASSERT_TRUE(r.fits) << s;
    const Json j = result_to_json(r);
    for (const char* f :
         {"energy_j_per_token", "power_w", "tokens_per_joule", "rack_power_w", "device_power_w",
          "cost_per_million_tokens", "cost_basis", "cooling", "cooling_reason", "exhaust_temp_c", "power_capped"})
      EXPECT_FALSE(j[f].is_null()) << s << ": " << f;
    for (const char* f : {"compute", "sram", "hbm", "fabric", "interconnect", "static", "cooling"})
      EXPECT_TRUE(j["energy_j"][f].is_number()) << s << ": energy_j." << f;
    EXPECT_GT(j["energy_j_per_token"].get<double>(), 0) << s;
  }
}

TEST_F(Energy, APointThatDoesNotFitKeepsTheSameJsonKeysWithNulls) {
  const RunResult r = run("h100-sxm5", "llama-3.1-70b");
  ASSERT_FALSE(r.fits);
  const Json j = result_to_json(r);
  EXPECT_TRUE(j["energy_j_per_token"].is_null());
  ASSERT_TRUE(j["energy_j"].is_object());
  EXPECT_TRUE(j["energy_j"]["hbm"].is_null());
  ASSERT_TRUE(j["cost"].is_object());
  EXPECT_TRUE(j["cost"]["pue"].is_null());
}

TEST_F(Energy, EveryCostModelCountsAtLeastTheGraphsFlops) {
  // The OpCost::traffic contract at each kind's default fidelity: energy prices these
  // counts, so a model that leaves them empty would report static energy only.
  for (const char* s : {"h100-sxm5", "dgx-h100", "wse3", "cs3-x4", "groq-rack"}) {
    const RunResult r = run(s, "llama-3.1-8b", 4);
    ASSERT_TRUE(r.fits) << s;
    double flops = 0, bytes = 0;
    for (const OpTiming& op : r.ops) {
      flops += op.cost.traffic.flops;
      bytes += op.cost.traffic.sram_bytes + op.cost.traffic.hbm_bytes + op.cost.traffic.io_bytes;
    }
    EXPECT_GE(flops, r.flops * (1 - 1e-9)) << s;
    EXPECT_GE(bytes, r.bytes * (1 - 1e-9)) << s;  // every byte the graph moves is counted at some level
  }
}

TEST_F(Energy, KvTransferToTheDecodeGroupIsPriced) {
  const RunResult r = run("gpu-lpu-rack", "tiny-llama", 4, {}, Phase::Generate);
  ASSERT_TRUE(r.fits && r.energy);
  ASSERT_GT(r.kv_transfer_s, 0);
  EXPECT_GT(r.energy->energy_j.interconnect, 0);
}

}  // namespace
}  // namespace wafersim
