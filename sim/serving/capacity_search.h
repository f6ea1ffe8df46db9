#pragma once
// `--find-capacity`: the highest request rate whose p99 TTFT and p99 TPOT meet the
// SLO, by bracketing (doubling or halving from a start rate) then bisection to 1%.
// Assumes attainment falls as the rate rises. Units: requests per second.

#include <functional>

#include "sim/serving/serving_metrics.h"

namespace wafersim::serving {

struct CapacityResult {
  double rate = 0;           ///< 0 when even a very low rate misses the SLO
  int runs = 0;              ///< simulations run
  ServeMetrics at_capacity;  ///< the run at `rate` (unset fields when rate = 0)
};

[[nodiscard]] CapacityResult find_capacity(const std::function<ServeMetrics(double rate)>& run, const Slo& slo,
                                           double start_rate);

}  // namespace wafersim::serving
