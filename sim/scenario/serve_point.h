#pragma once
// One `wafersim serve` run as a user states it (CLI options or a scenario point with
// `phase: serve`): the serve options as text, parsed and validated here, then run
// against the steps the timing layer produces for the request's system and model.

#include <map>
#include <optional>
#include <string>

#include "sim/scenario/eval_request.h"
#include "sim/serving/serving_metrics.h"
#include "sim/serving/serving_report.h"

namespace wafersim {

/// The serve option keys (beside the eval keys system, model, devices, dtype, fidelity).
[[nodiscard]] const std::vector<std::string>& serve_option_keys();

/// Checks the serve options (and reads the trace) without simulating: scenario
/// validation before work starts. Throws InputError naming the option.
void check_serve_options(const std::map<std::string, std::pair<std::string, OptionOrigin>>& options,
                         const std::filesystem::path& config_root);

struct ServeRunResult {
  bool fits = true;
  std::string fit_error;
  Json json;                      ///< the --json object
  serving::ServeOutcome outcome;  ///< of the main run (requests.csv, trace.json)
  serving::Slo slo;
  std::vector<std::string> group_names;
};

/// Parses the options (`options`: key → text and origin), runs the simulation (and the
/// capacity search when asked). Throws InputError naming the option for bad input.
[[nodiscard]] ServeRunResult run_serve(const RequestRunner& runner, const EvalRequest& base,
                                       const std::map<std::string, std::pair<std::string, OptionOrigin>>& options,
                                       bool record_steps);

}  // namespace wafersim
