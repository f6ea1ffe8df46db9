#include "sim/mapping/pipeline_mapper.h"

#include <gtest/gtest.h>

#include "tests/support/fake_device.h"

namespace wafersim {
namespace {

using testing::FakeDevice;
using testing::toy_graph;

DeviceGroup group_of(int count, int domain, Bytes capacity, int max_tp = 8) {
  auto d = std::make_shared<FakeDevice>("fake", capacity, 1e9, 1e12, max_tp);
  return DeviceGroup{"g", d, count, false, domain, d->summary().link, d->summary().link, {}, {}};
}

MappingPolicy policy(const DeviceGroup& g, bool tp_first) {
  MappingPolicy p;
  p.capacity_per_device = g.device->summary().memory_capacity;
  p.max_tp = g.device->summary().max_tensor_parallel;
  p.tp_first = tp_first;
  return p;
}

TEST(PipelineMapper, BytesAreConservedAcrossStages) {
  const Graph g = toy_graph(8, 1000);
  const auto grp = group_of(4, 4, Bytes(1'000'000));
  const Plan p = PipelineMapper::map(g, grp, policy(grp, false), 4);
  EXPECT_EQ(p.devices, 4);
  EXPECT_EQ(p.stages.size(), 4u);
  EXPECT_EQ(p.memory.weights.value(), g.weights_resident().value());
  // Stages cover every op exactly once, in order.
  int next = 0;
  for (const auto& s : p.stages) {
    EXPECT_EQ(s.first_op, next);
    next = s.end_op;
  }
  EXPECT_EQ(next, static_cast<int>(g.ops().size()));
}

TEST(PipelineMapper, BalancesStagesByResidentBytes) {
  const Graph g = toy_graph(8, 1000);  // 100 + 16×1000 + 1000 bytes
  const auto grp = group_of(2, 2, Bytes(1'000'000));
  const Plan p = PipelineMapper::map(g, grp, policy(grp, false), 2);
  ASSERT_EQ(p.stages.size(), 2u);
  const auto a = p.stages[0].per_device.weights.value(), b = p.stages[1].per_device.weights.value();
  EXPECT_LE(std::max(a, b), 9100);  // the best cut of 17,100 bytes of layer units
}

TEST(PipelineMapper, TensorParallelFirstSplitsWeights) {
  const Graph g = toy_graph(4, 1000);
  const auto grp = group_of(8, 8, Bytes(1'000'000));
  const Plan p = PipelineMapper::map(g, grp, policy(grp, true), 8);
  EXPECT_EQ(p.tp, 8);
  EXPECT_EQ(p.stages.size(), 1u);
  EXPECT_EQ(p.stages[0].per_device.weights.value(), (100 + 8000 + 1000 + 7) / 8);
  EXPECT_EQ(p.layout, "tensor parallel over 8 devices");
}

TEST(PipelineMapper, DoesNotFitSaysWhyWithNumbers) {
  const Graph g = toy_graph(4, 1000);
  const auto grp = group_of(1, 1, Bytes(5000));
  const Plan p = PipelineMapper::map(g, grp, policy(grp, false), 1);
  EXPECT_FALSE(p.fits);
  EXPECT_NE(p.fit_error.find("needs 9.082 KiB per device"), std::string::npos) << p.fit_error;
  EXPECT_NE(p.fit_error.find("one device holds 4.883 KiB"), std::string::npos) << p.fit_error;
}

TEST(PipelineMapper, AutoFindsTheSmallestCountThatFits) {
  const Graph g = toy_graph(8, 1000);
  const auto grp = group_of(1, 1, Bytes(4500), 1);
  const Plan p = PipelineMapper::map_auto(g, grp, policy(grp, false));
  EXPECT_TRUE(p.fits);
  // Layer units are 2000 B; 17,100 B in units of ≤ 4500 B needs 5 devices.
  EXPECT_EQ(p.devices, 5);
  const Plan smaller = PipelineMapper::map(g, grp, policy(grp, false), 4);
  EXPECT_FALSE(smaller.fits);
}

TEST(PipelineMapper, AutoSearchAgreesWithALinearScan) {
  // map_auto gallops and bisects the count of a pipeline-first group; it must find
  // the same smallest fitting count as trying every count in turn.
  for (int layers : {3, 8, 40, 130}) {
    for (std::int64_t cap : {2100, 2600, 4500, 9000, 30000}) {
      for (int max_tp : {1, 4}) {
        const Graph g = toy_graph(layers, 1000);
        const auto grp = group_of(1, 1, Bytes(cap), max_tp);
        const Plan p = PipelineMapper::map_auto(g, grp, policy(grp, false));
        int smallest = -1;
        for (int n = 1; n <= 4 * layers && smallest < 0; ++n) {
          DeviceGroup sized = grp;
          sized.count = n;
          sized.domain = std::min(n, max_tp);
          if (PipelineMapper::map(g, sized, policy(grp, false), n).fits) smallest = n;
        }
        ASSERT_EQ(p.fits, smallest > 0) << layers << " layers, " << cap << " B, tp " << max_tp;
        if (p.fits) {
          EXPECT_EQ(p.devices, smallest) << layers << " layers, " << cap << " B, tp " << max_tp;
        }
      }
    }
  }
}

TEST(PipelineMapper, AutoReportsWhenNothingFits) {
  const Graph g = toy_graph(2, 1000);
  const auto grp = group_of(1, 1, Bytes(1500), 1);  // one layer (2000 B) never fits, no tp
  const Plan p = PipelineMapper::map_auto(g, grp, policy(grp, false));
  EXPECT_FALSE(p.fits);
  EXPECT_NE(p.fit_error.find("no count up to"), std::string::npos);
}

}  // namespace
}  // namespace wafersim
