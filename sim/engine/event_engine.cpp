#include "sim/engine/event_engine.h"

#include <algorithm>
#include <cmath>

#include "sim/core/checked_math.h"
#include "sim/core/error.h"

namespace wafersim::engine {

Picoseconds to_ps(double seconds) {
  if (!(seconds >= 0)) throw InternalError("negative or NaN task duration");
  const double ps = std::ceil(seconds * 1e12);
  if (ps >= 9.2e18) throw OverflowError("task duration overflows 64-bit picoseconds");
  return static_cast<Picoseconds>(ps);
}

int EventEngine::add_resource(std::string name, std::string class_name) {
  resources_.push_back(Resource{std::move(name), std::move(class_name), 0});
  return static_cast<int>(resources_.size() - 1);
}

int EventEngine::add_task(std::string name, int resource, Picoseconds duration, std::vector<int> deps) {
  const int id = static_cast<int>(tasks_.size());
  if (resource < 0 || resource >= static_cast<int>(resources_.size())) throw InternalError("task on unknown resource");
  if (duration < 0) throw InternalError("negative task duration");
  for (int d : deps)
    if (d < 0 || d >= id) throw InternalError("task depends on a task not yet added: " + name);
  tasks_.push_back(Task{std::move(name), resource, duration, std::move(deps), 0, 0, -1});
  return id;
}

Picoseconds EventEngine::run() {
  // Tasks are added in an order where dependencies come first, and each resource
  // serves in insertion order, so one pass in insertion order is an exact
  // discrete-event simulation of the FIFO resources (no event can be earlier).
  std::vector<int> last_on(resources_.size(), -1);
  for (auto& r : resources_) r.busy = 0;
  makespan_ = 0;
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    Task& t = tasks_[i];
    Picoseconds start = 0;
    int by = -1;  // ties go to the earliest-listed dependency: a deterministic critical path
    for (int d : t.deps) {
      const Picoseconds e = tasks_[static_cast<std::size_t>(d)].end;
      if (e > start || (by < 0 && e == start)) {
        start = e;
        by = d;
      }
    }
    const int prev = last_on[static_cast<std::size_t>(t.resource)];
    if (prev >= 0 && tasks_[static_cast<std::size_t>(prev)].end > start) {
      start = tasks_[static_cast<std::size_t>(prev)].end;
      by = prev;
    }
    t.start = start;
    t.end = checked_add(start, t.duration);
    t.started_by = by;
    last_on[static_cast<std::size_t>(t.resource)] = static_cast<int>(i);
    Resource& r = resources_[static_cast<std::size_t>(t.resource)];
    r.busy = checked_add(r.busy, t.duration);
    makespan_ = std::max(makespan_, t.end);
  }
  return makespan_;
}

Picoseconds EventEngine::busy_of_class(const std::string& class_name) const {
  Picoseconds sum = 0;
  for (const auto& r : resources_)
    if (r.class_name == class_name) sum = checked_add(sum, r.busy);
  return sum;
}

std::vector<int> EventEngine::critical_path() const {
  std::vector<int> path;
  int last = -1;
  for (std::size_t i = 0; i < tasks_.size(); ++i)
    if (last < 0 || tasks_[i].end > tasks_[static_cast<std::size_t>(last)].end) last = static_cast<int>(i);
  for (int t = last; t >= 0; t = tasks_[static_cast<std::size_t>(t)].started_by) path.push_back(t);
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace wafersim::engine
