#pragma once
// The documented outputs: one table of every `eval --json` field (name, unit,
// meaning, chart label) with the function that reads it from a RunResult. The
// JSON writer, the CSV columns, `wafersim describe results` (and so
// docs/config-reference.md) and the chart labels (charts/render.py reads the
// table from spec.json) are all made from it, as gem5 documents its stats.

#include <functional>
#include <string>
#include <vector>

#include "sim/report/result_json.h"

namespace wafersim {

struct ResultField {
  std::string name;               ///< flattened with dots, as in the CSV header ("time_s.compute")
  std::string unit;               ///< "s", "B", "FLOP/s", "J", "W", "USD", ... ; "" for text, flags and counts
  std::string meaning;            ///< one line for a person
  std::string label;              ///< chart axis label; "" = charts name the column themselves
  bool speculative_only = false;  ///< present only with --speculative
  std::function<Json(const RunResult&)> value;
};

/// Every field, in the order the JSON prints them.
[[nodiscard]] const std::vector<ResultField>& result_fields();

/// The table as JSON: {"fields": [{name, unit, meaning, label, when}], "time_parts": [{key, name, meaning}]}
/// (`describe results --json`; the chart renderer reads it from spec.json).
[[nodiscard]] Json result_fields_json();

}  // namespace wafersim
