#include "sim/scenario/serve_point.h"

#include <cmath>
#include <fmt/format.h>

#include "sim/config/unit_parser.h"
#include "sim/core/text.h"
#include "sim/serving/capacity_search.h"
#include "sim/serving/serving_workload.h"
#include "sim/scenario/serve_steps.h"

namespace wafersim {
namespace {

using namespace serving;
using Options = std::map<std::string, std::pair<std::string, OptionOrigin>>;

[[noreturn]] void fail(const OptionOrigin& o, const std::string& message) {
  throw InputError(Diagnostic{o.file, o.line, o.column, o.path, message});
}

/// Everything parsed from the options.
struct ServeSpec {
  std::optional<std::string> trace;
  ArrivalKind arrival = ArrivalKind::Poisson;
  std::optional<double> rate;
  double cv = 1;
  std::optional<std::int64_t> requests;
  std::string prompt = "512", output = "128";
  ServeConfig config;
  Slo slo;
  bool find_capacity = false;
  std::uint64_t seed = 1;
};

double positive_number(const std::string& text, const OptionOrigin& o, const std::string& what) {
  char* end = nullptr;
  const std::string s = trim(text);
  const double v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v))
    fail(o, fmt::format("'{}' is not a number (expected {})", s, what));
  if (v <= 0) fail(o, fmt::format("'{}' must be above zero (expected {})", s, what));
  return v;
}

/// An SLO time: seconds as a number, or a time with a unit ("200 ms").
double slo_seconds(const std::string& text, const OptionOrigin& o) {
  const std::string s = trim(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (!s.empty() && *end == '\0' && std::isfinite(v)) {
    if (v <= 0) fail(o, fmt::format("'{}' must be above zero (expected seconds, e.g. 0.2 or \"200 ms\")", s));
    return v;
  }
  const UnitParseResult t = parse_quantity(s, UnitKind::Seconds);
  if (const auto* v2 = std::get_if<double>(&t)) {
    if (*v2 <= 0) fail(o, fmt::format("'{}' must be above zero", s));
    return *v2;
  }
  fail(o, fmt::format("'{}' is not a time (expected seconds, e.g. 0.2 or \"200 ms\")", s));
}

std::int64_t whole(const std::string& text, const OptionOrigin& o, std::int64_t min, std::int64_t max,
                   const std::string& what) {
  const std::string s = trim(text);
  bool digits = !s.empty() && s.size() <= 18;
  for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) fail(o, fmt::format("'{}' is not a whole number (expected {} from {} to {})", s, what, min, max));
  const std::int64_t v = std::stoll(s);
  if (v < min || v > max) fail(o, fmt::format("{} must be from {} to {} (got {})", what, min, max, s));
  return v;
}

/// A trace named as a path (as given, or beside the file that names it) or as a
/// shipped trace in configs/traces/ ("azure-llm-2023-conv").
std::string resolve_trace(const std::string& text, const OptionOrigin& o, const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> tried{fs::path(text)};
  if (!o.file.empty() && fs::path(text).is_relative()) tried.push_back(fs::path(o.file).parent_path() / text);
  tried.push_back(root / "traces" / text);
  tried.push_back(root / "traces" / (text + ".csv"));
  for (const auto& p : tried)
    if (fs::is_regular_file(p, ec)) return p.string();
  std::string list;
  for (const auto& p : tried) list += (list.empty() ? "" : ", ") + p.string();
  fail(o, fmt::format("no trace file '{}' (looked for {})", text, list));
}

ServeSpec parse_spec(const Options& options, const std::filesystem::path& root) {
  ServeSpec spec;
  for (const auto& [key, entry] : options) {
    const auto& [text, o] = entry;
    if (key == "trace")
      spec.trace = resolve_trace(trim(text), o, root);
    else if (key == "arrival") {
      auto a = parse_arrival(trim(text));
      if (!a)
        fail(o, "unknown arrival '" + text + "'" + did_you_mean(text, {"poisson", "gamma", "offline"}) +
                    " (expected poisson, gamma or offline)");
      spec.arrival = *a;
    } else if (key == "rate")
      spec.rate = positive_number(text, o, "requests per second");
    else if (key == "cv")
      spec.cv = positive_number(text, o, "the coefficient of variation of arrival gaps");
    else if (key == "requests")
      spec.requests = whole(text, o, 1, 100'000'000, "requests");
    else if (key == "prompt") {
      (void)LengthDistribution::parse(text, o.path);
      spec.prompt = trim(text);
    } else if (key == "output") {
      (void)LengthDistribution::parse(text, o.path);
      spec.output = trim(text);
    } else if (key == "scheduler") {
      auto s = parse_scheduler(trim(text));
      if (!s)
        fail(o, "unknown scheduler '" + text + "'" +
                    did_you_mean(text, {"continuous", "static", "chunked", "disaggregated"}) +
                    " (expected continuous, static, chunked or disaggregated)");
      spec.config.scheduler = *s;
    } else if (key == "max_batch")
      spec.config.max_batch = whole(text, o, 1, 1'000'000, "max batch");
    else if (key == "chunk")
      spec.config.chunk = whole(text, o, 1, 100'000'000, "chunk tokens");
    else if (key == "slo_ttft")
      spec.slo.ttft_s = slo_seconds(text, o);
    else if (key == "slo_tpot")
      spec.slo.tpot_s = slo_seconds(text, o);
    else if (key == "seed")
      spec.seed = static_cast<std::uint64_t>(whole(text, o, 0, 1'000'000'000'000'000'000LL, "seed"));
    else if (key == "find_capacity") {
      const std::string t = trim(text);
      if (t != "true" && t != "false") fail(o, "'" + t + "' is not true or false");
      spec.find_capacity = t == "true";
    }
  }
  auto origin = [&](const char* k) {
    auto it = options.find(k);
    return it != options.end() ? it->second.second : OptionOrigin{"", 0, 0, std::string("--") + k};
  };
  if (spec.trace && options.count("arrival") && spec.arrival != ArrivalKind::Offline)
    fail(origin("arrival"), "a trace brings its own arrival times (only 'offline' may be combined with --trace)");
  if (!spec.trace && !spec.requests)
    fail(origin("requests"), "give --trace FILE.csv, or --requests N with --arrival, --prompt and --output");
  if (!spec.trace && spec.arrival != ArrivalKind::Offline && !spec.rate)
    fail(origin("rate"), "a Poisson or gamma workload needs --rate (requests per second)");
  if (spec.find_capacity && !spec.slo.any())
    fail(origin("find_capacity"), "--find-capacity needs an SLO (--slo-ttft and/or --slo-tpot)");
  if (spec.find_capacity && spec.arrival == ArrivalKind::Offline)
    fail(origin("find_capacity"), "--find-capacity varies the arrival rate: it does not apply to offline arrivals");
  if (options.count("cv") && spec.arrival != ArrivalKind::Gamma)
    fail(origin("cv"), "--cv applies to --arrival gamma only");
  return spec;
}

}  // namespace

void check_serve_options(const Options& options, const std::filesystem::path& config_root) {
  const ServeSpec spec = parse_spec(options, config_root);
  if (spec.trace) (void)load_trace(*spec.trace);
}

const std::vector<std::string>& serve_option_keys() {
  static const std::vector<std::string> k{"trace",     "arrival", "rate",     "cv",       "requests", "scheduler",
                                          "max_batch", "chunk",   "slo_ttft", "slo_tpot", "seed",     "find_capacity"};
  return k;
}

namespace {

/// The contract's `speculative` object for a serve run: the method and acceptance, the
/// mean tokens per step the run actually drew (beside the closed form), and the draft and
/// verify times of one step at batch 1 and the mean request length (the probe).
Json speculative_json(const SpeculativeResult& s, const ServeOutcome& o) {
  const double drawn = o.speculative_draws > 0
                           ? static_cast<double>(o.speculative_tokens_drawn) / static_cast<double>(o.speculative_draws)
                           : 0.0;
  return Json{{"method", s.method},
              {"draft_model", s.draft_model},
              {"k", s.k},
              {"acceptance", s.acceptance},
              {"tokens_per_step", drawn},
              {"tokens_per_step_expected", s.tokens_per_step},
              {"verification_steps", o.speculative_draws},
              {"draft_s", s.draft_s},
              {"verify_s", s.verify_s},
              {"step_s", s.step_s},
              {"draft_devices", s.draft_devices},
              {"draft_group", s.draft_group}};
}

double summarize_rate(const std::vector<ServeRequest>& r) {
  return r.size() > 1 && r.back().arrival_s > 0 ? static_cast<double>(r.size() - 1) / r.back().arrival_s : 0;
}

std::vector<ServeRequest> make_requests(const ServeSpec& spec, const std::optional<Trace>& trace, double rate) {
  if (trace) return replay(*trace, rate, spec.requests.value_or(0), spec.arrival == ArrivalKind::Offline);
  SyntheticWorkload w;
  w.arrival = spec.arrival;
  w.rate = rate > 0 ? rate : 1;
  w.cv = spec.cv;
  w.requests = *spec.requests;
  w.prompt = LengthDistribution::parse(spec.prompt, "--prompt");
  w.output = LengthDistribution::parse(spec.output, "--output");
  w.seed = spec.seed;
  return generate_requests(w);
}

}  // namespace

ServeRunResult run_serve(const RequestRunner& runner, const EvalRequest& base_in, const Options& options,
                         bool record_steps) {
  ServeSpec spec = parse_spec(options, runner.config_root());
  // Speculative decoding: the eval options of CONTRACTS.md, checked as `eval` checks them.
  const std::optional<SpeculativeSpec> speculative = base_in.speculative.spec();
  std::optional<Trace> trace;
  if (spec.trace) trace = load_trace(*spec.trace);
  const double rate = spec.rate.value_or(0);
  std::vector<ServeRequest> requests = make_requests(spec, trace, rate);
  ServeRunResult out;
  out.slo = spec.slo;

  double mean_len = 0;
  std::int64_t longest = 1;
  for (const auto& r : requests) {
    mean_len += static_cast<double>(r.prompt + r.output);
    longest = std::max(longest, r.prompt + r.output);
  }
  mean_len /= static_cast<double>(requests.size());

  // The probe: a decode step at the largest batch the scheduler may run, at the mean
  // request length. It fixes the device count (`auto` sizes for it, A-319), the KV
  // capacity left beside the weights, the static power and the price.
  EvalRequest base = base_in;
  EvaluatorSteps steps(runner, base);
  const auto probe_ctx = static_cast<std::int64_t>(std::llround(std::max(1.0, mean_len)));
  if (base.options.devices.mode != DeviceCount::Mode::Fixed) {
    EvalRequest sizing = base;
    sizing.options.workload.phase = Phase::Decode;
    sizing.options.workload.batch = spec.config.max_batch;
    sizing.options.workload.context = probe_ctx;
    const RunResult sized = runner.run(sizing, !base.serve);
    if (sized.devices > 0) base.options.devices = DeviceCount{DeviceCount::Mode::Fixed, sized.devices};
    steps = EvaluatorSteps(runner, base);
  }
  // With speculative decoding the probe is a speculative step: the draft's weights and KV
  // cache sit beside the target's and take their share of the memory.
  const RunResult probe = steps.eval(Phase::Decode, 1, probe_ctx, speculative.has_value());
  Json head{{"system", probe.system},
            {"model", probe.model},
            {"devices", probe.devices},
            {"dtype", std::string(dtype_name(base.options.workload.dtype))},
            {"fidelity", std::string(fidelity_name(probe.fidelity))},
            {"scheduler", scheduler_name(spec.config.scheduler)}};
  auto not_fit = [&](const std::string& why) {
    out.fits = false;
    out.fit_error = why;
    out.json = head;
    out.json["fits"] = false;
    out.json["fit_error"] = why;
    return out;
  };
  if (!probe.fits) return not_fit(probe.fit_error);

  // KV capacity: the decode group's memory less weights and activations.
  const double kv_per_token = probe.kv_cache / static_cast<double>(probe_ctx);
  const double kv_free = probe.capacity - probe.weights - probe.activations;
  ServeConfig cfg = spec.config;
  cfg.kv_blocks = kv_per_token > 0 ? static_cast<std::int64_t>(kv_free / (kv_per_token * cfg.block_tokens)) : 0;
  const double block_bytes = kv_per_token * static_cast<double>(cfg.block_tokens);
  const std::int64_t need = (longest + cfg.block_tokens - 1) / cfg.block_tokens;
  if (cfg.kv_blocks < need)
    return not_fit(
        fmt::format("the longest request ({} tokens) needs {} of KV cache but {} is left beside the "
                    "weights ({} of {})",
                    longest, format_quantity(static_cast<double>(need) * block_bytes, UnitKind::Bytes),
                    format_quantity(std::max(0.0, kv_free), UnitKind::Bytes),
                    format_quantity(probe.weights, UnitKind::Bytes), format_quantity(probe.capacity, UnitKind::Bytes)));

  // Prefill and decode on different groups: colocated schedulers wait for the KV transfer.
  const RunResult prefill_probe = steps.eval(Phase::Prefill, 1, 128);
  const bool split = prefill_probe.kv_transfer_bytes > 0;
  // Without --scheduler: disaggregated where prefill and decode have their own groups.
  if (!options.count("scheduler") && split) cfg.scheduler = SchedulerKind::Disaggregated;
  head["scheduler"] = scheduler_name(cfg.scheduler);
  if (cfg.scheduler == SchedulerKind::Disaggregated && !split)
    fail(options.count("scheduler") ? options.at("scheduler").second : OptionOrigin{"", 0, 0, "--scheduler"},
         fmt::format("'disaggregated' needs a system whose prefill and decode run on different groups ({} runs both "
                     "on one)",
                     probe.system));
  cfg.transfer_after_prefill = split && cfg.scheduler != SchedulerKind::Disaggregated;
  cfg.record_steps = record_steps;
  if (speculative) {
    cfg.acceptance = speculative->acceptance_model();
    cfg.acceptance_seed = spec.seed;
  }
  out.group_names = cfg.scheduler == SchedulerKind::Disaggregated
                        ? std::vector<std::string>{"prefill group", "decode group", "KV link"}
                        : std::vector<std::string>{"steps"};

  RunScale scale;
  scale.kv_bytes_per_block = block_bytes;
  double capex_usd_per_s = 0, usd_per_j = 0;
  // Static power and prices from a plain step: a speculative step's energy counts the
  // draft's devices only while they draft, but the whole system idles the whole run.
  const RunResult plain_probe = speculative ? steps.eval(Phase::Decode, 1, probe_ctx) : probe;
  if (plain_probe.energy && plain_probe.fits) {
    const EnergyReport& e = *plain_probe.energy;
    // every group holds the model the whole run (resident), busy or not.
    scale.static_power_w = e.resident_system_w;
    scale.static_cooling_w = e.resident_cooling_w;
    scale.cooling_share = e.cooling_share;
    // The energy model's own price terms, per second of ownership and per joule.
    capex_usd_per_s = e.cost.capex_per_million * plain_probe.tokens_per_s.value_or(0) / 1e6;
    usd_per_j = e.energy_j_per_token > 0 ? e.cost.energy_per_million / (1e6 * e.energy_j_per_token) : 0;
  }

  StepTimeCache cache(steps);
  auto simulate_at = [&](const std::vector<ServeRequest>& reqs, bool record) {
    ServeConfig c = cfg;
    c.record_steps = record;
    try {
      return simulate(reqs, c, cache);
    } catch (const EvaluatorSteps::NotFit& e) {
      throw std::runtime_error(e.message);
    }
  };
  ServeOutcome outcome;
  try {
    outcome = simulate(requests, cfg, cache);
  } catch (const EvaluatorSteps::NotFit& e) {
    return not_fit(e.message);
  }
  const ServeMetrics m = summarize(outcome, spec.slo, scale);
  auto cost_json = [&](const ServeMetrics& x) {
    if (x.throughput_tokens_per_s <= 0 || !plain_probe.energy) return Json(nullptr);
    return Json(1e6 * capex_usd_per_s / x.throughput_tokens_per_s + 1e6 * x.energy_j_per_token * usd_per_j);
  };
  out.json = head;
  out.json["fits"] = true;
  const Json metrics = metrics_json(m);
  for (auto it = metrics.begin(); it != metrics.end(); ++it) out.json[it.key()] = it.value();
  out.json["cost_per_million_tokens"] = cost_json(m);
  out.json["kv_capacity_bytes"] = static_cast<double>(cfg.kv_blocks) * block_bytes;
  out.json["step_evaluations"] = cache.evaluations();
  if (speculative && probe.speculative) out.json["speculative"] = speculative_json(*probe.speculative, outcome);

  if (spec.find_capacity) {
    const double natural = trace ? summarize_rate(replay(*trace, 0, spec.requests.value_or(0), false)) : 0;
    const double start = rate > 0 ? rate : (natural > 0 ? natural : 1.0);
    const CapacityResult cap = find_capacity(
        [&](double r) { return summarize(simulate_at(make_requests(spec, trace, r), false), spec.slo, scale); },
        spec.slo, start);
    out.json["capacity_requests_per_s"] = cap.rate;
    out.json["capacity_tokens_per_s"] = cap.rate > 0 ? cap.at_capacity.throughput_tokens_per_s : 0.0;
    out.json["capacity_users"] = cap.rate > 0 ? cap.at_capacity.mean_in_system : 0.0;
    out.json["capacity_cost_per_million_tokens"] = cap.rate > 0 ? cost_json(cap.at_capacity) : Json(nullptr);
    out.json["capacity_runs"] = cap.runs;
  }
  out.json["step_evaluations"] = cache.evaluations();
  out.outcome = std::move(outcome);
  return out;
}

}  // namespace wafersim
