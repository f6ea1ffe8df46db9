// `wafersim serve`: request-level serving simulation (CONTRACTS.md "Serving").

#include <filesystem>
#include <fmt/format.h>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/core/text.h"
#include "sim/config/unit_parser.h"
#include "sim/report/atomic_file.h"
#include "sim/report/text_table.h"
#include "sim/scenario/serve_point.h"

namespace wafersim::cli {
namespace {

std::string seconds(const Json& v) { return v.is_number() ? format_seconds(v.get<double>()) : "-"; }

void print_dist(std::ostream& out, const char* name, const Json& d) {
  if (!d.is_object()) {
    out << fmt::format("  {:<24}-\n", name);
    return;
  }
  out << fmt::format("  {:<24}mean {:>10} · p50 {:>10} · p90 {:>10} · p99 {:>10}\n", name, seconds(d["mean"]),
                     seconds(d["p50"]), seconds(d["p90"]), seconds(d["p99"]));
}

void print_summary(std::ostream& out, const ServeRunResult& r) {
  const Json& j = r.json;
  const int devices = j["devices"].get<int>();
  out << fmt::format("{} on {} ({} device{}) · {} · {} scheduler · {}\n", j["model"].get<std::string>(),
                     j["system"].get<std::string>(), devices, devices == 1 ? "" : "s", j["dtype"].get<std::string>(),
                     j["scheduler"].get<std::string>(), j["fidelity"].get<std::string>());
  auto line = [&](const std::string& k, const std::string& v) { out << fmt::format("  {:<24}{}\n", k, v); };
  if (!r.fits) {
    line("fits", "no");
    line("why", r.fit_error);
    return;
  }
  const double d = j["duration_s"].get<double>();
  line("requests",
       fmt::format("{} completed of {} in {}", j["completed"].get<std::int64_t>(), j["requests"].get<std::int64_t>(),
                   d >= 120 ? fmt::format("{:.1f} min", d / 60) : format_seconds(d)));
  line("offered load", j["request_rate"].is_number() ? fmt::format("{:.3g} requests/s", j["request_rate"].get<double>())
                                                     : "all at once (offline)");
  line("throughput", fmt::format("{:.3g} requests/s · {} output tokens/s", j["throughput_requests_per_s"].get<double>(),
                                 format_count(j["throughput_tokens_per_s"].get<double>())));
  print_dist(out, "time to first token", j["ttft_s"]);
  print_dist(out, "time per output token", j["tpot_s"]);
  print_dist(out, "end to end", j["e2e_s"]);
  if (j["tpot_s"].is_object())
    line("tokens/s per user", fmt::format("{:.3g} at the median TPOT", 1.0 / j["tpot_s"]["p50"].get<double>()));
  if (j.contains("speculative")) {
    const Json& s = j["speculative"];
    const int k = s["k"].get<int>();
    line("speculative",
         fmt::format("{} · k = {} · acceptance {:.3g} per token",
                     s["method"].get<std::string>() == "mtp" ? s["draft_model"].get<std::string>()
                                                             : "draft " + s["draft_model"].get<std::string>(),
                     k, s["acceptance"].get<double>()));
    line("tokens per step", fmt::format("{:.3f} drawn over {} verifications (expected {:.3f}, at most {})",
                                        s["tokens_per_step"].get<double>(), s["verification_steps"].get<std::int64_t>(),
                                        s["tokens_per_step_expected"].get<double>(), k + 1));
    line("one step (batch 1)",
         fmt::format("{} = draft {} + verify {}", format_seconds(s["step_s"].get<double>()),
                     format_seconds(s["draft_s"].get<double>()), format_seconds(s["verify_s"].get<double>())));
  }
  line("batch", fmt::format("mean {:.1f} sequences per decode step · max {}", j["mean_batch"].get<double>(),
                            j["max_batch_reached"].get<std::int64_t>()));
  line("KV cache", fmt::format("peak {} of {} · {} preemptions (recomputed)",
                               format_quantity(j["kv_peak_bytes"].get<double>(), UnitKind::Bytes),
                               format_quantity(j["kv_capacity_bytes"].get<double>(), UnitKind::Bytes),
                               j["preemptions"].get<std::int64_t>()));
  if (j["slo_attainment"].is_number())
    line("SLO", fmt::format("{:.1f}% of requests met it · goodput {:.3g} requests/s",
                            100 * j["slo_attainment"].get<double>(), j["goodput_requests_per_s"].get<double>()));
  if (j["energy_j_per_token"].get<double>() > 0) {
    // the run's joules by part, as shares of the total.
    const Json& e = j["energy_j"];
    const double total = e["total"].get<double>();
    std::string parts;
    for (const char* k : {"prefill", "mixed", "decode", "transfer", "resident", "cooling"}) {
      const double v = e[k].get<double>();
      if (v <= 0) continue;
      auto share = [&](double x) {
        return 100 * x / total < 0.5 ? std::string("<1%") : fmt::format("{:.0f}%", 100 * x / total);
      };
      parts += fmt::format(" · {} {}", std::string(k) == "mixed" ? "mixed steps" : k, share(v));
      if (std::string(k) == "resident" && j["idle_s"].get<double>() > 0)
        parts += fmt::format(" (idle {})", share(j["idle_energy_j"].get<double>()));
    }
    line("energy", fmt::format("{:.3g} J per output token · {} mean{}", j["energy_j_per_token"].get<double>(),
                               format_quantity(j["power_w"].get<double>(), UnitKind::Watts), parts));
  }
  if (j["cost_per_million_tokens"].is_number())
    line("cost",
         fmt::format("${:.3g} per million output tokens at this load", j["cost_per_million_tokens"].get<double>()));
  if (j.contains("capacity_requests_per_s")) {
    const double cap = j["capacity_requests_per_s"].get<double>();
    if (cap > 0)
      line("capacity at the SLO",
           fmt::format(
               "{:.3g} requests/s · {} output tokens/s · {:.0f} users at once{}", cap,
               format_count(j["capacity_tokens_per_s"].get<double>()), j["capacity_users"].get<double>(),
               j["capacity_cost_per_million_tokens"].is_number()
                   ? fmt::format(" · ${:.3g} per million tokens", j["capacity_cost_per_million_tokens"].get<double>())
                   : ""));
    else
      line("capacity at the SLO", "none: even a very low rate misses the SLO");
  }
  line("step evaluations",
       fmt::format("{} grid points timed by the engines", j["step_evaluations"].get<std::size_t>()));
}

}  // namespace

void ServeArgs::add_to(CLI::App& app) {
  app.add_option("--system", system, "System or device preset name, or a YAML file")->required();
  app.add_option("--model", model, "Model preset name, a YAML model spec, or a Hugging Face config.json")->required();
  app.add_option("--devices", devices, "Devices in the main group: a count or 'auto' (default: the system's)");
  app.add_option("--dtype", dtype, "fp32 | fp16 | bf16 | fp8 | int8 | int4 (default fp16)");
  app.add_option("--fidelity", fidelity, "roofline | approx | cycle (default: the most detailed each kind has)");
  app.add_option("--set", sets, "Override a config value: NAME.path=VALUE (repeatable)");
  app.add_option("--trace", options["trace"], "Trace CSV: Azure LLM format or arrival_s,prompt,output");
  app.add_option("--arrival", options["arrival"], "poisson | gamma | offline (default poisson)");
  app.add_option("--rate", options["rate"], "Requests per second (with --trace: replayed at this mean rate)");
  app.add_option("--cv", options["cv"], "Gamma arrivals: coefficient of variation of the gaps (1 = Poisson)");
  app.add_option("--requests", options["requests"], "Requests to generate (with --trace: the first N)");
  app.add_option("--prompt", options["prompt"], "Prompt tokens: N, uniform:A:B or lognormal:MEDIAN:SIGMA");
  app.add_option("--output", options["output"], "Output tokens: N, uniform:A:B or lognormal:MEDIAN:SIGMA");
  app.add_option("--scheduler", options["scheduler"],
                 "continuous | static | chunked | disaggregated (default: disaggregated on a system whose prefill and "
                 "decode groups differ, else continuous)");
  app.add_option("--max-batch", options["max_batch"], "Sequences per step at most (default 256)");
  app.add_option("--chunk", options["chunk"],
                 "Chunked: token budget per step (default 512); others: prefill tokens per step (default 8192)");
  app.add_option("--slo-ttft", options["slo_ttft"], "SLO on p99 time to first token (seconds, or \"200 ms\")");
  app.add_option("--slo-tpot", options["slo_tpot"], "SLO on p99 time per output token (seconds, or \"20 ms\")");
  app.add_flag("--find-capacity", find_capacity, "Bisect for the highest rate meeting the SLO");
  add_speculative_to(app);
  app.add_option("--seed", options["seed"],
                 "Random seed of the synthetic workload and of the accepted tokens drawn per step (default 1)");
  app.add_flag("--json", json, "Print the result as one JSON object");
  app.add_option("-o,--out", out_dir, "Also write requests.csv and trace.json into this folder");
}

int cmd_serve(const Context& ctx, const ServeArgs& args) {
  EvalRequest base;
  auto set = [&](const char* key, const char* option, const std::string& value) {
    if (!value.empty()) base.set_option(key, value, OptionOrigin{"", 0, 0, option});
  };
  set("system", "--system", args.system);
  set("model", "--model", args.model);
  set("devices", "--devices", args.devices);
  set("dtype", "--dtype", args.dtype);
  set("fidelity", "--fidelity", args.fidelity);
  set("speculative", "--speculative", args.speculative);
  set("draft_tokens", "--draft-tokens", args.draft_tokens);
  set("acceptance", "--acceptance", args.acceptance);
  set("accepted_per_step", "--accepted-per-step", args.accepted_per_step);
  base.overrides = parse_sets(args.sets);
  std::map<std::string, std::pair<std::string, OptionOrigin>> options;
  for (const auto& [key, value] : args.options) {
    if (value.empty()) continue;
    std::string flag = "--" + key;
    for (auto& c : flag) c = c == '_' ? '-' : c;
    options[key] = {value, OptionOrigin{"", 0, 0, flag}};
  }
  if (args.find_capacity) options["find_capacity"] = {"true", OptionOrigin{"", 0, 0, "--find-capacity"}};
  RequestRunner runner(ctx.registry, ctx.config_root);
  const ServeRunResult r = run_serve(runner, base, options, !args.out_dir.empty());
  if (args.json)
    ctx.out << r.json.dump(2) << "\n";
  else
    print_summary(ctx.out, r);
  if (!r.fits) return kDoesNotFit;
  if (!args.out_dir.empty()) {
    const std::filesystem::path dir(args.out_dir);
    std::filesystem::create_directories(dir);
    write_file_atomic(dir / "requests.csv", serving::requests_csv(r.outcome, r.slo));
    write_file_atomic(dir / "trace.json", serving::batches_trace(r.outcome, r.group_names).dump() + "\n");
    if (!args.json)
      ctx.out << "wrote " << (dir / "requests.csv").string() << " and " << (dir / "trace.json").string()
              << " (open it in ui.perfetto.dev)\n";
  }
  return kOk;
}

}  // namespace wafersim::cli
