#pragma once
// Runs a scenario: validates everything first (configs, options, override paths,
// chart columns), evaluates the points on N threads (results in grid order
// whatever N is), journals each point, writes results.csv/json, resolved.yaml,
// traces and charts atomically. An interrupted run keeps valid files and resumes.

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sim/report/result_json.h"
#include "sim/scenario/scenario_spec.h"

namespace wafersim {

struct RunnerOptions {
  std::filesystem::path out_root = "out";
  int jobs = 1;
  bool resume = false;
  std::vector<Override> overrides;                 ///< command-line `--set`
  const std::atomic<bool>* stop = nullptr;         ///< set by a signal handler
  /// Called after every point (done, total, points reused from the journal).
  std::function<void(std::size_t, std::size_t, std::size_t)> progress;
};

struct ScenarioOutcome {
  std::filesystem::path dir;
  std::vector<Json> rows;                ///< in grid order (only finished ones when interrupted)
  std::vector<std::string> varying;      ///< parameter columns with more than one value
  std::size_t total = 0, reused = 0;
  bool interrupted = false;
  std::vector<std::string> charts;       ///< files written
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
  [[nodiscard]] Prepared prepare(const std::string& scenario, const std::vector<Override>& overrides) const;

  const Registry& registry_;
  std::filesystem::path root_;
};

}  // namespace wafersim
