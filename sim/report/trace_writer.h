#pragma once
// A Chrome/Perfetto trace (JSON "traceEvents") of one step: every op as a complete
// event on the track of its pipeline stage, laid end to end in execution order
// (one micro-batch at a time, as the roofline engine times it). Open it in
// ui.perfetto.dev or chrome://tracing.

#include <string>

#include "sim/report/result_json.h"

namespace wafersim {

[[nodiscard]] Json trace_json(const RunResult& r);

}  // namespace wafersim
