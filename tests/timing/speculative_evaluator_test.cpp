// Speculative decoding end to end on every device kind: the arithmetic of a step
// (draft + verify + links, tokens per step) and its invariants, not absolute
// speeds (those belong to each kind's model). A-330 .. A-335.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "models/register_builtin.h"
#include "sim/core/error.h"
#include "sim/hardware/link_spec.h"
#include "sim/scenario/eval_request.h"

namespace wafersim {
namespace {

std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

const std::string kData = std::string(WAFERSIM_TEST_DATA) + "/speculative/";

struct Speculative : ::testing::TestWithParam<const char*> {
  Speculative() { models::register_builtin(registry); }
  EvalRequest request(const std::string& system, const std::string& model = "llama-3.1-8b") const {
    EvalRequest r;
    r.system = system;
    r.model = model;
    r.options.workload.context = 1024;
    return r;
  }
  RunResult run(const EvalRequest& r) const { return RequestRunner(registry, root()).run(r); }
  RunResult speculate(const std::string& system, double p, int k, const std::string& method = "draft:llama-3.2-1b",
                      Phase phase = Phase::Decode) const {
    EvalRequest r = request(system);
    r.options.workload.phase = phase;
    r.speculative.method = SpeculativeSpec::parse(method);
    if (method.rfind("mtp", 0) != 0) r.speculative.draft_tokens = k;
    r.speculative.acceptance = p;
    return run(r);
  }
  Registry registry;
};

TEST_P(Speculative, AcceptanceZeroNeverBeatsPlainDecoding) {
  const RunResult plain = run(request(GetParam()));
  ASSERT_TRUE(plain.fits) << plain.fit_error;
  for (int k : {1, 4}) {
    const RunResult r = speculate(GetParam(), 0.0, k);
    ASSERT_TRUE(r.fits) << r.fit_error;
    EXPECT_DOUBLE_EQ(r.speculative->tokens_per_step, 1.0);
    EXPECT_LE(*r.tokens_per_s_per_user, *plain.tokens_per_s_per_user * (1 + 1e-9)) << "k " << k;
  }
}

TEST_P(Speculative, AcceptanceOneGivesKPlusOneTokensPerStep) {
  for (int k : {1, 3, 6}) {
    const RunResult r = speculate(GetParam(), 1.0, k);
    ASSERT_TRUE(r.fits) << r.fit_error;
    const SpeculativeResult& s = *r.speculative;
    EXPECT_EQ(s.k, k);
    EXPECT_DOUBLE_EQ(s.tokens_per_step, k + 1.0);
    EXPECT_NEAR(*r.tokens_per_s_per_user, (k + 1.0) / s.step_s, 1e-9 * *r.tokens_per_s_per_user);
  }
}

TEST_P(Speculative, AStepIsKDraftPassesPlusOneVerification) {
  const RunResult r = speculate(GetParam(), 0.6, 4);
  ASSERT_TRUE(r.fits) << r.fit_error;
  const SpeculativeResult& s = *r.speculative;
  const double tokens = (1 - std::pow(0.6, 5)) / (1 - 0.6);
  EXPECT_NEAR(s.tokens_per_step, tokens, 1e-12);
  EXPECT_NEAR(s.draft_s, 4 * s.draft_pass_s, 1e-15);
  EXPECT_NEAR(s.step_s, s.draft_s + s.verify_s + s.link_s, 1e-15);
  EXPECT_DOUBLE_EQ(s.link_s, 0.0);  // the draft shares the target's devices
  EXPECT_NEAR(*r.latency_s, s.step_s, 1e-15);
  EXPECT_NEAR(*r.tpot_s, s.step_s / tokens, 1e-15);
  EXPECT_NEAR(*r.tokens_per_s, r.workload.batch * tokens / s.step_s, 1e-9 * *r.tokens_per_s);
  EXPECT_NEAR(r.time.total(), s.step_s, 1e-6 * s.step_s);
  EXPECT_GT(s.draft_devices, 0);
  // Verifying k + 1 tokens costs at least a plain one-token step, and the draft
  // (1.24B) passes faster than the 8B target.
  const RunResult plain = run(request(GetParam()));
  EXPECT_GE(s.verify_s, *plain.latency_s * (1 - 1e-9));
  EXPECT_LT(s.draft_pass_s, *plain.latency_s);
  // The draft's weights sit beside the target's on its devices.
  EXPECT_GT(r.weights, plain.weights);
}

TEST_P(Speculative, TheMeanTokensPerStepCanBeGivenDirectly) {
  EvalRequest q = request(GetParam());
  q.speculative.method = SpeculativeSpec::parse("draft:llama-3.2-1b");
  q.speculative.accepted_per_step = 3.2;
  q.speculative.acceptance = 0.1;  // the mean wins
  const RunResult r = run(q);
  ASSERT_TRUE(r.fits) << r.fit_error;
  EXPECT_NEAR(r.speculative->tokens_per_step, 3.2, 1e-9);
  EXPECT_NEAR(*r.tokens_per_s_per_user, 3.2 / r.speculative->step_s, 1e-6 * *r.tokens_per_s_per_user);
}

TEST_P(Speculative, MtpModulesAreExtraLayersOfTheTarget) {
  const RunResult plain = run(request(GetParam()));
  const RunResult r = speculate(GetParam(), 0.8, 2, "mtp:2");
  ASSERT_TRUE(r.fits) << r.fit_error;
  EXPECT_EQ(r.speculative->method, "mtp");
  EXPECT_EQ(r.speculative->k, 2);
  // Two modules of one layer each: more weights than the target alone, less than the
  // target plus a quarter of itself (32 layers).
  EXPECT_GT(r.weights, plain.weights);
  EXPECT_LT(r.weights, plain.weights * 1.25);
  EXPECT_LT(r.speculative->draft_pass_s, *plain.latency_s);
}

TEST_P(Speculative, GenerateSpreadsTheStepsOverTheOutput) {
  EvalRequest q = request(GetParam());
  q.options.workload.phase = Phase::Generate;
  q.options.workload.prompt = 256;
  q.options.workload.output = 64;
  q.speculative.method = SpeculativeSpec::parse("draft:llama-3.2-1b");
  const RunResult r = run(q);
  ASSERT_TRUE(r.fits) << r.fit_error;
  const SpeculativeResult& s = *r.speculative;
  const double steps = 64 / s.tokens_per_step;
  EXPECT_NEAR(*r.latency_s - *r.ttft_s, (steps - 1) * s.step_s, 1e-9 * *r.latency_s);
  EXPECT_NEAR(*r.tpot_s, s.step_s / s.tokens_per_step, 1e-12);
  EXPECT_NEAR(*r.tokens_per_s_per_user, 1 / *r.tpot_s, 1e-9 * *r.tokens_per_s_per_user);
  EXPECT_NEAR(r.time.total(), *r.latency_s, 0.01 * *r.latency_s);  // the split covers the run once
}

INSTANTIATE_TEST_SUITE_P(EveryKind, Speculative, ::testing::Values("h100-sxm5", "dgx-h100", "wse3", "groq-rack"));

struct SpeculativeInput : Speculative {};

TEST_F(SpeculativeInput, ADraftGroupPaysTheLinkBothWays) {
  EvalRequest q = request(kData + "draft-group.yaml");
  q.options.workload.batch = 2;
  q.speculative.method = SpeculativeSpec::parse("draft:llama-3.2-1b");
  q.speculative.draft_tokens = 4;
  const RunResult r = run(q);
  ASSERT_TRUE(r.fits) << r.fit_error;
  const SpeculativeResult& s = *r.speculative;
  EXPECT_EQ(s.draft_group, "drafter");
  // 4 draft ids out, up to 5 ids back, 4 bytes each, per sequence; 5 us + bytes / 50 GB/s each way.
  const double expect = 2 * 5e-6 + (2.0 * 4 * 4 + 2.0 * 5 * 4) / 50e9;
  EXPECT_NEAR(s.link_s, expect, 1e-15);
  EXPECT_NEAR(s.step_s, s.draft_s + s.verify_s + s.link_s, 1e-15);
  // Generate: the draft reads the prompt beside the target, so only its excess counts.
  q.options.workload.phase = Phase::Generate;
  const RunResult g = run(q);
  ASSERT_TRUE(g.fits) << g.fit_error;
  EXPECT_NEAR(g.time.total(), *g.latency_s, 0.01 * *g.latency_s);
}

TEST_F(SpeculativeInput, ADraftGroupWithoutALinkIsAnInputError) {
  EvalRequest q = request(kData + "no-link.yaml");
  q.speculative.method = SpeculativeSpec::parse("draft:llama-3.2-1b");
  EXPECT_THROW((void)run(q), InputError);
}

TEST_F(SpeculativeInput, BadRequestsAreInputErrors) {
  auto with = [&](auto&& edit) {
    EvalRequest q = request("h100-sxm5");
    q.speculative.method = SpeculativeSpec::parse("draft:llama-3.2-1b");
    edit(q);
    return q;
  };
  // Another vocabulary (Llama 2: 32,000 tokens).
  EXPECT_THROW((void)run(with([](EvalRequest& q) { q.speculative.method->draft_model = "llama-2-7b"; })), InputError);
  EXPECT_THROW((void)run(with([](EvalRequest& q) { q.speculative.method->draft_model = "no-such-model"; })),
               InputError);
  EXPECT_THROW((void)run(with([](EvalRequest& q) { q.speculative.accepted_per_step = 5.5; })), InputError);
  EXPECT_THROW((void)run(with([](EvalRequest& q) { q.options.workload.phase = Phase::Prefill; })), InputError);
  const OptionOrigin o{"", 0, 0, "--x"};
  EvalRequest q = request("h100-sxm5");
  EXPECT_THROW(q.set_option("acceptance", "1.5", o), InputError);
  EXPECT_THROW(q.set_option("acceptance", "-0.5", o), InputError);
  EXPECT_THROW(q.set_option("draft_tokens", "0", o), InputError);
  EXPECT_THROW(q.set_option("speculative", "mtp:0", o), InputError);
  // Options that need --speculative.
  q.set_option("acceptance", "0.5", o);
  EXPECT_THROW((void)run(q), InputError);
}

}  // namespace
}  // namespace wafersim
