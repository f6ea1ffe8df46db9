#pragma once
// Shared by the wafer and lpu tests: a Registry with only the kinds written here
// (the gpu kind is registered elsewhere), a config library rooted at the shipped
// configs, and loading of YAML text as a named inline device or system.

#include <cstdlib>
#include <string>

#include "models/lpu/lpu_backend.h"
#include "models/wafer/wafer_backend.h"
#include "sim/config/config_library.h"
#include "sim/config/yaml_loader.h"
#include "sim/hardware/system.h"

namespace wafersim::wafer::testing {

inline Registry wafer_lpu_registry() {
  Registry r;
  register_wafer(r);
  lpu::register_lpu(r);
  return r;
}

inline std::filesystem::path configs_root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env != nullptr && *env != '\0' ? std::filesystem::path(env) : std::filesystem::path("configs");
}

/// Loads a preset (device or system) by name.
inline System load_system(const std::string& name) {
  const Registry registry = wafer_lpu_registry();
  ConfigLibrary library(configs_root());
  SystemLoader loader(library, registry.devices());
  return loader.load(name);
}

/// Loads YAML text as an inline device called `name` (file name `name`.yaml in
/// messages); presets it names come from the shipped configs.
inline System load_inline_device(const std::string& name, const std::string& yaml) {
  const Registry registry = wafer_lpu_registry();
  ConfigLibrary library(configs_root());
  SystemLoader loader(library, registry.devices());
  library.add_inline(ConfigFolder::Devices, name, YamlLoader::load_string(yaml, name + ".yaml"));
  return loader.load(name);
}

/// Every message of the InputError that loading `yaml` raises ("" when none).
inline std::string load_error(const std::string& name, const std::string& yaml) {
  try {
    (void)load_inline_device(name, yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace wafersim::wafer::testing
