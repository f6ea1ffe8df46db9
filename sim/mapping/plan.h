#pragma once
// Where every op of a graph runs: the graph's layers are cut into pipeline stages
// (contiguous runs of layers), each stage on `tp` devices that split its ops
// tensor-parallel. A plan says whether it fits, and if not, the numbers that show why.
// Kind-specific detail (wafer regions, GPU kernels) belongs to the engines.

#include <string>
#include <vector>

#include "sim/hardware/system.h"
#include "sim/workload/graph.h"

namespace wafersim {

/// Bytes held per device by one stage.
struct StageMemory {
  Bytes weights{0};
  Bytes kv_cache{0};
  Bytes activations{0};
  [[nodiscard]] Bytes total() const { return weights + kv_cache + activations; }
};

struct Stage {
  int first_op = 0;     ///< index into graph ops
  int end_op = 0;       ///< one past the last op
  int first_layer = 0;  ///< for messages (-1 = embeddings)
  int last_layer = 0;
  int tp = 1;            ///< devices sharing the stage
  int first_device = 0;  ///< index of the first device within the group
  StageMemory per_device;
};

/// Totals over all devices used (for the JSON `memory_bytes`).
struct MemoryTotals {
  Bytes weights{0}, kv_cache{0}, activations{0}, capacity{0};
};

class Plan {
 public:
  Plan(const Graph& graph, DeviceGroup group) : graph_(&graph), group_(std::move(group)) {}

  [[nodiscard]] const Graph& graph() const { return *graph_; }
  [[nodiscard]] const DeviceGroup& group() const { return group_; }

  int devices = 0;  ///< devices used (tp × stages)
  int tp = 1;
  std::vector<Stage> stages;
  std::vector<int> stage_of_op;  ///< per graph op
  MemoryTotals memory;
  bool fits = true;
  std::string fit_error;  ///< words and numbers, when !fits
  std::string layout;     ///< "tensor parallel ×8", "layer pipeline over 4 wafers"

 private:
  const Graph* graph_;
  DeviceGroup group_;  ///< by value: `auto` maps onto resized copies
};

}  // namespace wafersim
