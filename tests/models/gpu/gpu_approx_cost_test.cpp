// GpuApproxCost per op: the calibration microbenchmarks come back out of the model
// (8192³ bf16 GEMM, HBM copy), fp8/int8/int4 rates, L2 residency, kernel fusion and
// launch overhead, traffic counts (A-70..A-76).

#include "models/gpu/gpu_approx_cost.h"

#include <gtest/gtest.h>

#include <array>

#include "tests/models/gpu/gpu_test_spec.h"

namespace wafersim::gpu {
namespace {

using testing::kTestGpuYaml;
using testing::parse_test_gpu;
using testing::test_gpu_yaml_with;

GpuSpec spec_from(const std::string& yaml) {
  Diagnostics d;
  GpuSpec s = parse_test_gpu(yaml, d);
  EXPECT_TRUE(d.empty());
  return s;
}

/// H100 SXM5 as its preset has it (the figures the calibration used).
GpuSpec h100() {
  GpuSpec s = spec_from(kTestGpuYaml);
  s.sms = 132;
  s.clock = Hertz(1.98e9);
  s.flops.set(DType::Bf16, FlopsPerSecond(989.4e12));
  s.flops.set(DType::Fp16, FlopsPerSecond(989.4e12));
  s.flops.set(DType::Fp8, FlopsPerSecond(1978.9e12));
  s.hbm.bandwidth = BytesPerSecond(3.35e12);
  s.l2.size = Bytes(50LL << 20);
  s.l2.bandwidth = BytesPerSecond(10e12);
  s.efficiency.compute = 0.834;
  s.efficiency.memory = 0.896;
  s.efficiency.elementwise = 0.896;
  return s;
}

Op matmul(std::int64_t m, std::int64_t k, std::int64_t n, DType dtype, int bytes_per) {
  Op op;
  op.name = "mm";
  op.kind = OpKind::MatMul;
  op.dtype = dtype;
  op.m = m;
  op.k = k;
  op.n = n;
  op.flops = 2.0 * m * k * n;
  op.bytes.weights = Bytes(k * n * bytes_per);
  op.bytes.activations_in = Bytes(m * k * bytes_per);
  op.bytes.activations_out = Bytes(m * n * bytes_per);
  return op;
}

struct OneOp {
  explicit OneOp(Op op) : graph("m", StepShape{}, 1, {std::move(op)}), plan(graph, DeviceGroup{}) {}
  OpCost cost(const GpuApproxCost& model, int tp = 1) const { return model.cost(graph.op(0), {plan, stage, tp}); }
  Graph graph;
  Plan plan;
  Stage stage;
};

TEST(GpuApprox, ReproducesTheCalibrationGemm) {
  // bf16 8192³ on H100 ≈ 800 TFLOP/s (issue 6): 989.4 T × 0.834 × 0.9697 waves, for a
  // hand-made H100 at A-77's fit without A-415's tile overhead. The shipped preset is fitted
  // to the Vidur tables instead and gives 724 TFLOP/s here (docs/validation.md).
  const GpuApproxCost model("h100", h100());
  const OneOp one(matmul(8192, 8192, 8192, DType::Bf16, 2));
  const OpCost c = one.cost(model);
  const double achieved = 2.0 * 8192 * 8192 * 8192 / c.compute.value();
  EXPECT_NEAR(achieved, 800e12, 0.01 * 800e12);
  EXPECT_GT(c.compute.value(), c.memory.value());
}

TEST(GpuApprox, ReproducesTheCalibrationCopy) {
  // A 4 GiB device-to-device copy (read + write) ≈ 3.0 TB/s on H100.
  const GpuApproxCost model("h100", h100());
  Op copy;
  copy.name = "copy";
  copy.kind = OpKind::Elementwise;
  copy.bytes.activations_in = Bytes(2LL << 30);
  copy.bytes.activations_out = Bytes(2LL << 30);
  const OneOp one(copy);
  const OpCost c = one.cost(model);
  EXPECT_NEAR((4LL << 30) / c.memory.value(), 3.0e12, 0.01 * 3.0e12);
  EXPECT_DOUBLE_EQ(c.traffic.hbm_bytes, 4.0 * (1LL << 30));
  EXPECT_DOUBLE_EQ(c.traffic.sram_bytes, 0);
}

TEST(GpuApprox, Fp8GemmRunsAtTwiceTheBf16Rate) {
  const GpuApproxCost model("h100", h100());
  const double bf16 = OneOp(matmul(8192, 8192, 8192, DType::Bf16, 2)).cost(model).compute.value();
  const double fp8 = OneOp(matmul(8192, 8192, 8192, DType::Fp8, 1)).cost(model).compute.value();
  EXPECT_NEAR(bf16 / fp8, 2.0, 1e-3);
}

TEST(GpuApprox, GemmTilesPayTheirFixedOverheadOncePerWave) {
  // compute = FLOPs ÷ (peak × compute × wave efficiency) + waves × tile overhead.
  GpuSpec s = h100();
  s.efficiency.gemm_tile_overhead = Seconds(0.5e-6);
  const GpuApproxCost model("h100", s);
  for (const auto& [m, k, n] : std::vector<std::array<std::int64_t, 3>>{{4096, 4096, 4096}, {128, 1024, 3072}}) {
    const Op op = matmul(m, k, n, DType::Bf16, 2);
    const GemmWaves w = model.matmul_waves(op, 1);
    const double expected = op.flops / (989.4e12 * 0.834 * w.efficiency) + static_cast<double>(w.waves) * 0.5e-6;
    EXPECT_NEAR(OneOp(op).cost(model).compute.value(), expected, 1e-12 * expected) << m << "x" << k << "x" << n;
  }
}

TEST(GpuApprox, Fp8AndShortKGemmsReachLessOfTheirPeakThroughTheTileOverhead) {
  GpuSpec s = h100();
  s.efficiency.gemm_tile_overhead = Seconds(0.5e-6);
  const GpuApproxCost model("h100", s);
  auto fraction = [&](std::int64_t k, DType dtype, int bytes, double peak) {
    const Op op = matmul(4096, k, 4096, dtype, bytes);
    return op.flops / OneOp(op).cost(model).compute.value() / peak;
  };
  // The overhead does not shrink with a faster format: fp8 is less than twice bf16.
  const double bf16 = fraction(8192, DType::Bf16, 2, 989.4e12), fp8 = fraction(8192, DType::Fp8, 1, 1978.9e12);
  EXPECT_LT(fp8, bf16);
  EXPECT_GT(fp8, 0.9 * bf16);
  // Shorter reductions spend a larger share of each tile on it.
  EXPECT_LT(fraction(512, DType::Bf16, 2, 989.4e12), fraction(1024, DType::Bf16, 2, 989.4e12));
  EXPECT_LT(fraction(1024, DType::Bf16, 2, 989.4e12), bf16);
}

TEST(GpuApprox, Int4IsWeightOnlyAtTheSixteenBitRatePlusDequantization) {
  GpuSpec s = h100();
  const GpuApproxCost model("h100", s);
  const Op w4 = matmul(4096, 8192, 8192, DType::Int4, 1);
  const GemmWaves waves = model.matmul_waves(w4, 1);
  const double mma = w4.flops / (989.4e12 * 0.834 * waves.efficiency);
  const double dequant = 8192.0 * 8192 * (4096 / waves.tile_m) * 2 / s.vector_flops.value();
  EXPECT_NEAR(OneOp(w4).cost(model).compute.value(), mma + dequant, 1e-12);
}

TEST(GpuApprox, DecodeGemvIsBoundByHbmWithItsTileFloor) {
  const GpuApproxCost model("h100", h100());
  const OneOp one(matmul(1, 8192, 8192, DType::Fp16, 2));
  const OpCost c = one.cost(model);
  // 16 KiB of activations sit in L2; the weights stream from HBM.
  EXPECT_DOUBLE_EQ(c.traffic.hbm_bytes, 2.0 * 8192 * 8192);
  EXPECT_DOUBLE_EQ(c.traffic.sram_bytes, 2.0 * 2 * 8192);
  EXPECT_NEAR(c.memory.value(), 2.0 * 8192 * 8192 / (3.35e12 * 0.896) + 4.0 * 8192 / (10e12 * 0.896), 1e-15);
  EXPECT_GT(c.memory.value(), c.compute.value());
  EXPECT_DOUBLE_EQ(c.overhead.value(), 2e-6);  // kernel_latency, with CUDA graphs
}

TEST(GpuApprox, WithoutCudaGraphsShortKernelsWaitForTheCpu) {
  GpuSpec s = h100();
  s.cuda_graphs = false;
  const GpuApproxCost eager("h100", s);
  // A 1 µs kernel with a 2 µs floor waits for the next 4 µs launch: 1 µs idle.
  EXPECT_NEAR(eager.kernel_overhead(Seconds(1e-6)).value(), 2e-6 + 1e-6, 1e-18);
  // A long kernel hides the launch entirely.
  EXPECT_DOUBLE_EQ(eager.kernel_overhead(Seconds(1e-3)).value(), 2e-6);
  s.cuda_graphs = true;
  EXPECT_DOUBLE_EQ(GpuApproxCost("h100", s).kernel_overhead(Seconds(1e-6)).value(), 2e-6);
}

TEST(GpuApprox, TensorParallelSplitsWeightsAndCountsTrafficOverAllDevices) {
  const GpuApproxCost model("h100", h100());
  Op col = matmul(1, 8192, 8192, DType::Fp16, 2);
  col.split = TpSplit::Column;
  const OneOp one(col);
  const OpCost c8 = one.cost(model, 8);
  const OpCost c1 = one.cost(model, 1);
  EXPECT_NEAR(c8.traffic.hbm_bytes, c1.traffic.hbm_bytes, 1);  // the weights, once over 8 GPUs
  EXPECT_NEAR(c8.traffic.flops, c1.traffic.flops, 1);
  EXPECT_LT(c8.memory.value(), c1.memory.value() / 7);
}

TEST(GpuApprox, LargeActivationsSpillFromL2ToHbm) {
  const GpuApproxCost model("h100", h100());
  // 8192 tokens × 8192 × 2 B = 128 MiB of input: more than half the 50 MiB L2.
  const OpCost c = OneOp(matmul(8192, 8192, 8192, DType::Bf16, 2)).cost(model);
  EXPECT_DOUBLE_EQ(c.traffic.hbm_bytes, 3.0 * 2 * 8192 * 8192);
  EXPECT_DOUBLE_EQ(c.traffic.sram_bytes, 0);
}

TEST(GpuApprox, ServingEnginesFuseQkvGateUpAndAddNorm) {
  std::vector<Op> ops(5);
  for (int i = 0; i < 5; ++i) ops[static_cast<std::size_t>(i)].id = i;
  ops[0].kind = OpKind::Elementwise;  // residual add
  ops[1].kind = OpKind::Norm;
  ops[1].inputs = {0};
  for (int i : {2, 3}) {
    ops[static_cast<std::size_t>(i)] = matmul(1, 4096, 1024, DType::Fp16, 2);
    ops[static_cast<std::size_t>(i)].id = i;
    ops[static_cast<std::size_t>(i)].inputs = {1};
  }
  ops[4] = matmul(1, 1024, 4096, DType::Fp16, 2);
  ops[4].id = 4;
  ops[4].inputs = {3};
  const Graph g("m", StepShape{}, 1, ops);
  EXPECT_FALSE(GpuApproxCost::fused_with_previous(g, g.op(0)));
  EXPECT_TRUE(GpuApproxCost::fused_with_previous(g, g.op(1)));   // add + norm
  EXPECT_FALSE(GpuApproxCost::fused_with_previous(g, g.op(2)));  // first of Q/K/V
  EXPECT_TRUE(GpuApproxCost::fused_with_previous(g, g.op(3)));   // shares input and shape
  EXPECT_FALSE(GpuApproxCost::fused_with_previous(g, g.op(4)));  // depends on the previous one
}

/// One attention op of a causal prefill over `tokens` tokens, `heads` heads of width d.
struct PrefillAttention {
  PrefillAttention(std::int64_t tokens, std::int64_t heads, std::int64_t d)
      : graph("m", StepShape{StepKind::Prefill, 1, tokens, tokens, DType::Bf16, DType::Bf16}, 1,
              {make(tokens, heads, d)}),
        plan(graph, DeviceGroup{}) {
    stage.end_op = 1;
  }
  static Op make(std::int64_t tokens, std::int64_t heads, std::int64_t d) {
    Op op;
    op.name = "attn";
    op.kind = OpKind::Attention;
    op.split = TpSplit::Heads;
    op.dtype = DType::Bf16;
    op.m = tokens;
    op.n = tokens;
    op.k = d;
    op.count = heads;
    op.flops = static_cast<double>(heads) * pairs(tokens) * (4.0 * static_cast<double>(d) + 5);
    return op;
  }
  static double pairs(std::int64_t t) { return static_cast<double>(t) * static_cast<double>(t + 1) / 2; }
  Graph graph;
  Plan plan;
  Stage stage;
};

TEST(GpuApprox, FlashAttentionProductsRunAtTheAttentionEfficiency) {
  // 32 heads × 4096 queries: 32 × 32 blocks of 128 queries in ⌈1024 / 132⌉ = 8 waves.
  const GpuApproxCost model("h100", h100());
  const PrefillAttention a(4096, 32, 128);
  const double mma = 32 * PrefillAttention::pairs(4096) * 512 / (989.4e12 * 0.75 * (1024.0 / (8 * 132)));
  EXPECT_NEAR(model.cost(a.graph.op(0), {a.plan, a.stage, 1}).compute.value(), mma, 1e-12);
}

TEST(GpuApprox, NarrowHeadsAreBoundByExponentialsOnTheSfus) {
  // d = 16: 64 FLOPs of products per score against one exponential at 16/clock/SM.
  const GpuApproxCost model("h100", h100());
  const PrefillAttention a(4096, 32, 16);
  const double exps = 32 * PrefillAttention::pairs(4096) / (16 * 132 * 1.98e9);
  EXPECT_NEAR(model.cost(a.graph.op(0), {a.plan, a.stage, 1}).compute.value(), exps, 1e-12);
}

TEST(GpuApprox, MissingTensorRateIsAnInputError) {
  GpuSpec s = spec_from(test_gpu_yaml_with("  int8: 2000 TOPS\n", ""));
  s.flops = DTypeTable<FlopsPerSecond>{};
  s.flops.set(DType::Fp16, FlopsPerSecond(1e15));
  const GpuApproxCost model("g", s);
  EXPECT_THROW((void)OneOp(matmul(16, 256, 256, DType::Fp32, 4)).cost(model), InputError);
}

}  // namespace
}  // namespace wafersim::gpu
