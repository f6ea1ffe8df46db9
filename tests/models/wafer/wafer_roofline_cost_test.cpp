// Closed forms of the wafer roofline: an op on a region of R cores
// (sides a × b) costs max(F/(R·f·clk), B/(R·bw·clk), (in+out)/(a·link·clk)) plus
// (a + b)·hop/clk when it reduces across the region, plus the hops from the
// previous layer's region for the first op of a layer.

#include "models/wafer/wafer_roofline_cost.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/timing/pipeline_engine.h"

namespace wafersim::wafer {
namespace {

constexpr double kClock = 1e9;
constexpr double kRead = 16, kWrite = 8, kFlops = 16, kLink = 4, kIo = 100e9;

WaferSpec test_spec(WaferMapping mapping = WaferMapping::LayerPipelined) {
  WaferSpec s;
  s.mesh = MeshSpec{100, 100, 1.0};
  s.clock = Hertz(kClock);
  s.core.sram = Bytes(48 * 1024);
  s.core.sram_read_bandwidth = BytesPerCycle(kRead);
  s.core.sram_write_bandwidth = BytesPerCycle(kWrite);
  s.core.flops_per_cycle.set(DType::Fp16, FlopsPerCycle(kFlops));
  s.fabric = FabricSpec{BytesPerCycle(kLink), Cycles(1), 24};
  s.io = IoSpec{BytesPerSecond(kIo), Seconds(1e-6), Bytes(0)};
  s.mapping.mode = mapping;
  return s;
}

Op make_op(int id, int layer, OpKind kind, std::int64_t resident) {
  Op op;
  op.id = id;
  op.name = "op" + std::to_string(id);
  op.layer = layer;
  op.kind = kind;
  op.flops = 1e9;
  op.bytes.weights = Bytes(resident * 1000);
  op.bytes.activations_in = Bytes(8192);
  op.bytes.activations_out = Bytes(8192);
  op.weights_resident = Bytes(resident);
  return op;
}

/// Two layers whose resident bytes split the 100 × 100 mesh 36% / 64%: regions of
/// 3,600 cores (60 × 60) and 6,400 cores (80 × 80).
Graph two_layers() {
  std::vector<Op> ops{make_op(0, 0, OpKind::Norm, 600), make_op(1, 0, OpKind::MatMul, 3000),
                      make_op(2, 1, OpKind::MatMul, 6400), make_op(3, 1, OpKind::Elementwise, 0)};
  return Graph("two-layers", StepShape{}, 2, std::move(ops));
}

struct Fixture {
  Graph graph = two_layers();
  DeviceGroup group;
  Plan plan{graph, group};
  Fixture() {
    Stage st;
    st.first_op = 0;
    st.end_op = 4;
    st.first_layer = 0;
    st.last_layer = 1;
    plan.stages = {st};
    plan.stage_of_op.assign(4, 0);
    plan.devices = 1;
  }
  [[nodiscard]] OpContext ctx() const { return OpContext{plan, plan.stages[0], 1}; }
};

/// The roofline closed form for `op` on a region of `cores` with sides rows × cols.
OpCost expected(const Op& op, double cores, double rows, double hops) {
  OpCost c;
  c.compute = Seconds(op.flops / (cores * kFlops * kClock));
  const double reads = static_cast<double>((op.bytes.weights + op.bytes.activations_in + op.bytes.kv_read).value());
  const double writes = static_cast<double>((op.bytes.activations_out + op.bytes.kv_write).value());
  c.memory = Seconds(std::max(reads / (cores * kRead * kClock), writes / (cores * kWrite * kClock)));
  c.fabric = Seconds(static_cast<double>((op.bytes.activations_in + op.bytes.activations_out).value()) /
                     (rows * kLink * kClock));
  c.fabric_latency = Seconds(hops / kClock);
  return c;
}

void expect_cost(const OpCost& got, const OpCost& want) {
  EXPECT_DOUBLE_EQ(got.compute.value(), want.compute.value());
  EXPECT_DOUBLE_EQ(got.memory.value(), want.memory.value());
  EXPECT_DOUBLE_EQ(got.fabric.value(), want.fabric.value());
  EXPECT_DOUBLE_EQ(got.fabric_latency.value(), want.fabric_latency.value());
  EXPECT_DOUBLE_EQ(got.overhead.value(), 0);
}

TEST(RegionShape, RoughlySquareAndClampedToTheMesh) {
  const RegionShape a = RegionShape::square(6400, 100, 100);
  EXPECT_EQ(a.rows, 80);
  EXPECT_EQ(a.cols, 80);
  EXPECT_EQ(a.reduction_hops(), 160);
  const RegionShape b = RegionShape::square(9700, 762, 1172);  // √9700 = 98.5
  EXPECT_EQ(b.rows, 98);
  EXPECT_EQ(b.cols, 99);
  const RegionShape c = RegionShape::square(20000, 200, 100);  // wider than the mesh is tall
  EXPECT_EQ(c.rows, 100);
  EXPECT_EQ(c.cols, 200);
  EXPECT_EQ(RegionShape::square(0, 10, 10).cores, 1);
}

TEST(WaferRooflineCost, RegionsFollowResidentBytes) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec());
  EXPECT_EQ(cost.region_of(f.graph.op(1), f.ctx()).cores, 3600);
  EXPECT_EQ(cost.region_of(f.graph.op(2), f.ctx()).cores, 6400);
  EXPECT_EQ(cost.region_of(f.graph.op(3), f.ctx()).rows, 80);
}

TEST(WaferRooflineCost, MatMulInsideALayer) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec());
  const Op& op = f.graph.op(1);
  expect_cost(cost.cost(op, f.ctx()), expected(op, 3600, 60, 2 * 60));
}

TEST(WaferRooflineCost, FirstOpOfALayerCrossesFromThePreviousRegion) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec());
  const Op& op = f.graph.op(2);
  // 2·s = 160 hops of multicast + reduction, plus (60 + 80) / 2 = 70 hops from layer 0.
  expect_cost(cost.cost(op, f.ctx()), expected(op, 6400, 80, 160 + 70));
  // The stage's first layer has no previous region on this wafer.
  expect_cost(cost.cost(f.graph.op(0), f.ctx()), expected(f.graph.op(0), 3600, 60, 120));
}

TEST(WaferRooflineCost, ElementwiseNeedsNoReduction) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec());
  const Op& op = f.graph.op(3);
  expect_cost(cost.cost(op, f.ctx()), expected(op, 6400, 80, 0));
}

TEST(WaferRooflineCost, EngineAddsLatencyToTheSlowestBandwidthTerm) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec());
  const StepResult r = PipelineEngine::run(f.plan, cost);
  ASSERT_EQ(r.ops.size(), 4u);
  const OpCost want = expected(f.graph.op(2), 6400, 80, 230);
  EXPECT_DOUBLE_EQ(r.ops[2].time_s, std::max({want.compute.value(), want.memory.value(), want.fabric.value()}) +
                                        want.fabric_latency.value());
}

TEST(WaferRooflineCost, WaferParallelUsesTheWholeMesh) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec(WaferMapping::WaferParallel));
  // Every op on 100 × 100 cores; no hops between layers.
  expect_cost(cost.cost(f.graph.op(2), f.ctx()), expected(f.graph.op(2), 10000, 100, 200));
  expect_cost(cost.cost(f.graph.op(3), f.ctx()), expected(f.graph.op(3), 10000, 100, 0));
}

TEST(WaferRooflineCost, WeightStreamingReadsWeightsThroughTheIo) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec(WaferMapping::WeightStreaming));
  const Op& op = f.graph.op(2);
  const OpCost c = cost.cost(op, f.ctx());
  EXPECT_DOUBLE_EQ(c.memory.value(), static_cast<double>(op.bytes.weights.value()) / kIo);
  EXPECT_DOUBLE_EQ(c.compute.value(), op.flops / (10000 * kFlops * kClock));
  EXPECT_DOUBLE_EQ(c.fabric_latency.value(), 200 / kClock);
}

TEST(WaferRooflineCost, NarrowFormatsRunAtTheNextWiderRate) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec());
  Op op = f.graph.op(1);
  op.dtype = DType::Int8;
  EXPECT_DOUBLE_EQ(cost.cost(op, f.ctx()).compute.value(), op.flops / (3600 * kFlops * kClock));
}

TEST(WaferRooflineCost, AutoTakesTheCheaperLayoutPerOp) {
  // with mapping auto each op costs the cheaper of its layer's region and the
  // whole mesh, so roofline stays a bound under either layout.
  Fixture f;
  const WaferRooflineCost pipelined("test", test_spec(WaferMapping::LayerPipelined));
  const WaferRooflineCost whole("test", test_spec(WaferMapping::WaferParallel));
  const WaferRooflineCost best("test", test_spec(WaferMapping::Auto));
  auto total = [](const OpCost& c) {
    return std::max({c.compute.value(), c.memory.value(), c.fabric.value()}) + c.fabric_latency.value() +
           c.overhead.value();
  };
  for (Op op : f.graph.ops()) {
    const double p = total(pipelined.cost(op, f.ctx())), w = total(whole.cost(op, f.ctx()));
    EXPECT_DOUBLE_EQ(total(best.cost(op, f.ctx())), std::min(p, w)) << op.name;
    // A compute-heavy op (a long prefill's matrix product) runs on the whole mesh.
    op.flops = 1e15;
    EXPECT_DOUBLE_EQ(best.cost(op, f.ctx()).compute.value(), op.flops / (10000 * kFlops * kClock)) << op.name;
  }
}

TEST(WaferRooflineCost, AFormatWithNoRateIsAnInputError) {
  Fixture f;
  const WaferRooflineCost cost("test", test_spec());
  Op op = f.graph.op(1);
  op.dtype = DType::Fp32;
  try {
    (void)cost.cost(op, f.ctx());
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--dtype: test cannot compute in fp32: core.flops_per_cycle lists fp16 and none is as wide (add a "
                 "rate with --set test.core.flops_per_cycle.fp32=...)");
  }
}

}  // namespace
}  // namespace wafersim::wafer
