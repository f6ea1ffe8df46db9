#pragma once
// Runs a scenario: validates everything first (configs, options, override paths,
// chart columns), evaluates the points on N threads (results in grid order
// whatever N is), journals each point, writes results.csv/json, resolved.yaml,
// traces and charts atomically. An interrupted run keeps valid files and resumes.
// A shard (`--shard K/N`) runs its points into shards/K-of-N/ for `merge`; under
// MPI, rank 0 runs this and the other ranks evaluate the points it hands them.

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/report/result_json.h"
#include "sim/scenario/point_pool.h"
#include "sim/scenario/scenario_spec.h"
#include "sim/scenario/shard.h"
#include "sim/scenario/sweep_results.h"

namespace wafersim {

class MpiSession;

struct RunnerOptions {
  std::filesystem::path out_root = "out";
  int jobs = 1;
  bool resume = false;
  std::vector<Override> overrides;          ///< command-line `--set`
  const std::atomic<bool>* stop = nullptr;  ///< set by a signal handler
  std::optional<ShardSpec> shard;           ///< `--shard K/N`: only these points, into shards/K-of-N/
  const MpiSession* mpi = nullptr;          ///< an MPI launch: rank 0 runs, the others evaluate
  /// Called after every point (done, total, points reused from the journal).
  std::function<void(std::size_t, std::size_t, std::size_t)> progress;
};

struct ScenarioOutcome {
  std::filesystem::path dir;
  /// In grid order (only finished ones when interrupted), when there are at most 1,000:
  /// a bigger run's rows are only on disk (results.csv/json), summarised in `digest`.
  std::vector<Json> rows;
  SweepDigest digest;                 ///< every finished row, in a few figures
  std::size_t done = 0;               ///< finished points (reused ones included)
  std::vector<std::string> varying;   ///< parameter columns with more than one value
  std::size_t total = 0, reused = 0;  ///< points of this run (a shard's own), reused from the journal
  bool interrupted = false;
  std::vector<std::string> charts;  ///< files written
  std::optional<ShardSpec> shard;   ///< the shard run (its points only; no charts)
  bool worker = false;              ///< an MPI rank above 0: evaluated points, wrote nothing
};

class ScenarioRunner {
 public:
  ScenarioRunner(const Registry& registry, std::filesystem::path config_root);
  /// Throws InputError (before any work) for bad input.
  [[nodiscard]] ScenarioOutcome run(const std::string& scenario, const RunnerOptions& options) const;
  /// Validation only (`wafersim check` on a scenario).
  void check(const std::string& scenario) const;

 private:
  struct Prepared;
  class Sweep;
  [[nodiscard]] Prepared prepare(const std::string& scenario, const std::vector<Override>& overrides) const;
  /// prepare(), and on an MPI rank above 0 any failure reported to rank 0 first.
  [[nodiscard]] Prepared prepare_reporting(const std::string& scenario, const RunnerOptions& options) const;
  /// How to evaluate one point of `prep` (on any thread or rank).
  [[nodiscard]] static PointWork point_work(const Prepared& prep, const std::atomic<bool>* stop);

  const Registry& registry_;
  std::filesystem::path root_;
};

}  // namespace wafersim
