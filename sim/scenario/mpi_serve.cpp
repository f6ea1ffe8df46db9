// Ranks above 0 of an MPI run: evaluate the points rank 0 sends (mpi_pool.h).

#include "sim/scenario/mpi_pool.h"

#ifdef WAFERSIM_HAVE_MPI
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "sim/scenario/mpi_messages.h"

namespace wafersim {

using namespace mpi_messages;

void mpi_serve_points(const MpiSession&, int jobs, const PointWork& work) {
  send(0, kReady, std::to_string(std::max(1, jobs)));
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::size_t> queue;
  std::vector<std::string> outbox;
  bool stopping = false;
  std::string error;
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, jobs); ++t)
    threads.emplace_back([&] {
      while (true) {
        std::size_t i = 0;
        {
          std::unique_lock lock(mutex);
          wake.wait(lock, [&] { return stopping || !queue.empty(); });
          if (queue.empty()) return;
          i = queue.front();
          queue.pop_front();
        }
        try {
          std::string message = result_message(i, work.evaluate(i));
          std::lock_guard lock(mutex);
          outbox.push_back(std::move(message));
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          if (error.empty()) error = e.what();
          queue.clear();
        }
      }
    });
  auto flush = [&] {
    std::vector<std::string> out;
    {
      std::lock_guard lock(mutex);
      out.swap(outbox);
    }
    for (const auto& m : out) send(0, kResult, m);
    return !out.empty();
  };
  Backoff backoff;
  bool stop = false;
  while (!stop) {
    bool busy = false;
    while (auto m = poll(0)) {
      busy = true;
      if (m->tag == kStop) stop = true;
      if (m->tag != kWork) continue;
      const std::size_t count = m->payload.size() / sizeof(std::uint64_t);
      std::vector<std::uint64_t> ids(count);
      std::copy_n(m->payload.data(), count * sizeof(std::uint64_t), reinterpret_cast<char*>(ids.data()));
      {
        std::lock_guard lock(mutex);
        queue.insert(queue.end(), ids.begin(), ids.end());
      }
      wake.notify_all();
    }
    busy = flush() || busy;
    {
      std::lock_guard lock(mutex);
      stop = stop || !error.empty();
    }
    backoff.turn(busy);
  }
  {
    std::lock_guard lock(mutex);
    queue.clear();  // points not started stay undone; the journal says so and --resume runs them
    stopping = true;
  }
  wake.notify_all();
  for (auto& t : threads) t.join();
  flush();
  if (error.empty())
    send(0, kDone, "");
  else
    send(0, kError, error);
}

void mpi_report_failure(const MpiSession&, const std::string& message) { send(0, kError, message); }

}  // namespace wafersim
#endif
