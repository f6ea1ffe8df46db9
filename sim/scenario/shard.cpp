#include "sim/scenario/shard.h"

#include <charconv>
#include <fmt/format.h>

#include "sim/core/error.h"

extern char** environ;

namespace wafersim {
namespace {

/// A whole number without sign, spaces or suffix; nullopt otherwise.
std::optional<std::size_t> parse_count(const std::string& text) {
  std::size_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

ShardSpec checked(std::size_t k, std::size_t n, const std::string& where) {
  if (n == 0) throw InputError::option("--shard", where + ": the shard count must be at least 1");
  if (k >= n)
    throw InputError::option("--shard", fmt::format("{}: shard index {} is not below the count {} (shards are "
                                                    "numbered 0 to {})",
                                                    where, k, n, n - 1));
  return ShardSpec{k, n};
}

std::size_t env_count(const std::map<std::string, std::string>& env, const std::string& name) {
  const auto v = parse_count(env.at(name));
  if (!v) throw InputError::option("--shard", fmt::format("auto: {}='{}' is not a whole number", name, env.at(name)));
  return *v;
}

}  // namespace

ShardSpec ShardSpec::parse(const std::string& text, const std::map<std::string, std::string>& env) {
  if (text == "auto") {
    auto has = [&](const char* name) { return env.count(name) != 0 && !env.at(name).empty(); };
    if (has("SLURM_ARRAY_TASK_ID")) {
      if (!has("SLURM_ARRAY_TASK_COUNT"))
        throw InputError::option("--shard", "auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
      std::size_t id = env_count(env, "SLURM_ARRAY_TASK_ID");
      const std::size_t min = has("SLURM_ARRAY_TASK_MIN") ? env_count(env, "SLURM_ARRAY_TASK_MIN") : 0;
      if (id < min) throw InputError::option("--shard", "auto: SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN");
      // --array=1-8 numbers tasks from 1, --array=0-30:2 in steps of 2: shard K is
      // the task's place in the array.
      const std::size_t step = has("SLURM_ARRAY_TASK_STEP") ? env_count(env, "SLURM_ARRAY_TASK_STEP") : 1;
      if (step == 0 || (id - min) % step != 0)
        throw InputError::option("--shard",
                                 "auto: SLURM_ARRAY_TASK_ID is not on the array's steps "
                                 "(SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP); give --shard K/N");
      return checked((id - min) / step, env_count(env, "SLURM_ARRAY_TASK_COUNT"),
                     "auto ((SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP of "
                     "SLURM_ARRAY_TASK_COUNT)");
    }
    if (has("JOB_COMPLETION_INDEX")) {
      if (!has("WAFERSIM_SHARDS"))
        throw InputError::option("--shard",
                                 "auto: JOB_COMPLETION_INDEX is set but WAFERSIM_SHARDS (the Job's completions) is "
                                 "not; set it in the pod's env, or pass --shard $(JOB_COMPLETION_INDEX)/N");
      return checked(env_count(env, "JOB_COMPLETION_INDEX"), env_count(env, "WAFERSIM_SHARDS"),
                     "auto (JOB_COMPLETION_INDEX / WAFERSIM_SHARDS)");
    }
    throw InputError::option("--shard",
                             "auto: not inside a batch array (none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX is "
                             "set); give the shard as K/N, e.g. --shard 0/4");
  }
  const auto slash = text.find('/');
  const auto k = slash == std::string::npos ? std::nullopt : parse_count(text.substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : parse_count(text.substr(slash + 1));
  if (!k || !n)
    throw InputError::option("--shard", "'" + text + "' is not K/N (e.g. --shard 0/4: the first of 4 shards) or auto");
  return checked(*k, *n, text);
}

std::map<std::string, std::string> ShardSpec::environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

std::string ShardSpec::dir_name() const { return fmt::format("{}-of-{}", index, count); }

std::optional<ShardSpec> ShardSpec::from_dir_name(const std::string& name) {
  const auto sep = name.find("-of-");
  if (sep == std::string::npos) return std::nullopt;
  const auto k = parse_count(name.substr(0, sep));
  const auto n = parse_count(name.substr(sep + 4));
  if (!k || !n || *n == 0 || *k >= *n) return std::nullopt;
  return ShardSpec{*k, *n};
}

Json ShardManifest::to_json() const {
  return Json{{"format", 1},
              {"scenario", scenario},
              {"source", source},
              {"wafersim", wafersim},
              {"shard", shard.index},
              {"count", shard.count},
              {"grid_points", grid_points},
              {"points", points},
              {"done", done},
              {"complete", complete},
              {"ops", ops},
              {"trace", trace},
              {"varying", varying}};
}

ShardManifest ShardManifest::from_json(const Json& j, const std::string& file) {
  auto bad = [&](const std::string& what) {
    return InputError(Diagnostic{file, 0, 0, what, "not a shard manifest written by wafersim run --shard"});
  };
  if (!j.is_object() || j.value("format", 0) != 1) throw bad("format");
  ShardManifest m;
  try {
    m.scenario = j.at("scenario").get<std::string>();
    m.source = j.value("source", std::string());
    m.wafersim = j.at("wafersim").get<std::string>();
    m.shard = ShardSpec{j.at("shard").get<std::size_t>(), j.at("count").get<std::size_t>()};
    m.grid_points = j.at("grid_points").get<std::size_t>();
    m.points = j.at("points").get<std::size_t>();
    m.done = j.at("done").get<std::size_t>();
    m.complete = j.at("complete").get<bool>();
    m.ops = j.value("ops", false);
    m.trace = j.value("trace", false);
    if (j.contains("varying")) m.varying = j.at("varying").get<std::vector<std::string>>();
  } catch (const Json::exception& e) {
    throw bad(e.what());
  }
  if (m.shard.count == 0 || m.shard.index >= m.shard.count) throw bad("shard");
  return m;
}

}  // namespace wafersim
