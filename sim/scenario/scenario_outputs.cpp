#include "sim/scenario/scenario_outputs.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include "sim/report/atomic_file.h"
#include "sim/report/op_table.h"
#include "sim/serving/serving_report.h"

namespace wafersim {

Json param_value(const std::string& text) {
  if (text.empty()) return text;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return text;
  if (text.find_first_of(".eE") == std::string::npos && std::abs(v) < 9e15) return static_cast<std::int64_t>(v);
  return v;
}

Json make_row(const ScenarioPoint& p, const Json& result) {
  Json row;
  for (const auto& [col, value] : p.params) {
    if (col == "devices")
      row["devices_requested"] = param_value(value);
    else if (!result.contains(col))
      row[col] = param_value(value);
  }
  for (auto it = result.begin(); it != result.end(); ++it) row[it.key()] = it.value();
  return row;
}

std::string rows_to_csv(const std::vector<Json>& rows) {
  std::vector<std::string> columns;
  std::unordered_map<std::string, std::size_t> column_index;
  std::vector<std::vector<std::pair<std::string, Json>>> flat;
  flat.reserve(rows.size());
  for (const auto& r : rows) {
    flat.push_back(flatten(r));
    for (const auto& [k, v] : flat.back())
      if (column_index.emplace(k, columns.size()).second) columns.push_back(k);
  }
  std::string out;
  out.reserve(rows.size() * 512);
  for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_cell(Json(columns[i]));
  out += "\n";
  std::vector<const Json*> cells(columns.size());
  for (const auto& f : flat) {
    std::fill(cells.begin(), cells.end(), nullptr);
    for (const auto& [k, v] : f) cells[column_index.at(k)] = &v;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) out += ',';
      if (cells[i] != nullptr) out += csv_cell(*cells[i]);
    }
    out += '\n';
  }
  return out;
}

void write_results(const std::filesystem::path& dir, const std::vector<std::optional<Json>>& rows) {
  std::vector<Json> done;
  done.reserve(rows.size());
  for (const auto& r : rows)
    if (r) done.push_back(*r);
  write_file_atomic(dir / "results.csv", rows_to_csv(done));
  write_file_atomic(dir / "results.json", Json(std::move(done)).dump(1) + "\n");
}

std::vector<std::string> chart_columns(const ScenarioSpec& spec, ChartPoints points) {
  ScenarioPoint p;
  for (const auto& c : spec.param_columns()) p.params.emplace_back(c, "");
  std::vector<std::string> cols;
  if (points == ChartPoints::Steps) {
    RunResult every;  // a result with every optional object, so charts may name their columns
    every.speculative = SpeculativeResult{};
    for (const auto& [k, v] : flatten(make_row(p, result_to_json(every)))) cols.push_back(k);
    cols.push_back("time_s");
    cols.push_back("memory_bytes");
    for (const auto& c : serving::serve_columns()) cols.push_back(c);  // phase: serve points
    for (const char* c :
         {"scheduler", "fits", "cost_per_million_tokens", "kv_capacity_bytes", "capacity_requests_per_s",
          "capacity_tokens_per_s", "capacity_users", "capacity_cost_per_million_tokens"})
      cols.push_back(c);
  } else {
    for (const auto& [k, v] : flatten(op_row_json(OpRow{}, RunResult{}))) cols.push_back(k);
    for (const char* k : {"system", "model", "phase", "dtype", "batch", "devices"}) cols.push_back(k);
  }
  for (const auto& c : spec.param_columns()) cols.push_back(c);
  return cols;
}

std::string fixed_subtitle(const ScenarioSpec& spec) {
  std::string out;
  for (const auto& a : spec.fixed) {
    if (!a.is_override && (a.key == "system" || a.key == "model")) continue;
    out += (out.empty() ? "" : " · ") + a.key + " " + a.values[0].text;
  }
  return out;
}

Json chart_spec_json(const ScenarioSpec& spec) {
  Json charts = Json::array();
  for (const auto& c : spec.charts) {
    Json f = Json::object();
    for (const auto& [col, values] : c.filter) {
      Json vs = Json::array();
      for (const auto& v : values) vs.push_back(param_value(v));
      f[col] = vs;
    }
    auto opt = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
    charts.push_back(Json{{"name", c.name},
                          {"type", std::string(chart_type_name(c.type))},
                          {"points", c.points == ChartPoints::Ops ? "ops" : "steps"},
                          {"x", c.x},
                          {"y", c.y},
                          {"z", c.z},
                          {"series", opt(c.series)},
                          {"facet", opt(c.facet)},
                          {"label", opt(c.label)},
                          {"title", c.title},
                          {"x_label", c.x_label},
                          {"y_label", c.y_label},
                          {"log_x", c.log_x},
                          {"log_y", c.log_y},
                          {"normalize", c.normalize},
                          {"pareto", c.pareto},
                          {"filter", f}});
  }
  return Json{{"scenario", spec.name}, {"title", spec.title}, {"subtitle", fixed_subtitle(spec)}, {"charts", charts}};
}

}  // namespace wafersim
