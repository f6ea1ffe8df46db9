#include "sim/timing/pipeline_engine.h"

#include <gtest/gtest.h>

#include "sim/mapping/pipeline_mapper.h"
#include "tests/support/fake_device.h"

namespace wafersim {
namespace {

using testing::FakeCost;
using testing::FakeDevice;
using testing::toy_graph;

MappingPolicy policy(const Device& d, int max_tp, bool tp_first) {
  MappingPolicy p;
  p.capacity_per_device = d.summary().memory_capacity;
  p.max_tp = max_tp;
  p.tp_first = tp_first;
  return p;
}

TEST(PipelineEngine, SingleDeviceIsTheSumOfRooflineOps) {
  const Graph g = toy_graph(2, 1000, 0);
  auto d = std::make_shared<FakeDevice>("f", Bytes(1'000'000), 1e9, 1e12, 8);
  DeviceGroup grp{"g", d, 1, false, 1, d->summary().link, d->summary().link, {}, {}};
  const MappingPolicy pol = policy(*d, 8, true);
  const Plan plan = PipelineMapper::map(g, grp, pol, 1);
  const StepResult r = PipelineEngine::run(plan, FakeCost(*d));
  // Each op: bytes / 1e9 (memory) vs 2·bytes / 1e12 (compute): memory-bound.
  const double bytes = 100 + 4 * 1000 + 1000;
  EXPECT_DOUBLE_EQ(r.latency_s, bytes / 1e9);
  EXPECT_DOUBLE_EQ(r.time.memory, r.latency_s);
  EXPECT_EQ(r.bound, Bound::Memory);
  EXPECT_EQ(r.ops.size(), g.ops().size());
}

TEST(PipelineEngine, TensorParallelAddsRingAllReducesAfterRowSplits) {
  const Graph g = toy_graph(2, 1000, 64);
  auto d = std::make_shared<FakeDevice>("f", Bytes(1'000'000), 1e9, 1e12, 8);
  DeviceGroup grp{"g", d, 4, false, 4, d->summary().link, d->summary().link, {}, {}};
  const MappingPolicy pol = policy(*d, 8, true);
  const Plan plan = PipelineMapper::map(g, grp, pol, 4);
  ASSERT_EQ(plan.tp, 4);
  const StepResult r = PipelineEngine::run(plan, FakeCost(*d));
  // Two row-split ops, each followed by an all-reduce of 64 B over 4 devices; on a
  // switch the fastest for so small a message is one-shot: 2 · 1 us + 3·64 B / 1 GB/s
  // (a ring would take 2·3 · 1 us + 2·3/4·64 B / 1 GB/s).
  const double allreduce = 2e-6 + 3.0 * 64 / 1e9;
  EXPECT_NEAR(r.time.interconnect, 2 * allreduce, 1e-15);
  int collectives = 0;
  for (const auto& op : r.ops) collectives += op.kind == OpKind::Collective;
  EXPECT_EQ(collectives, 2);
}

TEST(PipelineEngine, StagesPayOneTransferPerBoundary) {
  const Graph g = toy_graph(4, 1000, 500);
  auto d = std::make_shared<FakeDevice>("f", Bytes(1'000'000), 1e9, 1e12, 1);
  DeviceGroup grp{"g", d, 3, false, 3, d->summary().link, d->summary().link, {}, {}};
  const MappingPolicy pol = policy(*d, 1, false);
  const Plan plan = PipelineMapper::map(g, grp, pol, 3);
  ASSERT_EQ(plan.stages.size(), 3u);
  const StepResult r = PipelineEngine::run(plan, FakeCost(*d));
  EXPECT_NEAR(r.time.interconnect, 2 * (1e-6 + 500 / 1e9), 1e-15);
  double sum = 0;
  for (const auto& op : r.ops) sum += op.time_s;
  EXPECT_NEAR(sum, r.latency_s, 1e-15);
}

}  // namespace
}  // namespace wafersim
