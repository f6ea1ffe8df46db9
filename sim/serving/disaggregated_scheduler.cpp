// Disaggregated serving: one group prefills, another decodes, the KV cache of
// each request crosses the link between them. The prefill group, the link and the
// decode group each work on their own clock; requests move between them in order.

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "sim/core/error.h"
#include "sim/serving/serving_state.h"

namespace wafersim::serving::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::int64_t mean_of(std::int64_t sum, std::int64_t n) { return std::max<std::int64_t>(1, (sum + n / 2) / n); }

struct InTransit {
  Sequence seq;
  double ready_s = 0;  ///< when its KV cache has reached the decode group
};

}  // namespace

ServeOutcome simulate_disaggregated(const std::vector<ServeRequest>& requests, const ServeConfig& config,
                                    StepTimeCache& cache) {
  // `st` keeps the decode group (its KV pager, running set) and the records; the
  // prefill group holds no KV beyond its step (its memory is not the bound, A-316).
  ServingState st(requests, config);
  std::deque<Sequence> prefill_queue;  // arrived or preempted, waiting for the prefill group
  std::deque<InTransit> transit;       // prefilled, KV on the link or arrived at decode
  double prefill_free = 0, link_free = 0, decode_free = 0;
  std::size_t next = 0;

  // Only requests that arrived by a step's start can join it.
  auto arrive_until = [&](double t) {
    while (next < requests.size() && requests[next].arrival_s <= t) {
      prefill_queue.push_back(st.make_sequence(next));
      ++next;
    }
  };

  while (!st.done()) {
    // The next time each worker could start.
    double t_prefill = kInf;
    if (!prefill_queue.empty())
      t_prefill = prefill_free;
    else if (next < requests.size())
      t_prefill = std::max(prefill_free, requests[next].arrival_s);
    double t_decode = kInf;
    if (!st.running.empty())
      t_decode = decode_free;
    else if (!transit.empty())
      t_decode = std::max(decode_free, transit.front().ready_s);
    if (!std::isfinite(t_prefill) && !std::isfinite(t_decode))
      throw InternalError("serving: disaggregated run stalled with requests unfinished");

    if (t_decode <= t_prefill) {
      // Decode group: admit arrived KV caches, then one decode step over every running sequence.
      const double t = t_decode;
      arrive_until(t);
      st.now = t;
      while (!transit.empty() && transit.front().ready_s <= t &&
             static_cast<std::int64_t>(st.running.size()) < config.max_batch) {
        Sequence s = transit.front().seq;
        const std::int64_t blocks = st.pager.blocks_for(s.context + 1);
        if (!st.pager.take(blocks)) break;
        s.blocks = blocks;
        transit.pop_front();
        st.running.push_back(s);
      }
      if (st.running.empty()) {
        decode_free = std::max(decode_free, transit.empty() ? t : transit.front().ready_s);
        if (!transit.empty() && transit.front().ready_s <= t)
          throw InternalError("serving: a prefilled request fits no empty decode group");
        continue;
      }
      st.grow_running(config.lookahead_tokens());
      // Preempted sequences are recomputed by the prefill group.
      while (!st.waiting.empty()) {
        prefill_queue.push_front(st.waiting.back());
        st.waiting.pop_back();
      }
      if (st.running.empty()) continue;
      std::int64_t ctx = 0;
      for (const auto& s : st.running) ctx += s.context;
      const auto n = static_cast<std::int64_t>(st.running.size());
      const StepCost c = cache.cost(config.decode_step(), n, mean_of(ctx, n));
      st.record({t, c.time_s, 1, 'd', n, n, st.pager.used_blocks()});
      st.add_energy(c.energy_j, 'd');
      st.note_busy(t, t + c.time_s);
      st.outcome.busy_s += c.time_s;
      st.outcome.step_count++;
      st.outcome.decode_steps++;
      st.outcome.decode_batch_sum += static_cast<double>(n);
      st.outcome.max_batch_reached = std::max(st.outcome.max_batch_reached, n);
      decode_free = t + c.time_s;
      st.now = decode_free;
      std::vector<Sequence> still;
      for (auto& s : st.running) {
        if (st.decode(s))
          st.finish(s);
        else
          still.push_back(s);
      }
      st.running.swap(still);
      continue;
    }

    // Prefill group: a batch of waiting prompts, then each KV cache onto the link.
    const double t = t_prefill;
    arrive_until(t);
    std::vector<Sequence> batch;
    std::int64_t tokens = 0;
    while (!prefill_queue.empty() && static_cast<std::int64_t>(batch.size()) < config.max_batch) {
      const Sequence& s = prefill_queue.front();
      if (!batch.empty() && tokens + s.prefill_target > config.chunk_or_default()) break;
      tokens += s.prefill_target;
      batch.push_back(s);
      prefill_queue.pop_front();
    }
    const auto n = static_cast<std::int64_t>(batch.size());
    const StepCost c = cache.cost(ServeStep::Prefill, n, mean_of(tokens, n));
    st.record({t, c.time_s, 0, 'p', n, tokens, 0});
    st.add_energy(c.energy_j, 'p');
    st.note_busy(t, t + c.time_s);
    st.outcome.busy_s += c.time_s;
    st.outcome.step_count++;
    st.outcome.max_batch_reached = std::max(st.outcome.max_batch_reached, n);
    prefill_free = t + c.time_s;
    st.now = prefill_free;
    for (auto& s : batch) {
      s.prefilled = s.prefill_target;
      s.context = s.prefill_target;
      if (st.produce(s, 1.0)) {
        st.finish(s);
        continue;
      }
      // The link carries one KV cache at a time, in prefill order.
      const StepCost x = cache.cost(ServeStep::KvTransfer, 1, s.prefill_target);
      const double start = std::max(prefill_free, link_free);
      link_free = start + x.time_s;
      st.add_energy(x.energy_j, 't');
      st.record({start, x.time_s, 2, 't', 1, s.prefill_target, 0});
      transit.push_back({s, link_free});
    }
  }
  st.outcome.kv_peak_blocks = st.pager.peak_blocks();
  // The groups run on separate clocks, so requests in the system are counted from
  // their own times here (colocated runs integrate step by step).
  for (const auto& r : st.outcome.records) st.outcome.in_system_integral += r.e2e_s();
  return std::move(st.outcome);
}

}  // namespace wafersim::serving::detail
