#include "sim/serving/step_time_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>

#include "models/register_builtin.h"
#include "sim/scenario/eval_request.h"
#include "sim/serving/serving_metrics.h"
#include "sim/serving/serving_workload.h"

namespace wafersim::serving {
namespace {

TEST(StepTimeCache, GridIsExactToSixteenThenFourPointsPerDoubling) {
  for (int i = 0; i < 16; ++i) EXPECT_EQ(StepTimeCache::grid_value(i), i + 1);
  EXPECT_EQ(StepTimeCache::grid_value(19), 32);
  EXPECT_EQ(StepTimeCache::grid_value(23), 64);
  for (std::int64_t x : {1, 7, 16, 17, 19, 31, 32, 33, 1000, 123457, 9'999'999}) {
    const int i = StepTimeCache::grid_index(x);
    EXPECT_LE(StepTimeCache::grid_value(i), x);
    EXPECT_GT(StepTimeCache::grid_value(i + 1), x);
  }
}

TEST(StepTimeCache, GridPointsAreEvaluatedOnceAndReturnedExactly) {
  int calls = 0;
  StepTimeCache cache([&](ServeStep, std::int64_t b, std::int64_t t) {
    ++calls;
    return StepCost{std::sqrt(static_cast<double>(b * t)), 1.0};
  });
  EXPECT_DOUBLE_EQ(cache.cost(ServeStep::Decode, 16, 64).time_s, 32.0);
  EXPECT_DOUBLE_EQ(cache.cost(ServeStep::Decode, 16, 64).time_s, 32.0);
  EXPECT_EQ(calls, 1);
  // Between grid points: a weighted mean of the four corners.
  const double mid = cache.cost(ServeStep::Decode, 17, 70).time_s;
  EXPECT_GT(mid, 32.0);
  EXPECT_LT(mid, std::sqrt(19.0 * 76.0));
  EXPECT_EQ(cache.evaluations(), 4u);
}

/// Interpolated step times against direct evaluation by the engines: the
/// error figures stated in docs/validation.md. Steps between grid points are off by
/// the wave quantization of GEMM tiles (a step function of the tokens in a step),
/// which bilinear interpolation smooths: the mean error is small, single steps next
/// to a wave boundary are off by more.
struct ErrorStats {
  double mean = 0, worst = 0;
};

ErrorStats step_errors(const std::string& system, Phase phase, std::int64_t max_batch, std::int64_t max_tokens) {
  Registry registry;
  models::register_builtin(registry);
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  RequestRunner runner(registry, env ? env : "configs");
  EvalRequest base;
  base.system = system;
  base.model = "llama-3.1-70b";
  auto direct = [&](std::int64_t b, std::int64_t t) {
    EvalRequest r = base;
    r.options.workload.phase = phase;
    r.options.workload.batch = b;
    if (phase == Phase::Decode)
      r.options.workload.context = t;
    else
      r.options.workload.prompt = t;
    const RunResult x = runner.run(r);
    return x.fits ? x.latency_s.value_or(0) : NAN;
  };
  StepTimeCache cache([&](ServeStep, std::int64_t b, std::int64_t t) { return StepCost{direct(b, t), 0}; });
  std::mt19937_64 rng(11);
  ErrorStats s;
  int n = 0;
  for (int i = 0; i < 60; ++i) {
    const auto b =
        static_cast<std::int64_t>(std::exp2(std::uniform_real_distribution<double>(0, std::log2(max_batch))(rng)));
    const auto t =
        static_cast<std::int64_t>(std::exp2(std::uniform_real_distribution<double>(5, std::log2(max_tokens))(rng)));
    const double d = direct(b, t);
    const double c = cache.cost(phase == Phase::Decode ? ServeStep::Decode : ServeStep::Prefill, b, t).time_s;
    if (!std::isfinite(d) || !std::isfinite(c)) continue;  // a corner or the point does not fit
    const double e = std::abs(c - d) / d;
    s.mean += e;
    s.worst = std::max(s.worst, e);
    ++n;
  }
  EXPECT_GT(n, 30);
  s.mean /= std::max(1, n);
  return s;
}

TEST(StepTimeCache, InterpolationErrorAgainstTheEnginesOnDgxH100) {
  const ErrorStats decode = step_errors("dgx-h100", Phase::Decode, 256, 8192);
  const ErrorStats prefill = step_errors("dgx-h100", Phase::Prefill, 16, 8192);
  EXPECT_LE(decode.mean, 0.02);
  EXPECT_LE(prefill.mean, 0.02);
  EXPECT_LE(decode.worst, 0.05);
  EXPECT_LE(prefill.worst, 0.20);
  std::cout << "dgx-h100 decode: mean " << decode.mean << " worst " << decode.worst << "; prefill: mean "
            << prefill.mean << " worst " << prefill.worst << "\n";
}

TEST(StepTimeCache, InterpolationErrorAgainstTheEnginesOnCs3) {
  const ErrorStats decode = step_errors("cs3-x4", Phase::Decode, 64, 4096);
  EXPECT_LE(decode.mean, 0.02);
  std::cout << "cs3-x4 decode: mean " << decode.mean << " worst " << decode.worst << "\n";
}

TEST(StepTimeCache, ARunWithInterpolatedStepsMatchesOneWithEveryStepEvaluated) {
  Registry registry;
  models::register_builtin(registry);
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  const std::string root = env ? env : "configs";
  RequestRunner runner(registry, root);
  auto evaluate = [&](ServeStep kind, std::int64_t b, std::int64_t t) {
    EvalRequest r;
    r.system = "dgx-h100";
    r.model = "llama-3.1-70b";
    r.options.workload.phase = kind == ServeStep::Decode ? Phase::Decode : Phase::Prefill;
    r.options.workload.batch = b;
    if (kind == ServeStep::Decode)
      r.options.workload.context = t;
    else
      r.options.workload.prompt = t;
    return StepCost{runner.run(r).latency_s.value_or(0), 0};
  };
  const auto reqs = replay(load_trace(root + "/traces/azure-llm-2023-conv.csv"), 8.0, 300, false);
  ServeConfig c;
  c.kv_blocks = 1'000'000;
  StepTimeCache grid(evaluate), exact(evaluate, false);
  const ServeMetrics a = summarize(simulate(reqs, c, grid), Slo{}, RunScale{});
  const ServeMetrics b = summarize(simulate(reqs, c, exact), Slo{}, RunScale{});
  auto near = [](double x, double ref) { return std::abs(x - ref) / ref; };
  // TTFT sums few prefill steps, each of which may sit next to a GEMM wave boundary
  // the grid smooths over: up to 3% at the median. The tails (p99 of 300 requests:
  // the third-worst) sit on single steps, and since the GPU model prices per-kernel
  // bandwidth ramps and table-driven collectives (issue 21) its step time has more
  // kinks in batch and tokens: measured 7.7% (TTFT) and 3.1% (TPOT) at p99, bounded
  // here at 10% and 5% (stated in docs/validation.md). Means stay within 2%.
  EXPECT_LE(near(a.ttft.p50, b.ttft.p50), 0.03);
  EXPECT_LE(near(a.ttft.p99, b.ttft.p99), 0.10);
  EXPECT_LE(near(a.tpot.p50, b.tpot.p50), 0.02);
  EXPECT_LE(near(a.tpot.p99, b.tpot.p99), 0.05);
  EXPECT_LE(near(a.e2e.mean, b.e2e.mean), 0.02);
  std::cout << "run on the grid vs every step evaluated (" << grid.evaluations() << " vs " << exact.evaluations()
            << " evaluations): TTFT p50 " << near(a.ttft.p50, b.ttft.p50) << " p99 " << near(a.ttft.p99, b.ttft.p99)
            << "; TPOT p50 " << near(a.tpot.p50, b.tpot.p50) << " p99 " << near(a.tpot.p99, b.tpot.p99) << "; e2e mean "
            << near(a.e2e.mean, b.e2e.mean) << "\n";
}

}  // namespace
}  // namespace wafersim::serving
