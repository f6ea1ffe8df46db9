#pragma once
// Where each layer of one wafer's share of the model lives on the mesh:
//  - layer_pipelined: each layer (and the embeddings, the LM head) owns an R × C
//    region; regions are laid serpentine in bands R cores tall, left to right
//    then right to left, so consecutive layers are neighbours. A unit too big
//    for R × C widens (never the transformer layers of a forced region).
//  - wafer_parallel: all layers share one R × C region; each kernel spans it.
//  - weight_streaming: as wafer_parallel, but only the KV cache and activations
//    live in SRAM; weights stream in through the wafer I/O.
// The region size R × C is what the step model searches (or `mapping.region`
// forces). Capacity per core: resident bytes + activation buffers, spread evenly
// over the region's cores, must fit the core's SRAM less the reserved share.
// Leaves out defect maps (regions are placed on a perfect rectangle) and
// non-rectangular regions.

#include <cstdint>
#include <string>
#include <vector>

#include "models/wafer/wafer_spec.h"
#include "sim/mapping/plan.h"

namespace wafersim::wafer {

/// The ops of one layer (or the embeddings / LM head) on one wafer.
struct LayerUnit {
  int first_op = 0, end_op = 0, layer = 0;
  Bytes weights{0}, kv{0}, activations{0};
};

struct PlacedRegion {
  RegionSize size;
  std::int64_t x = 0, y = 0;  ///< top-left core
};

struct WaferLayout {
  WaferMapping mode = WaferMapping::LayerPipelined;
  RegionSize region;  ///< the transformer layers' region (searched or forced)
  std::vector<LayerUnit> units;
  std::vector<PlacedRegion> placed;  ///< one per unit (layer_pipelined) or one shared
  bool fits = true;
  std::string fit_error;
  /// Has units (embeddings, LM head) that may take a wider region than the
  /// layers' (the search tries several widths, A-441).
  bool widened = false;

  [[nodiscard]] bool shared() const { return mode != WaferMapping::LayerPipelined; }
  [[nodiscard]] const PlacedRegion& region_of(std::size_t unit) const {
    return shared() ? placed.front() : placed[unit];
  }
  /// Manhattan distance between the centres of two units' regions, in hops.
  [[nodiscard]] std::int64_t distance(std::size_t a, std::size_t b) const;
  /// Links across the boundary the activations cross from unit a to unit b.
  [[nodiscard]] std::int64_t boundary_links(std::size_t a, std::size_t b) const;
};

class RegionMapper {
 public:
  explicit RegionMapper(const WaferSpec& spec) : spec_(spec) {}

  /// The units (runs of ops of one layer) of one pipeline stage.
  [[nodiscard]] static std::vector<LayerUnit> units_of(const Graph& graph, const Stage& stage);
  /// Lays `units` out with transformer-layer regions of `region`; says with the
  /// numbers (bytes per core needed and available, the layers) when they do not fit.
  /// A unit that needs more cores than `region` holds gets the region's rows and
  /// the smallest side of the search grid that holds it; the embeddings and LM
  /// head at least `wide_cols` columns.
  [[nodiscard]] WaferLayout layout(WaferMapping mode, const std::vector<LayerUnit>& units, RegionSize region,
                                   bool forced, int layers, std::int64_t wide_cols = 0) const;
  /// The sides of the search grid across the mesh from `from` up.
  [[nodiscard]] std::vector<std::int64_t> widths_from(std::int64_t from) const;
  /// Region sizes worth trying for `mode`: from the smallest that holds the bytes
  /// to the whole mesh, in steps of ~25% per side.
  [[nodiscard]] std::vector<RegionSize> candidates(WaferMapping mode, const std::vector<LayerUnit>& units,
                                                   int layers) const;

 private:
  [[nodiscard]] Bytes held(WaferMapping mode, const LayerUnit& u) const;
  [[nodiscard]] std::int64_t min_cores(WaferMapping mode, const LayerUnit& u) const;
  const WaferSpec& spec_;
};

}  // namespace wafersim::wafer
