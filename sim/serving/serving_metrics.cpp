#include "sim/serving/serving_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace wafersim::serving {
namespace {

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

Distribution distribution(std::vector<double> v) {
  Distribution d;
  d.count = v.size();
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  d.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  d.p50 = percentile(v, 0.50);
  d.p90 = percentile(v, 0.90);
  d.p99 = percentile(v, 0.99);
  return d;
}

bool Slo::met_by(const RequestRecord& r) const {
  if (!r.completed()) return false;
  if (ttft_s && r.ttft_s() > *ttft_s) return false;
  if (tpot_s && r.request.output > 1 && r.tpot_s() > *tpot_s) return false;
  return true;
}

bool ServeMetrics::meets(const Slo& slo) const {
  if (completed < requests) return false;
  if (slo.ttft_s && ttft.p99 > *slo.ttft_s) return false;
  if (slo.tpot_s && tpot.count > 0 && tpot.p99 > *slo.tpot_s) return false;
  return true;
}

ServeMetrics summarize(const ServeOutcome& o, const Slo& slo, const RunScale& scale) {
  ServeMetrics m;
  m.requests = static_cast<std::int64_t>(o.records.size());
  std::vector<double> ttft, tpot, e2e;
  double first = INFINITY, last_arrival = 0, output = 0;
  std::int64_t met = 0;
  for (const auto& r : o.records) {
    first = std::min(first, r.request.arrival_s);
    last_arrival = std::max(last_arrival, r.request.arrival_s);
    if (!r.completed()) continue;
    ++m.completed;
    output += static_cast<double>(r.request.output);
    ttft.push_back(r.ttft_s());
    e2e.push_back(r.e2e_s());
    if (r.request.output > 1) tpot.push_back(r.tpot_s());
    if (slo.any() && slo.met_by(r)) ++met;
  }
  if (m.requests == 0) return m;
  m.duration_s = o.end_s - first;
  if (last_arrival > first && m.requests > 1)
    m.request_rate = static_cast<double>(m.requests - 1) / (last_arrival - first);
  m.ttft = distribution(std::move(ttft));
  m.tpot = distribution(std::move(tpot));
  m.e2e = distribution(std::move(e2e));
  m.output_tokens = output;
  if (m.duration_s > 0) {
    m.throughput_requests_per_s = static_cast<double>(m.completed) / m.duration_s;
    m.throughput_tokens_per_s = output / m.duration_s;
    m.mean_in_system = o.in_system_integral / m.duration_s;
  }
  m.mean_batch = o.decode_steps > 0 ? o.decode_batch_sum / static_cast<double>(o.decode_steps) : 0;
  m.max_batch_reached = o.max_batch_reached;
  m.preemptions = o.preemptions;
  m.kv_peak_bytes = static_cast<double>(o.kv_peak_blocks) * scale.kv_bytes_per_block;
  if (slo.any()) {
    m.slo_attainment = static_cast<double>(met) / static_cast<double>(m.requests);
    m.goodput_requests_per_s = m.duration_s > 0 ? static_cast<double>(met) / m.duration_s : 0;
  }
  // every step's dynamic energy, plus the system's resident power over the
  // whole run (idle gaps included), plus the in-chassis cooling of both.
  ServeEnergy& e = m.energy;
  e.prefill = o.prefill_energy_j;
  e.decode = o.decode_energy_j;
  e.mixed = o.mixed_energy_j;
  e.transfer = o.transfer_energy_j;
  e.resident = scale.static_power_w * m.duration_s;
  m.idle_s = std::min(o.idle_s, m.duration_s);
  e.idle = scale.static_power_w * m.idle_s;
  e.cooling = scale.cooling_share * e.dynamic() + scale.static_cooling_w * m.duration_s;
  m.energy_j = e.total();
  m.energy_j_per_token = output > 0 ? m.energy_j / output : 0;
  m.power_w = m.duration_s > 0 ? m.energy_j / m.duration_s : 0;
  m.steps = o.step_count;
  return m;
}

}  // namespace wafersim::serving
