#pragma once
// Shared pieces of the wafersim command line: the context every subcommand gets
// (registry, configs root, output streams) and the eval options several
// subcommands accept. Only the CLI prints and picks exit codes.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "sim/report/result_json.h"
#include "sim/scenario/eval_request.h"
#include "sim/scenario/sweep_results.h"

namespace wafersim::cli {

/// Exit codes (CONTRACTS.md).
enum ExitCode : int { kOk = 0, kFailure = 1, kBadInput = 2, kDoesNotFit = 3, kAnchorsOff = 4, kInterrupted = 130 };

struct Context {
  const Registry& registry;
  std::filesystem::path config_root;
  std::ostream& out;
  std::ostream& err;
};

/// The speculative-decoding options `eval` and `serve` share, as typed.
struct SpeculativeArgs {
  std::string speculative, draft_tokens, acceptance, accepted_per_step;
  void add_speculative_to(CLI::App& app);
};

/// The eval options as typed, kept as text so every message names its option.
struct EvalArgs : SpeculativeArgs {
  std::string system, model, devices, phase, batch, prompt, context, output, dtype, kv_dtype, fidelity;
  std::vector<std::string> sets;
  bool json = false;

  void add_to(CLI::App& app, bool with_json);
  /// Builds the request; throws InputError naming the option.
  [[nodiscard]] EvalRequest request() const;
};

/// Parses `--set PATH=VALUE` items.
[[nodiscard]] std::vector<Override> parse_sets(const std::vector<std::string>& sets);

/// "llama-3.1-8b on h100-sxm5 (1 device) · decode · batch 1 · ..."
[[nodiscard]] std::string headline(const RunResult& r);

/// `wafersim crosscheck` options.
struct CrosscheckArgs {
  std::string system = "wse-mini", model = "tiny-llama", output_file;
  std::vector<std::string> sets;  ///< `--set PATH=VALUE`, as for eval
  bool json = false, markdown = false, quick = false;
};

/// `wafersim serve` options, as typed (keys of serve_option_keys()).
struct ServeArgs : SpeculativeArgs {
  std::string system, model, devices, dtype, fidelity, out_dir;
  std::vector<std::string> sets;
  std::map<std::string, std::string> options;
  bool json = false, find_capacity = false;
  void add_to(CLI::App& app);
};

int cmd_serve(const Context& ctx, const ServeArgs& args);
int cmd_eval(const Context& ctx, const EvalArgs& args);
int cmd_explain(const Context& ctx, const EvalArgs& args, bool every_op, int top);
int cmd_trace(const Context& ctx, const EvalArgs& args, const std::string& out_path);
/// `wafersim run` options.
struct RunArgs {
  std::string scenario, out_dir = "out";
  int jobs = 0;  ///< 0: the machine's cores, shared among the MPI ranks on it
  std::vector<std::string> sets;
  bool resume = false, quiet = false;
  std::string shard;  ///< `--shard K/N` or `auto`; empty: the whole grid
};

int cmd_run(const Context& ctx, const RunArgs& args);
int cmd_merge(const Context& ctx, const std::string& dir, bool quiet);
/// The summary table of a sweep (run, merge): swept parameters, then the headline fields.
void print_sweep_summary(const Context& ctx, const std::vector<Json>& rows, const std::vector<std::string>& varying);
/// The same for a run whose rows may be on disk only: a table of `rows` when the run
/// has few, else the digest.
void print_sweep_summary(const Context& ctx, const std::vector<Json>& rows, const SweepDigest& digest,
                         const std::vector<std::string>& varying);
int cmd_anchors(const Context& ctx, const std::string& file, bool json, const std::string& fidelity = {});
/// One line per row of configs/anchors.csv on `r`'s system that is outside its
/// tolerance: results on that preset deserve a caveat.
[[nodiscard]] std::vector<std::string> calibration_caveats(const Context& ctx, const RunResult& r);
int cmd_crosscheck(const Context& ctx, const CrosscheckArgs& args);
int cmd_list(const Context& ctx, const std::string& what);
int cmd_check(const Context& ctx, const std::vector<std::string>& files);
int cmd_describe(const Context& ctx, const std::string& kind, bool markdown, bool json = false);

}  // namespace wafersim::cli
