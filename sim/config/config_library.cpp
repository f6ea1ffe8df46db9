#include "sim/config/config_library.h"

#include <algorithm>
#include <cstdlib>

#include "sim/config/yaml_loader.h"
#include "sim/core/text.h"
#include "sim/core/install_layout.h"

namespace fs = std::filesystem;

namespace wafersim {

std::string_view folder_name(ConfigFolder f) {
  switch (f) {
    case ConfigFolder::Devices:
      return "devices";
    case ConfigFolder::Systems:
      return "systems";
    case ConfigFolder::Models:
      return "models";
    case ConfigFolder::Scenarios:
      return "scenarios";
  }
  return "devices";
}

namespace {
constexpr int kMaxPresetDepth = 8;
const char* kFixedKinds[] = {"system", "model", "scenario"};

std::string stem_of(const fs::path& p) { return p.stem().string(); }
}  // namespace

ConfigLibrary::ConfigLibrary(fs::path root) : root_(std::move(root)) {}

fs::path ConfigLibrary::default_root() {
  if (const char* env = std::getenv("WAFERSIM_CONFIGS"); env != nullptr && *env != '\0') return env;
  // In the working directory first (a checkout), then beside the binary (install_layout.h).
  if (fs::is_directory("configs/devices")) return fs::path("configs");
  if (const auto root = data_root_holding("configs/devices")) return *root / "configs";
  return fs::path("configs");
}

ConfigFolder ConfigLibrary::folder_for_kind(const std::string& kind) const {
  if (kind == "system") return ConfigFolder::Systems;
  if (kind == "model") return ConfigFolder::Models;
  if (kind == "scenario") return ConfigFolder::Scenarios;
  return ConfigFolder::Devices;
}

std::optional<fs::path> ConfigLibrary::find_preset(ConfigFolder folder, const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") == 0) return std::nullopt;
  fs::path p = root_ / folder_name(folder) / (name + ".yaml");
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return p;
  return std::nullopt;
}

std::vector<std::string> ConfigLibrary::list(ConfigFolder folder) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / folder_name(folder), ec)) {
    if (e.path().extension() == ".yaml") names.push_back(stem_of(e.path()));
  }
  for (const auto& [key, node] : inline_)
    if (key.first == static_cast<int>(folder) && std::find(names.begin(), names.end(), key.second) == names.end())
      names.push_back(key.second);
  std::sort(names.begin(), names.end());
  return names;
}

void ConfigLibrary::add_inline(ConfigFolder folder, const std::string& name, ConfigNode node) {
  inline_[{static_cast<int>(folder), name}] = std::move(node);
}

void ConfigLibrary::add_override(Override o) {
  overrides_.push_back(std::move(o));
  override_used_.push_back(false);
}

std::vector<Diagnostic> ConfigLibrary::unused_overrides() const {
  std::vector<Diagnostic> out;
  std::vector<std::string> names;
  for (const auto& l : loaded_)
    if (std::find(names.begin(), names.end(), l.name) == names.end()) names.push_back(l.name);
  for (std::size_t i = 0; i < overrides_.size(); ++i) {
    if (override_used_[i]) continue;
    const std::string first = overrides_[i].path.substr(0, overrides_[i].path.find('.'));
    out.push_back(
        Diagnostic{overrides_[i].origin, 0, 0, overrides_[i].path,
                   "no config named '" + first + "' is used here" + did_you_mean(first, names) +
                       " (the path starts with a device, system or model name; in use: " + quoted_list(names) + ")"});
  }
  return out;
}

void ConfigLibrary::apply_override(ConfigNode& root, const std::string& relative_path, const std::string& value,
                                   const std::string& origin, const std::string& display_path) {
  const auto parts = split(relative_path, '.');
  ConfigNode* node = &root;
  std::string path;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& key = parts[i];
    if (key.empty()) throw InputError(Diagnostic{origin, 0, 0, relative_path, "empty key in the path"});
    const bool last = i + 1 == parts.size();
    if (node->is_sequence()) {
      const bool digits =
          std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
      if (!digits || key.size() > 6 || std::stoul(key) >= node->size())
        throw InputError(Diagnostic{origin, 0, 0, relative_path,
                                    "'" + path + "' is a list of " + std::to_string(node->size()) +
                                        " items; expected an index 0.." + std::to_string(node->size() - 1)});
      node = const_cast<ConfigNode*>(&node->at(std::stoul(key)));
      path = path + "[" + key + "]";
      if (last)
        throw InputError(Diagnostic{origin, 0, 0, relative_path, "cannot replace a whole list item; name a key in it"});
      continue;
    }
    if (!node->is_map()) {
      if (node->is_null()) {
        *node = ConfigNode::make_map(SourceMark{origin, 0, 0}, path);
      } else {
        throw InputError(Diagnostic{origin, 0, 0, relative_path, "'" + path + "' is a value, not a section"});
      }
    }
    const std::string child_path = join_path(path, key);
    if (last) {
      // Messages about an override name it as typed: "h100-sxm5.hbm.bandwidth".
      node->insert(key, ConfigNode::make_scalar(value, SourceMark{origin, 0, 0},
                                                display_path.empty() ? child_path : display_path));
      return;
    }
    ConfigNode* next = node->find_mutable(key);
    if (next == nullptr) {
      node->insert(key, ConfigNode::make_map(SourceMark{origin, 0, 0}, child_path));
      next = node->find_mutable(key);
    }
    node = next;
    path = child_path;
  }
}

LoadedConfig ConfigLibrary::resolve(ConfigNode node, const std::string& name, const std::string& source, int depth) {
  if (!node.is_map()) throw InputError(node.error("expected a map with a 'kind:' key at the top of the file"));
  std::vector<std::string> kinds = device_kinds_;
  for (const char* k : kFixedKinds) kinds.emplace_back(k);
  const ConfigNode* kind_node = node.find("kind");
  if (kind_node == nullptr)
    throw InputError(Diagnostic{node.mark().file, node.mark().line, node.mark().column, "kind",
                                "missing 'kind:' (expected one of: " + quoted_list(kinds) + ")"});
  const std::string kind = kind_node->is_scalar() ? kind_node->scalar() : "";
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw InputError(kind_node->error("unknown kind '" + kind + "'" + did_you_mean(kind, kinds) +
                                      " (expected one of: " + quoted_list(kinds) + ")"));

  ConfigNode merged = node;
  if (const ConfigNode* preset = node.find("preset")) {
    if (depth >= kMaxPresetDepth)
      throw InputError(
          preset->error("preset chain deeper than " + std::to_string(kMaxPresetDepth) + " (is there a cycle?)"));
    if (!preset->is_scalar()) throw InputError(preset->error("expected a preset name"));
    const ConfigFolder folder = folder_for_kind(kind);
    const std::string base_name = preset->scalar();
    LoadedConfig base;
    auto key = std::make_pair(static_cast<int>(folder), base_name);
    if (auto it = inline_.find(key); it != inline_.end() && base_name != name) {
      base = resolve(it->second, base_name, "inline", depth + 1);
    } else if (auto path = find_preset(folder, base_name)) {
      base = resolve(YamlLoader::load_file(path->string(), path->string()), base_name, path->string(), depth + 1);
    } else {
      throw InputError(preset->error("unknown preset '" + base_name + "'" + did_you_mean(base_name, list(folder)) +
                                     " in configs/" + std::string(folder_name(folder)) + "/"));
    }
    if (base.kind != kind)
      throw InputError(preset->error("preset '" + base_name + "' is a " + base.kind + ", not a " + kind));
    ConfigNode over = node;
    over.erase("preset");
    merged = ConfigNode::merge(base.node, over);
  }
  merged.erase("preset");
  merged.erase("kind");
  if (!name.empty()) {
    for (std::size_t i = 0; i < overrides_.size(); ++i) {
      const auto& o = overrides_[i];
      if (o.path.size() > name.size() + 1 && o.path.compare(0, name.size(), name) == 0 && o.path[name.size()] == '.') {
        apply_override(merged, o.path.substr(name.size() + 1), o.value, o.origin, o.path);
        override_used_[i] = true;
      }
    }
  }
  LoadedConfig out{name, kind, source, std::move(merged)};
  if (depth == 0) loaded_.push_back(out);
  return out;
}

LoadedConfig ConfigLibrary::load_file(const fs::path& path) {
  ConfigNode node = YamlLoader::load_file(path.string(), path.string());
  std::string name = stem_of(path);
  if (node.is_map()) {
    if (const ConfigNode* n = node.find("name"); n != nullptr && n->is_scalar()) name = n->scalar();
  }
  return resolve(std::move(node), name, path.string(), 0);
}

LoadedConfig ConfigLibrary::load(const std::string& name_or_path, const std::vector<ConfigFolder>& folders,
                                 const std::string& what) {
  for (ConfigFolder f : folders) {
    if (auto it = inline_.find({static_cast<int>(f), name_or_path}); it != inline_.end())
      return resolve(it->second, name_or_path, "inline", 0);
  }
  for (ConfigFolder f : folders) {
    if (auto path = find_preset(f, name_or_path))
      return resolve(YamlLoader::load_file(path->string(), path->string()), name_or_path, path->string(), 0);
  }
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return load_file(name_or_path);
  std::vector<std::string> names;
  for (ConfigFolder f : folders) {
    auto l = list(f);
    names.insert(names.end(), l.begin(), l.end());
  }
  throw InputError(Diagnostic{"", 0, 0, what,
                              "unknown name or missing file '" + name_or_path + "'" +
                                  did_you_mean(name_or_path, names) + " (presets: " +
                                  [&] {
                                    std::string s;
                                    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
                                    return s;
                                  }() +
                                  ")"});
}

}  // namespace wafersim
