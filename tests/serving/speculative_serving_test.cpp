// Speculative decoding in the serving simulator: per-request accepted counts
// drawn from the acceptance model, speculative steps priced apart from plain ones,
// outputs never overshot, and the same seed giving the same run.

#include <gtest/gtest.h>

#include <cmath>

#include "sim/serving/serving_metrics.h"
#include "sim/serving/serving_simulator.h"
#include "sim/serving/serving_workload.h"
#include "tests/serving/serving_test_support.h"

namespace wafersim::serving {
namespace {

std::vector<ServeRequest> poisson(double rate, std::int64_t n, std::uint64_t seed = 11) {
  SyntheticWorkload w;
  w.rate = rate;
  w.requests = n;
  w.prompt = LengthDistribution::parse("lognormal:512:0.6", "--prompt");
  w.output = LengthDistribution::parse("lognormal:128:0.6", "--output");
  w.seed = seed;
  return generate_requests(w);
}

ServeConfig config(SchedulerKind s, std::optional<AcceptanceModel> acc = std::nullopt, std::uint64_t seed = 1) {
  ServeConfig c;
  c.scheduler = s;
  c.kv_blocks = 1'000'000;
  c.acceptance = acc;
  c.acceptance_seed = seed;
  return c;
}

ServeOutcome run(const std::vector<ServeRequest>& reqs, const ServeConfig& c) {
  StepTimeCache cache(testing::closed_form);
  return simulate(reqs, c, cache);
}

constexpr SchedulerKind kAll[] = {SchedulerKind::Continuous, SchedulerKind::Static, SchedulerKind::Chunked,
                                  SchedulerKind::Disaggregated};

TEST(SpeculativeServing, AcceptanceZeroKeepsTheTokenCountsAndNeverBeatsPlainTpot) {
  const auto reqs = poisson(4, 300);
  for (auto s : kAll) {
    const ServeOutcome plain = run(reqs, config(s));
    const ServeOutcome spec = run(reqs, config(s, AcceptanceModel(0.0, 4)));
    SCOPED_TRACE(scheduler_name(s));
    // One token per verification, as plain decoding: every request runs output − 1 of them.
    std::int64_t decode_tokens = 0;
    for (const auto& r : reqs) decode_tokens += r.output - 1;
    EXPECT_EQ(spec.speculative_draws, decode_tokens);
    EXPECT_EQ(spec.speculative_tokens_drawn, spec.speculative_draws);
    double plain_tpot = 0, spec_tpot = 0;
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      ASSERT_TRUE(spec.records[i].completed());
      plain_tpot += std::max(0.0, plain.records[i].tpot_s());
      spec_tpot += std::max(0.0, spec.records[i].tpot_s());
    }
    EXPECT_GT(spec_tpot, plain_tpot);  // the same tokens, each step dearer (drafting + a wider verification)
  }
  // Alone, a request runs exactly the plain run's decode steps, each dearer.
  const std::vector<ServeRequest> one{{0, 0.0, 300, 64}};
  const ServeOutcome plain = run(one, config(SchedulerKind::Continuous));
  const ServeOutcome spec = run(one, config(SchedulerKind::Continuous, AcceptanceModel(0.0, 4)));
  EXPECT_EQ(spec.decode_steps, plain.decode_steps);
  EXPECT_EQ(spec.decode_steps, 63);
  EXPECT_GT(spec.records[0].tpot_s(), plain.records[0].tpot_s());
}

TEST(SpeculativeServing, AcceptanceOneGivesKPlusOneTokensPerStepAndNeverOvershoots) {
  // One request: the prefill makes the first token, then 4 per speculative step (k = 3).
  for (std::int64_t output : {101, 102}) {
    const std::vector<ServeRequest> reqs{{0, 0.0, 100, output}};
    const ServeOutcome o = run(reqs, config(SchedulerKind::Continuous, AcceptanceModel(1.0, 3)));
    const std::int64_t steps = (output - 1 + 3) / 4;  // 25 for 100 tokens, 26 for 101
    EXPECT_EQ(o.decode_steps, steps);
    EXPECT_EQ(o.speculative_tokens_drawn, 4 * steps);
    // Finishes at the prefill plus exactly `steps` speculative steps, each at the context it had.
    double t = testing::closed_form(ServeStep::Prefill, 1, 100).time_s;
    for (std::int64_t i = 0; i < steps; ++i)
      t += testing::closed_form(ServeStep::SpeculativeDecode, 1, 101 + 4 * i).time_s;
    EXPECT_NEAR(o.records[0].finish_s, t, 1e-12);
    // Throughput counts the request's output tokens, not the drawn ones past its end.
    const ServeMetrics m = summarize(o, Slo{}, RunScale{1024, 0});
    EXPECT_NEAR(static_cast<double>(m.output_tokens), static_cast<double>(output), 1e-9);
  }
}

TEST(SpeculativeServing, DrawnMeanMatchesTheClosedFormWithinFiveStandardErrors) {
  const AcceptanceModel acc(0.7, 4);
  const ServeOutcome o = run(poisson(20, 3000), config(SchedulerKind::Continuous, acc, 5));
  double mean = 0, second = 0;
  for (int n = 1; n <= 5; ++n) {
    mean += n * acc.probability_of(n);
    second += n * n * acc.probability_of(n);
  }
  ASSERT_NEAR(mean, acc.tokens_per_step(), 1e-12);
  const double sd = std::sqrt(second - mean * mean);
  const auto draws = static_cast<double>(o.speculative_draws);
  ASSERT_GT(draws, 50'000);
  const double drawn = static_cast<double>(o.speculative_tokens_drawn) / draws;
  // The draws are independent: their mean's standard error is sd / sqrt(draws).
  EXPECT_NEAR(drawn, acc.tokens_per_step(), 5 * sd / std::sqrt(draws));
}

TEST(SpeculativeServing, SameSeedSameRunAndEveryRequestCompletesUnderEveryScheduler) {
  const auto reqs = poisson(6, 400);
  for (auto s : kAll) {
    SCOPED_TRACE(scheduler_name(s));
    const ServeOutcome a = run(reqs, config(s, AcceptanceModel(0.6, 4), 9));
    const ServeOutcome b = run(reqs, config(s, AcceptanceModel(0.6, 4), 9));
    const ServeOutcome c = run(reqs, config(s, AcceptanceModel(0.6, 4), 10));
    bool differs = false;
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      ASSERT_TRUE(a.records[i].completed());
      EXPECT_EQ(a.records[i].finish_s, b.records[i].finish_s);
      differs = differs || a.records[i].finish_s != c.records[i].finish_s;
    }
    EXPECT_EQ(a.speculative_tokens_drawn, b.speculative_tokens_drawn);
    EXPECT_TRUE(differs);
  }
}

TEST(SpeculativeServing, SpeculativeAndPlainDecodeStepsAreCachedApart) {
  StepTimeCache cache(testing::closed_form);
  // Grid points (batch 8, context 16): one evaluation each, never shared.
  const StepCost plain = cache.cost(ServeStep::Decode, 8, 16);
  const StepCost spec = cache.cost(ServeStep::SpeculativeDecode, 8, 16);
  EXPECT_NEAR(plain.time_s, testing::closed_form(ServeStep::Decode, 8, 16).time_s, 1e-15);
  EXPECT_NEAR(spec.time_s, testing::closed_form(ServeStep::SpeculativeDecode, 8, 16).time_s, 1e-15);
  EXPECT_EQ(cache.evaluations(), 2u);
  // A mixed chunked step prices its decode part as speculative, its shared pass as plain.
  const StepCost m = mixed_step_cost(cache, 1, 256, 8, 16, ServeStep::SpeculativeDecode);
  const StepCost p = cache.cost(ServeStep::Prefill, 1, 256);
  const StepCost shared = cache.cost(ServeStep::Decode, 1, 1);
  EXPECT_NEAR(m.time_s, p.time_s + spec.time_s - shared.time_s, 1e-12);
}

}  // namespace
}  // namespace wafersim::serving
