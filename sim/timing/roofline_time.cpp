#include "sim/timing/roofline_time.h"

#include <algorithm>

namespace wafersim {

RooflineTime roofline_time(const OpCost& c, double remote_weights_s) {
  RooflineTime t;
  const double bw = std::max({c.compute.value(), c.memory.value(), c.fabric.value(), remote_weights_s});
  t.bandwidth_s = bw;
  t.fixed_s = c.fabric_latency.value() + c.overhead.value() + c.interconnect.value();
  if (c.compute.value() >= bw)
    t.bandwidth_bound = Bound::Compute;
  else if (c.memory.value() >= bw)
    t.bandwidth_bound = Bound::Memory;
  else if (remote_weights_s >= bw)
    t.bandwidth_bound = Bound::Interconnect;
  else
    t.bandwidth_bound = Bound::Fabric;
  t.bound = t.bandwidth_bound;
  if (t.fixed_s > bw) {
    const double most = std::max({c.fabric_latency.value(), c.overhead.value(), c.interconnect.value()});
    t.bound = most == c.interconnect.value()     ? Bound::Interconnect
              : most == c.fabric_latency.value() ? Bound::Fabric
                                                 : Bound::Latency;
  }
  return t;
}

}  // namespace wafersim
