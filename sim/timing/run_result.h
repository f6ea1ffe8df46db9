#pragma once
// Everything one evaluation produces: the `eval --json` fields of CONTRACTS.md,
// plus the per-op timings of the main step for `explain`.

#include <optional>
#include <string>
#include <vector>

#include "sim/core/fidelity.h"
#include "sim/timing/step_result.h"
#include "sim/workload/workload.h"

namespace wafersim {

/// Speculative decoding figures (CONTRACTS.md `speculative`), per verification step.
struct SpeculativeResult {
  std::string method;                      ///< "draft" or "mtp"
  std::string draft_model;                 ///< the draft model's name (mtp: the target's MTP module)
  int k = 0;                               ///< draft tokens per step
  double acceptance = 0;                   ///< per-token acceptance p (derived from the mean when that was given)
  double tokens_per_step = 0;              ///< mean tokens one step yields per sequence
  double draft_s = 0;                      ///< k draft passes (mean over the run for generate)
  double verify_s = 0;                     ///< one (k + 1)-token step of the target
  double link_s = 0;                       ///< token ids between a separate draft group and the target
  double step_s = 0;                       ///< draft_s + verify_s + link_s
  double plain_tokens_per_s_per_user = 0;  ///< the same request without speculation
  double speedup = 0;                      ///< tokens_per_s_per_user over the plain figure
  int draft_devices = 0;                   ///< devices the draft ran on
  std::string draft_group;                 ///< the group it ran on
  std::string draft_device;                ///< that group's device
  std::vector<OpTiming> draft_ops;         ///< one draft pass (for `explain`)
  double draft_pass_s = 0;                 ///< one draft pass
};

struct RunResult {
  std::string system, model;
  Workload workload;
  Fidelity fidelity = Fidelity::Roofline;
  int devices = 0;             ///< devices of the main group used
  std::string devices_policy;  ///< how that count was chosen, in words (A-275)
  std::string device_kind;     ///< of the group that ran the main step
  /// How the main step's device names its memory (its MappingPolicy), for text output.
  std::string weight_memory;            ///< level weights are read from ("HBM", "SRAM"; "" = unnamed)
  std::string weight_stream_path;       ///< set when weights are streamed in from outside ("the wafer I/O")
  std::string op_note_header = "note";  ///< header of `explain`'s op-note column
  std::string layout;                   ///< the mapping, in words
  std::string placement;                ///< mixed systems: which group ran each step kind, in words
  double parameters = 0;                ///< the model's weights, in elements
  double active_parameters = 0;         ///< the weights one token uses (MoE: shared + top-k experts)

  bool fits = true;
  std::string fit_error;

  std::optional<double> latency_s, ttft_s, tpot_s, tokens_per_s, tokens_per_s_per_user;
  Bound bound = Bound::Memory;
  TimeBreakdown time;                                               ///< of `latency_s`
  double weights = 0, kv_cache = 0, activations = 0, capacity = 0;  ///< memory_bytes
  double flops = 0;                                                 ///< of the main step
  double bytes = 0;                                                 ///< of the main step (all levels)
  double kv_transfer_s = 0;                                         ///< prefill → decode group, when they differ
  std::optional<std::int64_t> max_batch;  ///< largest batch whose KV cache fits beside the weights (main step)
  double kv_transfer_bytes =
      0;  ///< the KV cache that crossed (layers × 2 × KV heads × head dim × prompt × dtype × batch)

  std::vector<OpTiming> ops;                     ///< the main step (decode step; prefill/encode pass)
  double step_latency_s = 0;                     ///< latency of the main step
  std::optional<SpeculativeResult> speculative;  ///< with --speculative
  std::optional<EnergyReport> energy;  ///< energy, power, cost, cooling (sim/energy); unset when a device lacks figures
};

}  // namespace wafersim
