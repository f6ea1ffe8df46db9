#pragma once
// The files a shard leaves for `wafersim merge` (shard.json, charts.json,
// ops_by_point.json beside its journal and results), and the merge itself: check
// that DIR/<name>/shards/ holds every shard of one split, all finished and all from
// the same resolved scenario and wafersim build, then write DIR/<name>/results.csv
// (the same bytes one unsharded run writes), results.json, resolved.yaml, ops.json,
// traces/, journal.jsonl and the charts.

#include <filesystem>
#include <string>
#include <vector>

#include "sim/report/result_json.h"
#include "sim/scenario/shard.h"

namespace wafersim {

/// Writes shard.json (last: its presence says the other files are whole), and
/// charts.json (when `chart_spec` is not null) and ops_by_point.json (when the
/// manifest says ops) first.
void write_shard_files(const std::filesystem::path& shard_dir, const ShardManifest& manifest, const Json& chart_spec,
                       const std::vector<Json>& ops_by_point);

/// Renders the charts of `chart_spec` from dir/results.json into dir/charts/;
/// returns the files written. Throws std::runtime_error with the renderer's message.
std::vector<std::string> render_charts(const std::filesystem::path& config_root, const Json& chart_spec,
                                       const std::filesystem::path& dir);

struct MergeOutcome {
  std::filesystem::path dir;
  std::vector<Json> rows;            ///< in grid order
  std::vector<std::string> varying;  ///< swept parameter columns
  std::size_t shards = 0;
  std::vector<std::string> charts;  ///< files written
};

/// Merges the shards under `scenario_dir`/shards/. Throws InputError (naming the
/// shard and the file) when one is missing, unfinished, or from another scenario,
/// settings or build; nothing is written then.
MergeOutcome merge_shards(const std::filesystem::path& scenario_dir, const std::filesystem::path& config_root);

}  // namespace wafersim
