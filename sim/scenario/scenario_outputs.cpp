#include "sim/scenario/scenario_outputs.h"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <set>
#include <unordered_map>

#include "sim/core/build_info.h"
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

namespace {

std::string csv_header(const std::vector<std::string>& columns) {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) out += ',';
    out += csv_cell(Json(columns[i]));
  }
  out += '\n';
  return out;
}

/// One CSV line of `row` under `columns` (index: column → position); cells it lacks stay empty.
void append_csv_line(const Json& row, const std::unordered_map<std::string, std::size_t>& index, std::size_t width,
                     std::string& out) {
  std::vector<std::string> cells(width);
  for (const auto& [k, v] : flatten(row)) {
    const auto it = index.find(k);
    if (it != index.end()) cells[it->second] = csv_cell(v);
  }
  for (std::size_t i = 0; i < width; ++i) {
    if (i) out += ',';
    out += cells[i];
  }
  out += '\n';
}

std::vector<std::string> columns_of(const std::vector<Json>& rows) {
  std::vector<std::string> columns;
  std::unordered_map<std::string, std::size_t> seen;
  for (const auto& r : rows)
    for (const auto& [k, v] : flatten(r))
      if (seen.emplace(k, columns.size()).second) columns.push_back(k);
  return columns;
}

std::unordered_map<std::string, std::size_t> index_of(const std::vector<std::string>& columns) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < columns.size(); ++i) index.emplace(columns[i], i);
  return index;
}

}  // namespace

std::string rows_to_csv(const std::vector<Json>& rows) {
  const auto columns = columns_of(rows);
  const auto index = index_of(columns);
  std::string out = csv_header(columns);
  for (const auto& r : rows) append_csv_line(r, index, columns.size(), out);
  return out;
}

void JsonArrayWriter::add(const Json& element) {
  // dump(1) of an array puts each element one space in: indent every line of the element's own dump(1).
  std::string text = element.dump(1);
  std::string piece = count_++ ? ",\n " : "[\n ";
  piece.reserve(text.size() + text.size() / 16 + 4);
  for (const char c : text) {
    piece += c;
    if (c == '\n') piece += ' ';
  }
  file_.write(piece);
}

void JsonArrayWriter::commit() {
  file_.write(count_ ? "\n]\n" : "[]\n");
  file_.commit();
}

ResultsWriter::ResultsWriter(const std::filesystem::path& dir, std::vector<std::string> columns)
    : columns_(std::move(columns)), index_(index_of(columns_)), csv_(dir / "results.csv"), json_(dir / "results.json") {
  csv_.write(csv_header(columns_));
}

void ResultsWriter::add(const Json& row) {
  line_.clear();
  append_csv_line(row, index_, columns_.size(), line_);
  csv_.write(line_);
  json_.add(row);
}

void ResultsWriter::commit() {
  csv_.commit();
  json_.commit();
}

void write_results(const std::filesystem::path& dir, const std::vector<std::optional<Json>>& rows) {
  std::vector<Json> done;
  done.reserve(rows.size());
  for (const auto& r : rows)
    if (r) done.push_back(*r);
  ResultsWriter out(dir, columns_of(done));
  for (const auto& r : done) out.add(r);
  out.commit();
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

/// Op rows of one point (`points: ops` charts): the point's columns, then the op fields.
Json op_rows_json(const ScenarioPoint& p, const Json& row, const RunResult& r) {
  Json base;
  for (const auto& [col, value] : p.params) {
    const std::string name = col == "devices" ? "devices_requested" : col;
    base[name] = row.contains(name) ? row[name] : param_value(value);
  }
  for (const char* k : {"system", "model", "phase", "dtype", "batch", "devices"}) base[k] = row.value(k, Json(nullptr));
  Json out = Json::array();
  for (const auto& op : op_rows(r, false)) {
    Json j = base;
    const Json fields = op_row_json(op, r);
    for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
    out.push_back(std::move(j));
  }
  return out;
}

std::string request_key(const EvalRequest& r) {
  std::string key = r.system + "|" + r.model;
  for (const auto& o : r.overrides) key += "|" + o.path + "=" + o.value;
  return key;
}

std::string variant_key(const EvalRequest& r) {
  return request_key(r) + "|" + std::string(dtype_name(r.options.workload.dtype));
}

/// resolved.yaml: the scenario as read plus every config it used, fully expanded.
std::string resolved_yaml(const ScenarioSpec& spec, std::size_t points, const std::vector<EvalRequest>& variants,
                          const RequestRunner& runner) {
  std::string out = fmt::format("# Written by wafersim {} (git {}). Every preset and override expanded.\n",
                                build_version(), build_git_hash());
  out += fmt::format("wafersim:\n  version: {}\n  git: {}\npoints: {}\nscenario:\n", build_version(), build_git_hash(),
                     points);
  out += spec.node.to_yaml(2);
  out += "configs:\n";
  std::set<std::string> requests, written;
  for (const auto& request : variants) {
    if (!requests.insert(request_key(request)).second) continue;
    std::string variant;
    for (const auto& o : request.overrides) variant += (variant.empty() ? "" : ", ") + o.path + "=" + o.value;
    for (const auto& cfg : runner.resolved_configs(request)) {
      const std::string key = cfg.name + (variant.empty() ? "" : " [" + variant + "]");
      if (!written.insert(key).second) continue;
      ConfigNode node = cfg.node;
      node.insert("kind", ConfigNode::make_scalar(cfg.kind, {}, "kind"));
      out += "  \"" + key + "\":\n" + node.to_yaml(4);
    }
  }
  return out;
}

/// Roofs for roofline charts: every device the points use, with its peak at the point's dtype.
Json chart_devices(const std::vector<EvalRequest>& variants, const RequestRunner& runner) {
  Json devices = Json::array();
  std::set<std::string> requests, seen;
  for (const auto& request : variants) {
    if (!requests.insert(variant_key(request)).second) continue;
    for (const auto& dev : runner.devices(request)) {
      const auto& s = dev->summary();
      const auto peak = s.peak_flops.get(request.options.workload.dtype)
                            .value_or(s.peak_flops.get(DType::Fp16).value_or(FlopsPerSecond(0)));
      const std::string id = dev->name() + "|" + std::to_string(peak.value());
      if (!seen.insert(id).second) {
        for (auto& d : devices)
          if (d["id"] == id &&
              std::find(d["systems"].begin(), d["systems"].end(), Json(request.system)) == d["systems"].end())
            d["systems"].push_back(request.system);
        continue;
      }
      devices.push_back(Json{{"id", id},
                             {"name", dev->name()},
                             {"peak_flops", peak.value()},
                             {"memory_bandwidth", s.memory_bandwidth.value()},
                             {"memory_level", s.memory_level},
                             {"systems", Json::array({request.system})}});
    }
  }
  return devices;
}

}  // namespace wafersim
