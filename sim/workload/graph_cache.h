#pragma once
// Step graphs built once and shared: a sweep evaluates the same (model, step shape)
// on several systems, and a `count: auto` group builds the graph it sizes with and
// the graph it times. Keyed by the model spec's address (the caller keeps the
// specs alive as long as the cache) and the step shape; holds the `capacity` most
// recently used graphs. Thread-safe.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>

#include "sim/workload/graph.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

class GraphCache {
 public:
  explicit GraphCache(std::size_t capacity = 32) : capacity_(capacity) {}
  /// The graph of `model` at `shape`, built on a miss (outside the lock).
  [[nodiscard]] std::shared_ptr<const Graph> get(const ModelSpec& model, const StepShape& shape);
  [[nodiscard]] std::size_t hits() const;
  [[nodiscard]] std::size_t misses() const;

 private:
  struct Entry {
    const ModelSpec* model;
    StepShape shape;
    std::shared_ptr<const Graph> graph;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  ///< most recently used first
  std::size_t hits_ = 0, misses_ = 0;
};

}  // namespace wafersim
