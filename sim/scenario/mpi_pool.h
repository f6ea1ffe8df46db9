#pragma once
// A scenario run spread over the processes of an MPI launch (`mpirun -n N wafersim
// run ...`, built with Open MPI: WAFERSIM_HAVE_MPI). Rank 0 owns the run: it reads
// the journal, hands points to ranks as they free up (one at a time while points are
// slow, in chunks once they are fast: A-365), evaluates points on its own threads
// too, journals every result and writes all the files. Other ranks evaluate what
// they are sent and write nothing. Only the thread that created the session calls
// MPI (MPI_THREAD_FUNNELED); evaluation threads never do. Without MPI built in,
// the types exist and launched() is false.

#include <memory>
#include <string>
#include <vector>

#include "sim/scenario/point_pool.h"

namespace wafersim {

class MpiSession {
 public:
  /// True when wafersim was built with MPI.
  static bool built();
  /// True when the environment says an MPI launcher (mpirun, srun) started this
  /// process as one of several ranks.
  static bool launched();
  /// MPI_Init_thread; throws std::runtime_error when MPI is not built in.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();  ///< MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  /// Ranks on this machine (to share its cores between them).
  [[nodiscard]] int local_size() const { return local_size_; }

 private:
  int rank_ = 0, size_ = 1, local_size_ = 1;
};

/// Rank 0's side. Construct it before anything that can fail: however the run ends,
/// the destructor releases the other ranks (stop, then wait for each to say it
/// stopped, dropping what they send), so none waits forever.
class MpiPointPool {
 public:
  explicit MpiPointPool(const MpiSession& session);
  ~MpiPointPool();
  MpiPointPool(const MpiPointPool&) = delete;
  MpiPointPool& operator=(const MpiPointPool&) = delete;

  /// Evaluates `pending` over every rank (`jobs` threads here, as many as each rank
  /// said elsewhere) and records each result on this rank, then releases the ranks.
  /// After a stop, points in flight are still recorded. Returns the first failure
  /// (a point's exception here, or another rank's message as std::runtime_error).
  [[nodiscard]] std::exception_ptr run(const std::vector<std::size_t>& pending, int jobs, const PointWork& work);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Ranks above 0: evaluates the points rank 0 sends, on `jobs` threads, until it
/// says stop. `work.record` is not used (results go to rank 0). A point that throws
/// is reported to rank 0, which ends the run.
void mpi_serve_points(const MpiSession& session, int jobs, const PointWork& work);

/// Ranks above 0: tells rank 0 this rank cannot take part (its message), e.g. its
/// scenario or configs failed to load.
void mpi_report_failure(const MpiSession& session, const std::string& message);

}  // namespace wafersim
