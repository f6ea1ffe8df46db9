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
#include "sim/scenario/sweep_results.h"
#include "sim/scenario/scenario_outputs.h"
#include "sim/scenario/serve_point.h"
#include "sim/core/build_info.h"

namespace fs = std::filesystem;

namespace wafersim {

struct ScenarioRunner::Prepared {
  ScenarioSpec spec;
  std::vector<Override> overrides;  ///< command-line `--set`, applied to every point
  std::size_t points = 0;
  std::vector<EvalRequest> variants;     ///< one request per variant_key, in grid order
  std::vector<std::uint64_t> workloads;  ///< per point: a hash of its model and workload (cache order)
  RequestRunner runner;
  [[nodiscard]] ScenarioPoint point(std::size_t i) const { return spec.point(i, overrides); }
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

/// Evaluation order: points that share a step graph (same model and workload, other
/// system or hardware override) hash alike and run one after another, so the graph cache hits.
std::uint64_t workload_hash(const ScenarioPoint& p) {
  std::string k = p.request.model;
  for (const auto& [col, value] : p.params)
    if (col != "system" && col != "model" && col.rfind("set.", 0) != 0) k += "|" + value;
  return std::hash<std::string>{}(k);
}

/// Adds the diagnostics of a point's configs; messages about --system/--model point at the scenario value instead.
void add_located(const InputError& e, const ScenarioPoint& p, Diagnostics& d) {
  for (Diagnostic x : e.diagnostics()) {
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

}  // namespace

ScenarioRunner::ScenarioRunner(const Registry& registry, fs::path config_root)
    : registry_(registry), root_(std::move(config_root)) {}

ScenarioRunner::Prepared ScenarioRunner::prepare(const std::string& scenario,
                                                 const std::vector<Override>& overrides) const {
  ConfigLibrary library(root_);
  std::vector<std::string> kinds = registry_.devices().kinds();
  library.set_device_kinds(kinds);
  ScenarioSpec spec = ScenarioSpec::load(library, scenario);
  RequestRunner runner(registry_, root_, spec.inline_configs);
  Prepared prep{std::move(spec), overrides, 0, {}, {}, std::move(runner)};
  prep.points = prep.spec.point_count();
  prep.workloads.resize(prep.points);

  Diagnostics d;
  check_charts(prep.spec, d);
  // Load every distinct configuration once; an override must be used by some point.
  // Points are built one at a time, so a big grid is never held whole.
  std::map<std::string, int> unused_count;
  std::set<std::string> checked, variants;
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < prep.points; ++i) {
    const ScenarioPoint p = prep.point(i);
    prep.workloads[i] = workload_hash(p);
    if (variants.insert(variant_key(p.request)).second) prep.variants.push_back(p.request);
    std::string key =
        p.request.system + "|" + p.request.model + "|" + std::string(phase_name(p.request.options.workload.phase));
    if (p.request.options.fidelity) key += fmt::format("|{}", fidelity_name(*p.request.options.fidelity));
    for (const auto& o : p.request.overrides) key += "|" + o.path + "=" + o.value;
    if (!checked.insert(key).second) continue;
    ++distinct;
    try {
      for (const auto& path : prep.runner.check(p.request)) unused_count[path]++;
    } catch (const InputError& e) {
      add_located(e, p, d);
    }
  }
  for (const auto& [path, count] : unused_count) {
    if (static_cast<std::size_t>(count) < distinct) continue;
    std::string origin;
    for (const auto& o : prep.point(0).request.overrides)
      if (o.path == path) origin = o.origin;
    d.add(Diagnostic{origin, 0, 0, path,
                     "no point uses a config named '" + path.substr(0, path.find('.')) +
                         "' (the path starts with a device, system or model name)"});
  }
  d.throw_if_any();
  return prep;
}

void ScenarioRunner::check(const std::string& scenario) const { (void)prepare(scenario, {}); }

/// One run of a prepared scenario on this process (rank 0 of an MPI run): its folder,
/// which points an earlier run journaled, the points left in cache-friendly order,
/// their evaluation, and the files written at the end.
class ScenarioRunner::Sweep {
 public:
  Sweep(const ScenarioRunner& owner, const std::string& scenario, const Prepared& prep, const RunnerOptions& options)
      : owner_(owner), scenario_(scenario), prep_(prep), options_(options) {}

  ScenarioOutcome run(PointWork& work, MpiPointPool* pool) {
    open_run_dir();
    reuse_journaled();
    evaluate(pending_in_cache_order(), work, pool);
    write_outputs();
    if (options_.shard)
      write_shard();
    else if (!outcome_.interrupted && !prep_.spec.charts.empty())
      render();
    return std::move(outcome_);
  }

 private:
  /// Rows past this many stay on disk only; the outcome's digest summarises them.
  static constexpr std::size_t kRowsKept = 1000;

  [[nodiscard]] bool mine(std::size_t i) const { return !options_.shard || options_.shard->holds(i); }
  [[nodiscard]] bool wants_ops() const {
    return std::any_of(prep_.spec.charts.begin(), prep_.spec.charts.end(),
                       [](const ChartSpec& c) { return c.points == ChartPoints::Ops; });
  }
  [[nodiscard]] fs::path trace_path(std::size_t i) const {
    const std::size_t n = prep_.points;
    const int digits = std::max<int>(4, static_cast<int>(std::to_string(n ? n - 1 : 0).size()));
    return outcome_.dir / "traces" / fmt::format("{:0{}d}.json", i, digits);
  }

  /// DIR/<name>/ (or its shards/K-of-N/), with the journal an earlier run left when resuming.
  void open_run_dir() {
    const auto& shard = options_.shard;
    outcome_.shard = shard;
    outcome_.dir = options_.out_root / prep_.spec.name;
    if (shard) outcome_.dir = outcome_.dir / "shards" / shard->dir_name();
    outcome_.total = shard ? shard->size_of(prep_.points) : prep_.points;
    fs::create_directories(outcome_.dir);
    if (shard)
      fs::remove(outcome_.dir / "shard.json");  // an earlier run's: until this one ends, the shard is unfinished
    if (prep_.spec.trace) fs::create_directories(outcome_.dir / "traces");
    results_.emplace(outcome_.dir, prep_.points, options_.resume);
  }

  /// Points an earlier run finished; one whose trace or op rows are missing runs again.
  void reuse_journaled() {
    if (!options_.resume) return;
    for (std::size_t i = 0; i < prep_.points; ++i) {
      if (!mine(i)) continue;
      const auto found = results_->earlier(prep_.point(i).key());
      if (!found) continue;
      const Journal::Entry& e = found->second;
      if (wants_ops() && e.ops.is_null()) continue;
      std::error_code ec;
      if (prep_.spec.trace && e.row.value("fits", false) && !fs::exists(trace_path(i), ec)) continue;
      results_->reuse(i, found->first, e.row);
      ++outcome_.reused;
    }
  }

  /// The points left, those sharing a step graph one after another (the graph cache
  /// hits); rows still land at their grid index.
  [[nodiscard]] std::vector<std::size_t> pending_in_cache_order() const {
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < prep_.points; ++i)
      if (mine(i) && !results_->is_done(i)) pending.push_back(i);
    std::stable_sort(pending.begin(), pending.end(),
                     [&](std::size_t a, std::size_t b) { return prep_.workloads[a] < prep_.workloads[b]; });
    return pending;
  }

  /// Evaluates `pending` on threads (or MPI ranks); each point is journaled as it
  /// finishes and results.csv/json are rewritten now and then.
  void evaluate(const std::vector<std::size_t>& pending, PointWork& work, MpiPointPool* pool) {
    std::mutex mutex;
    auto last_write = std::chrono::steady_clock::now();
    std::chrono::duration<double> write_time{0};
    work.record = [&](std::size_t i, PointOutput&& out) {
      // The trace lands before the journal line: a journaled point has its trace.
      if (!out.trace.empty()) write_file_atomic(trace_path(i), out.trace);
      results_->record(i, prep_.point(i).key(), out.row, out.ops);
      std::lock_guard lock(mutex);
      if (options_.progress) options_.progress(results_->done(), outcome_.total, outcome_.reused);
      // Rewriting the results costs more as they grow: at most a tenth of the run's time goes to it.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_write > std::max<std::chrono::duration<double>>(std::chrono::seconds(5), 10 * write_time)) {
        results_->write_results(outcome_.dir);
        last_write = std::chrono::steady_clock::now();
        write_time = last_write - now;
      }
    };
    const std::exception_ptr failure =
        pool ? pool->run(pending, options_.jobs, work) : run_points_locally(pending, options_.jobs, work);
    if (failure) {
      (void)results_->write_results(outcome_.dir);
      std::rethrow_exception(failure);
    }
  }

  /// results.csv/json, ops.json and resolved.yaml; the outcome's rows (small runs) and digest.
  void write_outputs() {
    outcome_.digest = results_->write_results(outcome_.dir, kRowsKept, &outcome_.rows);
    outcome_.done = outcome_.digest.rows;
    outcome_.interrupted = outcome_.done < outcome_.total;
    for (const auto& a : prep_.spec.grid) outcome_.varying.push_back(a.is_override ? "set." + a.key : a.key);
    if (wants_ops()) results_->write_ops(outcome_.dir / "ops.json");
    // The whole scenario's, in a shard too: `merge` checks the shards agree on it.
    write_file_atomic(outcome_.dir / "resolved.yaml",
                      resolved_yaml(prep_.spec, prep_.points, prep_.variants, prep_.runner));
  }

  [[nodiscard]] Json full_chart_spec() const {
    Json chart_spec = chart_spec_json(prep_.spec);
    chart_spec["devices"] = chart_devices(prep_.variants, prep_.runner);
    return chart_spec;
  }

  /// A shard's manifest and chart spec, for `merge`.
  void write_shard() {
    ShardManifest m;
    m.scenario = prep_.spec.name;
    m.source = scenario_;
    m.wafersim = fmt::format("{} (git {})", build_version(), build_git_hash());
    m.shard = *options_.shard;
    m.grid_points = prep_.points;
    m.points = outcome_.total;
    m.done = outcome_.done;
    m.complete = !outcome_.interrupted;
    m.ops = wants_ops();
    m.trace = prep_.spec.trace;
    m.varying = outcome_.varying;
    write_shard_files(outcome_.dir, m, prep_.spec.charts.empty() ? Json(nullptr) : full_chart_spec(),
                      m.ops ? results_->ops_by_point() : std::vector<Json>{});
  }

  void render() {
    Json chart_spec = full_chart_spec();
    if (wants_ops()) chart_spec["ops_results"] = (outcome_.dir / "ops.json").string();
    outcome_.charts = render_charts(owner_.root_, chart_spec, outcome_.dir);
  }

  const ScenarioRunner& owner_;
  const std::string& scenario_;
  const Prepared& prep_;
  const RunnerOptions& options_;
  ScenarioOutcome outcome_;
  std::optional<SweepResults> results_;
};

PointWork ScenarioRunner::point_work(const Prepared& prep, const std::atomic<bool>* stop) {
  PointWork work;
  work.stop = stop;
  const bool wants_ops = std::any_of(prep.spec.charts.begin(), prep.spec.charts.end(),
                                     [](const ChartSpec& c) { return c.points == ChartPoints::Ops; });
  work.evaluate = [&prep, wants_ops](std::size_t i) {
    const auto start = std::chrono::steady_clock::now();
    const ScenarioPoint point = prep.point(i);
    PointOutput out;
    if (point.request.serve) {  // phase: serve points (sim/serving)
      out.row = make_row(point, run_serve(prep.runner, point.request, point.request.serve_options, false).json);
    } else {
      const RunResult r = prep.runner.run(point.request, false);
      out.row = make_row(point, result_to_json(r));
      if (wants_ops) out.ops = op_rows_json(point, out.row, r);
      if (prep.spec.trace && r.fits) out.trace = trace_json(r).dump() + "\n";
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  };
  return work;
}

ScenarioRunner::Prepared ScenarioRunner::prepare_reporting(const std::string& scenario,
                                                           const RunnerOptions& options) const {
  const bool mpi_worker = options.mpi != nullptr && options.mpi->rank() > 0;
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
}

ScenarioOutcome ScenarioRunner::run(const std::string& scenario, const RunnerOptions& options) const {
  // Rank 0 of an MPI run releases the other ranks however this ends (mpi_pool.h).
  const bool mpi_worker = options.mpi != nullptr && options.mpi->rank() > 0;
  std::optional<MpiPointPool> pool;
  if (options.mpi != nullptr && !mpi_worker) pool.emplace(*options.mpi);
  const Prepared prep = prepare_reporting(scenario, options);
  PointWork work = point_work(prep, options.stop);
  if (mpi_worker) {
    mpi_serve_points(*options.mpi, options.jobs, work);
    ScenarioOutcome outcome;
    outcome.worker = true;
    return outcome;
  }
  return Sweep(*this, scenario, prep, options).run(work, pool ? &*pool : nullptr);
}

}  // namespace wafersim
