#pragma once
// Closed-form step costs for serving tests: prefill = 10 ms + 20 us per token per
// sequence; decode = 5 ms + 0.1 ms per sequence + 1 ns per token of context per
// sequence; KV transfer = 1 ms + 1 us per token; a speculative step = 8 ms + 0.4 ms per
// sequence + 5 ns per token of context per sequence. Energy 1 J per step (1.5 speculative).

#include "sim/serving/step_time_cache.h"

namespace wafersim::serving::testing {

inline StepCost closed_form(ServeStep kind, std::int64_t batch, std::int64_t tokens) {
  const double b = static_cast<double>(batch), t = static_cast<double>(tokens);
  switch (kind) {
    case ServeStep::Prefill:
      return {0.010 + 20e-6 * t * b, 1.0};
    case ServeStep::Decode:
      return {0.005 + 1e-4 * b + 1e-9 * t * b, 1.0};
    case ServeStep::KvTransfer:
      return {0.001 + 1e-6 * t * b, 0.0};
    case ServeStep::SpeculativeDecode:
      return {0.008 + 4e-4 * b + 5e-9 * t * b, 1.5};
  }
  return {};
}

}  // namespace wafersim::serving::testing
