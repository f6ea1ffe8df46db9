#pragma once
// One shard of a scenario sweep (`wafersim run --shard K/N`): the points whose grid
// index is K modulo N, run into DIR/<name>/shards/K-of-N/ with their own journal, so
// batch arrays (Slurm, Kubernetes Indexed Jobs) can split a sweep over machines and
// `wafersim merge` can put it back together. Also the shard's manifest (shard.json),
// which says which split it belongs to, how many points it holds and whether it
// finished. Grid indices and counts are plain integers (no units). A shard is every
// N-th point, so each swept value is spread over all shards.

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/report/result_json.h"

namespace wafersim {

struct ShardSpec {
  std::size_t index = 0;  ///< K, 0-based
  std::size_t count = 1;  ///< N >= 1

  /// Parses "K/N" (0 <= K < N), or "auto": the index and count from the batch
  /// system's environment (`env`): SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN,
  /// over SLURM_ARRAY_TASK_STEP) and SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX
  /// (Kubernetes Indexed Job) and WAFERSIM_SHARDS. Throws InputError naming
  /// `--shard` (and the variable).
  static ShardSpec parse(const std::string& text, const std::map<std::string, std::string>& env);
  /// The process environment, for parse().
  static std::map<std::string, std::string> environment();

  [[nodiscard]] bool holds(std::size_t grid_index) const { return grid_index % count == index; }
  /// Points of a grid of `total` this shard holds.
  [[nodiscard]] std::size_t size_of(std::size_t total) const {
    return total > index ? (total - index + count - 1) / count : 0;
  }
  /// "K-of-N": the shard's folder under DIR/<name>/shards/.
  [[nodiscard]] std::string dir_name() const;
  /// Reads "K-of-N"; nullopt for any other name.
  static std::optional<ShardSpec> from_dir_name(const std::string& name);
};

/// What a shard writes into shard.json when it stops (finished or not).
struct ShardManifest {
  std::string scenario;  ///< scenario name
  std::string source;    ///< the scenario as given to `run` (for hints)
  std::string wafersim;  ///< version and git hash of the binary that ran it
  ShardSpec shard;
  std::size_t grid_points = 0;  ///< points of the whole scenario
  std::size_t points = 0;       ///< points of this shard
  std::size_t done = 0;         ///< points finished
  bool complete = false;
  bool ops = false;                  ///< ops_by_point.json written (a chart plots ops)
  bool trace = false;                ///< traces/ written
  std::vector<std::string> varying;  ///< swept parameter columns (for merge's summary)

  [[nodiscard]] Json to_json() const;
  /// Throws InputError naming `file` when the manifest is not one wafersim wrote.
  static ShardManifest from_json(const Json& j, const std::string& file);
};

}  // namespace wafersim
