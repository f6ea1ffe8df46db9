// Closed forms of the LPU approx cost (A-90..A-94): a GEMV on one chip streams its
// weights at the SRAM bandwidth; the MXM pads K and N to its tiles; vector ops run at
// vector_alus × clock; each dependent op pays the stream fill once; and a decode
// token on a pipeline of N chips crosses N chip boundaries (N−1 forward, one back).

#include "models/lpu/lpu_approx_cost.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "models/register_builtin.h"
#include "sim/scenario/eval_request.h"
#include "sim/timing/pipeline_engine.h"

namespace wafersim::lpu {
namespace {

constexpr double kFp16 = 188e12, kSramBw = 80e12, kClock = 900e6;

LpuSpec approx_spec() {
  LpuSpec s;
  s.sram = Bytes(220LL << 20);
  s.sram_bandwidth = BytesPerSecond(kSramBw);
  s.flops.set(DType::Fp16, FlopsPerSecond(kFp16));
  s.clock = Hertz(kClock);
  s.c2c.latency = Seconds(600e-9);
  s.mxm_dim = 320;
  s.vector_alus = 5120;
  s.stream_latency_cycles = 100;
  return s;
}

Op gemv(std::int64_t k, std::int64_t n) {
  Op op;
  op.kind = OpKind::MatMul;
  op.split = TpSplit::Column;
  op.m = 1;
  op.k = k;
  op.n = n;
  op.flops = 2.0 * static_cast<double>(k * n);
  op.bytes.weights = Bytes(2 * k * n);
  op.bytes.activations_in = Bytes(2 * k);
  op.bytes.activations_out = Bytes(2 * n);
  op.weights_resident = op.bytes.weights;
  op.layer = 0;
  return op;
}

TEST(LpuApproxCost, GemvOnOneChipRunsAtTheSramBandwidth) {
  Op op = gemv(8192, 8192);
  Graph g("g", StepShape{}, 1, {op});
  DeviceGroup group;
  Plan plan(g, group);
  Stage st;
  st.end_op = 1;
  plan.stages = {st};
  plan.stage_of_op = {0};
  plan.devices = 1;
  const LpuApproxCost cost("groq", approx_spec());
  const OpCost c = cost.cost(g.op(0), OpContext{plan, st, 1});
  const double bytes = 2.0 * 8192 * 8192 + 2 * 8192 * 2;
  EXPECT_DOUBLE_EQ(c.memory.value(), bytes / kSramBw);
  EXPECT_LT(c.compute.value(), c.memory.value());  // 2 FLOP per 2 bytes: far below the ridge
  EXPECT_DOUBLE_EQ(c.fabric_latency.value(), 100 / kClock);
  EXPECT_DOUBLE_EQ(c.overhead.value(), 0);  // software-scheduled: no launch overhead
  EXPECT_DOUBLE_EQ(c.traffic.sram_bytes, bytes);
  EXPECT_DOUBLE_EQ(c.traffic.flops, op.flops);
  const StepResult r = PipelineEngine::run(plan, cost);
  EXPECT_DOUBLE_EQ(r.latency_s, bytes / kSramBw + 100 / kClock);
  EXPECT_EQ(r.ops[0].bound, Bound::Memory);
}

TEST(LpuApproxCost, MatrixUnitPadsToItsTiles) {
  const LpuApproxCost cost("groq", approx_spec());
  EXPECT_DOUBLE_EQ(cost.mxm_efficiency(gemv(640, 320)), 1.0);
  EXPECT_DOUBLE_EQ(cost.mxm_efficiency(gemv(321, 321)), 321.0 * 321 / (640.0 * 640));
  // A large-batch product is compute bound at peak / efficiency.
  Op op = gemv(321, 321);
  op.m = 100000;
  op.flops = 2.0 * 100000 * 321 * 321;
  Graph g("g", StepShape{}, 1, {op});
  DeviceGroup group;
  Plan plan(g, group);
  Stage st;
  st.end_op = 1;
  const OpCost c = cost.cost(g.op(0), OpContext{plan, st, 1});
  EXPECT_DOUBLE_EQ(c.compute.value(), op.flops / (kFp16 * 321.0 * 321 / (640.0 * 640)));
}

TEST(LpuApproxCost, VectorOpsRunOnTheVectorAlus) {
  Op op;
  op.kind = OpKind::Norm;
  op.flops = 5.0 * 8192;
  op.bytes.activations_in = Bytes(16384);
  Graph g("g", StepShape{}, 1, {op});
  DeviceGroup group;
  Plan plan(g, group);
  Stage st;
  st.end_op = 1;
  const LpuApproxCost cost("groq", approx_spec());
  EXPECT_DOUBLE_EQ(cost.cost(g.op(0), OpContext{plan, st, 4}).compute.value(), op.flops / (5120 * kClock));
  // Replicated on 4 chips: the traffic counts four copies.
  EXPECT_DOUBLE_EQ(cost.cost(g.op(0), OpContext{plan, st, 4}).traffic.flops, 4 * op.flops);
}

std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

/// Decode latency of tiny-llama on `chips` LPUs with the given hop latency.
RunResult tiny_on_chips(const Registry& registry, int chips, const std::string& hop) {
  EvalRequest r;
  r.system = "groq-rack";
  r.model = "tiny-llama";
  r.options.devices = DeviceCount{DeviceCount::Mode::Fixed, chips};
  r.options.fidelity = Fidelity::Approx;
  r.overrides.push_back(Override{"groq-lpu.c2c.latency", hop, "--set"});
  return RequestRunner(registry, root()).run(r);
}

TEST(LpuApproxCost, PipelineOfNChipsAddsNHopLatencies) {
  Registry registry;
  models::register_builtin(registry);
  for (int n : {2, 3, 4, 6}) {
    const RunResult with = tiny_on_chips(registry, n, "600 ns");
    const RunResult without = tiny_on_chips(registry, n, "0 s");
    ASSERT_TRUE(with.fits) << with.fit_error;
    ASSERT_EQ(with.devices, n);
    // tiny-llama fits one chip: every chip is one pipeline stage (no tensor split).
    EXPECT_NEAR(*with.latency_s - *without.latency_s, n * 600e-9, 1e-12) << n << " chips";
  }
}

TEST(LpuApproxCost, SeventyBNeedsHundredsOfChips) {
  Registry registry;
  models::register_builtin(registry);
  EvalRequest r;
  r.system = "groq-rack";
  r.model = "llama-2-70b";
  r.options.fidelity = Fidelity::Approx;
  const RunResult a = RequestRunner(registry, root()).run(r);
  ASSERT_TRUE(a.fits) << a.fit_error;
  // 70e9 × 2 B / 209 MiB ≈ 640 chips at least for the weights alone.
  EXPECT_GE(a.devices, 600);
  EXPECT_LE(a.devices, 800);
  EXPECT_GT(a.time.interconnect, 0);
}

}  // namespace
}  // namespace wafersim::lpu
