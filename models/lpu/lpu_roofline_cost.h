#pragma once
// Per-op roofline cost on an LPU stage: each of the stage's `tp` chips does
// its share of the op (all of it when the op is replicated), at the chip's peak
// FLOP rate and SRAM bandwidth, and the two overlap: time = max(F/P, B/W). No
// launch overhead (the compiler schedules every cycle) and no on-chip network term;
// chip-to-chip all-reduces and stage transfers are added by the pipeline engine
// over the group's C2C link. Optimistic: assumes the static schedule keeps the
// matrix units and memory slices busy. Units: seconds.

#include <string>

#include "models/lpu/lpu_spec.h"
#include "sim/timing/op_cost.h"

namespace wafersim::lpu {

class LpuRooflineCost final : public OpCostModel {
 public:
  /// `name` appears in messages (the device preset name).
  LpuRooflineCost(std::string name, LpuSpec spec);

  [[nodiscard]] OpCost cost(const Op& op, const OpContext& ctx) const override;

 private:
  std::string name_;
  LpuSpec spec_;
};

}  // namespace wafersim::lpu
