#include "sim/serving/serving_simulator.h"

#include <gtest/gtest.h>

#include "sim/serving/serving_metrics.h"
#include "sim/serving/serving_workload.h"
#include "tests/serving/serving_test_support.h"

namespace wafersim::serving {
namespace {

std::vector<ServeRequest> poisson(double rate, std::int64_t n, const std::string& prompt = "lognormal:512:0.6",
                                  const std::string& output = "lognormal:128:0.6", std::uint64_t seed = 7) {
  SyntheticWorkload w;
  w.rate = rate;
  w.requests = n;
  w.prompt = LengthDistribution::parse(prompt, "--prompt");
  w.output = LengthDistribution::parse(output, "--output");
  w.seed = seed;
  return generate_requests(w);
}

ServeConfig config(SchedulerKind s, std::int64_t kv_blocks = 1'000'000) {
  ServeConfig c;
  c.scheduler = s;
  c.kv_blocks = kv_blocks;
  return c;
}

ServeMetrics run(const std::vector<ServeRequest>& reqs, const ServeConfig& c, ServeOutcome* keep = nullptr) {
  StepTimeCache cache(testing::closed_form);
  ServeOutcome o = simulate(reqs, c, cache);
  ServeMetrics m = summarize(o, Slo{0.5, 0.02}, RunScale{1024, 100});
  if (keep) *keep = std::move(o);
  return m;
}

TEST(ServingSimulator, EveryRequestCompletesUnderEveryScheduler) {
  const auto reqs = poisson(5, 400);
  for (auto s :
       {SchedulerKind::Continuous, SchedulerKind::Static, SchedulerKind::Chunked, SchedulerKind::Disaggregated}) {
    ServeOutcome o;
    const ServeMetrics m = run(reqs, config(s), &o);
    EXPECT_EQ(m.completed, 400) << scheduler_name(s);
    for (const auto& r : o.records) {
      EXPECT_GE(r.first_token_s, r.request.arrival_s) << scheduler_name(s);
      EXPECT_GE(r.finish_s, r.first_token_s) << scheduler_name(s);
    }
  }
}

TEST(ServingSimulator, LittlesLawHoldsOnTheSimulatedQueue) {
  // L, integrated step by step over the run, equals throughput x mean time in system.
  for (double rate : {2.0, 8.0, 20.0}) {
    const ServeMetrics m = run(poisson(rate, 2000), config(SchedulerKind::Continuous));
    const double little = m.throughput_requests_per_s * m.e2e.mean;
    EXPECT_NEAR(m.mean_in_system, little, 0.005 * little) << "rate " << rate;
  }
}

TEST(ServingSimulator, AtANearZeroRateTtftIsOnePrefillAndTpotOneBatchOneDecodeStep) {
  const auto reqs = poisson(1e-3, 20, "512", "64");
  const ServeMetrics m = run(reqs, config(SchedulerKind::Continuous));
  const double prefill = testing::closed_form(ServeStep::Prefill, 1, 512).time_s;
  EXPECT_NEAR(m.ttft.p50, prefill, 1e-9);
  EXPECT_NEAR(m.ttft.p99, prefill, 1e-9);
  // Decode at batch 1, context 513..575: 5.1 ms + 1 ns x context.
  const double step = testing::closed_form(ServeStep::Decode, 1, 544).time_s;
  EXPECT_NEAR(m.tpot.mean, step, 1e-7);
  EXPECT_DOUBLE_EQ(m.mean_batch, 1.0);
}

TEST(ServingSimulator, P99TtftGrowsWithTheRate) {
  double previous = 0;
  for (double rate : {1.0, 4.0, 12.0, 24.0}) {
    const ServeMetrics m = run(poisson(rate, 1500), config(SchedulerKind::Continuous));
    EXPECT_GT(m.ttft.p99, previous) << "rate " << rate;
    previous = m.ttft.p99;
  }
}

TEST(ServingSimulator, SameSeedSameResultsOtherSeedOtherResults) {
  ServeOutcome a, b, c;
  (void)run(poisson(6, 500, "lognormal:512:0.6", "lognormal:128:0.6", 3), config(SchedulerKind::Chunked), &a);
  (void)run(poisson(6, 500, "lognormal:512:0.6", "lognormal:128:0.6", 3), config(SchedulerKind::Chunked), &b);
  (void)run(poisson(6, 500, "lognormal:512:0.6", "lognormal:128:0.6", 4), config(SchedulerKind::Chunked), &c);
  ASSERT_EQ(a.records.size(), b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].finish_s, b.records[i].finish_s);
    EXPECT_EQ(a.records[i].first_token_s, b.records[i].first_token_s);
  }
  EXPECT_NE(a.end_s, c.end_s);
}

TEST(ServingSimulator, ScarceKvMemoryPreemptsAndRecomputesButFinishesEverything) {
  const auto reqs = poisson(30, 300, "512", "256");
  // 2,000 blocks of 16 tokens hold about 40 sequences of 768 tokens.
  ServeOutcome o;
  const ServeMetrics m = run(reqs, config(SchedulerKind::Continuous, 2000), &o);
  EXPECT_EQ(m.completed, 300);
  EXPECT_GT(m.preemptions, 0);
  EXPECT_LE(o.kv_peak_blocks, 2000);
  int counted = 0;
  for (const auto& r : o.records) counted += r.preemptions;
  EXPECT_EQ(counted, m.preemptions);
  // The same load with room for everyone preempts nothing.
  EXPECT_EQ(run(reqs, config(SchedulerKind::Continuous)).preemptions, 0);
}

TEST(ServingSimulator, MaxBatchBoundsEveryStep) {
  ServeConfig c = config(SchedulerKind::Continuous);
  c.max_batch = 8;
  const ServeMetrics m = run(poisson(40, 500), c);
  EXPECT_LE(m.max_batch_reached, 8);
  EXPECT_EQ(m.completed, 500);
}

TEST(ServingSimulator, ChunkedStepsStayWithinTheTokenBudget) {
  ServeConfig c = config(SchedulerKind::Chunked);
  c.chunk = 256;
  c.record_steps = true;
  ServeOutcome o;
  (void)run(poisson(10, 300), c, &o);
  for (const auto& s : o.steps) EXPECT_LE(s.tokens, std::max<std::int64_t>(256, s.sequences));
}

TEST(ServingSimulator, StaticBatchingWaitsForTheLongestRequest) {
  // Two requests at t = 0: 10 and 100 output tokens. Static batching decodes both for 99 steps.
  std::vector<ServeRequest> reqs{{0, 0.0, 100, 10}, {1, 0.0, 100, 100}};
  ServeOutcome o;
  (void)run(reqs, config(SchedulerKind::Static), &o);
  EXPECT_EQ(o.decode_steps, 99);
  EXPECT_LT(o.records[0].finish_s, o.records[1].finish_s);
}

TEST(ServingSimulator, DisaggregatedTtftIsThePrefillAndDecodeWaitsForTheKvTransfer) {
  std::vector<ServeRequest> reqs{{0, 0.0, 1000, 3}};
  ServeOutcome o;
  (void)run(reqs, config(SchedulerKind::Disaggregated), &o);
  const double prefill = testing::closed_form(ServeStep::Prefill, 1, 1000).time_s;
  const double transfer = testing::closed_form(ServeStep::KvTransfer, 1, 1000).time_s;
  // The first token came from the prefill: decode steps run at contexts 1001 and 1002.
  const double d1 = testing::closed_form(ServeStep::Decode, 1, 1001).time_s;
  const double d2 = testing::closed_form(ServeStep::Decode, 1, 1002).time_s;
  EXPECT_NEAR(o.records[0].ttft_s(), prefill, 1e-12);
  EXPECT_NEAR(o.records[0].finish_s, prefill + transfer + d1 + d2, 1e-12);
}

TEST(ServingSimulator, TokensPerStepIsTheSeamForSpeculativeDecoding) {
  std::vector<ServeRequest> reqs{{0, 0.0, 100, 101}};
  ServeConfig c = config(SchedulerKind::Continuous);
  ServeOutcome one, two;
  (void)run(reqs, c, &one);
  c.tokens_per_step = 2;
  (void)run(reqs, c, &two);
  EXPECT_EQ(one.decode_steps, 100);
  EXPECT_EQ(two.decode_steps, 50);
}

TEST(ServingSimulator, MixedStepCountsTheSharedPassOnce) {
  StepTimeCache cache(testing::closed_form);
  const StepCost p = cache.cost(ServeStep::Prefill, 1, 256);
  const StepCost d = cache.cost(ServeStep::Decode, 8, 1000);
  const StepCost s = cache.cost(ServeStep::Decode, 1, 1);
  const StepCost m = mixed_step_cost(cache, 1, 256, 8, 1000);
  EXPECT_NEAR(m.time_s, p.time_s + d.time_s - s.time_s, 1e-12);
  EXPECT_GE(m.time_s, std::max(p.time_s, d.time_s));
}

}  // namespace
}  // namespace wafersim::serving
