#pragma once
// The largest batch a plan's devices could hold: weights stay as they are, while the
// KV cache and activation buffers grow in proportion to the batch. Generic:
// it reads only the plan's per-device memory and the capacity per device.

#include <cstdint>

#include "sim/mapping/plan.h"

namespace wafersim {

/// Largest batch B' such that, on every stage, weights + (KV cache + activations)
/// × B' / `batch` fits in `capacity_per_device`. 0 when the weights alone do not fit.
/// A plan with no KV cache and no activations returns `batch` (nothing grows).
[[nodiscard]] std::int64_t max_batch_that_fits(const Plan& plan, std::int64_t batch, Bytes capacity_per_device);

}  // namespace wafersim
