#pragma once
// The files a scenario run writes besides the journal: results.csv/json, ops.json,
// resolved.yaml and the chart spec handed to charts/render.py. Pure functions of
// the rows and the spec, so results.csv is the same bytes whatever the thread count
// and whether or not the run was resumed.

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/report/atomic_file.h"
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

/// A JSON array written one element at a time: the same bytes as `Json(array).dump(1) + "\n"`.
class JsonArrayWriter {
 public:
  explicit JsonArrayWriter(const std::filesystem::path& path) : file_(path) {}
  void add(const Json& element);
  void commit();

 private:
  AtomicFileStream file_;
  std::size_t count_ = 0;
};

/// results.csv and results.json written one row at a time, in grid order, so a big
/// sweep's rows never sit in memory together; `columns` is the CSV header.
class ResultsWriter {
 public:
  ResultsWriter(const std::filesystem::path& dir, std::vector<std::string> columns);
  void add(const Json& row);
  void commit();

 private:
  std::vector<std::string> columns_;
  std::unordered_map<std::string, std::size_t> index_;
  AtomicFileStream csv_;
  JsonArrayWriter json_;
  std::string line_;
};

/// Columns a chart may name: the point parameters and every result field (steps),
/// or the point parameters and the op row fields (ops).
[[nodiscard]] std::vector<std::string> chart_columns(const ScenarioSpec& spec, ChartPoints points);

/// The subtitle of every chart: the fixed parameters ("phase decode · context 4096").
[[nodiscard]] std::string fixed_subtitle(const ScenarioSpec& spec);

/// The charts of `spec` as charts/render.py reads them (without devices).
[[nodiscard]] Json chart_spec_json(const ScenarioSpec& spec);

/// Op rows of one point (`points: ops` charts): the point's columns, then the op fields.
[[nodiscard]] Json op_rows_json(const ScenarioPoint& p, const Json& row, const RunResult& r);

/// A request's system, model and overrides: points that load the same configs.
[[nodiscard]] std::string request_key(const EvalRequest& r);
/// The same and the dtype: points that see the same device peaks.
[[nodiscard]] std::string variant_key(const EvalRequest& r);

/// resolved.yaml: the scenario as read plus every config its `variants` (one request per
/// variant_key, in grid order) used, fully expanded.
[[nodiscard]] std::string resolved_yaml(const ScenarioSpec& spec, std::size_t points,
                                        const std::vector<EvalRequest>& variants, const RequestRunner& runner);

/// Roofs for roofline charts: every device the variants use, with its peak at the variant's dtype.
[[nodiscard]] Json chart_devices(const std::vector<EvalRequest>& variants, const RequestRunner& runner);

}  // namespace wafersim
