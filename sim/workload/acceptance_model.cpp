#include "sim/workload/acceptance_model.h"

#include <cmath>
#include <fmt/format.h>

#include "sim/core/error.h"

namespace wafersim {

AcceptanceModel::AcceptanceModel(double p, int k) : p_(p), k_(k) {
  if (!std::isfinite(p) || p < 0 || p > 1)
    throw InputError::option("--acceptance",
                             fmt::format("acceptance {} is outside [0, 1] (a per-token probability)", p));
  if (k < 1) throw InputError::option("--draft-tokens", fmt::format("draft tokens must be at least 1 (got {})", k));
}

AcceptanceModel AcceptanceModel::from_mean(double mean, int k) {
  if (k < 1) throw InputError::option("--draft-tokens", fmt::format("draft tokens must be at least 1 (got {})", k));
  const double top = static_cast<double>(k) + 1;
  if (!std::isfinite(mean) || mean < 1 || mean > top)
    throw InputError::option("--accepted-per-step",
                             fmt::format("{} tokens per verification step is outside [1, {}] (1: every draft token "
                                         "rejected; k + 1 = {}: all {} accepted plus the target's own token)",
                                         mean, k + 1, k + 1, k));
  if (mean <= 1) return AcceptanceModel(0.0, k);
  if (mean >= top) return AcceptanceModel(1.0, k);
  double lo = 0, hi = 1;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (AcceptanceModel(mid, k).tokens_per_step() < mean ? lo : hi) = mid;
  }
  return AcceptanceModel(0.5 * (lo + hi), k);
}

double AcceptanceModel::tokens_per_step() const {
  if (p_ >= 1) return static_cast<double>(k_) + 1;
  return (1 - std::pow(p_, k_ + 1)) / (1 - p_);
}

double AcceptanceModel::probability_of(int n) const {
  if (n < 1 || n > k_ + 1) return 0;
  if (n == k_ + 1) return std::pow(p_, k_);
  return std::pow(p_, n - 1) * (1 - p_);
}

}  // namespace wafersim
