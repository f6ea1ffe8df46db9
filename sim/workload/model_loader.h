#pragma once
// Turns what a user names with --model (or a scenario's `model:`) into a ModelSpec:
// a preset name from configs/models/, a path to a YAML model spec, an inline model
// from a scenario (all through ConfigLibrary, so presets, `preset:` chains and
// --set overrides apply), or a path to a Hugging Face config.json (HfImport).

#include <string>

#include "sim/config/config_library.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

class ModelLoader {
 public:
  /// Loads and validates a model; `what` names the option in messages. Throws
  /// InputError for unknown names, configs of another kind, and invalid specs.
  [[nodiscard]] static ModelSpec load(ConfigLibrary& library, const std::string& name_or_path,
                                      const std::string& what = "--model");
  /// Parses a loaded `kind: model` config with model_schema(), reporting every error.
  [[nodiscard]] static ModelSpec parse(const LoadedConfig& config);
};

}  // namespace wafersim
