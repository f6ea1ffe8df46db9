#include "sim/mapping/pipeline_mapper.h"

#include <algorithm>
#include <fmt/format.h>

#include "sim/config/unit_parser.h"

namespace wafersim {
namespace {

/// A run of ops of one layer: the unit the mapper never cuts.
struct Unit {
  int first_op = 0, end_op = 0, layer = 0;
  Bytes weights{0}, kv{0}, activations{0};
  bool weights_streamed = false;  ///< weights held in a separate store, not in capacity
  [[nodiscard]] Bytes resident() const { return weights_streamed ? kv : weights + kv; }
};

/// `remote_weights`: the group's weights live in another group's memory (weights_in),
/// so only KV cache and activations occupy its devices.
std::vector<Unit> make_units(const Graph& g, const MappingPolicy& policy, bool remote_weights) {
  std::vector<Unit> units;
  for (const Op& op : g.ops()) {
    if (units.empty() || units.back().layer != op.layer)
      units.push_back(Unit{op.id, op.id, op.layer, {}, {}, {}, policy.weight_store_per_device.value() > 0});
    Unit& u = units.back();
    u.end_op = op.id + 1;
    if (!remote_weights) u.weights += op.weights_resident;
    u.kv += op.kv_resident;
    u.activations = std::max(u.activations, op.bytes.activations_in + op.bytes.activations_out);
  }
  // Streamed steps hold one chunk of tokens at a time; others the whole step.
  const std::int64_t tokens = std::max<std::int64_t>(1, g.tokens());
  if (policy.activation_chunk_tokens > 0 && policy.activation_chunk_tokens < tokens)
    for (Unit& u : units)
      u.activations = Bytes(ceil_div(checked_mul(u.activations.value(), policy.activation_chunk_tokens), tokens));
  return units;
}

/// Greedy check: can `units` be cut into at most `stages` runs of at most `limit` bytes?
bool fits_in(const std::vector<Unit>& units, int stages, std::int64_t limit) {
  int used = 1;
  std::int64_t run = 0;
  for (const auto& u : units) {
    const std::int64_t b = u.resident().value();
    if (b > limit) return false;
    if (run + b > limit) {
      if (++used > stages) return false;
      run = 0;
    }
    run += b;
  }
  return true;
}

/// Cuts units into `stages` contiguous runs minimising the largest run's bytes.
std::vector<std::pair<std::size_t, std::size_t>> partition(const std::vector<Unit>& units, int stages) {
  std::int64_t lo = 0, hi = 0;
  for (const auto& u : units) {
    lo = std::max(lo, u.resident().value());
    hi += u.resident().value();
  }
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (fits_in(units, stages, mid))
      hi = mid;
    else
      lo = mid + 1;
  }
  // Greedy with the optimal limit, then split further so exactly `stages` runs exist
  // (a run of one unit can always stand alone).
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  std::size_t start = 0;
  std::int64_t run = 0;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const std::int64_t b = units[i].resident().value();
    const auto remaining_units = static_cast<std::int64_t>(units.size() - i);
    const auto remaining_runs = static_cast<std::int64_t>(stages) - static_cast<std::int64_t>(runs.size()) - 1;
    if (i > start && remaining_runs > 0 && (run + b > lo || remaining_units <= remaining_runs)) {
      runs.emplace_back(start, i);
      start = i;
      run = 0;
    }
    run += b;
  }
  runs.emplace_back(start, units.size());
  return runs;
}

int largest_divisor_at_most(int n, int cap) {
  for (int d = std::min(n, cap); d >= 1; --d)
    if (n % d == 0) return d;
  return 1;
}

std::string bytes_text(Bytes b) { return format_quantity(static_cast<double>(b.value()), UnitKind::Bytes); }

std::string layer_range(int first, int last, int layers) {
  auto name = [layers](int l) {
    if (l < 0) return std::string("embeddings");
    if (l >= layers) return std::string("LM head");
    return "layer " + std::to_string(l);
  };
  return first == last ? name(first) : name(first) + " to " + name(last);
}

}  // namespace

Plan PipelineMapper::map(const Graph& graph, const DeviceGroup& group, const MappingPolicy& policy, int devices) {
  Plan plan(graph, group);
  const auto units = make_units(graph, policy, !group.weights_in.empty());
  const std::int64_t cap = policy.capacity_per_device.value();
  devices = std::max(devices, 1);

  int tp = 1, pp = 1;
  const int tp_cap = std::max(1, std::min(policy.max_tp, std::max(1, group.domain)));
  if (policy.tp_first) {
    tp = largest_divisor_at_most(devices, tp_cap);
    pp = devices / tp;
  } else {
    std::int64_t need = 1;
    for (const auto& u : units) need = std::max(need, ceil_div(u.resident().value(), std::max<std::int64_t>(cap, 1)));
    tp = static_cast<int>(std::min<std::int64_t>(need, std::min(tp_cap, devices)));
    pp = devices / tp;
  }
  pp = std::min<int>(pp, static_cast<int>(units.size()));
  if (!policy.tp_first && pp > 0) tp = std::min(tp_cap, devices / pp);
  plan.tp = tp;
  plan.devices = tp * pp;
  plan.stage_of_op.assign(graph.ops().size(), 0);

  const auto runs = partition(units, pp);
  int worst = -1;
  double worst_ratio = 0;
  for (std::size_t s = 0; s < runs.size(); ++s) {
    Stage st;
    const Unit& a = units[runs[s].first];
    const Unit& b = units[runs[s].second - 1];
    st.first_op = a.first_op;
    st.end_op = b.end_op;
    st.first_layer = a.layer;
    st.last_layer = b.layer;
    st.tp = tp;
    st.first_device = static_cast<int>(s) * tp;
    Bytes w{0}, kv{0}, act{0};
    for (std::size_t u = runs[s].first; u < runs[s].second; ++u) {
      w += units[u].weights;
      kv += units[u].kv;
      act = std::max(act, units[u].activations);
    }
    st.per_device = StageMemory{Bytes(ceil_div(w.value(), tp)), Bytes(ceil_div(kv.value(), tp)), act};
    for (int i = st.first_op; i < st.end_op; ++i) plan.stage_of_op[static_cast<std::size_t>(i)] = static_cast<int>(s);
    plan.memory.weights += st.per_device.weights * tp;
    plan.memory.kv_cache += st.per_device.kv_cache * tp;
    plan.memory.activations += st.per_device.activations * tp;
    const Bytes held = policy.weight_store_per_device.value() > 0 ? st.per_device.kv_cache + st.per_device.activations
                                                                  : st.per_device.total();
    double ratio = static_cast<double>(held.value()) / static_cast<double>(std::max<std::int64_t>(cap, 1));
    if (policy.weight_store_per_device.value() > 0)
      ratio = std::max(ratio, static_cast<double>(st.per_device.weights.value()) /
                                  static_cast<double>(policy.weight_store_per_device.value()));
    if (ratio > 1.0 && ratio > worst_ratio) {
      worst_ratio = ratio;
      worst = static_cast<int>(s);
    }
    plan.stages.push_back(st);
  }
  plan.memory.capacity = Bytes(checked_mul<std::int64_t>(cap, plan.devices));

  const std::string noun = policy.device_noun;
  if (policy.tp_first) {
    plan.layout = tp > 1 ? fmt::format("tensor parallel over {} {}s", tp, noun) : fmt::format("one {}", noun);
    if (pp > 1) plan.layout += fmt::format(", pipeline of {} stages", pp);
  } else if (pp > 1) {
    plan.layout = fmt::format("layer pipeline over {} {}s", pp, noun);
    if (tp > 1) plan.layout += fmt::format(", each stage split over {} {}s", tp, noun);
  } else {
    plan.layout = tp > 1 ? fmt::format("every layer split over {} {}s", tp, noun) : fmt::format("one {}", noun);
  }

  // Expert parallel: a tensor-parallel group spreads the experts over its devices.
  const bool has_experts =
      std::any_of(graph.ops().begin(), graph.ops().end(), [](const Op& op) { return op.split == TpSplit::Experts; });
  if (has_experts && tp > 1) plan.layout += fmt::format(", experts spread over {} {}s (expert parallel)", tp, noun);

  if (worst >= 0 && policy.weight_store_per_device.value() > 0 &&
      plan.stages[static_cast<std::size_t>(worst)].per_device.weights > policy.weight_store_per_device) {
    const Stage& st = plan.stages[static_cast<std::size_t>(worst)];
    plan.fits = false;
    plan.fit_error = fmt::format("{} on {} {}(s) streams {} of weights per {} but its weight store holds {}",
                                 layer_range(st.first_layer, st.last_layer, graph.layers()), plan.devices, noun,
                                 bytes_text(st.per_device.weights), noun, bytes_text(policy.weight_store_per_device));
  } else if (worst >= 0) {
    const Stage& st = plan.stages[static_cast<std::size_t>(worst)];
    const auto& m = st.per_device;
    plan.fits = false;
    plan.fit_error =
        fmt::format("{} on {} {}(s) needs {} per {} (weights {} + KV cache {} + activations {}) but one {} holds {}",
                    layer_range(st.first_layer, st.last_layer, graph.layers()), plan.devices, noun,
                    bytes_text(m.total()), noun, bytes_text(m.weights), bytes_text(m.kv_cache),
                    bytes_text(m.activations), noun, bytes_text(policy.capacity_per_device));
    if (policy.capacity_units > 1 && !policy.capacity_unit_name.empty()) {
      plan.fit_error +=
          fmt::format(" ({} per {} needed, {} available on each of {} {}s)",
                      bytes_text(Bytes(ceil_div(m.total().value(), policy.capacity_units))), policy.capacity_unit_name,
                      bytes_text(Bytes(cap / policy.capacity_units)), policy.capacity_units, policy.capacity_unit_name);
    }
    std::int64_t total = 0;
    for (const auto& u : units) total += u.resident().value();
    const std::int64_t at_least = ceil_div(total, std::max<std::int64_t>(cap, 1));
    if (at_least > plan.devices)
      plan.fit_error +=
          fmt::format("; the model needs at least {} {}s (--devices auto finds the count)", at_least, noun);
  }
  return plan;
}

Plan PipelineMapper::map_auto(const Graph& graph, const DeviceGroup& group, const MappingPolicy& policy, int limit) {
  const auto units = make_units(graph, policy, !group.weights_in.empty());
  const int domain = group.domain >= group.count ? policy.max_tp : group.domain;
  const int tp_cap = std::max(1, std::min(policy.max_tp, std::max(1, domain)));
  const int most_useful = static_cast<int>(std::min<std::int64_t>(
      limit, static_cast<std::int64_t>(units.size()) * std::max(tp_cap, policy.tp_first ? std::max(1, domain) : 1)));
  std::vector<int> candidates;
  if (policy.tp_first) {
    for (int n = 1; n <= most_useful; n = n < tp_cap ? n * 2 : n + tp_cap)
      candidates.push_back(std::min(n, most_useful));
  } else {
    std::int64_t total = 0;
    for (const auto& u : units) total += u.resident().value();
    const auto cap = std::max<std::int64_t>(policy.capacity_per_device.value(), 1);
    for (auto n = std::max<std::int64_t>(1, ceil_div(total, cap)); n <= most_useful; ++n)
      candidates.push_back(static_cast<int>(n));
  }
  // A group that is one domain grows its domain with the count (a rack of chips).
  auto resized = [&](int n) {
    DeviceGroup g = group;
    if (group.domain >= group.count) g.domain = std::min(n, std::max(1, policy.max_tp));
    g.count = n;
    return g;
  };
  if (policy.tp_first) {
    for (int n : candidates) {
      Plan p = map(graph, resized(n), policy, n);
      if (p.fits) return p;
    }
  } else if (!candidates.empty()) {
    // Pipeline-first groups (wafers, LPU racks) can need hundreds of devices: gallop
    // up from the lower bound to a count that fits, then bisect for the smallest.
    // Stage balancing makes the fit monotone in the count, so this finds the same
    // count as a linear scan in O(log n) mappings.
    const int lo0 = candidates.front(), hi_max = candidates.back();
    auto fits = [&](int n) { return map(graph, resized(n), policy, n).fits; };
    int lo = lo0 - 1, hi = -1;  // lo: known not to fit (or below the bound)
    for (int step = 1, n = lo0; n <= hi_max; n = std::min(hi_max, lo0 + step), step *= 2) {
      if (fits(n)) {
        hi = n;
        break;
      }
      lo = n;
      if (n == hi_max) break;
    }
    if (hi > 0) {
      while (hi - lo > 1) {
        const int mid = lo + (hi - lo) / 2;
        (fits(mid) ? hi : lo) = mid;
      }
      return map(graph, resized(hi), policy, hi);
    }
  }
  Plan p = map(graph, resized(std::max(1, most_useful)), policy, std::max(1, most_useful));
  if (!p.fits) p.fit_error += fmt::format("; no count up to {} {}s fits", most_useful, policy.device_noun);
  return p;
}

}  // namespace wafersim
