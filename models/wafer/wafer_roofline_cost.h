#pragma once
// Per-op roofline cost on a wafer: an op runs on the region of cores
// that holds its layer, at that region's share of the wafer's FLOP rate, SRAM
// bandwidth and fabric edge bandwidth; ops that reduce or broadcast across the
// region add the hops of a row multicast plus a column reduction. Layouts:
//  - layer_pipelined: within a stage (one wafer) each layer owns a region of
//    cores proportional to its resident bytes (weights + KV cache); the first op
//    of a layer also pays the hops from the previous layer's region.
//  - auto: each op costs the cheaper of its layer_pipelined region and the whole
//    mesh, so roofline stays a bound under any layout approx may choose
//    (a long prefill is compute on the whole wafer, not on one layer's region).
//  - wafer_parallel: every op uses the whole mesh; no hops between layers.
//  - weight_streaming: as wafer_parallel, but weights arrive through the wafer
//    I/O each step instead of being read from SRAM (the memory wall returns).
// Optimistic by design: no per-core instruction overheads, no pipeline fill, no
// link contention, perfect tiling (the approx engine adds those). Units: seconds.
// One object per step: it caches each stage's regions on first use, so it is not
// shared between threads.

#include <map>
#include <string>
#include <vector>

#include "models/wafer/region_shape.h"
#include "models/wafer/wafer_spec.h"
#include "sim/timing/op_cost.h"

namespace wafersim::wafer {

class WaferRooflineCost final : public OpCostModel {
 public:
  /// `name` appears in messages (the device preset name).
  WaferRooflineCost(std::string name, WaferSpec spec);

  [[nodiscard]] OpCost cost(const Op& op, const OpContext& ctx) const override;

  /// The region `op` runs on (for tests and explain-style output).
  [[nodiscard]] RegionShape region_of(const Op& op, const OpContext& ctx) const;

 private:
  struct LayerRegion {
    int first_op = 0;  ///< first op of the layer within the stage
    int layer = 0;
    Bytes resident{0};
    RegionShape shape;
  };
  using StageLayout = std::vector<LayerRegion>;

  [[nodiscard]] const StageLayout& layout_for(const OpContext& ctx) const;
  /// The op's cost under one layout (`pipelined`: on its layer's region).
  [[nodiscard]] OpCost cost_in(const Op& op, const OpContext& ctx, bool pipelined) const;
  /// Index into the stage layout of the layer `op` belongs to.
  [[nodiscard]] std::size_t layer_index(const StageLayout& layout, const Op& op) const;

  std::string name_;
  WaferSpec spec_;
  WaferMapping mapping_;
  bool best_of_layouts_ = false;  ///< mapping `auto`: per op, the cheaper layout
  RegionShape whole_mesh_;
  mutable std::map<int, StageLayout> layouts_;  ///< keyed by the stage's first op
};

}  // namespace wafersim::wafer
