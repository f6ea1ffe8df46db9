#include "sim/timing/pipeline_engine.h"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <string_view>

#include "sim/timing/roofline_time.h"
#include "sim/timing/time_parts.h"

namespace wafersim {

TimeBreakdown& TimeBreakdown::operator+=(const TimeBreakdown& o) {
  compute += o.compute;
  memory += o.memory;
  fabric += o.fabric;
  interconnect += o.interconnect;
  overhead += o.overhead;
  return *this;
}

TimeBreakdown TimeBreakdown::scaled(double f) const {
  return TimeBreakdown{compute * f, memory * f, fabric * f, interconnect * f, overhead * f};
}

Bound TimeBreakdown::dominant() const {
  std::pair<double, Bound> best{compute, Bound::Compute};
  for (const TimePart& p : time_parts())
    if (this->*p.seconds > best.first) best = {this->*p.seconds, p.bound};
  return best.second;
}

namespace {

/// `base` + `suffix` in one allocation (the hot path builds one name per collective).
std::string joined(std::string_view base, std::string_view suffix) {
  std::string s;
  s.reserve(base.size() + suffix.size());
  s.append(base).append(suffix);
  return s;
}

/// Entries PipelineEngine::run appends: the host step, one per op and each collective
/// or transfer it inserts (so `ops` is allocated once).
std::size_t timing_rows(const Plan& plan) {
  const Graph& g = plan.graph();
  std::size_t n = 1 + g.ops().size() + plan.stages.size();
  for (const Stage& st : plan.stages) {
    if (st.tp <= 1) continue;
    for (int i = st.first_op; i < st.end_op; ++i) {
      const TpSplit split = g.op(i).split;
      if (split == TpSplit::Row) ++n;
      if (split == TpSplit::Experts) n += 2;
    }
  }
  return n;
}

void add_comm(StepResult& r, std::string name, OpKind kind, int layer, int stage, double seconds, double bytes,
              double link_bytes = -1) {
  if (seconds <= 0) return;
  OpTiming& t = r.ops.emplace_back();
  t.name = std::move(name);
  t.kind = kind;
  t.layer = layer;
  t.stage = stage;
  t.time_s = seconds;
  t.bound = Bound::Interconnect;
  t.bytes = bytes;
  t.cost.traffic.interconnect_bytes = link_bytes >= 0 ? link_bytes : bytes;
  r.time.interconnect += seconds;
}

}  // namespace

StepResult PipelineEngine::run(const Plan& plan, const OpCostModel& costs) {
  StepResult r;
  const Graph& g = plan.graph();
  const DeviceGroup& group = plan.group();
  r.ops.reserve(timing_rows(plan));
  // Every row-split op of a layer all-reduces the same bytes: price the link formula once per size.
  std::optional<std::pair<std::int64_t, int>> last_ar;
  CollectiveCost last_ar_cost;
  auto link_allreduce = [&](Bytes bytes, int n) {
    if (!last_ar || last_ar->first != bytes.value() || last_ar->second != n) {
      last_ar = std::pair{bytes.value(), n};
      last_ar_cost = best_allreduce(group.link, bytes, n);
    }
    return last_ar_cost;
  };
  // The host's time per step (scheduler, sampling) before the devices start.
  if (const double host = costs.step_overhead(plan).value(); host > 0) {
    OpTiming t;
    t.name = "step.host";
    t.kind = OpKind::Elementwise;
    t.layer = -1;
    t.time_s = host;
    t.bound = Bound::Latency;
    t.cost.overhead = Seconds(host);
    r.time.overhead += host;
    r.ops.push_back(std::move(t));
  }
  for (std::size_t s = 0; s < plan.stages.size(); ++s) {
    const Stage& st = plan.stages[s];
    const OpContext ctx{plan, st, st.tp};
    for (int i = st.first_op; i < st.end_op; ++i) {
      const Op& op = g.op(i);
      // Expert parallel: tokens go to their experts' devices before the first
      // expert op and come back after the last one.
      const bool ep = st.tp > 1 && op.split == TpSplit::Experts;
      if (ep && (i == st.first_op || g.op(i - 1).split != TpSplit::Experts)) {
        const Bytes sent(op.bytes.activations_in.value() / st.tp);
        std::optional<CollectiveCost> a2a = costs.collective(CollectiveKind::AllToAll, sent, st.tp, op, ctx);
        if (!a2a) a2a = all_to_all_cost(group.link, sent, st.tp);
        add_comm(r, joined(op.name, ".dispatch"), OpKind::Collective, op.layer, static_cast<int>(s), a2a->time.value(),
                 static_cast<double>(op.bytes.activations_in.value()), a2a->link_bytes);
      }
      OpCost c = costs.cost(op, ctx);
      // Weights held by another group stream over the link to it while the op runs.
      double remote = 0;
      if (group.weights_link) {
        const double w = static_cast<double>(op.bytes.weights.value());
        remote = w / link_goodput(*group.weights_link).value();  // replayed frames cross again
        c.traffic.interconnect_bytes += w;
      }
      const RooflineTime rt = roofline_time(c, remote);
      const double bw = rt.bandwidth_s;
      OpTiming& t = r.ops.emplace_back();  // filled in place: `ops` never reallocates (timing_rows)
      t.op = op.id;
      t.name = op.name;
      t.kind = op.kind;
      t.layer = op.layer;
      t.stage = static_cast<int>(s);
      t.time_s = rt.total_s();
      t.flops = op.flops;
      t.bytes = static_cast<double>(op.bytes.total().value());
      r.time.*time_part(rt.bandwidth_bound).seconds += bw;
      r.time.fabric += c.fabric_latency.value();
      r.time.overhead += c.overhead.value();
      r.time.interconnect += c.interconnect.value();
      t.bound = rt.bound;
      t.note = std::move(c.note);  // the note lives on the timing row; the cost keeps the numbers
      t.cost = std::move(c);
      if (st.tp > 1 && op.split == TpSplit::Row) {
        const Bytes bytes = op.bytes.activations_out;
        // The link formula only when the kind has no price of its own.
        std::optional<CollectiveCost> ar = costs.collective(CollectiveKind::AllReduce, bytes, st.tp, op, ctx);
        if (!ar) ar = link_allreduce(bytes, st.tp);
        add_comm(r, joined(op.name, ".allreduce"), OpKind::Collective, op.layer, static_cast<int>(s), ar->time.value(),
                 static_cast<double>(bytes.value()), ar->link_bytes);
      }
      if (ep && (i + 1 == st.end_op || g.op(i + 1).split != TpSplit::Experts)) {
        const Bytes sent(op.bytes.activations_out.value() / st.tp);
        std::optional<CollectiveCost> a2a = costs.collective(CollectiveKind::AllToAll, sent, st.tp, op, ctx);
        if (!a2a) a2a = all_to_all_cost(group.link, sent, st.tp);
        add_comm(r, joined(op.name, ".combine"), OpKind::Collective, op.layer, static_cast<int>(s), a2a->time.value(),
                 static_cast<double>(op.bytes.activations_out.value()), a2a->link_bytes);
      }
    }
    if (s + 1 < plan.stages.size() && st.end_op > st.first_op) {
      const Op& last = g.op(st.end_op - 1);
      const Stage& next = plan.stages[s + 1];
      const int domain = std::max(1, group.domain);
      const bool same_domain = (st.first_device + st.tp - 1) / domain == next.first_device / domain;
      const LinkSpec& link = same_domain ? group.link : group.scale_out;
      const Bytes bytes = last.bytes.activations_out;
      add_comm(r, fmt::format("stage{}->stage{}.transfer", s, s + 1), OpKind::Transfer, last.layer, static_cast<int>(s),
               link_transfer_time(link, bytes).value(), static_cast<double>(bytes.value()),
               static_cast<double>(bytes.value()));
    }
  }
  r.latency_s = r.time.total();
  r.bound = r.time.dominant();
  return r;
}

}  // namespace wafersim
