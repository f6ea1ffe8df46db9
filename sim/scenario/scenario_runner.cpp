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
#include "sim/report/op_table.h"
#include "sim/scenario/journal.h"
#include "sim/scenario/mpi_pool.h"
#include "sim/scenario/point_pool.h"
#include "sim/scenario/shard_merge.h"
#include "sim/scenario/scenario_outputs.h"
#include "sim/scenario/serve_point.h"
#include "sim/core/build_info.h"

namespace fs = std::filesystem;

namespace wafersim {

struct ScenarioRunner::Prepared {
  ScenarioSpec spec;
  std::vector<ScenarioPoint> points;
  RequestRunner runner;
};

namespace {

void check_charts(const ScenarioSpec& spec, Diagnostics& d) {
  const auto step_cols = chart_columns(spec, ChartPoints::Steps);
  const auto op_cols = chart_columns(spec, ChartPoints::Ops);
  for (const auto& c : spec.charts) {
    const auto& cols = c.points == ChartPoints::Ops ? op_cols : step_cols;
    auto need = [&](const std::string& key, const std::string& value, bool required) {
      if (value.empty()) {
        if (required)
          d.add(Diagnostic{c.mark.file, c.mark.line, c.mark.column, c.path + "." + key,
                           fmt::format("a {} chart needs '{}'", chart_type_name(c.type), key)});
        return;
      }
      if (std::find(cols.begin(), cols.end(), value) == cols.end())
        d.add(
            Diagnostic{c.mark.file, c.mark.line, c.mark.column, c.path + "." + key,
                       "unknown column '" + value + "'" + did_you_mean(value, cols) +
                           (c.points == ChartPoints::Ops ? " (a point parameter or an op field: op, kind, time_s, "
                                                           "flops, bytes, arithmetic_intensity, achieved_flops, bound)"
                                                         : " (a point parameter or an eval --json field)")});
    };
    const bool xy = c.type == ChartType::Bar || c.type == ChartType::Line || c.type == ChartType::Scatter ||
                    c.type == ChartType::Heatmap || c.type == ChartType::SloAttainment ||
                    c.type == ChartType::Capacity || c.type == ChartType::CostAtSlo;
    need("x", c.x, xy || c.type == ChartType::Breakdown || c.type == ChartType::LatencyLoad);
    need("y", c.y, xy);
    need("z", c.z, c.type == ChartType::Heatmap);
    need("series", c.series, false);
    need("facet", c.facet, false);
    need("label", c.label, false);
    if (c.points == ChartPoints::Ops && c.type != ChartType::Roofline && c.type != ChartType::Scatter &&
        c.type != ChartType::Bar)
      d.add(Diagnostic{c.mark.file, c.mark.line, c.mark.column, c.path + ".points",
                       "points: ops works with roofline, scatter and bar charts"});
    for (const auto& [col, values] : c.filter) need("filter", col, false);
  }
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
    std::string key =
        p.request.system + "|" + p.request.model + "|" + std::string(phase_name(p.request.options.workload.phase));
    if (p.request.options.fidelity) key += "|" + std::string(fidelity_name(*p.request.options.fidelity));
    for (const auto& o : p.request.overrides) key += "|" + o.path + "=" + o.value;
    if (!checked.insert(key).second) continue;
    ++distinct;
    try {
      for (const auto& path : runner.check(p.request)) unused_count[path]++;
    } catch (const InputError& e) {
      for (Diagnostic x : e.diagnostics()) {
        // Messages about --system/--model point at the scenario value instead.
        for (const char* opt : {"system", "model", "phase", "fidelity"}) {
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

namespace {

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

/// resolved.yaml: the scenario as read plus every config it used, fully expanded.
std::string resolved_yaml(const ScenarioSpec& spec, const std::vector<ScenarioPoint>& points,
                          const RequestRunner& runner) {
  std::string out = fmt::format("# Written by wafersim {} (git {}). Every preset and override expanded.\n",
                                build_version(), build_git_hash());
  out += fmt::format("wafersim:\n  version: {}\n  git: {}\npoints: {}\nscenario:\n", build_version(), build_git_hash(),
                     points.size());
  out += spec.node.to_yaml(2);
  out += "configs:\n";
  std::set<std::string> requests, written;
  for (const auto& p : points) {
    if (!requests.insert(request_key(p.request)).second) continue;
    std::string variant;
    for (const auto& o : p.request.overrides) variant += (variant.empty() ? "" : ", ") + o.path + "=" + o.value;
    for (const auto& cfg : runner.resolved_configs(p.request)) {
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
Json chart_devices(const std::vector<ScenarioPoint>& points, const RequestRunner& runner) {
  Json devices = Json::array();
  std::set<std::string> requests, seen;
  for (const auto& p : points) {
    if (!requests.insert(request_key(p.request) + "|" + std::string(dtype_name(p.request.options.workload.dtype)))
             .second)
      continue;
    for (const auto& dev : runner.devices(p.request)) {
      const auto& s = dev->summary();
      const auto peak = s.peak_flops.get(p.request.options.workload.dtype)
                            .value_or(s.peak_flops.get(DType::Fp16).value_or(FlopsPerSecond(0)));
      const std::string id = dev->name() + "|" + std::to_string(peak.value());
      if (!seen.insert(id).second) {
        for (auto& d : devices)
          if (d["id"] == id &&
              std::find(d["systems"].begin(), d["systems"].end(), Json(p.request.system)) == d["systems"].end())
            d["systems"].push_back(p.request.system);
        continue;
      }
      devices.push_back(Json{{"id", id},
                             {"name", dev->name()},
                             {"peak_flops", peak.value()},
                             {"memory_bandwidth", s.memory_bandwidth.value()},
                             {"memory_level", s.memory_level},
                             {"systems", Json::array({p.request.system})}});
    }
  }
  return devices;
}

}  // namespace

ScenarioOutcome ScenarioRunner::run(const std::string& scenario, const RunnerOptions& options) const {
  // Rank 0 of an MPI run releases the other ranks however this ends (mpi_pool.h).
  const bool mpi_worker = options.mpi != nullptr && options.mpi->rank() > 0;
  std::optional<MpiPointPool> pool;
  if (options.mpi != nullptr && !mpi_worker) pool.emplace(*options.mpi);
  Prepared prep = [&] {
    try {
      return prepare(scenario, options.overrides);
    } catch (const InputError& e) {
      std::string what;
      for (const auto& d : e.diagnostics()) what += (what.empty() ? "" : "; ") + d.format();
      if (mpi_worker) mpi_report_failure(*options.mpi, what);
      throw;
    } catch (const std::exception& e) {
      if (mpi_worker) mpi_report_failure(*options.mpi, e.what());
      throw;
    }
  }();
  const ScenarioSpec& spec = prep.spec;
  const auto& points = prep.points;
  const bool wants_ops = std::any_of(spec.charts.begin(), spec.charts.end(),
                                     [](const ChartSpec& c) { return c.points == ChartPoints::Ops; });

  PointWork work;
  work.stop = options.stop;
  work.evaluate = [&](std::size_t i) {
    const auto start = std::chrono::steady_clock::now();
    PointOutput out;
    if (points[i].request.serve) {  // phase: serve points (sim/serving)
      const auto& req = points[i].request;
      out.row = make_row(points[i], run_serve(prep.runner, req, req.serve_options, false).json);
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return out;
    }
    const RunResult r = prep.runner.run(points[i].request, false);
    out.row = make_row(points[i], result_to_json(r));
    if (wants_ops) out.ops = op_rows_json(points[i], out.row, r);
    if (spec.trace && r.fits) out.trace = trace_json(r).dump() + "\n";
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  };
  if (mpi_worker) {
    mpi_serve_points(*options.mpi, options.jobs, work);
    ScenarioOutcome outcome;
    outcome.worker = true;
    return outcome;
  }

  const std::optional<ShardSpec>& shard = options.shard;
  auto mine = [&](std::size_t i) { return !shard || shard->holds(i); };
  ScenarioOutcome outcome;
  outcome.shard = shard;
  outcome.dir = options.out_root / spec.name;
  if (shard) outcome.dir = outcome.dir / "shards" / shard->dir_name();
  outcome.total = shard ? shard->size_of(points.size()) : points.size();
  fs::create_directories(outcome.dir);
  if (shard) fs::remove(outcome.dir / "shard.json");  // an earlier run's: until this one ends, the shard is unfinished
  if (spec.trace) fs::create_directories(outcome.dir / "traces");
  const int digits = std::max<int>(4, static_cast<int>(std::to_string(points.size() ? points.size() - 1 : 0).size()));
  auto trace_path = [&](std::size_t i) { return outcome.dir / "traces" / fmt::format("{:0{}d}.json", i, digits); };
  Journal journal(outcome.dir / "journal.jsonl", options.resume);

  // Points an earlier run finished; one whose trace or op rows are missing runs again.
  std::vector<std::optional<Json>> rows(points.size());
  std::vector<Json> ops(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!mine(i)) continue;
    auto it = journal.finished().find(points[i].key());
    if (it == journal.finished().end()) continue;
    const Journal::Entry& e = it->second;
    if (wants_ops && e.ops.is_null()) continue;
    std::error_code ec;
    if (spec.trace && e.row.value("fits", false) && !fs::exists(trace_path(i), ec)) continue;
    rows[i] = e.row;
    ops[i] = e.ops;
    ++outcome.reused;
  }

  // Evaluate points that share a step graph (same model and workload, other
  // system or hardware override) one after another, so the graph cache hits;
  // rows still land at their grid index.
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto workload_key = [&](std::size_t i) {
    std::string k = points[i].request.model;
    for (const auto& [col, value] : points[i].params)
      if (col != "system" && col != "model" && col.rfind("set.", 0) != 0) k += "|" + value;
    return k;
  };
  std::vector<std::string> keys(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) keys[i] = workload_key(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  std::vector<std::size_t> pending;
  for (const std::size_t i : order)
    if (mine(i) && !rows[i]) pending.push_back(i);

  std::atomic<std::size_t> done{outcome.reused};
  std::mutex mutex;
  auto last_flush = std::chrono::steady_clock::now();
  work.record = [&](std::size_t i, PointOutput&& out) {
    // The trace lands before the journal line: a journaled point has its trace.
    if (!out.trace.empty()) write_file_atomic(trace_path(i), out.trace);
    journal.append(points[i].key(), out.row, out.ops);
    std::lock_guard lock(mutex);
    rows[i] = std::move(out.row);
    ops[i] = std::move(out.ops);
    const std::size_t n = ++done;
    if (options.progress) options.progress(n, outcome.total, outcome.reused);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush > std::chrono::seconds(5)) {
      write_results(outcome.dir, rows);
      last_flush = now;
    }
  };
  const std::exception_ptr failure =
      pool ? pool->run(pending, options.jobs, work) : run_points_locally(pending, options.jobs, work);
  write_results(outcome.dir, rows);
  if (failure) std::rethrow_exception(failure);

  for (const auto& r : rows)
    if (r) outcome.rows.push_back(*r);
  outcome.interrupted = outcome.rows.size() < outcome.total;
  for (const auto& a : spec.grid) outcome.varying.push_back(a.is_override ? "set." + a.key : a.key);
  if (wants_ops) {
    Json all = Json::array();
    for (std::size_t i = 0; i < points.size(); ++i)
      if (rows[i] && ops[i].is_array())
        for (const auto& o : ops[i]) all.push_back(o);
    write_file_atomic(outcome.dir / "ops.json", all.dump(1) + "\n");
  }
  // The whole scenario's, in a shard too: `merge` checks the shards agree on it.
  write_file_atomic(outcome.dir / "resolved.yaml", resolved_yaml(spec, points, prep.runner));
  auto full_chart_spec = [&] {
    Json chart_spec = chart_spec_json(spec);
    chart_spec["devices"] = chart_devices(points, prep.runner);
    return chart_spec;
  };

  if (shard) {
    ShardManifest m;
    m.scenario = spec.name;
    m.source = scenario;
    m.wafersim = fmt::format("{} (git {})", build_version(), build_git_hash());
    m.shard = *shard;
    m.grid_points = points.size();
    m.points = outcome.total;
    m.done = outcome.rows.size();
    m.complete = !outcome.interrupted;
    m.ops = wants_ops;
    m.trace = spec.trace;
    m.varying = outcome.varying;
    std::vector<Json> shard_ops;
    if (wants_ops)
      for (std::size_t i = 0; i < points.size(); ++i)
        if (rows[i]) shard_ops.push_back(ops[i]);
    write_shard_files(outcome.dir, m, spec.charts.empty() ? Json(nullptr) : full_chart_spec(), shard_ops);
    return outcome;
  }
  if (!outcome.interrupted && !spec.charts.empty()) {
    Json chart_spec = full_chart_spec();
    if (wants_ops) chart_spec["ops_results"] = (outcome.dir / "ops.json").string();
    outcome.charts = render_charts(root_, chart_spec, outcome.dir);
  }
  return outcome;
}

}  // namespace wafersim
