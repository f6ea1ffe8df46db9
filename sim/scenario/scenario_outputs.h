#pragma once
// The files a scenario run writes besides the journal: results.csv/json, ops.json,
// resolved.yaml and the chart spec handed to charts/render.py. Pure functions of
// the rows and the spec, so results.csv is the same bytes whatever the thread count
// and whether or not the run was resumed.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sim/report/result_json.h"
#include "sim/scenario/scenario_spec.h"

namespace wafersim {

/// A parameter's text as a JSON number when it is one ("16" → 16), else text.
[[nodiscard]] Json param_value(const std::string& text);

/// A result row: the point's parameters, then every `eval --json` field.
[[nodiscard]] Json make_row(const ScenarioPoint& p, const Json& result);

/// Columns of `rows`, flattened with dots, in first-appearance order, as CSV.
[[nodiscard]] std::string rows_to_csv(const std::vector<Json>& rows);

/// Writes results.csv and results.json (atomically) from the finished rows, in grid order.
void write_results(const std::filesystem::path& dir, const std::vector<std::optional<Json>>& rows);

/// Columns a chart may name: the point parameters and every result field (steps),
/// or the point parameters and the op row fields (ops).
[[nodiscard]] std::vector<std::string> chart_columns(const ScenarioSpec& spec, ChartPoints points);

/// The subtitle of every chart: the fixed parameters ("phase decode · context 4096").
[[nodiscard]] std::string fixed_subtitle(const ScenarioSpec& spec);

/// The charts of `spec` as charts/render.py reads them (without devices).
[[nodiscard]] Json chart_spec_json(const ScenarioSpec& spec);

}  // namespace wafersim
