#pragma once
// Draws the tokens one verification step yields, for request-level simulation:
// each of the k draft tokens is accepted with probability p until the first
// rejection, and the target adds one token of its own, so a draw is in [1, k + 1]
// with the distribution of AcceptanceModel. Seeded and portable: the same
// seed gives the same sequence on every platform (its own uniform from a 64-bit
// Mersenne twister; no std::*_distribution, whose output the standard leaves open).
// Not thread-safe: one sampler per simulated stream.

#include <cstdint>
#include <random>

#include "sim/workload/acceptance_model.h"

namespace wafersim {

class AcceptanceSampler {
 public:
  AcceptanceSampler(AcceptanceModel model, std::uint64_t seed) : model_(model), rng_(seed) {}
  /// Tokens produced by one verification step of one sequence (1 .. k + 1).
  [[nodiscard]] int draw();
  [[nodiscard]] const AcceptanceModel& model() const { return model_; }

 private:
  double uniform();  ///< in [0, 1), 53 random bits
  AcceptanceModel model_;
  std::mt19937_64 rng_;
};

}  // namespace wafersim
