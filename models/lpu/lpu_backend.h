#pragma once
// Registers the `lpu` device kind: its YAML parser and documentation, the mapping
// policy the generic pipeline mapper uses for SRAM-only chips, and the cost models
// by fidelity (roofline, and approx: MXM/vector pipelines and C2C hops).

#include "sim/timing/backend.h"

namespace wafersim::lpu {

/// How the pipeline mapper treats an LPU: layers are pipelined across chips first,
/// a layer that does not fit one chip is split over several.
[[nodiscard]] MappingPolicy lpu_policy(const Device& device);

/// Adds the lpu kind and its backend to `registry`.
void register_lpu(Registry& registry);

}  // namespace wafersim::lpu
