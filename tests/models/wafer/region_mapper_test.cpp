// Region placement: serpentine bands keep consecutive layers neighbours,
// units too big for the region widen, forced regions that cannot hold a layer
// say so with bytes per core, and shared layouts check the whole stage.

#include "models/wafer/approx/region_mapper.h"

#include <gtest/gtest.h>

namespace wafersim::wafer {
namespace {

WaferSpec small_mesh() {
  WaferSpec s;
  s.mesh = MeshSpec{100, 60, 1.0};  // 100 wide, 60 tall
  s.clock = Hertz(1e9);
  s.core.sram = Bytes(48 * 1024);
  s.core.reserved_sram = Bytes(4 * 1024);
  return s;
}

std::vector<LayerUnit> units(int layers, std::int64_t bytes_each) {
  std::vector<LayerUnit> u;
  for (int l = 0; l < layers; ++l) u.push_back(LayerUnit{l, l + 1, l, Bytes(bytes_each), Bytes(0), Bytes(0)});
  return u;
}

TEST(RegionMapper, SerpentineKeepsConsecutiveLayersNeighbours) {
  const WaferSpec spec = small_mesh();
  const RegionMapper m(spec);
  // 20x30 regions: 3 per band (90 of 100 columns), 3 bands of 20 rows.
  const WaferLayout l = m.layout(WaferMapping::LayerPipelined, units(7, 1000), RegionSize{20, 30}, false, 7);
  ASSERT_TRUE(l.fits) << l.fit_error;
  ASSERT_EQ(l.placed.size(), 7u);
  EXPECT_EQ(l.placed[2].x, 60);
  EXPECT_EQ(l.placed[3].y, 20);
  EXPECT_EQ(l.placed[3].x, 70);  // the second band runs right to left, starting above layer 2
  for (std::size_t i = 1; i < 7; ++i) EXPECT_LE(l.distance(i - 1, i), 30) << i;
  EXPECT_EQ(l.boundary_links(0, 1), 20);  // side by side: the shared 20-row edge
  EXPECT_EQ(l.boundary_links(2, 3), 20);  // across bands: the overlap of the edges
}

TEST(RegionMapper, TooManyRegionsOrTooFewBytesPerCoreSaySo) {
  const WaferSpec spec = small_mesh();
  const RegionMapper m(spec);
  const WaferLayout full = m.layout(WaferMapping::LayerPipelined, units(10, 1000), RegionSize{20, 30}, false, 10);
  EXPECT_FALSE(full.fits);
  EXPECT_NE(full.fit_error.find("runs out of room at layer 9"), std::string::npos) << full.fit_error;
  // 600 cores × 44 KiB = 26.4 MiB; a 30 MiB layer does not fit a forced 20x30 region.
  const WaferLayout forced = m.layout(WaferMapping::LayerPipelined, units(1, 30 << 20), RegionSize{20, 30}, true, 1);
  EXPECT_FALSE(forced.fits);
  EXPECT_NE(forced.fit_error.find("51.2 KiB per core"), std::string::npos) << forced.fit_error;
  // Searched (not forced): the layer widens to the cores its bytes need.
  const WaferLayout wide = m.layout(WaferMapping::LayerPipelined, units(1, 30 << 20), RegionSize{20, 30}, false, 1);
  ASSERT_TRUE(wide.fits) << wide.fit_error;
  EXPECT_EQ(wide.placed[0].size.cols, 35);  // ⌈30 MiB / 44 KiB / 20⌉
}

TEST(RegionMapper, SharedLayoutsCountTheWholeStageAndStreamingOnlyTheKvCache) {
  const WaferSpec spec = small_mesh();
  const RegionMapper m(spec);
  auto u = units(4, 10 << 20);  // 40 MiB of weights over 4 layers
  EXPECT_FALSE(m.layout(WaferMapping::WaferParallel, u, RegionSize{30, 30}, false, 4).fits);
  EXPECT_TRUE(m.layout(WaferMapping::WaferParallel, u, RegionSize{60, 100}, false, 4).fits);
  EXPECT_TRUE(m.layout(WaferMapping::WeightStreaming, u, RegionSize{30, 30}, false, 4).fits);
  // Candidates start where the bytes fit and end at the mesh.
  const auto c = m.candidates(WaferMapping::WaferParallel, u, 4);
  ASSERT_FALSE(c.empty());
  for (const auto& r : c) EXPECT_GE(r.cores() * (44 << 10), 40 << 20) << r.rows << "x" << r.cols;
}

}  // namespace
}  // namespace wafersim::wafer
