#include "sim/scenario/serve_steps.h"

#include <fmt/format.h>

namespace wafersim {

using serving::ServeStep;
using serving::StepCost;

RunResult EvaluatorSteps::eval(Phase phase, std::int64_t batch, std::int64_t tokens, bool speculative) const {
  EvalRequest r = base_;
  if (!speculative) r.speculative = SpeculativeOptions{};
  r.options.workload.phase = phase;
  r.options.workload.batch = batch;
  if (phase == Phase::Decode)
    r.options.workload.context = tokens;
  else
    r.options.workload.prompt = tokens;
  // Scenario points (serve set) check override usage over the whole scenario, as eval points do.
  return runner_->run(r, !base_.serve);
}

StepCost EvaluatorSteps::operator()(ServeStep kind, std::int64_t batch, std::int64_t tokens) const {
  const bool spec = kind == ServeStep::SpeculativeDecode;
  const Phase phase = kind == ServeStep::Decode || spec ? Phase::Decode : Phase::Prefill;
  const RunResult r = eval(phase, batch, tokens, spec);
  if (kind == ServeStep::KvTransfer) {
    if (!r.fits) return transfer_by_scaling(batch, tokens);
    return StepCost{r.kv_transfer_s, 0};
  }
  if (r.fits) return cost_of(r);
  if (batch == 1 && phase == Phase::Prefill && tokens > 16) {
    // A prompt whose activations do not fit runs in pieces that do, one after another.
    std::int64_t piece = tokens / 2;
    RunResult rp = eval(phase, 1, piece);
    while (!rp.fits && piece > 16) rp = eval(phase, 1, piece /= 2);
    if (rp.fits) {
      const StepCost c = cost_of(rp);
      const double n = static_cast<double>(tokens) / static_cast<double>(piece);
      return StepCost{c.time_s * n, c.energy_j * n};
    }
  }
  if (batch == 1)
    throw NotFit{
        fmt::format("a {} step of one sequence at {} tokens does not fit: {}", phase_name(phase), tokens, r.fit_error)};
  std::int64_t b2 = batch / 2;
  RunResult r2 = eval(phase, b2, tokens, spec);
  while (!r2.fits && b2 > 1) r2 = eval(phase, b2 /= 2, tokens, spec);
  if (!r2.fits && phase == Phase::Prefill) {
    const StepCost one = (*this)(kind, 1, tokens);  // prompts in pieces, one after another
    return StepCost{one.time_s * static_cast<double>(batch), one.energy_j * static_cast<double>(batch)};
  }
  if (!r2.fits)
    throw NotFit{fmt::format("a {} step of one sequence at {} tokens does not fit: {}", phase_name(phase), tokens,
                             r2.fit_error)};
  if (b2 == 1) {
    const StepCost c = cost_of(r2);
    return StepCost{c.time_s * static_cast<double>(batch), c.energy_j * static_cast<double>(batch)};
  }
  const std::int64_t b1 = b2 / 2;
  const StepCost c1 = cost_of(eval(phase, b1, tokens, spec)), c2 = cost_of(r2);
  const double f = static_cast<double>(batch - b2) / static_cast<double>(b2 - b1);
  return StepCost{c2.time_s + f * (c2.time_s - c1.time_s), c2.energy_j + f * (c2.energy_j - c1.energy_j)};
}

StepCost EvaluatorSteps::cost_of(const RunResult& r) {
  const double t = r.latency_s.value_or(0);
  const double e = r.energy ? r.energy->energy_j.dynamic() : 0;
  return StepCost{t, e};
}

StepCost EvaluatorSteps::transfer_by_scaling(std::int64_t batch, std::int64_t tokens) const {
  const RunResult one = eval(Phase::Prefill, 1, tokens);
  return StepCost{one.kv_transfer_s * static_cast<double>(batch), 0};
}

}  // namespace wafersim
