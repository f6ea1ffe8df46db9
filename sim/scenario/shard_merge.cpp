#include "sim/scenario/shard_merge.h"

#include <fmt/format.h>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "sim/core/error.h"
#include "sim/report/atomic_file.h"
#include "sim/report/chart_renderer.h"
#include "sim/scenario/scenario_outputs.h"

namespace fs = std::filesystem;

namespace wafersim {
namespace {

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

InputError shard_error(const fs::path& file, const std::string& message) {
  return InputError(Diagnostic{file.string(), 0, 0, "", message});
}

/// "line 12: `  batch: [1, 2]` here, `  batch: [1, 4]` in shard 0-of-4".
std::string first_difference(const std::string& a, const std::string& b, const std::string& other) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(sa, la)), gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) return "";
    if (!ga || !gb || la != lb)
      return fmt::format("line {}: `{}` here, `{}` in {}", line, ga ? la : "(end)", gb ? lb : "(end)", other);
  }
}

/// One shard folder, read and checked on its own.
struct ShardFiles {
  fs::path dir;
  ShardManifest manifest;
  std::string resolved, charts;
  Json rows, ops;
};

ShardFiles read_shard(const fs::path& dir, const ShardSpec& expected) {
  ShardFiles s;
  s.dir = dir;
  const std::string name = expected.dir_name();
  const auto manifest_text = read_file(dir / "shard.json");
  if (!manifest_text)
    throw shard_error(dir / "shard.json",
                      fmt::format("shard {} has not finished a run (no shard.json); run it again with --resume", name));
  const Json m = Json::parse(*manifest_text, nullptr, false);
  s.manifest = ShardManifest::from_json(m, (dir / "shard.json").string());
  if (s.manifest.shard.index != expected.index || s.manifest.shard.count != expected.count)
    throw shard_error(dir / "shard.json", fmt::format("shard {} says it is shard {} (a folder renamed or copied)", name,
                                                      s.manifest.shard.dir_name()));
  if (!s.manifest.complete)
    throw shard_error(
        dir, fmt::format("shard {} is incomplete: {} of {} points done; finish it with `wafersim run {} "
                         "--shard {}/{} --resume` (same -o)",
                         name, s.manifest.done, s.manifest.points, s.manifest.source, expected.index, expected.count));
  auto need = [&](const char* file) {
    auto text = read_file(dir / file);
    if (!text) throw shard_error(dir / file, fmt::format("shard {} is missing {}", name, file));
    return *text;
  };
  s.resolved = need("resolved.yaml");
  if (fs::exists(dir / "charts.json")) s.charts = need("charts.json");
  s.rows = Json::parse(need("results.json"), nullptr, false);
  if (!s.rows.is_array() || s.rows.size() != s.manifest.points || s.manifest.done != s.manifest.points)
    throw shard_error(dir / "results.json",
                      fmt::format("shard {} holds {} rows, not its {} points; run it again with "
                                  "--resume",
                                  name, s.rows.is_array() ? s.rows.size() : 0, s.manifest.points));
  if (s.manifest.ops) {
    s.ops = Json::parse(need("ops_by_point.json"), nullptr, false);
    if (!s.ops.is_array() || s.ops.size() != s.manifest.points)
      throw shard_error(dir / "ops_by_point.json", fmt::format("shard {}: op rows for {} points, not {}", name,
                                                               s.ops.is_array() ? s.ops.size() : 0, s.manifest.points));
  }
  return s;
}

/// Refuses a shard that differs from shard 0 in what makes results comparable.
void check_same(const ShardFiles& s, const ShardFiles& first) {
  const std::string name = s.manifest.shard.dir_name(), first_name = first.manifest.shard.dir_name();
  if (s.manifest.wafersim != first.manifest.wafersim)
    throw shard_error(s.dir, fmt::format("shard {} was run by wafersim {}, shard {} by {}: run every shard with the "
                                         "same build",
                                         name, s.manifest.wafersim, first_name, first.manifest.wafersim));
  if (s.manifest.scenario != first.manifest.scenario || s.manifest.grid_points != first.manifest.grid_points ||
      s.resolved != first.resolved)
    throw shard_error(s.dir / "resolved.yaml",
                      fmt::format("shard {} comes from another scenario or settings than shard {} ({}); run every "
                                  "shard from the same scenario file and --set options",
                                  name, first_name, first_difference(s.resolved, first.resolved, first_name)));
  if (s.charts != first.charts)
    throw shard_error(s.dir / "charts.json",
                      fmt::format("shard {} has other charts than shard {} ({})", name, first_name,
                                  first_difference(s.charts, first.charts, first_name)));
}

/// The split found under shards/: every folder named K-of-N must share one N.
std::size_t shard_count(const fs::path& shards_dir) {
  std::map<std::size_t, std::size_t> counts;  // N → the lowest K found of that split
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(shards_dir, ec))
    if (entry.is_directory())
      if (auto spec = ShardSpec::from_dir_name(entry.path().filename().string())) {
        auto [it, added] = counts.emplace(spec->count, spec->index);
        if (!added) it->second = std::min(it->second, spec->index);
      }
  if (counts.empty())
    throw shard_error(shards_dir, "no shard folders (K-of-N) here; run `wafersim run SCENARIO --shard K/N` first");
  if (counts.size() > 1) {
    std::string list;
    for (const auto& [n, k] : counts) list += (list.empty() ? "" : ", ") + ShardSpec{k, n}.dir_name();
    throw shard_error(shards_dir, "shards of different splits (" + list +
                                      "); a sweep is merged from one split: remove the folders of the others");
  }
  return counts.begin()->first;
}

}  // namespace

void write_shard_files(const fs::path& shard_dir, const ShardManifest& manifest, const Json& chart_spec,
                       const std::vector<Json>& ops_by_point) {
  if (!chart_spec.is_null()) write_file_atomic(shard_dir / "charts.json", chart_spec.dump(1) + "\n");
  if (manifest.ops) write_file_atomic(shard_dir / "ops_by_point.json", Json(ops_by_point).dump() + "\n");
  write_file_atomic(shard_dir / "shard.json", manifest.to_json().dump(1) + "\n");
}

std::vector<std::string> render_charts(const fs::path& config_root, const Json& chart_spec, const fs::path& dir) {
  ChartRenderer renderer(config_root);
  const std::string err = renderer.render(chart_spec, dir / "results.json", dir / "charts");
  if (!err.empty()) throw std::runtime_error(err);
  std::vector<std::string> files;
  for (const auto& c : chart_spec.at("charts")) {
    const std::string name = c.at("name").get<std::string>();
    files.push_back((dir / "charts" / (name + ".png")).string());
    files.push_back((dir / "charts" / (name + ".svg")).string());
  }
  return files;
}

MergeOutcome merge_shards(const fs::path& scenario_dir, const fs::path& config_root) {
  const fs::path shards_dir = scenario_dir / "shards";
  std::error_code ec;
  if (!fs::is_directory(shards_dir, ec))
    throw shard_error(scenario_dir,
                      "no shards/ folder: not the output of `wafersim run SCENARIO --shard K/N` (give "
                      "the scenario's folder, e.g. out/memory-wall)");
  const std::size_t n = shard_count(shards_dir);
  std::vector<ShardFiles> shards;
  for (std::size_t k = 0; k < n; ++k) {
    const ShardSpec spec{k, n};
    const fs::path dir = shards_dir / spec.dir_name();
    if (!fs::is_directory(dir, ec)) {
      const std::string source = shards.empty() ? "SCENARIO" : shards.front().manifest.source;
      throw shard_error(dir, fmt::format("shard {} is missing; run `wafersim run {} --shard {}/{}` (same -o)",
                                         spec.dir_name(), source, k, n));
    }
    shards.push_back(read_shard(dir, spec));
    check_same(shards.back(), shards.front());
  }
  const ShardFiles& first = shards.front();
  const std::size_t total = first.manifest.grid_points;
  for (const auto& s : shards)
    if (s.manifest.points != s.manifest.shard.size_of(total))
      throw shard_error(s.dir / "shard.json", fmt::format("shard {} holds {} points; a {}-point grid gives it {}",
                                                          s.manifest.shard.dir_name(), s.manifest.points, total,
                                                          s.manifest.shard.size_of(total)));

  // Grid point i is row i / N of shard i mod N.
  MergeOutcome outcome;
  outcome.dir = scenario_dir;
  outcome.shards = n;
  outcome.varying = first.manifest.varying;
  std::vector<std::optional<Json>> rows(total);
  Json ops = Json::array();
  for (std::size_t i = 0; i < total; ++i) {
    const ShardFiles& s = shards[i % n];
    rows[i] = s.rows[i / n];
    outcome.rows.push_back(*rows[i]);
    if (first.manifest.ops && s.ops[i / n].is_array())
      for (const auto& o : s.ops[i / n]) ops.push_back(o);
  }
  write_results(scenario_dir, rows);
  write_file_atomic(scenario_dir / "resolved.yaml", first.resolved);
  if (first.manifest.ops) write_file_atomic(scenario_dir / "ops.json", ops.dump(1) + "\n");
  std::string journal;
  for (const auto& s : shards) {
    journal += read_file(s.dir / "journal.jsonl").value_or("");
    if (!journal.empty() && journal.back() != '\n') journal += '\n';  // a torn last line stays one line
  }
  write_file_atomic(scenario_dir / "journal.jsonl", journal);  // a later `run --resume` reuses every point
  if (first.manifest.trace) {
    fs::create_directories(scenario_dir / "traces");
    for (const auto& s : shards)
      for (const auto& entry : fs::directory_iterator(s.dir / "traces", ec))
        fs::copy_file(entry.path(), scenario_dir / "traces" / entry.path().filename(),
                      fs::copy_options::overwrite_existing);
  }
  if (!first.charts.empty()) {
    Json chart_spec = Json::parse(first.charts);
    if (first.manifest.ops) chart_spec["ops_results"] = (scenario_dir / "ops.json").string();
    outcome.charts = render_charts(config_root, chart_spec, scenario_dir);
  }
  return outcome;
}

}  // namespace wafersim
