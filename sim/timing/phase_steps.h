#pragma once
// The steps one phase runs (a prefill pass, decode steps at sampled contexts) and
// how their timings add up to the phase's latency, throughput and time split.
// Used by the Evaluator; knows no hardware kind. Units: seconds, tokens.

#include <cstdint>
#include <vector>

#include "sim/energy/energy_account.h"
#include "sim/timing/run_result.h"
#include "sim/workload/graph.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

/// One step to time: its kind, the tokens per sequence it processes, the context it ends at.
struct PhaseStep {
  StepKind kind;
  std::int64_t new_tokens, context;
};

struct PhaseSteps {
  std::vector<PhaseStep> steps;
  std::vector<std::int64_t> decode_contexts;  ///< generate: the sampled decode contexts (A-13)
  /// The step `explain` shows: the pass itself, or (generate) the decode step with the largest KV cache.
  [[nodiscard]] bool is_main(std::size_t i, Phase phase) const {
    return phase == Phase::Generate ? i + 1 == steps.size() : i == 0;
  }
};

/// The steps of `w.phase`; decode steps process `decode_tokens` per sequence (k + 1
/// when verifying, A-330).
[[nodiscard]] PhaseSteps plan_phase_steps(const ModelSpec& model, const Workload& w, std::int64_t decode_tokens);

/// Latency, TTFT, TPOT, tokens/s, the time split and its bound from the timed steps
/// (one per planned step); sets the generate decode steps' energy weights.
void combine_steps(RunResult& r, const Workload& w, const PhaseSteps& phase, const std::vector<StepResult>& results,
                   EnergyInputs& energy_in);

}  // namespace wafersim
