#pragma once
// How many tokens one speculative verification step yields. A draft proposes k
// tokens; the target checks them in one pass and keeps the longest accepted
// prefix, plus one token of its own (the correction, or the bonus token after k
// acceptances). Each draft token is accepted with probability p, independently of
// the others, so the tokens per step are 1 + (accepted prefix length),
// with mean (1 − p^(k+1)) / (1 − p) (Leviathan et al. 2023, eq. 1). Leaves out
// tree drafts and acceptance that varies along the sequence. Units: tokens per
// sequence per verification step.

#include <cstdint>

namespace wafersim {

class AcceptanceModel {
 public:
  /// Throws InputError (naming `--acceptance` / `--draft-tokens`) for p outside [0, 1] or k < 1.
  AcceptanceModel(double p, int k);
  /// The model whose mean tokens per step is `mean` (in [1, k + 1]), found by
  /// bisection on p (the mean grows strictly with p). Throws InputError naming
  /// `--accepted-per-step` for a mean outside [1, k + 1].
  [[nodiscard]] static AcceptanceModel from_mean(double mean, int k);

  [[nodiscard]] double acceptance() const { return p_; }
  [[nodiscard]] int draft_tokens() const { return k_; }
  /// Expected tokens per verification step: (1 − p^(k+1)) / (1 − p); k + 1 at p = 1.
  [[nodiscard]] double tokens_per_step() const;
  /// Probability that a step yields exactly `n` tokens (1 ≤ n ≤ k + 1):
  /// p^(n−1)(1 − p) for n ≤ k, p^k for n = k + 1.
  [[nodiscard]] double probability_of(int n) const;

 private:
  double p_;
  int k_;
};

}  // namespace wafersim
