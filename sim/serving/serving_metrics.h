#pragma once
// What a serving run measured (CONTRACTS.md "Serving" --json fields): latency
// distributions, throughput, SLO attainment and goodput, batch and KV figures,
// energy per output token. Percentiles interpolate linearly between order
// statistics. Units: seconds, requests/s, output tokens/s, bytes, joules.

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/serving/serving_simulator.h"

namespace wafersim::serving {

struct Distribution {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;
  std::size_t count = 0;
};
[[nodiscard]] Distribution distribution(std::vector<double> values);

/// A service-level objective on p99 TTFT and p99 TPOT (each optional).
struct Slo {
  std::optional<double> ttft_s, tpot_s;
  [[nodiscard]] bool any() const { return ttft_s || tpot_s; }
  /// One request meets it (its own TTFT and TPOT).
  [[nodiscard]] bool met_by(const RequestRecord& r) const;
};

/// Figures the simulation cannot know: bytes per KV block, the system's power when it
/// holds the model and does no work.
struct RunScale {
  double kv_bytes_per_block = 0;
  double static_power_w = 0;    ///< every group resident + host and network (sim/energy)
  double cooling_share = 0;     ///< in-chassis fans and pumps per W of dynamic device power (A-297)
  double static_cooling_w = 0;  ///< the same fans and pumps over the resident power
};

/// Where a serving run's energy went: dynamic joules of its steps by kind,
/// resident power over the whole run (busy and idle) and in-chassis cooling. Joules.
struct ServeEnergy {
  double prefill = 0, decode = 0, mixed = 0, transfer = 0;  ///< dynamic, by step kind
  double resident = 0;                                      ///< static_power_w × duration, idle gaps included
  double idle = 0;                                          ///< the part of `resident` drawn while no step ran
  double cooling = 0;
  [[nodiscard]] double dynamic() const { return prefill + decode + mixed + transfer; }
  [[nodiscard]] double total() const { return dynamic() + resident + cooling; }
};

struct ServeMetrics {
  std::int64_t requests = 0, completed = 0;
  double duration_s = 0;               ///< first arrival to last completion
  std::optional<double> request_rate;  ///< offered: arrivals per second (none when all arrive at once)
  double throughput_requests_per_s = 0, throughput_tokens_per_s = 0;
  Distribution ttft, tpot, e2e;
  double mean_batch = 0;  ///< sequences per decode step, averaged over steps
  std::int64_t max_batch_reached = 0, preemptions = 0;
  double kv_peak_bytes = 0;
  std::optional<double> slo_attainment, goodput_requests_per_s;
  double mean_in_system = 0;  ///< time average of requests in the system (Little's L)
  double energy_j = 0, energy_j_per_token = 0;
  ServeEnergy energy;  ///< energy_j by part
  double idle_s = 0;   ///< time no step ran (A-401)
  double power_w = 0;  ///< energy_j / duration_s: the system's mean power
  double output_tokens = 0;
  std::int64_t steps = 0;

  /// p99 TTFT and p99 TPOT within the SLO (what --find-capacity bisects on).
  [[nodiscard]] bool meets(const Slo& slo) const;
};

[[nodiscard]] ServeMetrics summarize(const ServeOutcome& outcome, const Slo& slo, const RunScale& scale);

}  // namespace wafersim::serving
