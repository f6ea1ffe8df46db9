#include "sim/scenario/point_pool.h"

#include <algorithm>
#include <mutex>
#include <thread>

namespace wafersim {

std::exception_ptr run_points_locally(const std::vector<std::size_t>& pending, int jobs, const PointWork& work) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr failure;
  auto worker = [&] {
    while (!failed.load()) {
      if (work.stop != nullptr && work.stop->load()) return;
      const std::size_t k = next++;
      if (k >= pending.size()) return;
      try {
        work.record(pending[k], work.evaluate(pending[k]));
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  const int threads_wanted = std::max(1, std::min<int>(jobs, static_cast<int>(pending.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < threads_wanted; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return failure;
}

}  // namespace wafersim
