// energy per output token over a whole serving run: every step's dynamic energy
// by kind, the system's resident power over the whole run (idle gaps between arrivals
// included: the devices hold the model throughout) and in-chassis cooling. First on
// hand-made step costs (tests/serving/serving_test_support.h: 1 J per step), then end to
// end through `wafersim serve`.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim/serving/serving_metrics.h"
#include "sim/serving/serving_simulator.h"
#include "tests/serving/serving_test_support.h"
#include "tests/support/run_cli.h"

namespace wafersim {
namespace {

using namespace serving;
using Json = nlohmann::json;

std::vector<ServeRequest> two_requests_ten_seconds_apart() {
  return {ServeRequest{0, 0.0, 100, 3}, ServeRequest{1, 10.0, 100, 3}};
}

TEST(ServingEnergy, ComponentsSumAndIdleGapsCostResidentPower) {
  ServeConfig cfg;
  cfg.kv_blocks = 1'000;
  StepTimeCache cache(serving::testing::closed_form);
  const ServeOutcome o = simulate(two_requests_ten_seconds_apart(), cfg, cache);
  // Each request: one prefill step, then two decode steps (the first token comes from
  // the prefill); 1 J per step.
  EXPECT_DOUBLE_EQ(o.prefill_energy_j, 2.0);
  EXPECT_DOUBLE_EQ(o.decode_energy_j, 4.0);
  EXPECT_DOUBLE_EQ(o.mixed_energy_j + o.transfer_energy_j, 0.0);
  RunScale scale;
  scale.static_power_w = 200;   // resident devices + host
  scale.cooling_share = 0.25;   // fans and pumps per W of dynamic power
  scale.static_cooling_w = 50;  // ... and over the resident power
  const ServeMetrics m = summarize(o, Slo{}, scale);
  // The system sits idle from the end of the first request until the second arrives.
  EXPECT_NEAR(m.idle_s, m.duration_s - o.busy_s, 1e-12);
  EXPECT_GT(m.idle_s, 9.9);
  const ServeEnergy& e = m.energy;
  EXPECT_DOUBLE_EQ(e.resident, 200 * m.duration_s);
  EXPECT_DOUBLE_EQ(e.idle, 200 * m.idle_s);  // idle seconds priced at the resident power
  EXPECT_DOUBLE_EQ(e.cooling, 0.25 * 6 + 50 * m.duration_s);
  EXPECT_DOUBLE_EQ(m.energy_j, 2 + 4 + 200 * m.duration_s + e.cooling);
  EXPECT_DOUBLE_EQ(m.energy_j_per_token, m.energy_j / 6);
  EXPECT_DOUBLE_EQ(m.power_w, m.energy_j / m.duration_s);
}

TEST(ServingEnergy, EverySchedulerAccountsEveryStepsEnergy) {
  for (auto s :
       {SchedulerKind::Continuous, SchedulerKind::Static, SchedulerKind::Chunked, SchedulerKind::Disaggregated}) {
    ServeConfig cfg;
    cfg.scheduler = s;
    cfg.kv_blocks = 1'000;
    StepTimeCache cache(serving::testing::closed_form);
    const ServeOutcome o = simulate(two_requests_ten_seconds_apart(), cfg, cache);
    const std::string name = scheduler_name(s);
    EXPECT_NEAR(o.prefill_energy_j + o.decode_energy_j + o.mixed_energy_j + o.transfer_energy_j, o.dynamic_energy_j,
                1e-12)
        << name;
    EXPECT_DOUBLE_EQ(o.dynamic_energy_j, static_cast<double>(o.step_count)) << name;  // 1 J a step, transfers 0
    const ServeMetrics m = summarize(o, Slo{}, RunScale{1024, 100});
    EXPECT_GT(m.idle_s, 9.9) << name;
    EXPECT_LT(m.idle_s, m.duration_s) << name;
  }
}

Json serve(const std::string& args) {
  const auto o = wafersim::testing::run_cli("serve " + args + " --json");
  EXPECT_EQ(o.code, 0) << o.out;
  return Json::parse(o.out);
}

void expect_parts_sum(const Json& j, const std::string& what) {
  const Json& e = j["energy_j"];
  double sum = 0;
  for (const char* k : {"prefill", "decode", "mixed", "transfer", "resident", "cooling"}) sum += e[k].get<double>();
  const double total = e["total"].get<double>();
  EXPECT_NEAR(sum, total, 1e-9 * total) << what;
  EXPECT_NEAR(j["energy_j_per_token"].get<double>(),
              total / j["throughput_tokens_per_s"].get<double>() / j["duration_s"].get<double>(),
              1e-9 * j["energy_j_per_token"].get<double>())
      << what;
  EXPECT_NEAR(j["power_w"].get<double>(), total / j["duration_s"].get<double>(), 1e-9 * total) << what;
}

TEST(ServingEnergy, AServeRunOnOneH100ChargesItsResidentPowerOverTheWholeRun) {
  // One request every 2 s on average: the H100 is mostly waiting, at its resident 145 W.
  const Json j = serve("--system h100-sxm5 --model llama-3.1-8b --rate 0.5 --requests 40 --prompt 512 --output 64");
  expect_parts_sum(j, "h100");
  const double duration = j["duration_s"].get<double>();
  EXPECT_NEAR(j["energy_j"]["resident"].get<double>(), 145 * duration, 1e-9 * 145 * duration);
  EXPECT_NEAR(j["idle_energy_j"].get<double>(), 145 * j["idle_s"].get<double>(), 1e-6);
  EXPECT_GT(j["idle_s"].get<double>(), 0.5 * duration);
  EXPECT_GT(j["energy_j"]["prefill"].get<double>(), 0);
  EXPECT_GT(j["energy_j"]["decode"].get<double>(), 0);
  EXPECT_EQ(j["energy_j"]["cooling"].get<double>(), 0);  // a GPU's fans are the host's
  EXPECT_GT(j["power_w"].get<double>(), 145);
  EXPECT_LT(j["power_w"].get<double>(), 700);
}

TEST(ServingEnergy, AWaferServeRunCountsItsFansAndPumps) {
  const Json j = serve("--system wse3 --model llama-3.1-8b --rate 2 --requests 40 --prompt 512 --output 64");
  expect_parts_sum(j, "wse3");
  const Json& e = j["energy_j"];
  // 0.25 W of in-chassis cooling per W the wafer draws (it has no host power).
  const double wafer = e["total"].get<double>() - e["cooling"].get<double>();
  EXPECT_NEAR(e["cooling"].get<double>(), 0.25 * wafer, 1e-9 * wafer);
}

TEST(ServingEnergy, BothGroupsOfADisaggregatedSystemAreResidentAllRun) {
  // gpu-lpu-rack prefills on one group and decodes on another: a serving run keeps both
  // resident, so its floor is above what a decode step alone charges (prefill group idle).
  const Json j = serve("--system gpu-lpu-rack --model tiny-llama --rate 1 --requests 20 --prompt 512 --output 32");
  expect_parts_sum(j, "gpu-lpu-rack");
  const auto probe = wafersim::testing::run_cli("eval --system gpu-lpu-rack --model tiny-llama --context 512 --json");
  ASSERT_EQ(probe.code, 0);
  const Json p = Json::parse(probe.out);
  const double decode_step_static_w = p["energy_j"]["static"].get<double>() / p["latency_s"].get<double>();
  const double serve_resident_w = j["energy_j"]["resident"].get<double>() / j["duration_s"].get<double>();
  EXPECT_GT(serve_resident_w, decode_step_static_w * (1 + 1e-6));
}

}  // namespace
}  // namespace wafersim
