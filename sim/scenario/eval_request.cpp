#include "sim/scenario/eval_request.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

#include "sim/core/text.h"
#include "sim/scenario/serve_point.h"
#include "sim/serving/length_distribution.h"
#include "sim/hardware/system.h"
#include "sim/timing/speculative_evaluator.h"
#include "sim/workload/graph_cache.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

constexpr std::int64_t kMaxTokens = 1'000'000'000;
constexpr std::int64_t kMaxBatch = 10'000'000;
constexpr int kMaxDevices = 1'000'000;

[[noreturn]] void fail(const OptionOrigin& o, const std::string& message) {
  throw InputError(Diagnostic{o.file, o.line, o.column, o.path, message});
}

std::int64_t parse_count(const std::string& text, std::int64_t min, std::int64_t max, const std::string& what,
                         const OptionOrigin& o) {
  const std::string s = trim(text);
  bool digits = !s.empty();
  for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    if (!s.empty() && s[0] == '-') fail(o, fmt::format("'{}' is negative (expected {} >= {})", s, what, min));
    fail(o, fmt::format("'{}' is not a whole number (expected {} >= {}{})", s, what, min,
                        what == "device count" ? ", or 'auto'" : ""));
  }
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
  if (errno == ERANGE || s.size() > 19) fail(o, fmt::format("'{}' does not fit in 64 bits", s));
  if (v < static_cast<unsigned long long>(min)) fail(o, fmt::format("{} must be at least {} (got {})", what, min, s));
  if (v > static_cast<unsigned long long>(max)) fail(o, fmt::format("{} {} exceeds the limit of {}", what, s, max));
  return static_cast<std::int64_t>(v);
}

double parse_real(const std::string& text, const std::string& what, const OptionOrigin& o) {
  const std::string s = trim(text);
  char* end = nullptr;
  errno = 0;
  const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
    fail(o, fmt::format("'{}' is not a number (expected {})", s, what));
  return v;
}

}  // namespace

std::optional<SpeculativeSpec> SpeculativeOptions::spec() const {
  if (!method) {
    const char* stray = draft_tokens        ? "--draft-tokens"
                        : acceptance        ? "--acceptance"
                        : accepted_per_step ? "--accepted-per-step"
                                            : nullptr;
    if (stray != nullptr)
      throw InputError::option(stray, "needs --speculative draft:MODEL or mtp:K (it sets how the draft behaves)");
    return std::nullopt;
  }
  SpeculativeSpec s = *method;
  if (draft_tokens) {
    if (s.method == SpeculativeMethod::Mtp && *draft_tokens != s.k)
      throw InputError::option("--draft-tokens", fmt::format("mtp:{} drafts {} token(s) per step, one per module; "
                                                             "leave --draft-tokens out or give {}",
                                                             s.k, s.k, s.k));
    s.k = *draft_tokens;
  }
  s.acceptance = acceptance;
  s.accepted_per_step = accepted_per_step;
  (void)s.acceptance_model();  // range checks that need k
  return s;
}

const std::vector<std::string>& EvalRequest::keys() {
  static const std::vector<std::string> k{
      "system",    "model",        "devices",      "phase",      "batch",
      "prompt",    "context",      "output",       "dtype",      "kv_dtype",
      "fidelity",  "speculative",  "draft_tokens", "acceptance", "accepted_per_step",
      "trace",     "arrival",      "rate",         "cv",         "requests",
      "scheduler", "max_batch",    "chunk",        "slo_ttft",   "slo_tpot",
      "seed",      "find_capacity"};
  return k;
}

void EvalRequest::set_option(const std::string& key, const std::string& value, const OptionOrigin& o) {
  Workload& w = options.workload;
  if (key == "system") {
    if (trim(value).empty()) fail(o, "empty system name");
    system = trim(value);
  } else if (key == "model") {
    if (trim(value).empty()) fail(o, "empty model name");
    model = trim(value);
  } else if (key == "devices") {
    if (trim(value) == "auto")
      options.devices = DeviceCount{DeviceCount::Mode::Auto, 0};
    else
      options.devices = DeviceCount{DeviceCount::Mode::Fixed,
                                    static_cast<int>(parse_count(value, 1, kMaxDevices, "device count", o))};
  } else if (key == "phase" && trim(value) == "serve") {
    serve = true;
  } else if (std::find(serve_option_keys().begin(), serve_option_keys().end(), key) != serve_option_keys().end()) {
    serve_options[key] = {value, o};
  } else if ((key == "prompt" || key == "output") && serving::LengthDistribution::looks_like_distribution(value)) {
    (void)serving::LengthDistribution::parse(value, o.path);  // checked here, used by serve points
    serve_options[key] = {value, o};
  } else if (key == "phase") {
    auto p = parse_phase(trim(value));
    if (!p)
      fail(o, "unknown phase '" + value + "'" + did_you_mean(value, {"prefill", "decode", "encode", "generate"}) +
                  " (expected one of: prefill, decode, encode, generate)");
    w.phase = *p;
  } else if (key == "batch") {
    w.batch = parse_count(value, 1, kMaxBatch, "batch", o);
  } else if (key == "prompt") {
    w.prompt = parse_count(value, 1, kMaxTokens, "prompt tokens", o);
    serve_options[key] = {value, o};
  } else if (key == "context") {
    w.context = parse_count(value, 1, kMaxTokens, "context tokens", o);
  } else if (key == "output") {
    w.output = parse_count(value, 1, kMaxTokens, "output tokens", o);
    serve_options[key] = {value, o};
  } else if (key == "dtype" || key == "kv_dtype") {
    auto t = parse_dtype(trim(value));
    std::vector<std::string> names;
    for (DType d : all_dtypes()) names.emplace_back(dtype_name(d));
    if (!t)
      fail(o,
           "unknown dtype '" + value + "'" + did_you_mean(value, names) + " (expected one of: " + dtype_list() + ")");
    if (key == "dtype")
      w.dtype = *t;
    else
      w.kv_dtype = *t;
  } else if (key == "fidelity") {
    auto f = parse_fidelity(trim(value));
    if (!f)
      fail(o, "unknown fidelity '" + value + "'" + did_you_mean(value, {"roofline", "approx", "cycle"}) +
                  " (expected one of: roofline, approx, cycle)");
    options.fidelity = *f;
  } else if (key == "speculative") {
    try {
      speculative.method = SpeculativeSpec::parse(value);
    } catch (const InputError& e) {
      fail(o, e.diagnostics().front().message);
    }
  } else if (key == "draft_tokens") {
    speculative.draft_tokens = static_cast<int>(parse_count(value, 1, 64, "draft tokens", o));
  } else if (key == "acceptance") {
    const double p = parse_real(value, "a probability in [0, 1]", o);
    if (p < 0 || p > 1) fail(o, fmt::format("acceptance {} is outside [0, 1] (a per-token probability)", trim(value)));
    speculative.acceptance = p;
  } else if (key == "accepted_per_step") {
    const double a = parse_real(value, "tokens per verification step, at least 1", o);
    if (a < 1)
      fail(o, fmt::format("{} tokens per verification step is below 1 (the target always adds its own token)",
                          trim(value)));
    speculative.accepted_per_step = a;
  } else {
    fail(o, "unknown option '" + key + "'" + did_you_mean(key, keys()) + " (expected one of: " + quoted_list(keys()) +
                ")");
  }
}

void InlineConfigs::add_to(ConfigLibrary& library) const {
  for (const auto& [folder, entry] : items) library.add_inline(folder, entry.first, entry.second);
}

struct RequestRunner::Loaded {
  std::optional<System> system;
  std::shared_ptr<const ModelSpec> model;  ///< one instance per distinct model config (graph cache key)
  std::shared_ptr<const ModelSpec> draft;  ///< speculative draft:MODEL, when asked for
  std::vector<Diagnostic> unused;          ///< overrides no config of this request used
  std::vector<LoadedConfig> configs;       ///< fully resolved, for resolved.yaml
};

struct RequestRunner::Cache {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const Loaded>> entries;
  std::map<std::string, std::shared_ptr<const ModelSpec>> models;  ///< by resolved model config text
  GraphCache graphs;  ///< keyed by the ModelSpecs of `entries`, which live as long as it
};

RequestRunner::RequestRunner(const Registry& registry, std::filesystem::path config_root, InlineConfigs inline_configs)
    : registry_(registry),
      root_(std::move(config_root)),
      inline_(std::move(inline_configs)),
      cache_(std::make_shared<Cache>()) {}

std::shared_ptr<const RequestRunner::Loaded> RequestRunner::load(const EvalRequest& request, bool strict) const {
  if (request.system.empty()) throw InputError::option("--system", "no system given");
  if (request.model.empty()) throw InputError::option("--model", "no model given");
  const auto spec = request.speculative.spec();
  const std::string draft_name = spec && spec->method == SpeculativeMethod::Draft ? spec->draft_model : "";
  std::string key = request.system + '\n' + request.model + '\n' + draft_name;
  for (const auto& o : request.overrides) key += '\n' + o.path + '=' + o.value + '@' + o.origin;
  std::shared_ptr<const Loaded> loaded;
  {
    std::lock_guard lock(cache_->mutex);
    if (auto it = cache_->entries.find(key); it != cache_->entries.end()) loaded = it->second;
  }
  if (!loaded) {
    // Loaded outside the lock: two threads may load the same configs once each; both are equal.
    ConfigLibrary library(root_);
    inline_.add_to(library);
    for (const auto& o : request.overrides) library.add_override(o);
    auto l = std::make_shared<Loaded>();
    SystemLoader loader(library, registry_.devices());
    l->system = loader.load(request.system);
    l->model = std::make_shared<const ModelSpec>(ModelLoader::load(library, request.model));
    if (!draft_name.empty())
      l->draft = std::make_shared<const ModelSpec>(ModelLoader::load(library, draft_name, "--speculative"));
    l->unused = library.unused_overrides();
    l->configs = library.loaded();
    // The same model under another system is the same ModelSpec instance, so the
    // graph cache (keyed by the spec's address) shares its graphs across systems.
    std::string model_text;
    for (const auto& c : l->configs)
      if (c.kind == "model" && c.name != draft_name) model_text += c.name + "\n" + c.node.to_yaml(0);
    std::lock_guard lock(cache_->mutex);
    if (!model_text.empty()) l->model = cache_->models.emplace(model_text, l->model).first->second;
    loaded = l;
    cache_->entries.emplace(key, loaded);
  }
  if (strict && !loaded->unused.empty()) throw InputError(loaded->unused);
  return loaded;
}

std::vector<std::string> RequestRunner::check(const EvalRequest& request) const {
  const auto l = load(request, false);
  if (request.serve) {
    check_serve_options(request.serve_options, root_);
  } else {
    for (const auto& [key, entry] : request.serve_options) {
      const bool length = key == "prompt" || key == "output";
      if (length && !serving::LengthDistribution::looks_like_distribution(entry.first)) continue;
      fail(entry.second, length ? "a distribution of lengths applies to phase: serve only"
                                : "'" + key + "' applies to phase: serve only");
    }
  }
  Evaluator::check_workload(*l->model, request.options.workload);
  if (const auto spec = request.speculative.spec())
    SpeculativeEvaluator::check(*l->model, l->draft.get(), request.options.workload, *spec);
  (void)Evaluator(registry_).resolve_fidelity(*l->system, request.options.workload, request.options.fidelity);
  std::vector<std::string> unused;
  for (const auto& d : l->unused) unused.push_back(d.path);
  return unused;
}

RunResult RequestRunner::run(const EvalRequest& request, bool strict) const {
  const auto l = load(request, strict);
  EvalOptions options = request.options;
  options.graphs = &cache_->graphs;
  if (const auto spec = request.speculative.spec())
    return SpeculativeEvaluator(registry_).evaluate(*l->system, *l->model, l->draft.get(), options, *spec);
  return Evaluator(registry_).evaluate(*l->system, *l->model, options);
}

std::vector<LoadedConfig> RequestRunner::resolved_configs(const EvalRequest& request) const {
  return load(request, false)->configs;
}

std::vector<std::shared_ptr<const Device>> RequestRunner::devices(const EvalRequest& request) const {
  const auto l = load(request, false);
  std::vector<std::shared_ptr<const Device>> out;
  for (const auto& g : l->system->groups()) out.push_back(g.device);
  return out;
}

}  // namespace wafersim
