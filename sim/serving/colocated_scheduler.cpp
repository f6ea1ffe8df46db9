// The schedulers that run every step on one group, one step at a time: static,
// continuous and chunked (serving_simulator.h).

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/error.h"
#include "sim/serving/serving_state.h"

namespace wafersim::serving {
namespace detail {

ServeOutcome simulate_disaggregated(const std::vector<ServeRequest>& requests, const ServeConfig& config,
                                    StepTimeCache& cache);

namespace {

std::int64_t mean_of(std::int64_t sum, std::int64_t n) { return std::max<std::int64_t>(1, (sum + n / 2) / n); }

/// Prefill step of `seqs` prompts at their mean length, plus the KV transfer on a
/// system that decodes elsewhere.
StepCost prefill_cost(StepTimeCache& cache, const ServeConfig& config, std::int64_t seqs, std::int64_t tokens) {
  StepCost c = cache.cost(ServeStep::Prefill, seqs, mean_of(tokens, seqs));
  if (config.transfer_after_prefill) {
    const StepCost t = cache.cost(ServeStep::KvTransfer, seqs, mean_of(tokens, seqs));
    c.time_s += t.time_s;
    c.energy_j += t.energy_j;
  }
  return c;
}

/// Takes waiting sequences for a prefill while the batch, the token cap and the KV
/// blocks allow (a prompt longer than the cap runs alone).
std::vector<Sequence> admit_for_prefill(ServingState& st, std::int64_t slots, std::int64_t token_cap,
                                        bool reserve_output) {
  std::vector<Sequence> batch;
  std::int64_t tokens = 0;
  while (!st.waiting.empty() && static_cast<std::int64_t>(batch.size()) < slots) {
    Sequence s = st.waiting.front();
    const ServeRequest& r = st.requests[s.index];
    if (!batch.empty() && tokens + s.prefill_target > token_cap) break;
    const std::int64_t held = reserve_output ? r.prompt + r.output : s.prefill_target + 1;
    const std::int64_t blocks = st.pager.blocks_for(held);
    if (!st.pager.take(blocks)) break;
    s.blocks = blocks;
    tokens += s.prefill_target;
    st.waiting.pop_front();
    batch.push_back(s);
  }
  return batch;
}

/// Sequences done prefilling produce their next token; finished ones leave.
void after_prefill(ServingState& st, std::vector<Sequence>& batch) {
  for (auto& s : batch) {
    s.prefilled = s.prefill_target;
    s.context = s.prefill_target;
    if (st.produce(s, 1.0))
      st.finish(s);
    else
      st.running.push_back(s);
  }
}

/// One decode step of every running sequence, timed at their mean context; a
/// speculative step with an acceptance model.
void decode_step(ServingState& st, StepTimeCache& cache) {
  st.grow_running(st.config.lookahead_tokens());
  if (st.running.empty()) return;
  std::int64_t ctx = 0;
  for (const auto& s : st.running) ctx += s.context;
  const auto n = static_cast<std::int64_t>(st.running.size());
  const StepCost c = cache.cost(st.config.decode_step(), n, mean_of(ctx, n));
  st.record({st.now, c.time_s, 0, 'd', n, n, st.pager.used_blocks()});
  st.advance(c, 'd');
  st.outcome.decode_steps++;
  st.outcome.decode_batch_sum += static_cast<double>(n);
  st.outcome.max_batch_reached = std::max(st.outcome.max_batch_reached, n);
  std::vector<Sequence> still;
  still.reserve(st.running.size());
  for (auto& s : st.running) {
    if (st.decode(s))
      st.finish(s);
    else
      still.push_back(s);
  }
  st.running.swap(still);
}

void run_continuous(ServingState& st, StepTimeCache& cache) {
  const ServeConfig& cfg = st.config;
  while (!st.done()) {
    st.admit_arrivals();
    if (st.running.empty() && st.waiting.empty()) {
      st.idle_until_next_arrival();
      continue;
    }
    const std::int64_t slots = cfg.max_batch - static_cast<std::int64_t>(st.running.size());
    std::vector<Sequence> batch = admit_for_prefill(st, slots, cfg.chunk_or_default(), false);
    if (!batch.empty()) {
      std::int64_t tokens = 0;
      for (const auto& s : batch) tokens += s.prefill_target;
      const auto n = static_cast<std::int64_t>(batch.size());
      const StepCost c = prefill_cost(cache, cfg, n, tokens);
      st.record({st.now, c.time_s, 0, 'p', n, tokens, st.pager.used_blocks()});
      st.advance(c, 'p');
      st.outcome.max_batch_reached = std::max(st.outcome.max_batch_reached, n);
      after_prefill(st, batch);
      continue;
    }
    if (st.running.empty()) throw InternalError("serving: a waiting request fits no empty system");
    decode_step(st, cache);
  }
}

void run_static(ServingState& st, StepTimeCache& cache) {
  const ServeConfig& cfg = st.config;
  while (!st.done()) {
    st.admit_arrivals();
    if (st.waiting.empty()) {
      st.idle_until_next_arrival();
      continue;
    }
    // The batch holds its whole KV (prompt + output) from the start: static batching
    // allocates for the longest sequence it may reach.
    std::vector<Sequence> batch = admit_for_prefill(st, cfg.max_batch, std::numeric_limits<std::int64_t>::max(), true);
    if (batch.empty()) throw InternalError("serving: a waiting request fits no empty system");
    const auto n = static_cast<std::int64_t>(batch.size());
    std::int64_t tokens = 0;
    for (const auto& s : batch) tokens += s.prefill_target;
    StepCost c = prefill_cost(cache, cfg, n, tokens);
    st.record({st.now, c.time_s, 0, 'p', n, tokens, st.pager.used_blocks()});
    st.advance(c, 'p');
    st.outcome.max_batch_reached = std::max(st.outcome.max_batch_reached, n);
    for (auto& s : batch) {
      s.context = s.prefill_target;
      if (st.produce(s, 1.0)) st.finish(s);
    }
    // Every slot decodes until the longest request is done (finished ones as padding).
    // The step's context follows the furthest sequence (the same for all but with speculative draws, A-336).
    const std::int64_t mean_prompt = mean_of(tokens, n);
    auto unfinished = [&] {
      return std::any_of(batch.begin(), batch.end(), [](const Sequence& s) { return s.blocks > 0; });
    };
    while (unfinished()) {
      double produced = 0;
      for (const auto& s : batch) produced = std::max(produced, s.produced);
      c = cache.cost(cfg.decode_step(), n, mean_prompt + static_cast<std::int64_t>(produced));
      st.record({st.now, c.time_s, 0, 'd', n, n, st.pager.used_blocks()});
      st.advance(c, 'd');
      st.outcome.decode_steps++;
      st.outcome.decode_batch_sum += static_cast<double>(n);
      for (auto& s : batch)
        if (s.blocks > 0 && st.decode(s)) st.finish(s);
    }
  }
}

void run_chunked(ServingState& st, StepTimeCache& cache) {
  const ServeConfig& cfg = st.config;
  const std::int64_t budget = cfg.chunk_or_default();
  while (!st.done()) {
    st.admit_arrivals();
    if (st.running.empty() && st.waiting.empty()) {
      st.idle_until_next_arrival();
      continue;
    }
    // Decoding sequences grow by one token; prefilling ones already hold their prompt.
    std::vector<Sequence> prefilling;
    {
      std::vector<Sequence> decoding;
      for (auto& s : st.running) (s.prefilling() ? prefilling : decoding).push_back(s);
      st.running = std::move(decoding);
      st.grow_running(cfg.lookahead_tokens());
    }
    const auto decode_n = static_cast<std::int64_t>(st.running.size());
    std::int64_t left = budget - decode_n, ctx = 0;
    for (const auto& s : st.running) ctx += s.context;
    // Prefill chunks: partly prefilled sequences first, then new admissions.
    std::vector<std::int64_t> chunk;
    for (const auto& s : prefilling) {
      chunk.push_back(std::clamp<std::int64_t>(left, 0, s.prefill_target - s.prefilled));
      left -= chunk.back();
    }
    while (left > 0 && !st.waiting.empty() && decode_n + static_cast<std::int64_t>(prefilling.size()) < cfg.max_batch) {
      Sequence s = st.waiting.front();
      const std::int64_t blocks = st.pager.blocks_for(s.prefill_target + 1);
      if (!st.pager.take(blocks)) break;
      s.blocks = blocks;
      st.waiting.pop_front();
      prefilling.push_back(s);
      chunk.push_back(std::min(left, s.prefill_target));
      left -= chunk.back();
    }
    std::int64_t p_seqs = 0, p_tokens = 0;
    for (auto c : chunk)
      if (c > 0) ++p_seqs, p_tokens += c;
    if (decode_n == 0 && p_seqs == 0) {
      if (prefilling.empty()) throw InternalError("serving: a waiting request fits no empty system");
      // The budget is smaller than the decode batch: let the oldest prefill advance.
      chunk[0] = std::min<std::int64_t>(budget, prefilling[0].prefill_target - prefilling[0].prefilled);
      p_seqs = 1;
      p_tokens = chunk[0];
    }
    const StepCost c = mixed_step_cost(cache, p_seqs, p_tokens, decode_n, decode_n > 0 ? mean_of(ctx, decode_n) : 1,
                                       cfg.decode_step());
    const std::int64_t seqs = decode_n + p_seqs;
    const char kind = p_seqs > 0 ? (decode_n > 0 ? 'm' : 'p') : 'd';
    st.record({st.now, c.time_s, 0, kind, seqs, decode_n + p_tokens, st.pager.used_blocks()});
    st.advance(c, kind);
    st.outcome.max_batch_reached = std::max(st.outcome.max_batch_reached, seqs);
    if (decode_n > 0) {
      st.outcome.decode_steps++;
      st.outcome.decode_batch_sum += static_cast<double>(seqs);
    }
    std::vector<Sequence> next;
    for (auto& s : st.running) {
      if (st.decode(s))
        st.finish(s);
      else
        next.push_back(s);
    }
    for (std::size_t i = 0; i < prefilling.size(); ++i) {
      Sequence& s = prefilling[i];
      s.prefilled += chunk[i];
      if (!s.prefilling()) {
        s.context = s.prefill_target;
        if (st.produce(s, 1.0)) {
          st.finish(s);
          continue;
        }
      }
      next.push_back(s);
    }
    st.running = std::move(next);
  }
}

}  // namespace
}  // namespace detail

StepCost mixed_step_cost(StepTimeCache& cache, std::int64_t prefill_seqs, std::int64_t prefill_tokens,
                         std::int64_t decode_seqs, std::int64_t decode_context, ServeStep decode_kind) {
  if (prefill_seqs == 0) return cache.cost(decode_kind, decode_seqs, decode_context);
  const StepCost p = cache.cost(ServeStep::Prefill, prefill_seqs, detail::mean_of(prefill_tokens, prefill_seqs));
  if (decode_seqs == 0) return p;
  const StepCost d = cache.cost(decode_kind, decode_seqs, decode_context);
  const StepCost shared = cache.cost(ServeStep::Decode, 1, 1);
  return StepCost{std::max({p.time_s, d.time_s, p.time_s + d.time_s - shared.time_s}),
                  std::max({p.energy_j, d.energy_j, p.energy_j + d.energy_j - shared.energy_j})};
}

std::int64_t ServeConfig::lookahead_tokens() const {
  // The verification writes KV for all k + 1 positions before it knows how many it keeps.
  if (acceptance) return acceptance->draft_tokens() + 1;
  return static_cast<std::int64_t>(std::ceil(tokens_per_step));
}

std::optional<SchedulerKind> parse_scheduler(const std::string& s) {
  if (s == "continuous") return SchedulerKind::Continuous;
  if (s == "static") return SchedulerKind::Static;
  if (s == "chunked") return SchedulerKind::Chunked;
  if (s == "disaggregated") return SchedulerKind::Disaggregated;
  return std::nullopt;
}

std::string scheduler_name(SchedulerKind s) {
  switch (s) {
    case SchedulerKind::Continuous:
      return "continuous";
    case SchedulerKind::Static:
      return "static";
    case SchedulerKind::Chunked:
      return "chunked";
    case SchedulerKind::Disaggregated:
      return "disaggregated";
  }
  return "";
}

ServeOutcome simulate(const std::vector<ServeRequest>& requests, const ServeConfig& config, StepTimeCache& cache) {
  if (config.scheduler == SchedulerKind::Disaggregated) return detail::simulate_disaggregated(requests, config, cache);
  detail::ServingState st(requests, config);
  switch (config.scheduler) {
    case SchedulerKind::Static:
      detail::run_static(st, cache);
      break;
    case SchedulerKind::Chunked:
      detail::run_chunked(st, cache);
      break;
    default:
      detail::run_continuous(st, cache);
      break;
  }
  st.outcome.kv_peak_blocks = st.pager.peak_blocks();
  return std::move(st.outcome);
}

}  // namespace wafersim::serving
