#include "sim/scenario/scenario_runner.h"

#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "sim/core/text.h"
#include "sim/report/atomic_file.h"
#include "sim/report/chart_renderer.h"
#include "sim/report/trace_writer.h"
#include "sim/scenario/journal.h"

namespace fs = std::filesystem;

namespace wafersim {

struct ScenarioRunner::Prepared {
  ScenarioSpec spec;
  std::vector<ScenarioPoint> points;
  RequestRunner runner;
};

namespace {

/// A parameter's text as a JSON number when it is one ("16" → 16), else text.
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
    if (col == "devices") row["devices_requested"] = param_value(value);
    else if (!result.contains(col)) row[col] = param_value(value);
  }
  for (auto it = result.begin(); it != result.end(); ++it) row[it.key()] = it.value();
  return row;
}

std::string to_csv(const std::vector<Json>& rows) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  std::vector<std::vector<std::pair<std::string, Json>>> flat;
  for (const auto& r : rows) {
    flat.push_back(flatten(r));
    for (const auto& [k, v] : flat.back())
      if (seen.insert(k).second) columns.push_back(k);
  }
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_cell(Json(columns[i]));
  out += "\n";
  for (const auto& f : flat) {
    std::map<std::string, const Json*> byname;
    for (const auto& [k, v] : f) byname[k] = &v;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) out += ",";
      if (auto it = byname.find(columns[i]); it != byname.end()) out += csv_cell(*it->second);
    }
    out += "\n";
  }
  return out;
}

void write_results(const fs::path& dir, const std::vector<std::optional<Json>>& rows) {
  std::vector<Json> done;
  for (const auto& r : rows)
    if (r) done.push_back(*r);
  write_file_atomic(dir / "results.csv", to_csv(done));
  write_file_atomic(dir / "results.json", Json(done).dump(2) + "\n");
}

/// Columns a chart may name: the point parameters and every result field.
std::vector<std::string> known_columns(const ScenarioSpec& spec) {
  ScenarioPoint p;
  for (const auto& c : spec.param_columns()) p.params.emplace_back(c, "");
  std::vector<std::string> cols;
  for (const auto& [k, v] : flatten(make_row(p, result_to_json(RunResult{})))) cols.push_back(k);
  for (const auto& c : spec.param_columns()) cols.push_back(c);
  cols.push_back("time_s");
  cols.push_back("memory_bytes");
  return cols;
}

void check_charts(const ScenarioSpec& spec, Diagnostics& d) {
  const auto cols = known_columns(spec);
  for (const auto& c : spec.charts) {
    auto need = [&](const std::string& key, const std::string& value, bool required) {
      if (value.empty()) {
        if (required)
          d.add(Diagnostic{c.mark.file, c.mark.line, c.mark.column, c.path + "." + key,
                           fmt::format("a {} chart needs '{}'", chart_type_name(c.type), key)});
        return;
      }
      if (std::find(cols.begin(), cols.end(), value) == cols.end())
        d.add(Diagnostic{c.mark.file, c.mark.line, c.mark.column, c.path + "." + key,
                         "unknown column '" + value + "'" + did_you_mean(value, cols) +
                             " (a point parameter or an eval --json field)"});
    };
    const bool xy = c.type == ChartType::Bar || c.type == ChartType::Line || c.type == ChartType::Scatter ||
                    c.type == ChartType::Heatmap;
    need("x", c.x, xy || c.type == ChartType::Breakdown);
    need("y", c.y, xy);
    need("z", c.z, c.type == ChartType::Heatmap);
    need("series", c.series, false);
    need("facet", c.facet, false);
    for (const auto& [col, values] : c.filter) need("filter", col, false);
  }
}

std::string subtitle(const ScenarioSpec& spec) {
  std::string out;
  for (const auto& a : spec.fixed) {
    if (a.key == "system" || a.key == "model") continue;
    out += (out.empty() ? "" : " · ") + a.key + " " + a.values[0].text;
  }
  return out;
}

}  // namespace

ScenarioRunner::ScenarioRunner(const Registry& registry, fs::path config_root)
    : registry_(registry), root_(std::move(config_root)) {}

ScenarioRunner::Prepared ScenarioRunner::prepare(const std::string& scenario,
                                                 const std::vector<Override>& overrides) const {
  ConfigLibrary library(root_);
  std::vector<std::string> kinds = registry_.devices().kinds();
  library.set_device_kinds(kinds);
  ScenarioSpec spec = ScenarioSpec::load(library, scenario);
  std::vector<ScenarioPoint> points = spec.expand(overrides);
  RequestRunner runner(registry_, root_, spec.inline_configs);

  Diagnostics d;
  check_charts(spec, d);
  // Load every distinct configuration once; an override must be used by some point.
  std::map<std::string, int> unused_count;
  std::set<std::string> checked;
  std::size_t distinct = 0;
  for (const auto& p : points) {
    std::string key = p.request.system + "|" + p.request.model + "|" +
                      std::string(phase_name(p.request.options.workload.phase));
    for (const auto& o : p.request.overrides) key += "|" + o.path + "=" + o.value;
    if (!checked.insert(key).second) continue;
    ++distinct;
    try {
      for (const auto& path : runner.check(p.request)) unused_count[path]++;
    } catch (const InputError& e) {
      for (Diagnostic x : e.diagnostics()) {
        // Messages about --system/--model point at the scenario value instead.
        for (const char* opt : {"system", "model", "phase"}) {
          if (x.file.empty() && (x.path == std::string("--") + opt)) {
            const auto it = p.origins.find(opt);
            if (it != p.origins.end()) {
              x.file = it->second.file;
              x.line = it->second.line;
              x.column = it->second.column;
              x.path = it->second.path;
            }
          }
        }
        bool dup = false;
        for (const auto& seen : d.items()) dup = dup || seen.format() == x.format();
        if (!dup) d.add(x);
      }
    }
  }
  for (const auto& [path, count] : unused_count) {
    if (static_cast<std::size_t>(count) < distinct) continue;
    std::string origin;
    for (const auto& o : points.front().request.overrides)
      if (o.path == path) origin = o.origin;
    d.add(Diagnostic{origin, 0, 0, path,
                     "no point uses a config named '" + path.substr(0, path.find('.')) +
                         "' (the path starts with a device, system or model name)"});
  }
  d.throw_if_any();
  return Prepared{std::move(spec), std::move(points), std::move(runner)};
}

void ScenarioRunner::check(const std::string& scenario) const { (void)prepare(scenario, {}); }

ScenarioOutcome ScenarioRunner::run(const std::string& scenario, const RunnerOptions& options) const {
  Prepared prep = prepare(scenario, options.overrides);
  const ScenarioSpec& spec = prep.spec;
  const auto& points = prep.points;

  ScenarioOutcome outcome;
  outcome.dir = options.out_root / spec.name;
  outcome.total = points.size();
  fs::create_directories(outcome.dir);
  Journal journal(outcome.dir / "journal.jsonl", options.resume);

  std::vector<std::optional<Json>> rows(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto it = journal.finished().find(points[i].key());
    if (it != journal.finished().end()) {
      rows[i] = it->second;
      ++outcome.reused;
    }
  }

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{outcome.reused};
  std::mutex mutex;
  auto last_flush = std::chrono::steady_clock::now();
  std::exception_ptr failure;
  auto worker = [&] {
    while (true) {
      if (options.stop != nullptr && options.stop->load()) return;
      const std::size_t i = next++;
      if (i >= points.size()) return;
      if (rows[i]) continue;
      Json row;
      try {
        row = make_row(points[i], result_to_json(prep.runner.run(points[i].request, false)));
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        return;
      }
      journal.append(points[i].key(), row);
      std::lock_guard lock(mutex);
      rows[i] = std::move(row);
      const std::size_t n = ++done;
      if (options.progress) options.progress(n, points.size(), outcome.reused);
      const auto now = std::chrono::steady_clock::now();
      if (now - last_flush > std::chrono::seconds(2)) {
        write_results(outcome.dir, rows);
        last_flush = now;
      }
    }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(points.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (failure) {
    write_results(outcome.dir, rows);
    std::rethrow_exception(failure);
  }

  write_results(outcome.dir, rows);
  for (const auto& r : rows)
    if (r) outcome.rows.push_back(*r);
  outcome.interrupted = outcome.rows.size() < points.size();
  for (const auto& a : spec.grid) outcome.varying.push_back(a.is_override ? "set." + a.key : a.key);

  // resolved.yaml: the scenario as read plus every config it used, fully expanded.
  std::string resolved = fmt::format("# Written by wafersim {} (git {}). Every preset and override expanded.\n",
                                     WAFERSIM_VERSION, WAFERSIM_GIT_HASH);
  resolved += fmt::format("wafersim:\n  version: {}\n  git: {}\npoints: {}\nscenario:\n", WAFERSIM_VERSION,
                          WAFERSIM_GIT_HASH, points.size());
  resolved += spec.node.to_yaml(2);
  resolved += "configs:\n";
  std::set<std::string> written;
  for (const auto& p : points) {
    std::string variant;
    for (const auto& o : p.request.overrides) variant += (variant.empty() ? "" : ", ") + o.path + "=" + o.value;
    for (const auto& cfg : prep.runner.resolved_configs(p.request)) {
      const std::string key = cfg.name + (variant.empty() ? "" : " [" + variant + "]");
      if (!written.insert(key).second) continue;
      ConfigNode node = cfg.node;
      node.insert("kind", ConfigNode::make_scalar(cfg.kind, {}, "kind"));
      resolved += "  \"" + key + "\":\n" + node.to_yaml(4);
    }
  }
  write_file_atomic(outcome.dir / "resolved.yaml", resolved);

  if (spec.trace) {
    fs::create_directories(outcome.dir / "traces");
    for (const auto& p : points) {
      if (!rows[p.index]) continue;
      const RunResult r = prep.runner.run(p.request, false);
      write_file_atomic(outcome.dir / "traces" / fmt::format("{:04d}.json", p.index), trace_json(r).dump() + "\n");
    }
  }

  if (!outcome.interrupted && !spec.charts.empty()) {
    Json charts = Json::array();
    for (const auto& c : spec.charts)
      charts.push_back(Json{{"name", c.name}, {"type", std::string(chart_type_name(c.type))}, {"x", c.x},
                            {"y", c.y}, {"z", c.z}, {"series", c.series.empty() ? Json(nullptr) : Json(c.series)},
                            {"facet", c.facet.empty() ? Json(nullptr) : Json(c.facet)},
                            {"title", c.title}, {"x_label", c.x_label}, {"y_label", c.y_label},
                            {"log_x", c.log_x}, {"log_y", c.log_y}, {"normalize", c.normalize},
                            {"pareto", c.pareto},
                            {"filter", [&c] {
                               Json f = Json::object();
                               for (const auto& [col, values] : c.filter) {
                                 Json vs = Json::array();
                                 for (const auto& v : values) vs.push_back(param_value(v));
                                 f[col] = vs;
                               }
                               return f;
                             }()}});
    Json devices = Json::array();
    std::set<std::string> seen;
    for (const auto& p : points) {
      for (const auto& dev : prep.runner.devices(p.request)) {
        if (!seen.insert(dev->name()).second) continue;
        const auto& s = dev->summary();
        const auto peak = s.peak_flops.get(p.request.options.workload.dtype).value_or(
            s.peak_flops.get(DType::Fp16).value_or(FlopsPerSecond(0)));
        devices.push_back(Json{{"name", dev->name()}, {"peak_flops", peak.value()},
                               {"memory_bandwidth", s.memory_bandwidth.value()}, {"memory_level", s.memory_level}});
      }
    }
    Json chart_spec{{"scenario", spec.name}, {"title", spec.title}, {"subtitle", subtitle(spec)},
                    {"charts", charts}, {"devices", devices}};
    ChartRenderer renderer(root_);
    const std::string err = renderer.render(chart_spec, outcome.dir / "results.json", outcome.dir / "charts");
    if (!err.empty()) throw std::runtime_error(err);
    for (const auto& c : spec.charts) {
      outcome.charts.push_back((outcome.dir / "charts" / (c.name + ".png")).string());
      outcome.charts.push_back((outcome.dir / "charts" / (c.name + ".svg")).string());
    }
  }
  return outcome;
}

}  // namespace wafersim
