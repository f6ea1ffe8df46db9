#pragma once
// The generic mapper: cuts a graph into pipeline stages of contiguous layers, each
// on `tp` devices, balanced by resident bytes (weights + KV cache), and checks every
// stage against the per-device capacity. `auto` finds the smallest device count
// that fits. Expert-split ops spread their experts over a stage's tp devices (expert
// parallel, A-81). Leaves out uneven tp per stage.

#include <optional>

#include "sim/mapping/mapping_policy.h"
#include "sim/mapping/plan.h"

namespace wafersim {

class PipelineMapper {
 public:
  /// Maps onto exactly `devices` devices of `group`.
  [[nodiscard]] static Plan map(const Graph& graph, const DeviceGroup& group, const MappingPolicy& policy, int devices);
  /// The smallest device count (up to `limit`) whose plan fits; the plan for `limit`
  /// (not fitting) when none does.
  [[nodiscard]] static Plan map_auto(const Graph& graph, const DeviceGroup& group, const MappingPolicy& policy,
                                     int limit = 100'000);
};

}  // namespace wafersim
