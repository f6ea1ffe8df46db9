#pragma once
// What each task of a wafer step's event schedule stands for, and how the
// finished schedule is reported: one OpTiming per task (explain, trace, energy)
// and the critical path split by what bounded each of its tasks (the time
// split). Shared by wafer_step_schedule.cpp and wafer_step_report.cpp.
// Units: seconds in the report; kernel costs in cycles (`clock` converts).

#include <string>
#include <vector>

#include "models/wafer/approx/mesh_kernels.h"
#include "models/wafer/wafer_spec.h"
#include "sim/engine/event_engine.h"
#include "sim/timing/step_result.h"
#include "sim/workload/graph.h"

namespace wafersim::wafer {

enum class TaskType { Op, Move, WaferIo, WeightLoad, Stack };

/// What a task of the engine stands for, to report it afterwards.
struct TaskInfo {
  TaskType type = TaskType::Op;
  bool fabric_part = false;  ///< an op's reduction (its local part is another task)
  const Op* op = nullptr;
  int stage = 0;
  KernelCost k;
  RegionSize region;
  double bytes = 0;
};

/// "ROWSxCOLS".
[[nodiscard]] std::string region_text(RegionSize r);

/// One OpTiming per task of `eng`, in task order; `clock` in Hz, `io_latency_s`
/// the wafer I/O's latency (what a wafer-to-wafer task's overhead is).
void report_tasks(const engine::EventEngine& eng, const std::vector<TaskInfo>& info, double clock, double io_latency_s,
                  StepResult& r);

/// The critical path's tasks, split by what bounded each, into `r.time`; sets `r.bound`.
void split_critical_path(const engine::EventEngine& eng, const std::vector<TaskInfo>& info, StepResult& r);

}  // namespace wafersim::wafer
