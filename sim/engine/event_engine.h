#pragma once
// A deterministic list scheduler for tasks on resources. Each task needs one
// resource for a fixed duration and may wait for other tasks; a resource serves
// its tasks one at a time, in the order they were added (FIFO), so the schedule is
// a pure function of the input: same tasks, same times, same bytes out. Time is
// integer picoseconds with overflow checks. The engine records busy time per
// resource and per resource class, and the critical path (the chain of tasks, each
// started by its predecessor's end, that ends last). It knows nothing of hardware:
// "region 3" and "io wafer0->1" are just names. Leaves out preemption, resources
// that serve several tasks at once, and bandwidth sharing between tasks (a shared
// link is modeled as one resource that serves transfers in turn).

#include <cstdint>
#include <string>
#include <vector>

namespace wafersim::engine {

using Picoseconds = std::int64_t;

/// Seconds to integer picoseconds, rounded up (a non-zero cost never becomes 0);
/// throws OverflowError past ~106 days.
[[nodiscard]] Picoseconds to_ps(double seconds);
[[nodiscard]] inline double to_seconds(Picoseconds ps) { return static_cast<double>(ps) * 1e-12; }

struct Task {
  std::string name;
  int resource = 0;
  Picoseconds duration = 0;
  std::vector<int> deps;  ///< ids of tasks that must finish first (added earlier)
  // Filled by run():
  Picoseconds start = 0;
  Picoseconds end = 0;
  int started_by = -1;  ///< the task whose end set this start (-1: time zero)
};

struct Resource {
  std::string name;        ///< e.g. "wafer0 region 12 (96x96)"
  std::string class_name;  ///< e.g. "region", "fabric", "io"
  Picoseconds busy = 0;    ///< filled by run()
};

class EventEngine {
 public:
  /// Adds a resource; returns its id.
  int add_resource(std::string name, std::string class_name);
  /// Adds a task; returns its id. Dependencies must name tasks added before.
  int add_task(std::string name, int resource, Picoseconds duration, std::vector<int> deps = {});

  /// Schedules every task: start = max(end of its dependencies, end of the
  /// previous task on its resource). Returns the makespan.
  Picoseconds run();

  [[nodiscard]] const std::vector<Task>& tasks() const { return tasks_; }
  [[nodiscard]] const std::vector<Resource>& resources() const { return resources_; }
  [[nodiscard]] Picoseconds makespan() const { return makespan_; }
  /// Busy picoseconds summed over the resources of `class_name`.
  [[nodiscard]] Picoseconds busy_of_class(const std::string& class_name) const;
  /// Task ids on the critical path, first to last.
  [[nodiscard]] std::vector<int> critical_path() const;

 private:
  std::vector<Resource> resources_;
  std::vector<Task> tasks_;
  Picoseconds makespan_ = 0;
};

}  // namespace wafersim::engine
