// GpuRooflineCost against closed forms: an op takes max(F / (P·e_c), B / (W·e_m)),
// split ops take 1/tp of both, formats without a tensor rate compute at the next
// wider one while their bytes stay narrow, non-tensor ops use the vector
// rate.

#include "models/gpu/gpu_roofline.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "models/gpu/gpu_device.h"
#include "sim/timing/pipeline_engine.h"
#include "tests/models/gpu/gpu_test_spec.h"

namespace wafersim::gpu {
namespace {

// kTestGpuYaml's figures.
constexpr double kPeak16 = 1000e12, kPeakInt8 = 2000e12, kVector = 50e12, kHbm = 2e12, kEc = 0.8, kEm = 0.9;

GpuSpec test_spec() {
  Diagnostics d;
  GpuSpec s = testing::parse_test_gpu(testing::kTestGpuYaml, d);
  d.throw_if_any();
  return s;
}

Op make_op(OpKind kind, DType dtype, double flops, std::int64_t weight_bytes, TpSplit split = TpSplit::Column) {
  Op op;
  op.name = "op";
  op.kind = kind;
  op.dtype = dtype;
  op.split = split;
  op.flops = flops;
  op.bytes.weights = Bytes(weight_bytes);
  op.bytes.activations_in = Bytes(4096);
  op.bytes.activations_out = Bytes(8192);
  return op;
}

/// Costs one op on a one-stage plan of `tp` GPUs.
class Roofline : public ::testing::Test {
 protected:
  OpCost cost(const Op& op, int tp = 1, const GpuSpec& spec = test_spec()) {
    Op copy = op;
    copy.id = 0;
    graph_ = std::make_unique<Graph>("m", StepShape{}, 1, std::vector<Op>{copy});
    group_.device = std::make_shared<GpuDevice>("test", spec);
    group_.count = tp;
    group_.domain = tp;
    plan_ = std::make_unique<Plan>(*graph_, group_);
    Stage stage;
    stage.end_op = 1;
    stage.tp = tp;
    return GpuRooflineCost("test", spec).cost(copy, OpContext{*plan_, stage, tp});
  }

  std::unique_ptr<Graph> graph_;
  DeviceGroup group_;
  std::unique_ptr<Plan> plan_;
};

double total_bytes(const Op& op) { return static_cast<double>(op.bytes.total().value()); }

TEST_F(Roofline, MatMulIsTheSlowerOfComputeAndMemory) {
  // Decode-like: 2·M·N FLOPs over M·N fp16 weights: memory bound.
  const Op gemv = make_op(OpKind::MatMul, DType::Fp16, 2.0 * 8192 * 8192, 2LL * 8192 * 8192);
  const OpCost c = cost(gemv);
  EXPECT_DOUBLE_EQ(c.compute.value(), gemv.flops / (kPeak16 * kEc));
  EXPECT_DOUBLE_EQ(c.memory.value(), total_bytes(gemv) / (kHbm * kEm));
  EXPECT_GT(c.memory.value(), c.compute.value());
  EXPECT_EQ(c.fabric.value(), 0);
  EXPECT_EQ(c.fabric_latency.value(), 0);
  EXPECT_EQ(c.overhead.value(), 0);

  // Prefill-like: the same weights reused by 4096 tokens: compute bound.
  const Op gemm = make_op(OpKind::MatMul, DType::Fp16, 2.0 * 4096 * 8192 * 8192, 2LL * 8192 * 8192);
  const OpCost g = cost(gemm);
  EXPECT_DOUBLE_EQ(std::max(g.compute.value(), g.memory.value()), gemm.flops / (kPeak16 * kEc));
}

TEST_F(Roofline, SplitOpsTakeOneOverTp) {
  const Op op = make_op(OpKind::MatMul, DType::Fp16, 3e12, 1LL << 30, TpSplit::Row);
  const OpCost one = cost(op, 1);
  for (TpSplit split : {TpSplit::Column, TpSplit::Row, TpSplit::Heads, TpSplit::Experts}) {
    Op s = op;
    s.split = split;
    const OpCost four = cost(s, 4);
    EXPECT_DOUBLE_EQ(four.compute.value(), op.flops * 0.25 / (kPeak16 * kEc));
    EXPECT_DOUBLE_EQ(four.memory.value(), total_bytes(op) * 0.25 / (kHbm * kEm));
    EXPECT_NEAR(four.memory.value() * 4, one.memory.value(), 1e-18);
  }
}

TEST_F(Roofline, ReplicatedOpsAreWholeOnEveryDevice) {
  const Op norm = make_op(OpKind::Norm, DType::Fp16, 5e9, 0, TpSplit::Replicated);
  const OpCost one = cost(norm, 1);
  const OpCost eight = cost(norm, 8);
  EXPECT_DOUBLE_EQ(eight.compute.value(), one.compute.value());
  EXPECT_DOUBLE_EQ(eight.memory.value(), one.memory.value());
}

TEST_F(Roofline, NonTensorOpsRunAtTheVectorRate) {
  for (OpKind kind : {OpKind::Norm, OpKind::Softmax, OpKind::Elementwise, OpKind::Embedding}) {
    const OpCost c = cost(make_op(kind, DType::Fp16, 1e9, 0, TpSplit::Replicated));
    EXPECT_DOUBLE_EQ(c.compute.value(), 1e9 / (kVector * kEc)) << op_kind_name(kind);
  }
  for (OpKind kind : {OpKind::MatMul, OpKind::Attention, OpKind::Router}) {
    const OpCost c = cost(make_op(kind, DType::Fp16, 1e9, 0, TpSplit::Replicated));
    EXPECT_DOUBLE_EQ(c.compute.value(), 1e9 / (kPeak16 * kEc)) << op_kind_name(kind);
  }
}

TEST_F(Roofline, ListedFormatsUseTheirOwnRate) {
  const OpCost c = cost(make_op(OpKind::MatMul, DType::Int8, 1e12, 1 << 20));
  EXPECT_DOUBLE_EQ(c.compute.value(), 1e12 / (kPeakInt8 * kEc));
}

TEST_F(Roofline, UnlistedFormatsComputeWiderButKeepTheirBytes) {
  // int4 → int8 (listed); fp8 → fp16 (the test GPU, like an A100, has no fp8).
  const Op int4 = make_op(OpKind::MatMul, DType::Int4, 1e12, 1LL << 29);
  const OpCost c4 = cost(int4);
  EXPECT_DOUBLE_EQ(c4.compute.value(), 1e12 / (kPeakInt8 * kEc));
  EXPECT_DOUBLE_EQ(c4.memory.value(), total_bytes(int4) / (kHbm * kEm));

  const Op fp8 = make_op(OpKind::MatMul, DType::Fp8, 1e12, 1LL << 29);
  EXPECT_DOUBLE_EQ(cost(fp8).compute.value(), 1e12 / (kPeak16 * kEc));

  GpuSpec no_int8 = test_spec();
  no_int8.flops.values[static_cast<std::size_t>(DType::Int8)].reset();
  EXPECT_DOUBLE_EQ(cost(int4, 1, no_int8).compute.value(), 1e12 / (kPeak16 * kEc));
}

TEST_F(Roofline, FormatWithNoRateAndNothingWiderIsAnInputError) {
  const Op fp32 = make_op(OpKind::MatMul, DType::Fp32, 1e12, 1 << 20);
  try {
    (void)cost(fp32);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].format(),
              "test.flops: no tensor rate for fp32 (op 'op') and no wider format to run it at; add flops.fp32");
  }
  // A vector op in fp32 does not need a tensor rate.
  EXPECT_NO_THROW((void)cost(make_op(OpKind::Norm, DType::Fp32, 1e9, 0, TpSplit::Replicated)));
}

TEST_F(Roofline, ZeroFlopOpsAreMemoryOnly) {
  const OpCost c = cost(make_op(OpKind::Embedding, DType::Fp32, 0, 1 << 20, TpSplit::Replicated));
  EXPECT_EQ(c.compute.value(), 0);
  EXPECT_GT(c.memory.value(), 0);
}

TEST(RooflineEngine, OneStageStepIsTheSumOfOpRooflines) {
  const GpuSpec spec = test_spec();
  std::vector<Op> ops;
  ops.push_back(make_op(OpKind::Norm, DType::Fp16, 1e3, 0, TpSplit::Replicated));
  ops.push_back(make_op(OpKind::MatMul, DType::Fp16, 2.0 * 4096 * 4096, 2LL * 4096 * 4096));
  ops.push_back(make_op(OpKind::MatMul, DType::Fp16, 2.0 * 512 * 4096 * 4096, 2LL * 4096 * 4096));
  double expected = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    ops[i].id = static_cast<int>(i);
    ops[i].layer = 0;
    const double rate = ops[i].kind == OpKind::Norm ? kVector : kPeak16;
    expected += std::max(ops[i].flops / (rate * kEc), total_bytes(ops[i]) / (kHbm * kEm));
  }
  const Graph graph("m", StepShape{}, 1, ops);
  DeviceGroup group;
  group.device = std::make_shared<GpuDevice>("test", spec);
  Plan plan(graph, group);
  plan.devices = 1;
  Stage stage;
  stage.end_op = static_cast<int>(ops.size());
  plan.stages.push_back(stage);
  plan.stage_of_op.assign(ops.size(), 0);
  const StepResult r = PipelineEngine::run(plan, GpuRooflineCost("test", spec));
  EXPECT_NEAR(r.latency_s, expected, expected * 1e-12);
  EXPECT_EQ(r.ops[0].bound, Bound::Memory);
  EXPECT_EQ(r.ops[1].bound, Bound::Memory);
  EXPECT_EQ(r.ops[2].bound, Bound::Compute);
}

}  // namespace
}  // namespace wafersim::gpu
