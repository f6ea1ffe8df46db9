#include "sim/timing/time_parts.h"

namespace wafersim {

const std::array<TimePart, 5>& time_parts() {
  static const std::array<TimePart, 5> parts{{
      {Bound::Compute, "compute", "compute", "compute (matrix math on the cores)", &TimeBreakdown::compute},
      {Bound::Memory, "memory", "memory", "memory (HBM/SRAM reads: weights, KV cache)", &TimeBreakdown::memory},
      {Bound::Fabric, "fabric", "fabric", "fabric (on-chip network)", &TimeBreakdown::fabric},
      {Bound::Interconnect, "interconnect", "interconnect", "interconnect (links between devices)",
       &TimeBreakdown::interconnect},
      {Bound::Latency, "overhead", "latency", "latency (fixed per-op costs: launches, hops, synchronisation)",
       &TimeBreakdown::overhead},
  }};
  return parts;
}

const TimePart& time_part(Bound b) {
  for (const TimePart& p : time_parts())
    if (p.bound == b) return p;
  return time_parts().front();
}

}  // namespace wafersim
