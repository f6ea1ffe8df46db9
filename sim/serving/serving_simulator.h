#pragma once
// Request-level serving simulation: requests arrive, a scheduler forms batches, the
// steps take the time the step-time cache says, and every request's first and last
// token times are recorded. Schedulers:
//  - static: a batch is formed when the system is idle, prefilled together and decoded
//    until its longest request ends; finished requests keep their slot (padding);
//  - continuous: iteration-level batching (Orca/vLLM): each step is either a prefill
//    of newly admitted requests (prefill first) or a decode step of every running one;
//  - chunked: Sarathi-style: each step runs every decoding request plus prefill chunks
//    up to a token budget, in one mixed step;
//  - disaggregated: prefill on one group, decode on another, the KV cache crossing the
//    link between them; the two groups and the link work concurrently.
// KV memory is paged; when a growing sequence finds no free block the most recently
// admitted request is preempted and later recomputed. Knows no hardware kind.
// Units: seconds, tokens, blocks, joules.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/serving/serving_request.h"
#include "sim/serving/step_time_cache.h"
#include "sim/workload/acceptance_model.h"

namespace wafersim::serving {

enum class SchedulerKind { Continuous, Static, Chunked, Disaggregated };
[[nodiscard]] std::optional<SchedulerKind> parse_scheduler(const std::string& s);
[[nodiscard]] std::string scheduler_name(SchedulerKind s);

struct ServeConfig {
  SchedulerKind scheduler = SchedulerKind::Continuous;
  std::int64_t max_batch = 256;  ///< sequences per step at most (--max-batch)
  /// Chunked: token budget per step (--chunk, default 512). Continuous, static and
  /// disaggregated: prefill tokens per step at most (default 8192; a longer prompt runs alone).
  std::int64_t chunk = 0;
  std::int64_t kv_blocks = 0;  ///< KV capacity in blocks (of the decode group)
  std::int64_t block_tokens = 16;
  /// Tokens each decode step adds to every sequence, on average. 1 for plain decoding;
  /// the seam where speculative decoding (accepted tokens per verification step) enters.
  double tokens_per_step = 1.0;
  /// Speculative decoding: each decode step is a ServeStep::SpeculativeDecode,
  /// every sequence reserves KV for k + 1 tokens and gains the tokens its request's own
  /// sampler draws from this model (seeded by `acceptance_seed` and the request index),
  /// never more than its output needs. Overrides `tokens_per_step`.
  std::optional<AcceptanceModel> acceptance;
  std::uint64_t acceptance_seed = 1;
  /// Colocated schedulers on a system whose prefill and decode run on different groups:
  /// each prefill step also waits for its KV cache to cross to the decode group.
  bool transfer_after_prefill = false;
  bool record_steps = false;  ///< keep every step for the Chrome trace
  std::size_t max_recorded_steps = 500'000;

  /// The step kind that decodes: SpeculativeDecode with an acceptance model.
  [[nodiscard]] ServeStep decode_step() const { return acceptance ? ServeStep::SpeculativeDecode : ServeStep::Decode; }
  /// Tokens of KV every decoding sequence reserves before a decode step.
  [[nodiscard]] std::int64_t lookahead_tokens() const;

  [[nodiscard]] std::int64_t chunk_or_default() const {
    if (chunk > 0) return chunk;
    return scheduler == SchedulerKind::Chunked ? 512 : 8192;
  }
};

/// One step of the run, for the Chrome trace of batches.
struct StepEvent {
  double start_s = 0, duration_s = 0;
  int group = 0;    ///< 0: the (prefill) group; 1: decode group (disaggregated); 2: the link
  char kind = 'd';  ///< 'p' prefill, 'd' decode, 'm' mixed, 't' KV transfer
  std::int64_t sequences = 0, tokens = 0, kv_blocks = 0;
};

struct ServeOutcome {
  std::vector<RequestRecord> records;  ///< in request order
  std::vector<StepEvent> steps;        ///< when record_steps
  bool steps_truncated = false;
  std::int64_t step_count = 0, decode_steps = 0;
  double decode_batch_sum = 0;  ///< sequences summed over decode (and mixed) steps
  std::int64_t max_batch_reached = 0;
  std::int64_t preemptions = 0;
  std::int64_t kv_peak_blocks = 0;
  double dynamic_energy_j = 0;  ///< summed over steps (the four parts below)
  /// Dynamic energy by step kind: prefill-only, decode-only, mixed (chunked) steps, KV transfers.
  double prefill_energy_j = 0, decode_energy_j = 0, mixed_energy_j = 0, transfer_energy_j = 0;
  double busy_s = 0;              ///< time some group was running a step
  double idle_s = 0;              ///< from the first arrival on, time no group ran a step (A-401)
  double in_system_integral = 0;  ///< integral of requests in the system over time (Little's law)
  double end_s = 0;               ///< last completion
  /// Speculative decoding: verification steps drawn (one per sequence per decode step)
  /// and the tokens drawn, before the output cap trims the last step (their mean follows the closed form).
  std::int64_t speculative_draws = 0, speculative_tokens_drawn = 0;
};

/// Runs `requests` (sorted by arrival) under `config`; throws InternalError on a broken
/// invariant. Every request must fit the KV capacity alone (the caller checks, exit 3).
[[nodiscard]] ServeOutcome simulate(const std::vector<ServeRequest>& requests, const ServeConfig& config,
                                    StepTimeCache& cache);

/// Mixed step of chunked prefill: prefill and decode parts share one pass over
/// the weights, so the shared per-step cost (a batch-1 decode step at a short context) is
/// counted once; never less than either part alone. `decode_kind`: Decode, or
/// SpeculativeDecode (the shared pass is still a plain batch-1 decode step).
[[nodiscard]] StepCost mixed_step_cost(StepTimeCache& cache, std::int64_t prefill_seqs, std::int64_t prefill_tokens,
                                       std::int64_t decode_seqs, std::int64_t decode_context,
                                       ServeStep decode_kind = ServeStep::Decode);

}  // namespace wafersim::serving
