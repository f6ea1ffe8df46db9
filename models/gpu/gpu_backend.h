#pragma once
// Registers the `gpu` device kind: its YAML parser and documentation, the mapping
// policy (tensor parallel inside the NVLink domain first, pipeline across domains),
// and its cost models (roofline, and approx: the default).

#include "sim/timing/backend.h"

namespace wafersim::gpu {

/// Adds DeviceKind "gpu" and its Backend to `registry`.
void register_gpu(Registry& registry);

}  // namespace wafersim::gpu
