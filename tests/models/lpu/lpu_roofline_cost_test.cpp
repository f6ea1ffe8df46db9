// Closed forms of the LPU roofline: an op on a stage of tp chips
// costs max(F·share/P, B·share/W) with share = 1/tp for split ops and 1 for
// replicated ones, with no overhead and no fabric terms.

#include "models/lpu/lpu_roofline_cost.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/timing/pipeline_engine.h"

namespace wafersim::lpu {
namespace {

constexpr double kFp16 = 188e12, kInt8 = 750e12, kSramBw = 80e12;

LpuSpec test_spec() {
  LpuSpec s;
  s.sram = Bytes(220LL << 20);
  s.sram_bandwidth = BytesPerSecond(kSramBw);
  s.flops.set(DType::Fp16, FlopsPerSecond(kFp16));
  s.flops.set(DType::Int8, FlopsPerSecond(kInt8));
  s.clock = Hertz(900e6);
  s.c2c.links = 16;
  s.c2c.lanes_per_link = 4;
  s.c2c.lane_rate = BytesPerSecond(30e9 / 8);
  s.c2c.latency = Seconds(600e-9);
  s.c2c.links_between_neighbours = 4;
  return s;
}

Op make_op(int id, OpKind kind, TpSplit split, double flops, std::int64_t weights) {
  Op op;
  op.id = id;
  op.name = "op" + std::to_string(id);
  op.layer = 0;
  op.kind = kind;
  op.split = split;
  op.flops = flops;
  op.bytes.weights = Bytes(weights);
  op.bytes.activations_in = Bytes(16384);
  op.bytes.activations_out = Bytes(16384);
  op.weights_resident = Bytes(weights);
  return op;
}

struct Fixture {
  Graph graph{"g", StepShape{}, 1,
              std::vector<Op>{make_op(0, OpKind::MatMul, TpSplit::Column, 2.0 * 8192 * 8192, 2LL * 8192 * 8192),
                              make_op(1, OpKind::Norm, TpSplit::Replicated, 5.0 * 8192, 2 * 8192),
                              make_op(2, OpKind::MatMul, TpSplit::Row, 4e12, 1000)}};
  DeviceGroup group;
  Plan plan{graph, group};
  [[nodiscard]] Stage stage(int tp) const {
    Stage st;
    st.first_op = 0;
    st.end_op = 3;
    st.tp = tp;
    return st;
  }
};

double bytes_of(const Op& op) { return static_cast<double>(op.bytes.total().value()); }

TEST(LpuRooflineCost, OneChipIsMaxOfFlopsAndBytes) {
  Fixture f;
  const LpuRooflineCost cost("groq", test_spec());
  const Stage st = f.stage(1);
  for (const Op& op : f.graph.ops()) {
    const OpCost c = cost.cost(op, OpContext{f.plan, st, 1});
    EXPECT_DOUBLE_EQ(c.compute.value(), op.flops / kFp16);
    EXPECT_DOUBLE_EQ(c.memory.value(), bytes_of(op) / kSramBw);
    EXPECT_DOUBLE_EQ(c.fabric.value(), 0);
    EXPECT_DOUBLE_EQ(c.fabric_latency.value(), 0);
    EXPECT_DOUBLE_EQ(c.overhead.value(), 0);
  }
  // The projection is bound by SRAM bandwidth, the big product by compute.
  const OpCost proj = cost.cost(f.graph.op(0), OpContext{f.plan, st, 1});
  EXPECT_GT(proj.memory.value(), proj.compute.value());
  const OpCost big = cost.cost(f.graph.op(2), OpContext{f.plan, st, 1});
  EXPECT_GT(big.compute.value(), big.memory.value());
}

TEST(LpuRooflineCost, SplitOpsShareReplicatedOpsDoNot) {
  Fixture f;
  const LpuRooflineCost cost("groq", test_spec());
  const Stage st = f.stage(8);
  const OpContext ctx{f.plan, st, 8};
  const Op& col = f.graph.op(0);
  EXPECT_DOUBLE_EQ(cost.cost(col, ctx).compute.value(), col.flops / 8 / kFp16);
  EXPECT_DOUBLE_EQ(cost.cost(col, ctx).memory.value(), bytes_of(col) / 8 / kSramBw);
  const Op& norm = f.graph.op(1);
  EXPECT_DOUBLE_EQ(cost.cost(norm, ctx).compute.value(), norm.flops / kFp16);
  EXPECT_DOUBLE_EQ(cost.cost(norm, ctx).memory.value(), bytes_of(norm) / kSramBw);
}

TEST(LpuRooflineCost, FormatsUseTheirRateOrTheNextWider) {
  Fixture f;
  const LpuRooflineCost cost("groq", test_spec());
  const Stage st = f.stage(1);
  Op op = f.graph.op(2);
  op.dtype = DType::Int8;
  EXPECT_DOUBLE_EQ(cost.cost(op, OpContext{f.plan, st, 1}).compute.value(), op.flops / kInt8);
  op.dtype = DType::Int4;
  EXPECT_DOUBLE_EQ(cost.cost(op, OpContext{f.plan, st, 1}).compute.value(), op.flops / kInt8);
  op.dtype = DType::Fp8;
  EXPECT_DOUBLE_EQ(cost.cost(op, OpContext{f.plan, st, 1}).compute.value(), op.flops / kFp16);
  op.dtype = DType::Fp32;
  EXPECT_THROW((void)cost.cost(op, OpContext{f.plan, st, 1}), InputError);
}

TEST(LpuRooflineCost, EngineTimeIsTheRooflineWhenTheStageIsOneChip) {
  Fixture f;
  f.plan.stages = {f.stage(1)};
  f.plan.stage_of_op.assign(3, 0);
  f.plan.devices = 1;
  const LpuRooflineCost cost("groq", test_spec());
  const StepResult r = PipelineEngine::run(f.plan, cost);
  double want = 0;
  for (const Op& op : f.graph.ops()) want += std::max(op.flops / kFp16, bytes_of(op) / kSramBw);
  EXPECT_DOUBLE_EQ(r.latency_s, want);
}

}  // namespace
}  // namespace wafersim::lpu
