#include "sim/mapping/batch_capacity.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wafersim {

std::int64_t max_batch_that_fits(const Plan& plan, std::int64_t batch, Bytes capacity_per_device) {
  batch = std::max<std::int64_t>(batch, 1);
  const double cap = static_cast<double>(capacity_per_device.value());
  double best = std::numeric_limits<double>::infinity();
  for (const Stage& st : plan.stages) {
    const double free = cap - static_cast<double>(st.per_device.weights.value());
    if (free < 0) return 0;
    const double per_sequence =
        static_cast<double>((st.per_device.kv_cache + st.per_device.activations).value()) / static_cast<double>(batch);
    if (per_sequence > 0) best = std::min(best, std::floor(free / per_sequence));
  }
  if (!std::isfinite(best)) return batch;
  return static_cast<std::int64_t>(std::min(best, 1e15));
}

}  // namespace wafersim
