#pragma once
// The parts of the time split, defined once: the TimeBreakdown member each reads,
// the Bound it stands for, its key under `time_s` in the JSON, its short name
// (the `bound` field, `eval`'s time split, `explain`'s bound column) and its
// meaning (text output, chart legends through `describe results`).

#include <array>
#include <string_view>

#include "sim/timing/step_result.h"

namespace wafersim {

/// One resource a step's time is attributed to. Units: seconds (the member).
struct TimePart {
  Bound bound;
  std::string_view key;      ///< under `time_s` ("overhead")
  std::string_view name;     ///< short name, also the `bound` value ("latency")
  std::string_view meaning;  ///< one line for a person ("latency (fixed per-op costs: ...)")
  double TimeBreakdown::*seconds;
};

/// Compute, memory, fabric, interconnect, overhead: the JSON and chart stacking order.
[[nodiscard]] const std::array<TimePart, 5>& time_parts();
[[nodiscard]] const TimePart& time_part(Bound b);

}  // namespace wafersim
