#pragma once
// The shape of a rectangular region of cores on the mesh: `cores` cores laid out
// as close to square as the mesh allows (rows × cols with rows ≤ cols). The
// roofline cost model needs only its sides: data enters along a side of `rows`
// links, and a multicast along rows plus a reduction along columns crosses
// `rows + cols` hops. Placement (where the region sits) is the approx
// engine's business; this only says how big and how square.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace wafersim::wafer {

struct RegionShape {
  std::int64_t cores = 1;  ///< cores owned (rows × cols may exceed it by less than a row)
  std::int64_t rows = 1;   ///< the short side
  std::int64_t cols = 1;   ///< the long side

  /// `cores` laid out roughly square: side round(√cores), clamped to the mesh's
  /// shorter side (a region bigger than that square becomes a band across the mesh).
  [[nodiscard]] static RegionShape square(std::int64_t cores, std::int64_t mesh_width, std::int64_t mesh_height) {
    cores = std::max<std::int64_t>(cores, 1);
    const std::int64_t short_side = std::max<std::int64_t>(1, std::min(mesh_width, mesh_height));
    const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(cores))));
    const std::int64_t rows = std::clamp<std::int64_t>(side, 1, short_side);
    const std::int64_t cols = (cores + rows - 1) / rows;
    return RegionShape{cores, rows, cols};
  }

  /// Hops for a multicast along the rows and a reduction along the columns.
  [[nodiscard]] std::int64_t reduction_hops() const { return rows + cols; }
};

}  // namespace wafersim::wafer
