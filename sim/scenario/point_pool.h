#pragma once
// Evaluates a list of scenario points on threads of this process: each thread takes
// the next point as it frees up (points differ a thousandfold in cost at cycle
// fidelity, so a static split would leave threads idle). The runner supplies how to
// evaluate a point and how to record its result; the MPI pool (mpi_pool.h) spreads
// the same work over processes.

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "sim/report/result_json.h"

namespace wafersim {

/// What evaluating one point produced, ready to journal.
struct PointOutput {
  Json row;
  Json ops;            ///< null unless a chart plots ops
  std::string trace;   ///< the point's trace (JSON text); empty when none is written
  double seconds = 0;  ///< wall time the evaluation took
};

struct PointWork {
  /// Evaluates grid point `i` (called from several threads at once).
  std::function<PointOutput(std::size_t)> evaluate;
  /// Keeps a finished point (called from several threads at once, once per point).
  std::function<void(std::size_t, PointOutput&&)> record;
  const std::atomic<bool>* stop = nullptr;  ///< when set, no new point starts
};

/// Evaluates the grid indices in `pending`, in that order, on `jobs` threads (this
/// one included). Returns the first exception a point (or its record) threw, after
/// which no new point starts; null when every point, or every point started before
/// a stop, was recorded.
[[nodiscard]] std::exception_ptr run_points_locally(const std::vector<std::size_t>& pending, int jobs,
                                                    const PointWork& work);

}  // namespace wafersim
