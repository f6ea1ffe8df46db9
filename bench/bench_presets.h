#pragma once
// What most benchmarks set up before timing: the built-in device kinds and the
// shipped presets (configs/), loaded once outside the timed loop.

#include <string>

#include "models/register_builtin.h"
#include "sim/config/config_library.h"
#include "sim/hardware/system.h"
#include "sim/timing/backend.h"
#include "sim/workload/model_loader.h"

namespace wafersim::bench {

struct Presets {
  Registry registry;
  ConfigLibrary library{WAFERSIM_CONFIG_ROOT};

  Presets() { models::register_builtin(registry); }
  [[nodiscard]] System system(const std::string& name) { return SystemLoader(library, registry.devices()).load(name); }
  [[nodiscard]] ModelSpec model(const std::string& name) { return ModelLoader::load(library, name); }
};

}  // namespace wafersim::bench
