#include "sim/workload/graph_cache.h"

#include "sim/workload/graph_builder.h"

namespace wafersim {
namespace {

bool same(const StepShape& a, const StepShape& b) {
  return a.kind == b.kind && a.batch == b.batch && a.new_tokens == b.new_tokens && a.context == b.context &&
         a.dtype == b.dtype && a.kv_dtype == b.kv_dtype;
}

}  // namespace

std::shared_ptr<const Graph> GraphCache::get(const ModelSpec& model, const StepShape& shape) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->model == &model && same(it->shape, shape)) {
        entries_.splice(entries_.begin(), entries_, it);
        ++hits_;
        return entries_.front().graph;
      }
    ++misses_;
  }
  auto graph = std::make_shared<const Graph>(GraphBuilder::build(model, shape));
  std::lock_guard lock(mutex_);
  entries_.push_front(Entry{&model, shape, graph});
  if (entries_.size() > capacity_) entries_.pop_back();
  return graph;
}

std::size_t GraphCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

std::size_t GraphCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace wafersim
