#include "sim/scenario/mpi_pool.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#ifdef WAFERSIM_HAVE_MPI
#include <algorithm>
#include <cstdint>
#include <fmt/format.h>
#include <mutex>
#include <thread>

#include "sim/scenario/mpi_messages.h"
#endif

namespace wafersim {

bool MpiSession::launched() {
  auto size_of = [](const char* name) -> long {
    const char* v = std::getenv(name);
    return v != nullptr ? std::strtol(v, nullptr, 10) : 0;
  };
  // Open MPI's mpirun, MPICH/Hydra (and srun --mpi=pmi2), srun --mpi=pmix.
  if (size_of("OMPI_COMM_WORLD_SIZE") > 1 || size_of("PMI_SIZE") > 1) return true;
  return std::getenv("PMIX_RANK") != nullptr && size_of("SLURM_NTASKS") > 1;
}

#ifndef WAFERSIM_HAVE_MPI

bool MpiSession::built() { return false; }
MpiSession::MpiSession(int*, char***) {
  throw std::runtime_error(
      "this wafersim was built without MPI (install Open MPI and reconfigure; see docs/scale-out.md)");
}
MpiSession::~MpiSession() = default;
struct MpiPointPool::State {};
MpiPointPool::MpiPointPool(const MpiSession&) {}
MpiPointPool::~MpiPointPool() = default;
std::exception_ptr MpiPointPool::run(const std::vector<std::size_t>&, int, const PointWork&) {
  return std::make_exception_ptr(std::logic_error("MpiPointPool without MPI"));  // no session can exist
}
void mpi_serve_points(const MpiSession&, int, const PointWork&) {}
void mpi_report_failure(const MpiSession&, const std::string&) {}

#else

using namespace mpi_messages;

bool MpiSession::built() { return true; }

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw std::runtime_error("the MPI library does not allow threads (MPI_THREAD_FUNNELED)");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

struct MpiPointPool::State {
  const MpiSession& session;
  std::vector<bool> ended;  ///< the rank sent its last message (done or error)
  bool released = false;

  explicit State(const MpiSession& s) : session(s), ended(static_cast<std::size_t>(s.size()), false) {
    ended[0] = true;
  }
  /// Stops every rank and waits until each has said it stopped; results that arrive
  /// meanwhile go to `keep` (or are dropped), failures to `fail`.
  template <class Keep, class Fail>
  void release(Keep&& keep, Fail&& fail) {
    if (released) return;
    released = true;
    for (int r = 1; r < session.size(); ++r)
      if (!ended[static_cast<std::size_t>(r)]) send(r, kStop, "");
    Backoff backoff;
    while (std::find(ended.begin(), ended.end(), false) != ended.end()) {
      auto m = poll();
      if (m && m->tag == kResult) keep(std::move(m->payload));
      if (m && (m->tag == kDone || m->tag == kError)) ended[static_cast<std::size_t>(m->source)] = true;
      if (m && m->tag == kError) fail(m->source, m->payload);
      backoff.turn(m.has_value());
    }
  }
};

MpiPointPool::MpiPointPool(const MpiSession& session) : state_(std::make_unique<State>(session)) {}

MpiPointPool::~MpiPointPool() {
  try {
    state_->release([](std::string&&) {}, [](int, const std::string&) {});
  } catch (...) {  // nothing can be reported from here; the run's own error is on its way
  }
}

std::exception_ptr MpiPointPool::run(const std::vector<std::size_t>& pending, int jobs, const PointWork& work) {
  const std::size_t n = pending.size();
  const auto ranks = static_cast<std::size_t>(state_->session.size());
  std::vector<std::size_t> rank_jobs(ranks, 0), outstanding(ranks, 0);  // rank_jobs 0: not ready yet
  std::atomic<std::size_t> next{0}, recorded{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr failure;
  double eval_seconds = 0;
  std::size_t evaluated = 0;
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard lock(mutex);
    if (!failure) failure = std::move(e);
    failed = true;
  };
  auto fail_rank = [&](int rank, const std::string& what) {
    fail(std::make_exception_ptr(std::runtime_error(fmt::format("MPI rank {}: {}", rank, what))));
  };
  auto keep = [&](std::size_t i, PointOutput&& out) {
    {
      std::lock_guard lock(mutex);
      eval_seconds += out.seconds;
      ++evaluated;
    }
    work.record(i, std::move(out));
    ++recorded;
  };
  auto keep_message = [&](std::string&& payload) {
    try {
      auto [i, out] = parse_result(payload);
      if (!failed) keep(i, std::move(out));
    } catch (...) {
      fail(std::current_exception());
    }
  };
  auto stopped = [&] { return failed.load() || (work.stop != nullptr && work.stop->load()); };

  // This rank's own threads take points from the same queue (no messages).
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, jobs); ++t)
    threads.emplace_back([&] {
      while (!stopped()) {
        const std::size_t k = next++;
        if (k >= n) return;
        try {
          keep(pending[k], work.evaluate(pending[k]));
        } catch (...) {
          fail(std::current_exception());
        }
      }
    });

  Backoff backoff;
  while (!stopped() && recorded.load() < n) {
    bool busy = false;
    double mean = 0;
    {
      std::lock_guard lock(mutex);
      mean = evaluated > 0 ? eval_seconds / static_cast<double>(evaluated) : 0;
    }
    std::size_t threads_total = static_cast<std::size_t>(std::max(1, jobs));
    for (auto j : rank_jobs) threads_total += j;
    const std::size_t remaining = n - std::min(n, next.load());
    // chunks of about kChunkSeconds, never more than a 2 × threads share of
    // what is left; one point queued ahead per thread while points are fast.
    std::size_t chunk =
        mean > 0 ? std::clamp<std::size_t>(static_cast<std::size_t>(kChunkSeconds / mean), 1, kMaxChunk) : 1;
    chunk = std::min(chunk, std::max<std::size_t>(1, remaining / (2 * threads_total)));
    const bool ahead = mean > 0 && mean < kChunkSeconds && remaining > 4 * threads_total;
    for (std::size_t r = 1; r < ranks; ++r) {
      if (rank_jobs[r] == 0 || state_->ended[r]) continue;
      const std::size_t target = rank_jobs[r] * chunk + (ahead ? rank_jobs[r] : 0);
      while (outstanding[r] < target) {
        const std::size_t take = std::min(chunk, target - outstanding[r]);
        const std::size_t start = next.fetch_add(take);
        if (start >= n) break;
        const std::size_t end = std::min(n, start + take);
        std::vector<std::uint64_t> ids(pending.begin() + static_cast<std::ptrdiff_t>(start),
                                       pending.begin() + static_cast<std::ptrdiff_t>(end));
        send(static_cast<int>(r), kWork,
             std::string(reinterpret_cast<const char*>(ids.data()), ids.size() * sizeof(std::uint64_t)));
        outstanding[r] += end - start;
        busy = true;
      }
    }
    while (auto m = poll()) {
      busy = true;
      const auto r = static_cast<std::size_t>(m->source);
      if (m->tag == kReady) rank_jobs[r] = std::max<std::size_t>(1, std::stoul(m->payload));
      if (m->tag == kResult) {
        outstanding[r] -= std::min<std::size_t>(outstanding[r], 1);
        keep_message(std::move(m->payload));
      }
      if (m->tag == kDone || m->tag == kError) state_->ended[r] = true;
      if (m->tag == kError) fail_rank(m->source, m->payload);
      if (m->tag != kReady) break;  // hand out more before reading on
    }
    backoff.turn(busy);
  }
  state_->release(keep_message, fail_rank);
  for (auto& t : threads) t.join();
  return failure;
}

#endif

}  // namespace wafersim
