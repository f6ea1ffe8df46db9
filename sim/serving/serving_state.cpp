#include "sim/serving/serving_state.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/error.h"

namespace wafersim::serving::detail {

ServingState::ServingState(const std::vector<ServeRequest>& reqs, const ServeConfig& cfg)
    : requests(reqs), config(cfg), pager(cfg.kv_blocks, cfg.block_tokens) {
  outcome.records.resize(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) outcome.records[i].request = requests[i];
}

double ServingState::next_arrival_time() const {
  return next_arrival < requests.size() ? requests[next_arrival].arrival_s : std::numeric_limits<double>::infinity();
}

void ServingState::admit_arrivals() {
  while (next_arrival < requests.size() && requests[next_arrival].arrival_s <= now) {
    waiting.push_back(make_sequence(next_arrival));
    ++next_arrival;
    ++arrived_;
  }
}

std::int64_t ServingState::in_system() const { return static_cast<std::int64_t>(arrived_ - finished); }

void ServingState::add_energy(double joules, char kind) {
  outcome.dynamic_energy_j += joules;
  (kind == 'p'   ? outcome.prefill_energy_j
   : kind == 'm' ? outcome.mixed_energy_j
   : kind == 't' ? outcome.transfer_energy_j
                 : outcome.decode_energy_j) += joules;
}

void ServingState::note_busy(double start, double end) {
  if (requests.empty()) return;
  const double from = std::max(covered_until_, requests.front().arrival_s);
  if (start > from) outcome.idle_s += start - from;
  covered_until_ = std::max({covered_until_, end, requests.front().arrival_s});
}

void ServingState::advance(const StepCost& cost, char kind) {
  const double end = now + cost.time_s;
  note_busy(now, end);
  // Requests in the system over the step: those present at its start for the whole
  // step, plus those arriving during it from their arrival (they wait).
  outcome.in_system_integral += static_cast<double>(in_system()) * cost.time_s;
  for (std::size_t i = next_arrival; i < requests.size() && requests[i].arrival_s < end; ++i)
    outcome.in_system_integral += end - requests[i].arrival_s;
  add_energy(cost.energy_j, kind);
  outcome.busy_s += cost.time_s;
  ++outcome.step_count;
  now = end;
}

void ServingState::idle_until_next_arrival() {
  const double t = next_arrival_time();
  if (!std::isfinite(t)) throw InternalError("serving: idle with no arrival left and requests unfinished");
  outcome.in_system_integral += static_cast<double>(in_system()) * std::max(0.0, t - now);
  now = std::max(now, t);
}

Sequence ServingState::make_sequence(std::size_t i) const {
  Sequence s;
  s.index = i;
  s.prefill_target = requests[i].prompt;
  return s;
}

bool ServingState::produce(Sequence& s, double tokens) {
  RequestRecord& r = outcome.records[s.index];
  const auto before = static_cast<std::int64_t>(std::floor(s.produced));
  s.produced = std::min(s.produced + tokens, static_cast<double>(r.request.output));
  const auto after = static_cast<std::int64_t>(std::floor(s.produced));
  s.context += after - before;
  if (r.first_token_s < 0 && after >= 1) r.first_token_s = now;
  return after >= r.request.output;
}

namespace {
/// SplitMix64 finalizer: decorrelates the per-request seeds derived from one run seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
}  // namespace

bool ServingState::decode(Sequence& s) {
  if (!config.acceptance) return produce(s, config.tokens_per_step);
  // Each request draws from its own stream: its accepted counts do not depend
  // on the scheduler or on which other requests share its steps.
  auto it = samplers_.find(s.index);
  if (it == samplers_.end())
    it = samplers_.emplace(s.index, AcceptanceSampler(*config.acceptance, mix(config.acceptance_seed ^ mix(s.index))))
             .first;
  const int drawn = it->second.draw();
  ++outcome.speculative_draws;
  outcome.speculative_tokens_drawn += drawn;
  return produce(s, static_cast<double>(drawn));
}

void ServingState::finish(Sequence& s) {
  samplers_.erase(s.index);
  outcome.records[s.index].finish_s = now;
  outcome.end_s = std::max(outcome.end_s, now);
  pager.give_back(s.blocks);
  s.blocks = 0;
  ++finished;
}

void ServingState::grow_running(std::int64_t extra) {
  for (std::size_t i = 0; i < running.size(); ++i) {
    Sequence& s = running[i];
    const std::int64_t need = pager.blocks_for(s.context + extra) - s.blocks;
    if (need <= 0) continue;
    while (!pager.take(need)) {
      // Preempt the most recently admitted sequence (it may be this one); it is
      // recomputed from its prompt and the tokens it produced.
      Sequence victim = running.back();
      running.pop_back();
      pager.give_back(victim.blocks);
      outcome.records[victim.index].preemptions++;
      outcome.preemptions++;
      Sequence again = make_sequence(victim.index);
      again.produced = victim.produced;
      again.prefill_target = requests[victim.index].prompt + static_cast<std::int64_t>(std::floor(victim.produced));
      waiting.push_front(again);
      if (i >= running.size()) return;  // this sequence was the victim
    }
    s.blocks += need;
  }
}

void ServingState::record(const StepEvent& e) {
  if (!config.record_steps) return;
  if (outcome.steps.size() >= config.max_recorded_steps) {
    outcome.steps_truncated = true;
    return;
  }
  outcome.steps.push_back(e);
}

}  // namespace wafersim::serving::detail
