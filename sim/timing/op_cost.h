#pragma once
// The cost of one op on the devices of one pipeline stage, as a device kind's cost
// model computes it. Bandwidth-like terms overlap (the op takes the longest of
// them: the roofline); latency and overhead terms add on top.

#include <string_view>

#include "sim/core/units.h"
#include "sim/mapping/plan.h"

namespace wafersim {

/// The resource that bounds an op or a step (the JSON `bound` field).
enum class Bound { Compute, Memory, Fabric, Interconnect, Latency };
[[nodiscard]] std::string_view bound_name(Bound b);

struct OpCost {
  Seconds compute{0};       ///< FLOPs at the achievable rate
  Seconds memory{0};        ///< bytes from the memory level weights live in (HBM, SRAM)
  Seconds fabric{0};        ///< on-chip network bandwidth (wafer mesh)
  Seconds fabric_latency{0};///< hops × hop latency (reductions, broadcasts)
  Seconds overhead{0};      ///< fixed per-op costs (kernel launch)
};

/// Where one op runs, for the cost model.
struct OpContext {
  const Plan& plan;
  const Stage& stage;
  int tp = 1;
};

/// A device kind's per-op cost at one fidelity.
class OpCostModel {
 public:
  virtual ~OpCostModel() = default;
  [[nodiscard]] virtual OpCost cost(const Op& op, const OpContext& ctx) const = 0;
};

}  // namespace wafersim
