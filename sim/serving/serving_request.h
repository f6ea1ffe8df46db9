#pragma once
// One request of a serving workload, and what happened to it in a simulated run.
// Units: seconds (double) for times, tokens for lengths.

#include <cstdint>
#include <vector>

namespace wafersim::serving {

/// A request as the workload states it: when it arrives and how long it is.
struct ServeRequest {
  std::int64_t id = 0;
  double arrival_s = 0;
  std::int64_t prompt = 1;  ///< prompt tokens (prefilled)
  std::int64_t output = 1;  ///< output tokens (the first comes from the prefill, A-310)
};

/// The outcome of one request.
struct RequestRecord {
  ServeRequest request;
  double first_token_s = -1;  ///< absolute time of the first output token
  double finish_s = -1;       ///< absolute time of the last output token
  int preemptions = 0;        ///< times its KV cache was dropped and recomputed (A-314)
  [[nodiscard]] bool completed() const { return finish_s >= 0; }
  [[nodiscard]] double ttft_s() const { return first_token_s - request.arrival_s; }
  [[nodiscard]] double e2e_s() const { return finish_s - request.arrival_s; }
  /// Mean time between output tokens after the first; -1 for single-token outputs.
  [[nodiscard]] double tpot_s() const {
    return request.output > 1 ? (finish_s - first_token_s) / static_cast<double>(request.output - 1) : -1;
  }
};

}  // namespace wafersim::serving
