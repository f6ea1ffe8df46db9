#pragma once
// Registers the `wafer` device kind: its YAML parser and documentation, the
// mapping policy the generic pipeline mapper uses for wafers, and the cost models
// by fidelity: roofline per op (WaferRooflineCost) and approx as a whole-step
// model (approx/WaferStepModel) through Backend::step_model; cycle is the same
// step model with every kernel run at cycle level (models/fabric), for meshes up
// to 128 x 128 (Backend::check_fidelity), and Backend::crosscheck sweeps the
// kernels at both levels.

#include "sim/timing/backend.h"

namespace wafersim::wafer {

/// How the pipeline mapper treats a wafer: one layer never spans wafers, capacity
/// is the usable SRAM, counted per core in messages.
[[nodiscard]] MappingPolicy wafer_policy(const Device& device);

/// Adds the wafer kind and its backend to `registry`.
void register_wafer(Registry& registry);

}  // namespace wafersim::wafer
