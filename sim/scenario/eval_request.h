#pragma once
// One evaluation as a user states it: system and model names, the eval options as
// text, and `--set` overrides. Shared by `eval`/`explain`/`trace`, scenario points
// and anchors rows, so every entry point validates options the same way.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sim/config/config_library.h"
#include "sim/timing/evaluator.h"
#include "sim/workload/speculative_spec.h"

namespace wafersim {

/// Where an option's text came from, for messages: a CLI option or a file location.
struct OptionOrigin {
  std::string file;  ///< "" for the command line
  int line = 0, column = 0;
  std::string path;  ///< "--batch", "fixed.batch", "row 3: batch"
};

/// The speculative-decoding options as given, in any order; `spec()` joins them.
struct SpeculativeOptions {
  std::optional<SpeculativeSpec> method;    ///< --speculative
  std::optional<int> draft_tokens;          ///< --draft-tokens
  std::optional<double> acceptance;         ///< --acceptance
  std::optional<double> accepted_per_step;  ///< --accepted-per-step
  /// The spec, or none without --speculative; throws InputError for the other
  /// options without it, and --draft-tokens beside mtp:K.
  [[nodiscard]] std::optional<SpeculativeSpec> spec() const;
};

struct EvalRequest {
  std::string system;
  std::string model;
  EvalOptions options;
  SpeculativeOptions speculative;
  std::vector<Override> overrides;
  /// `phase: serve` (a scenario point or `wafersim serve`): a serving simulation, with
  /// the serve options (and the prompt/output lengths, which may be distributions) as text.
  bool serve = false;
  std::map<std::string, std::pair<std::string, OptionOrigin>> serve_options;

  /// The option keys `set_option` accepts (CONTRACTS.md eval options).
  static const std::vector<std::string>& keys();
  /// Sets one option from text; throws InputError located at `origin`.
  void set_option(const std::string& key, const std::string& value, const OptionOrigin& origin);
};

/// Inline definitions a scenario carries (`systems:`, `devices:`, `models:`).
struct InlineConfigs {
  std::vector<std::pair<ConfigFolder, std::pair<std::string, ConfigNode>>> items;
  void add_to(ConfigLibrary& library) const;
};

/// Loads the system and model of a request (presets, inline definitions, overrides)
/// and evaluates it. Throws InputError for bad input; a model that does not fit is
/// a RunResult with fits = false. Loaded configs are cached per (system, model,
/// overrides), so a sweep parses each YAML file once, not once per point; the
/// cache is shared by the threads of a scenario run (thread-safe).
class RequestRunner {
 public:
  RequestRunner(const Registry& registry, std::filesystem::path config_root, InlineConfigs inline_configs = {});
  /// `strict`: an override that names no config in use is an error (eval); scenarios
  /// sweep overrides over points that do not all use them, and check usage overall.
  [[nodiscard]] RunResult run(const EvalRequest& request, bool strict = true) const;
  /// Loads everything the request names and checks the options against the model,
  /// without timing anything (scenario validation before work starts). Returns the
  /// paths of overrides no config of this request used.
  [[nodiscard]] std::vector<std::string> check(const EvalRequest& request) const;
  /// Fully resolved configs (presets and overrides applied) the request uses.
  [[nodiscard]] std::vector<LoadedConfig> resolved_configs(const EvalRequest& request) const;
  /// The devices of the request's system, one per group.
  [[nodiscard]] std::vector<std::shared_ptr<const Device>> devices(const EvalRequest& request) const;
  [[nodiscard]] const Registry& registry() const { return registry_; }
  [[nodiscard]] const std::filesystem::path& config_root() const { return root_; }

 private:
  struct Loaded;
  struct Cache;
  [[nodiscard]] std::shared_ptr<const Loaded> load(const EvalRequest& request, bool strict) const;

  const Registry& registry_;
  std::filesystem::path root_;
  InlineConfigs inline_;
  std::shared_ptr<Cache> cache_;
};

}  // namespace wafersim
