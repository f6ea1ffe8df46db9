// Energy over a sequence of steps (EnergyAccount, the API a serving run uses), idle
// versus resident devices, and the public load points the device power
// model was fitted to or is checked against (calibration-public.md §F, §H).

#include <gtest/gtest.h>

#include "sim/energy/energy_account.h"
#include "sim/hardware/system.h"
#include "tests/energy/energy_fixture.h"

namespace wafersim {
namespace {

using namespace energy_test;

TEST_F(Energy, AnAccountOfStepsSumsTheirDynamicEnergyAndChargesResidentPowerOverTheWallTime) {
  const RunResult a = run("h100-sxm5", "llama-3.1-8b", 1);
  const RunResult b = run("h100-sxm5", "llama-3.1-8b", 32);
  ASSERT_TRUE(a.energy && b.energy);
  ConfigLibrary library(root());
  library.set_device_kinds(registry.devices().kinds());
  const System system = SystemLoader(library, registry.devices()).load("h100-sxm5");
  // Two steps as a serving run would add them, 3 x the first and 2 x the second, and
  // 5 ms of waiting with the model loaded.
  StepResult sa, sb;
  sa.energy.energy = a.energy->energy_j;
  sb.energy.energy = b.energy->energy_j;
  EnergyAccount account(system);
  ASSERT_TRUE(account.priced());
  account.add_step(sa, "h100-sxm5", 3);
  account.add_step(sb, "h100-sxm5", 2);
  const double seconds = 3 * *a.latency_s + 2 * *b.latency_s + 5e-3;
  const auto e = account.finish(seconds, 3 + 64, 0, nullptr);
  ASSERT_TRUE(e);
  const double dynamic = 3 * a.energy->energy_j.dynamic() + 2 * b.energy->energy_j.dynamic();
  EXPECT_LT(rel(e->energy_j.dynamic(), dynamic), 1e-12);
  EXPECT_LT(rel(e->energy_j.static_j, 145 * seconds), 1e-12);
  EXPECT_LT(rel(e->energy_j_per_token, (dynamic + 145 * seconds) / 67), 1e-12);
  EXPECT_EQ(e->cost.capex_per_million, 0);                            // no rate given: energy cost only
  EXPECT_LT(rel(e->device_power_w, dynamic / seconds + 145), 1e-12);  // one device: its mean over the run
}

TEST_F(Energy, AGroupThatRunsNothingIsIdleNotResident) {
  // gpu-lpu-rack encoding BERT runs on the LPUs only; the B200s hold nothing.
  EvalRequest r;
  r.system = "gpu-lpu-rack";
  r.model = "bert-large";
  r.options.workload.phase = Phase::Encode;
  r.options.workload.prompt = 128;
  const RunResult enc = RequestRunner(registry, root()).run(r);
  ASSERT_TRUE(enc.fits && enc.energy);
  // 8 B200 idle at 100 W, 4 LPUs resident at 62 W, host 2000 W, network 800 W, 4 x 100 W per LPU.
  const double watts = 8 * 100.0 + 4 * 62.0 + 2000 + 800 + 4 * 100;
  EXPECT_LT(rel(enc.energy->energy_j.static_j, watts * *enc.latency_s), 1e-12);
}

double board_w(Energy& f, const std::string& system, int batch, int context) {
  const RunResult r = f.run(system, "llama-3.1-8b", batch, {}, Phase::Decode, context);
  EXPECT_TRUE(r.energy);
  return r.energy ? r.energy->device_power_w : 0;
}

TEST_F(Energy, PublicLoadPointsForGpus) {
  // §F, fitted: H100 batch-1 decode ~270-300 W; the check allows 200-420 W.
  const double h100_b1 = board_w(*this, "h100-sxm5", 1, 1024);
  EXPECT_GE(h100_b1, 200);
  EXPECT_LE(h100_b1, 420);
  // §F, checked: H200 decode 137-300 W (issue 15's check: 137-330 W at batch 1).
  const double h200_b1 = board_w(*this, "h200-sxm", 1, 1024);
  EXPECT_GE(h200_b1, 137);
  EXPECT_LE(h200_b1, 330);
  // §F: H100 at batch 128 ~600-680 W, fitted at 128 tokens; the check asks >= 450 W.
  // It holds up to ~700 tokens; at 1,024 tokens wafersim draws ~411 W (boost_voltage_test.cpp).
  EXPECT_GE(board_w(*this, "h100-sxm5", 128, 128), 450);
  EXPECT_GT(board_w(*this, "h100-sxm5", 128, 1024), h100_b1);
  // Idle and resident are the measured figures; a large prefill runs near the 700 W limit.
  const RunResult prefill = run("h100-sxm5", "llama-3.1-8b", 8, {}, Phase::Prefill);
  ASSERT_TRUE(prefill.energy);
  EXPECT_GT(prefill.energy->device_power_w, 600);
  EXPECT_LE(prefill.energy->device_power_w, 700 * (1 + 1e-9));
}

TEST_F(Energy, PublicLoadPointsForTheWaferAndTheLpu) {
  // The WSE-2 at the SGEMM's rate draws the measured ~4.38 kW (§H, fitted, A-295): the
  // two fitted parameters reproduce it in closed form from the preset's figures.
  const double c = 0.430e-12, sram = 0.0917e-12, resident = 2540;
  const double sgemm_w = resident + 349e12 * (2 * c + 48 * sram);
  EXPECT_NEAR(sgemm_w, 4380, 0.01 * 4380);
  // ... and at full activity the ">20 kW of heat" figure.
  EXPECT_NEAR(resident + 753972 * 1.1e9 * (8 * c + 192 * sram), 20000, 0.01 * 20000);
  // A decoding wafer is mostly resident power: far below the unconfirmed 23 kW.
  const RunResult w = run("wse3", "llama-3.1-8b", 1);
  ASSERT_TRUE(w.energy);
  EXPECT_GT(w.energy->device_power_w, resident);
  EXPECT_LT(w.energy->device_power_w, 20000);
  // A GroqChip never draws more than its 300 W.
  const RunResult g = run("groq-rack", "llama-3.1-8b", 64);
  ASSERT_TRUE(g.energy);
  EXPECT_LE(g.energy->device_power_w, 300 * (1 + 1e-9));
}

}  // namespace
}  // namespace wafersim
