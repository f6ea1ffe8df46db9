#pragma once
// The timing of one step (one prefill pass, one decode step, one encoder pass):
// per-op times and the step's time attributed to the resource that bounded each op.

#include <string>
#include <vector>

#include "sim/energy/energy_report.h"
#include "sim/timing/op_cost.h"

namespace wafersim {

/// Seconds attributed to each resource; they sum to the step latency.
struct TimeBreakdown {
  double compute = 0, memory = 0, fabric = 0, interconnect = 0, overhead = 0;
  [[nodiscard]] double total() const { return compute + memory + fabric + interconnect + overhead; }
  TimeBreakdown& operator+=(const TimeBreakdown& o);
  [[nodiscard]] TimeBreakdown scaled(double f) const;
  /// The largest share (overhead reads as `latency`).
  [[nodiscard]] Bound dominant() const;
};

struct OpTiming {
  int op = -1;  ///< graph op id; -1 for communication the plan inserted
  std::string name;
  OpKind kind = OpKind::MatMul;
  int layer = 0;
  int stage = 0;
  double time_s = 0;
  Bound bound = Bound::Compute;
  OpCost cost;
  double flops = 0;  ///< per device group (whole op)
  double bytes = 0;  ///< bytes moved (whole op)
  /// Placement on a timeline, for traces: an engine that schedules ops sets these;
  /// start_s < 0 means "laid end to end in order" and an empty track "stage N".
  double start_s = -1;
  std::string track;
  double energy_j = 0;  ///< dynamic energy of the op (sim/energy)
  /// Optional words on where the op ran and what held it (region, hops,
  /// reduction); `explain` shows them when an engine fills them.
  std::string note;
};

struct StepResult {
  double latency_s = 0;
  TimeBreakdown time;
  Bound bound = Bound::Memory;
  std::vector<OpTiming> ops;
  StepEnergy energy;  ///< filled by apply_step_energy (sim/energy)
  /// Optional, from a kind's own step model: the mapping it chose, in words
  /// (appended to the plan's layout), and why the step does not fit (non-empty =
  /// does not fit).
  std::string layout;
  std::string fit_error;
  /// The step model read the weights from a store outside the device (streamed in)
  /// rather than from its own memory; a mapping policy with a weight store says the same.
  bool weights_streamed = false;
};

}  // namespace wafersim
