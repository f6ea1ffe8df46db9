#pragma once
// Book-keeping shared by the schedulers of serving_simulator: the sequences in
// flight, their KV blocks, arrivals, preemption and the outcome being filled.
// Internal to sim/serving. Units: seconds, tokens, blocks.

#include <deque>
#include <unordered_map>
#include <vector>

#include "sim/serving/kv_pager.h"
#include "sim/serving/serving_simulator.h"
#include "sim/workload/acceptance_sampler.h"

namespace wafersim::serving::detail {

/// A request admitted to a group: its KV blocks and progress.
struct Sequence {
  std::size_t index = 0;            ///< into the request list
  std::int64_t context = 0;         ///< tokens whose KV is held (prompt + produced)
  std::int64_t prefill_target = 0;  ///< tokens to prefill (prompt, plus produced tokens after a preemption)
  std::int64_t prefilled = 0;       ///< of prefill_target (chunked prefill)
  double produced = 0;              ///< output tokens so far (fractional with tokens_per_step != 1)
  std::int64_t blocks = 0;
  [[nodiscard]] bool prefilling() const { return prefilled < prefill_target; }
};

class ServingState {
 public:
  ServingState(const std::vector<ServeRequest>& requests, const ServeConfig& config);

  const std::vector<ServeRequest>& requests;
  const ServeConfig& config;
  KvPager pager;
  ServeOutcome outcome;
  std::deque<Sequence> waiting;   ///< arrived, not admitted (preempted ones at the front)
  std::vector<Sequence> running;  ///< admitted, in admission order
  std::size_t next_arrival = 0;
  std::size_t finished = 0;
  double now = 0;

  [[nodiscard]] bool done() const { return finished == requests.size(); }
  [[nodiscard]] double next_arrival_time() const;
  /// Moves every request that has arrived by `now` into `waiting`.
  void admit_arrivals();
  /// Advances the clock over a step of `cost` (`kind` as StepEvent's), accumulating the
  /// in-system integral and the step's dynamic energy by kind.
  void advance(const StepCost& cost, char kind);
  /// Adds a step's dynamic energy to the outcome under its kind ('p', 'd', 'm', 't').
  void add_energy(double joules, char kind);
  /// A group runs a step over [start, end]: time since the first arrival that no group
  /// covered becomes idle time. Steps must come in order of their start.
  void note_busy(double start, double end);
  /// Jumps idle time to the next arrival.
  void idle_until_next_arrival();
  /// A fresh sequence for request `i` (or the preempted one), to prefill.
  [[nodiscard]] Sequence make_sequence(std::size_t i) const;
  /// Records a produced token batch; returns true when the request is complete.
  bool produce(Sequence& s, double tokens);
  /// A decode step's tokens for `s`: `tokens_per_step`, or with speculative decoding
  /// a draw of its request's sampler; then as `produce`.
  bool decode(Sequence& s);
  /// Makes room for every running sequence to grow by one token, preempting the most
  /// recently admitted ones when blocks run out.
  void grow_running(std::int64_t extra_tokens);
  void finish(Sequence& s);
  void record(const StepEvent& e);
  [[nodiscard]] std::int64_t in_system() const;

 private:
  std::size_t arrived_ = 0;
  double covered_until_ = 0;  ///< the end of the latest step noted busy
  /// One acceptance sampler per request in flight (speculative decoding), dropped when it finishes.
  std::unordered_map<std::size_t, AcceptanceSampler> samplers_;
};

}  // namespace wafersim::serving::detail
