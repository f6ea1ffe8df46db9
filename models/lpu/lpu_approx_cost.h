#pragma once
// Per-op cost on an LPU stage at `approx` fidelity (A-90..A-94). The chip is
// software-scheduled: memory streams, the matrix unit (MXM) and the vector unit
// overlap by construction and there is no launch overhead. Per op, on each of the
// stage's `tp` chips:
//   - matrix ops (MatMul, Attention) run on the MXM at the chip's rate for the
//     dtype, with K and N padded to multiples of the mxm_dim × mxm_dim array;
//   - other ops (norms, softmax, elementwise, embedding) run on the vector ALUs at
//     vector_alus × clock;
//   - the op's bytes stream from SRAM at the on-chip bandwidth;
//   - the op waits stream_latency_cycles for its input stream to arrive (pipeline
//     fill; on-chip, reported as fabric latency).
// Chip-to-chip hand-offs, all-reduces, the token's return and micro-batching are
// LpuStepModel's (A-270..A-275). Left out: the stream-register file's
// layout (superlanes, slices), instruction issue, and contention between streams.
// Fills OpCost::traffic with FLOPs, SRAM bytes and the C2C bytes it timed.
// Units: seconds.

#include <string>

#include "models/lpu/lpu_spec.h"
#include "sim/timing/op_cost.h"

namespace wafersim::lpu {

class LpuApproxCost final : public OpCostModel {
 public:
  /// `name` appears in messages (the device preset name).
  LpuApproxCost(std::string name, LpuSpec spec);

  [[nodiscard]] OpCost cost(const Op& op, const OpContext& ctx) const override;

  /// Fraction of MXM work that is useful for a (k × n) weight: k·n over both padded
  /// to multiples of mxm_dim. 1 for ops without a shape.
  [[nodiscard]] double mxm_efficiency(const Op& op) const;

 private:
  std::string name_;
  LpuSpec spec_;
};

}  // namespace wafersim::lpu
