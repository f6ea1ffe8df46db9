#pragma once
// The roofline rule, written once for every per-op cost model and the generic
// pipeline engine: an op takes the longest of its bandwidth-limited parts
// (compute, memory, fabric, weights streamed over a link from another group) plus
// its fixed costs (hop latency, launch overhead, link time inside the op), A-15.
// Units: seconds.

#include "sim/timing/op_cost.h"

namespace wafersim {

struct RooflineTime {
  double bandwidth_s = 0;                  ///< the longest bandwidth-limited part (they overlap)
  double fixed_s = 0;                      ///< fixed costs, added after it
  Bound bandwidth_bound = Bound::Compute;  ///< the part that set bandwidth_s
  Bound bound = Bound::Compute;            ///< the op's bound: the largest fixed cost when they outweigh it
  [[nodiscard]] double total_s() const { return bandwidth_s + fixed_s; }
};

/// `remote_weights_s`: weights held by another group, streamed over the link while the op runs.
[[nodiscard]] RooflineTime roofline_time(const OpCost& c, double remote_weights_s = 0);

}  // namespace wafersim
