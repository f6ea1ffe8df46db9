#pragma once
// Speculative decoding on any device kind: each step, a draft (a separate model,
// or the target's MTP modules) proposes k tokens one pass at a time, and the target
// verifies them in one (k + 1)-token decode step; the acceptance model says how
// many tokens a step yields. Both passes are priced by the kinds'
// own models through the plain Evaluator: the draft on as few of the target's
// devices as hold it, or on the group `placement.draft` names, with the token ids
// crossing the link between the groups. Leaves out tree drafts, drafting
// overlapped with verification, and the KV-cache rollback of rejected tokens.
// Units: seconds, tokens per sequence.

#include "sim/timing/evaluator.h"
#include "sim/workload/speculative_spec.h"

namespace wafersim {

class SpeculativeEvaluator {
 public:
  explicit SpeculativeEvaluator(const Registry& registry) : registry_(registry) {}
  /// `draft` is the draft model for SpeculativeMethod::Draft (ignored for Mtp).
  /// Throws InputError for bad requests (prefill/encode phases, a draft with another
  /// vocabulary, acceptance out of range, no link to a separate draft group).
  [[nodiscard]] RunResult evaluate(const System& system, const ModelSpec& target, const ModelSpec* draft,
                                   const EvalOptions& options, const SpeculativeSpec& spec) const;
  /// The checks of `evaluate` that need no timing (scenario validation).
  static void check(const ModelSpec& target, const ModelSpec* draft, const Workload& workload,
                    const SpeculativeSpec& spec);

 private:
  const Registry& registry_;
};

}  // namespace wafersim
