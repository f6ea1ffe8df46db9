#pragma once
// Evaluates a model on a system: builds the step graphs a phase needs, maps them
// with the group's policy, times them with the fidelity asked for (or the most
// detailed the kind has, up to approx), and assembles a RunResult. Generate runs
// prefill, moves the KV cache when decode runs elsewhere, then the decode steps
// with the context growing (sampled, A-13).

#include <optional>

#include "sim/timing/backend.h"
#include "sim/timing/phase_steps.h"
#include "sim/timing/run_result.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

/// How many devices of the main group to use.
struct DeviceCount {
  enum class Mode { System, Fixed, Auto } mode = Mode::System;
  int count = 0;
};

class GraphCache;

struct EvalOptions {
  Workload workload;
  DeviceCount devices;
  std::optional<Fidelity> fidelity;
  /// Step graphs shared between evaluations (sweeps); null: build each graph here.
  GraphCache* graphs = nullptr;
  /// Tokens per sequence each decode step processes: 1, or k + 1 for the
  /// verification step of speculative decoding.
  std::int64_t decode_tokens = 1;
};

class Evaluator {
 public:
  explicit Evaluator(const Registry& registry) : registry_(registry) {}
  /// Throws InputError for requests that make no sense (decode on an encoder,
  /// a fidelity the kind lacks); a model that does not fit is a result, not an error.
  [[nodiscard]] RunResult evaluate(const System& system, const ModelSpec& model, const EvalOptions& options) const;
  /// Throws InputError when the workload does not suit the model (decode on an encoder).
  static void check_workload(const ModelSpec& model, const Workload& workload);
  /// The fidelity the steps of `workload` run at on `system`: `asked`, or the most
  /// detailed up to approx every group used has. Throws InputError when a group's
  /// kind lacks the level asked for, or its device cannot run at it (Backend::check_fidelity).
  [[nodiscard]] Fidelity resolve_fidelity(const System& system, const Workload& workload,
                                          std::optional<Fidelity> asked) const;

 private:
  /// The main group resized to the smallest count that holds its most demanding steps.
  [[nodiscard]] System size_main_group(const System& system, const ModelSpec& model, const EvalOptions& options,
                                       const std::vector<PhaseStep>& steps) const;
  /// Maps and times each step on its group; fills the main step's figures in `r`, and
  /// `r.fits`/`r.fit_error` when one does not fit. One StepResult per step when all fit.
  [[nodiscard]] std::vector<StepResult> run_steps(const System& system, const ModelSpec& model,
                                                  const EvalOptions& options, Fidelity fidelity,
                                                  const PhaseSteps& phase, RunResult& r) const;
  /// Layout, memory, FLOPs and bytes of the main step, and how its device names its memory.
  static void describe_main_step(RunResult& r, const Plan& plan, const Graph& graph, const DeviceGroup& group,
                                 const MappingPolicy& policy);

  const Registry& registry_;
};

}  // namespace wafersim
