#pragma once
// The one list of hardware kinds wafersim ships: each folder of models/ adds its
// device parser and backend here.

#include "sim/timing/backend.h"

namespace wafersim::models {

/// Registers wafer, gpu and lpu.
void register_builtin(Registry& registry);

}  // namespace wafersim::models
