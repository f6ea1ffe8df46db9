#include "sim/cli/cli_app.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <thread>

#include "models/register_builtin.h"
#include "sim/cli/cli_common.h"
#include "sim/core/text.h"
#include "sim/core/build_info.h"

namespace wafersim::cli {

void SpeculativeArgs::add_speculative_to(CLI::App& app) {
  app.add_option("--speculative", speculative,
                 "Speculative decoding: draft:MODEL (a draft model) or mtp:K (K prediction modules of the target)");
  app.add_option("--draft-tokens", draft_tokens, "Tokens the draft proposes per step (default 4; mtp:K drafts K)");
  app.add_option("--acceptance", acceptance,
                 "Per-token acceptance probability in [0, 1] (default 0.7 for a draft model, 0.85 for mtp)");
  app.add_option("--accepted-per-step", accepted_per_step,
                 "Mean tokens per verification step, the target's own included, in [1, k+1] (overrides --acceptance)");
}

void EvalArgs::add_to(CLI::App& app, bool with_json) {
  app.add_option("--system", system, "System or device preset name, or a YAML file")->required();
  app.add_option("--model", model, "Model preset name, a YAML model spec, or a Hugging Face config.json")->required();
  app.add_option("--devices", devices, "Devices in the main group: a count or 'auto' (default: the system's)");
  app.add_option("--phase", phase, "prefill | decode | encode | generate (default decode)");
  app.add_option("--batch", batch, "Sequences per step (default 1)");
  app.add_option("--prompt", prompt, "Prompt tokens for prefill/encode/generate (default 512)");
  app.add_option("--context", context, "Context tokens for decode (default 1024)");
  app.add_option("--output", output, "Output tokens for generate (default 128)");
  app.add_option(
      "--dtype", dtype,
      "fp32 | fp16 | bf16 | fp8 | int8 | int4 | bfp8 (default fp16; bfp8: Groq block floating point, A-276)");
  app.add_option("--kv-dtype", kv_dtype, "KV cache format (default: same as --dtype)");
  app.add_option("--fidelity", fidelity,
                 "roofline | approx | cycle (default approx; a kind without approx runs its most detailed level "
                 "below it)");
  app.add_option("--set", sets, "Override a config value: NAME.path=VALUE (repeatable)");
  add_speculative_to(app);
  if (with_json) app.add_flag("--json", json, "Print the result as one JSON object");
}

EvalRequest EvalArgs::request() const {
  EvalRequest r;
  auto set = [&](const char* key, const char* option, const std::string& value) {
    if (!value.empty()) r.set_option(key, value, OptionOrigin{"", 0, 0, option});
  };
  set("system", "--system", system);
  set("model", "--model", model);
  set("devices", "--devices", devices);
  set("phase", "--phase", phase);
  set("batch", "--batch", batch);
  set("prompt", "--prompt", prompt);
  set("context", "--context", context);
  set("output", "--output", output);
  set("dtype", "--dtype", dtype);
  set("kv_dtype", "--kv-dtype", kv_dtype);
  set("fidelity", "--fidelity", fidelity);
  set("speculative", "--speculative", speculative);
  set("draft_tokens", "--draft-tokens", draft_tokens);
  set("acceptance", "--acceptance", acceptance);
  set("accepted_per_step", "--accepted-per-step", accepted_per_step);
  r.overrides = parse_sets(sets);
  return r;
}

std::vector<Override> parse_sets(const std::vector<std::string>& sets) {
  std::vector<Override> out;
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError::option("--set", "'" + s + "' is not PATH=VALUE (e.g. --set wse3.core.sram=96KiB)");
    const std::string path = trim(s.substr(0, eq));
    if (path.find('.') == std::string::npos)
      throw InputError::option("--set", "'" + path + "' is not NAME.key (e.g. wse3.core.sram)");
    out.push_back(Override{path, trim(s.substr(eq + 1)), "--set"});
  }
  return out;
}

namespace {

// An option the subcommand does not have, named with a did-you-mean, so a typo is
// not reported as the required option it was meant to be ("--sytem" -> "--system").
// Empty when every option is known.
std::string unknown_option(const CLI::App& sub, int argc, const char* const* argv) {
  std::vector<std::string> names{"--help"};
  for (const CLI::Option* o : sub.get_options()) {
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
  }
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    const bool long_opt = a.rfind("--", 0) == 0 && a.size() > 2;
    const bool short_opt = !long_opt && a.size() >= 2 && a[0] == '-' && std::isalpha(static_cast<unsigned char>(a[1]));
    if (!long_opt && !short_opt) continue;
    if (long_opt)
      a = a.substr(0, a.find('='));
    else
      a = a.substr(0, 2);
    if (std::find(names.begin(), names.end(), a) != names.end()) continue;
    return "'" + sub.get_name() + "' has no option '" + a + "'" + did_you_mean(a, names) + " (run 'wafersim " +
           sub.get_name() + " --help' for the list)";
  }
  return "";
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  try {
    Registry registry;
    models::register_builtin(registry);
    const Context ctx{registry, ConfigLibrary::default_root(), out, err};

    CLI::App app{"wafersim: wafer-scale processors, GPUs and LPUs running transformer inference, side by side."};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string(build_version()) + " (git " + build_git_hash() + ")");

    EvalArgs eval_args, explain_args, trace_args;
    auto* eval = app.add_subcommand("eval", "Evaluate one model on one system: latency, tokens/s, what bounds it");
    eval_args.add_to(*eval, true);
    auto* explain = app.add_subcommand("explain", "Per-op table: time, share, bound, FLOPs, bytes");
    explain_args.add_to(*explain, true);
    bool every_op = false;
    int top = 0;
    explain->add_flag("--all-ops", every_op, "One row per op of every layer (default: ops summed over layers)");
    explain->add_option("--top", top, "Only the N longest rows (default 0: all)")->check(CLI::Range(0, 1000000));
    auto* trace = app.add_subcommand("trace", "Write a Perfetto/Chrome trace of one step");
    trace_args.add_to(*trace, false);
    std::string trace_out = "trace.json";
    trace->add_option("-o,--output-file", trace_out, "Trace file to write (default trace.json)");

    ServeArgs serve_args;
    auto* serve =
        app.add_subcommand("serve", "Request-level serving simulation: arrivals, batching, latency, capacity");
    serve_args.add_to(*serve);

    auto* run_cmd = app.add_subcommand("run", "Run a scenario: every grid point, results, charts");
    RunArgs run_args;
    run_cmd->add_option("scenario", run_args.scenario, "Scenario YAML file or preset name")->required();
    run_cmd->add_option("-o,--out", run_args.out_dir, "Output root (default out/)");
    run_cmd
        ->add_option("-j,--jobs", run_args.jobs,
                     "Points evaluated in parallel (default: all cores, shared by the MPI ranks on a machine)")
        ->check(CLI::Range(1, 1024));
    run_cmd->add_option("--set", run_args.sets, "Override a config value: NAME.path=VALUE (repeatable)");
    run_cmd->add_flag("--resume", run_args.resume, "Keep points an interrupted run finished");
    run_cmd->add_flag("--quiet", run_args.quiet, "No progress output");
    run_cmd
        ->add_option("--shard", run_args.shard,
                     "Run only shard K of N (grid index mod N = K) into DIR/NAME/shards/K-of-N/; 'auto': K and N "
                     "from a Slurm array or Kubernetes Indexed Job")
        ->type_name("K/N|auto");

    auto* merge = app.add_subcommand("merge", "Merge the shards of a sharded run into one run's files and charts");
    std::string merge_dir;
    bool merge_quiet = false;
    merge->add_option("dir", merge_dir, "The scenario's output folder, e.g. out/memory-wall")->required();
    merge->add_flag("--quiet", merge_quiet, "No summary table");

    auto* anchors = app.add_subcommand("anchors", "Predicted vs published numbers, with error");
    std::string anchors_file;
    bool anchors_json = false;
    anchors->add_option("file", anchors_file, "Anchors CSV (default configs/anchors.csv)");
    anchors->add_flag("--json", anchors_json, "Print rows as JSON");
    std::string anchors_fidelity;
    anchors->add_option("--fidelity", anchors_fidelity,
                        "roofline | approx | cycle for every row (default approx; a kind without approx runs its most "
                        "detailed level below it)");

    auto* crosscheck = app.add_subcommand("crosscheck", "Approx against the cycle-level reference, kernel by kernel");
    CrosscheckArgs cc;
    crosscheck->add_option("--system", cc.system, "System or device preset (default wse-mini)");
    crosscheck->add_option("--model", cc.model,
                           "Model whose decode and prefill steps are compared (default tiny-llama)");
    crosscheck->add_flag("--quick", cc.quick, "A small subset of the sweep (tests)");
    crosscheck->add_option("--set", cc.sets,
                           "Override a config value, e.g. wse-mini.fabric.hop_latency=\"2 cycle\" (repeatable)");
    crosscheck->add_flag("--json", cc.json, "Print the table as JSON");
    crosscheck->add_flag("--markdown", cc.markdown, "Print the table as markdown (docs/validation.md)");
    crosscheck->add_option("-o,--output-file", cc.output_file, "Write the table to this file (atomically)");

    auto* list = app.add_subcommand("list", "List presets: devices, systems, models, scenarios");
    std::string list_what;
    list->add_option("what", list_what, "devices | systems | models | scenarios (default: all)");

    auto* check = app.add_subcommand("check", "Validate config files and report every error");
    std::vector<std::string> check_files;
    check->add_option("files", check_files, "YAML files")->required();

    auto* describe = app.add_subcommand(
        "describe",
        "Every key of a config kind (type, unit, default, doc), or every result field (name, unit, meaning)");
    std::string describe_kind;
    bool markdown = false, describe_json = false;
    std::string kinds_text;
    for (const auto& k : registry.devices().kinds()) kinds_text += k + " | ";
    describe->add_option("kind", describe_kind, kinds_text + "system | model | scenario | results | all");
    describe->add_flag("--markdown", markdown, "Markdown tables (docs/config-reference.md)");
    describe->add_flag("--json", describe_json, "describe results: the table as JSON (what the chart renderer reads)");

    if (argc > 1 && argv[1][0] != '-') {
      std::vector<std::string> names;
      for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
      if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
        err << "wafersim: error: unknown command '" << argv[1] << "'" << did_you_mean(argv[1], names)
            << " (commands: " << quoted_list(names) << ")\n";
        return kBadInput;
      }
      if (const std::string unknown = unknown_option(*app.get_subcommand(argv[1]), argc, argv); !unknown.empty()) {
        err << "wafersim: error: " << unknown << "\n";
        return kBadInput;
      }
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e, out, err);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e, out, err);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
      err << "wafersim: error: " << e.what() << "\n(run 'wafersim --help' or 'wafersim SUBCOMMAND --help')\n";
      return kBadInput;
    }

    if (eval->parsed()) return cmd_eval(ctx, eval_args);
    if (explain->parsed()) return cmd_explain(ctx, explain_args, every_op, top);
    if (trace->parsed()) return cmd_trace(ctx, trace_args, trace_out);
    if (serve->parsed()) return cmd_serve(ctx, serve_args);
    if (run_cmd->parsed()) return cmd_run(ctx, run_args);
    if (merge->parsed()) return cmd_merge(ctx, merge_dir, merge_quiet);
    if (anchors->parsed())
      return cmd_anchors(ctx, anchors_file.empty() ? (ctx.config_root / "anchors.csv").string() : anchors_file,
                         anchors_json, anchors_fidelity);
    if (crosscheck->parsed()) return cmd_crosscheck(ctx, cc);
    if (list->parsed()) return cmd_list(ctx, list_what);
    if (check->parsed()) return cmd_check(ctx, check_files);
    if (describe->parsed()) return cmd_describe(ctx, describe_kind, markdown, describe_json);
    return kBadInput;
  } catch (const InputError& e) {
    for (const auto& d : e.diagnostics()) err << "wafersim: error: " << d.format() << "\n";
    return kBadInput;
  } catch (const OverflowError& e) {
    err << "wafersim: error: a size does not fit in 64 bits (" << e.what() << "); check the values given\n";
    return kBadInput;
  } catch (const std::exception& e) {
    err << "wafersim: error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace wafersim::cli
