#pragma once
// Energy over a sequence of timed steps: one evaluation (a step, or prefill then
// decode steps) or a whole serving run. Steps add their dynamic joules; finish()
// adds the static parts over the wall time (devices of groups that ran a step at
// resident power, the others idle, A-290; host and network), in-chassis cooling
// and derives power, cost per million tokens and the
// cooling verdict. Generic: devices are read through DeviceSummary.
// Units: joules, watts, seconds, US dollars.

#include <optional>
#include <string>
#include <vector>

#include "sim/energy/energy_model.h"
#include "sim/timing/run_result.h"

namespace wafersim {

class EnergyAccount {
 public:
  explicit EnergyAccount(const System& system);

  /// False when some device of the system has no energy section: finish() then reports nothing.
  [[nodiscard]] bool priced() const { return priced_; }

  /// Adds `times` runs of a step that apply_step_energy priced, done by `group`
  /// (its dynamic and cooling joules; resident power is counted over the wall time by finish).
  void add_step(const StepResult& step, const std::string& group, double times = 1);

  /// Adds `bytes` sent from `from_group` to another group over the link between them.
  void add_transfer(double bytes, const std::string& from_group);

  /// The report over `seconds` of wall time for `tokens` tokens at `tokens_per_s`
  /// (the cost's rate). `main` is the step whose per-device power is reported; null
  /// (a serving run): the main group's mean device power over the whole time.
  [[nodiscard]] std::optional<EnergyReport> finish(double seconds, double tokens, double tokens_per_s,
                                                   const StepResult* main) const;

 private:
  const System& system_;
  bool priced_ = true;
  EnergyBreakdown dynamic_;
  std::vector<bool> used_;               ///< per group: ran a step (resident) or not (idle)
  std::vector<double> group_dynamic_j_;  ///< per group: dynamic joules of its steps
  bool capped_ = false;
};

/// Which timed steps make up an evaluation and how many times each ran.
struct EnergyInputs {
  std::vector<double> step_weights;      ///< per entry of the evaluator's step results
  std::vector<std::string> step_groups;  ///< the group that ran each step (empty: the main group)
  int main_step = 0;                     ///< the step `explain` shows
  double kv_transfer_bytes = 0;          ///< prefill group → decode group (generate)
  std::string kv_from_group;             ///< the prefill group
  double tokens = 0;                     ///< tokens the energy is divided by
};

/// Fills `r.energy` (when every group used has an energy section) from the steps'
/// energies through an EnergyAccount over `r.latency_s`.
void finish_run_energy(RunResult& r, const System& system, const std::vector<StepResult>& steps,
                       const EnergyInputs& in);

}  // namespace wafersim
