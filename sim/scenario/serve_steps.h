#pragma once
// The step evaluator behind `wafersim serve`: the steps the serving simulator asks
// for, timed by the engines through the request runner. Internal to sim/scenario.
// Units: seconds, joules.

#include <string>

#include "sim/scenario/eval_request.h"
#include "sim/serving/step_time_cache.h"

namespace wafersim {

/// Steps timed by the evaluator for the request's system and model: one evaluation per
/// grid corner of the step-time cache. A corner whose batch does not fit the memory
/// (the KV cache of every sequence at the corner's context) is extrapolated linearly
/// in batch from the two largest batches that do. A SpeculativeDecode step is
/// the speculative evaluator's step (k draft passes + the (k + 1)-token verification,
/// A-337); every other step is evaluated without the speculative options.
class EvaluatorSteps {
 public:
  EvaluatorSteps(const RequestRunner& runner, EvalRequest base) : runner_(&runner), base_(std::move(base)) {}

  /// One evaluation of `batch` sequences at `tokens` (decode: context; prefill: prompt),
  /// with the request's speculative options when `speculative`.
  [[nodiscard]] RunResult eval(Phase phase, std::int64_t batch, std::int64_t tokens, bool speculative = false) const;
  /// The serving simulator's step evaluator (serving::StepEvaluator); throws NotFit.
  serving::StepCost operator()(serving::ServeStep kind, std::int64_t batch, std::int64_t tokens) const;

  /// Not even one sequence of a step fits the memory.
  struct NotFit {
    std::string message;
  };

 private:
  static serving::StepCost cost_of(const RunResult& r);
  [[nodiscard]] serving::StepCost transfer_by_scaling(std::int64_t batch, std::int64_t tokens) const;

  const RequestRunner* runner_;
  EvalRequest base_;
};

}  // namespace wafersim
