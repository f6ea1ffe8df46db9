#pragma once
// A Chrome/Perfetto trace (JSON "traceEvents") of one step: every op as a complete
// event on its track (OpTiming::track, else its pipeline stage), at the start time
// the engine scheduled it (OpTiming::start_s), else laid end to end in execution
// order. Open it in ui.perfetto.dev or chrome://tracing.

#include <string>

#include "sim/report/result_json.h"

namespace wafersim {

[[nodiscard]] Json trace_json(const RunResult& r);

}  // namespace wafersim
