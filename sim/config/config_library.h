#pragma once
// Finds and loads config files: preset names from configs/{devices,systems,models,
// scenarios}, paths to files, and definitions given inline in a scenario. Resolves
// `preset: NAME` chains (overrides merged over the preset, kinds must agree, cycles
// rejected) and applies `--set NAME.path=VALUE` overrides to the config called NAME
// when it is loaded. Knows folders and kinds as names only; which kinds are devices
// is told by the caller (hardware registers them).

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/config_node.h"

namespace wafersim {

/// Which folder of configs/ a name is looked up in.
enum class ConfigFolder { Devices, Systems, Models, Scenarios };
[[nodiscard]] std::string_view folder_name(ConfigFolder f);

/// A loaded config: its name (preset name or file stem), kind, and the merged tree.
struct LoadedConfig {
  std::string name;
  std::string kind;
  std::string source;  ///< file it came from, or "inline"
  ConfigNode node;     ///< presets merged, overrides applied, `kind`/`preset` keys consumed
};

/// One `--set NAME.path=VALUE` override.
struct Override {
  std::string path;    ///< as written: "wse3.core.sram"
  std::string value;   ///< as written: "96 KiB"
  std::string origin;  ///< "--set" or "file.yaml:12:3"
};

class ConfigLibrary {
 public:
  explicit ConfigLibrary(std::filesystem::path root);
  /// configs/ next to the binary's source tree, or $WAFERSIM_CONFIGS when set.
  [[nodiscard]] static std::filesystem::path default_root();
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

  /// Which kinds count as devices (told by the hardware registry).
  void set_device_kinds(std::vector<std::string> kinds) { device_kinds_ = std::move(kinds); }
  [[nodiscard]] const std::vector<std::string>& device_kinds() const { return device_kinds_; }

  /// Loads `name_or_path` looking in `folders` in order; `what` names the option
  /// in messages ("--system"). Throws InputError listing the presets when not found.
  [[nodiscard]] LoadedConfig load(const std::string& name_or_path, const std::vector<ConfigFolder>& folders,
                                  const std::string& what);
  /// Loads a file by path (any kind).
  [[nodiscard]] LoadedConfig load_file(const std::filesystem::path& path);
  /// Makes a definition from a scenario available by name (shadows presets).
  void add_inline(ConfigFolder folder, const std::string& name, ConfigNode node);

  /// Preset names in a folder, sorted.
  [[nodiscard]] std::vector<std::string> list(ConfigFolder folder) const;

  void add_override(Override o);
  /// Errors for overrides that matched no config loaded so far.
  [[nodiscard]] std::vector<Diagnostic> unused_overrides() const;
  /// Names of every config loaded, for messages and resolved.yaml.
  [[nodiscard]] const std::vector<LoadedConfig>& loaded() const { return loaded_; }

  /// Applies `path = value` (path relative to the config root) to a tree;
  /// `display_path` names the value in messages (default: the relative path).
  static void apply_override(ConfigNode& root, const std::string& relative_path, const std::string& value,
                             const std::string& origin, const std::string& display_path = "");

 private:
  [[nodiscard]] std::optional<std::filesystem::path> find_preset(ConfigFolder folder, const std::string& name) const;
  [[nodiscard]] LoadedConfig resolve(ConfigNode node, const std::string& name, const std::string& source, int depth);
  [[nodiscard]] ConfigFolder folder_for_kind(const std::string& kind) const;

  std::filesystem::path root_;
  std::vector<std::string> device_kinds_;
  std::map<std::pair<int, std::string>, ConfigNode> inline_;
  std::vector<Override> overrides_;
  std::vector<bool> override_used_;
  std::vector<LoadedConfig> loaded_;
};

}  // namespace wafersim
