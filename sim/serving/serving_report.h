#pragma once
// The files and objects `wafersim serve` writes: the --json object (CONTRACTS.md
// "Serving"), requests.csv (one row per request) and trace.json (a Chrome/Perfetto
// trace of the batches over time, with batch size and KV blocks as counters).

#include <string>

#include "sim/report/result_json.h"
#include "sim/serving/serving_metrics.h"

namespace wafersim::serving {

/// The metric fields of the --json object, in the contract's order.
[[nodiscard]] Json metrics_json(const ServeMetrics& m);
/// The columns a scenario chart may name from a serve point (flattened metric fields).
[[nodiscard]] std::vector<std::string> serve_columns();
[[nodiscard]] std::string requests_csv(const ServeOutcome& o, const Slo& slo);
[[nodiscard]] Json batches_trace(const ServeOutcome& o, const std::vector<std::string>& group_names);

}  // namespace wafersim::serving
