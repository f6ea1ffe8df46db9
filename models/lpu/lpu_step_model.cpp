#include "models/lpu/lpu_step_model.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "sim/core/checked_math.h"

namespace wafersim::lpu {
namespace {

/// Bytes of one sampled token id sent back to the first chip (int32).
constexpr double kTokenIdBytes = 4;

/// The most micro-batch counts tried for a pass (prefill, encode): powers of two above the least.
constexpr int kMaxPassMicroBatches = 4096;

}  // namespace

/// Each term is linear in the micro-batch's share f of the step's tokens: what is
/// read or computed per token scales with f, weights are read once per micro-batch.
struct LpuStepModel::Terms {
  struct OpTerm {
    int op = 0;
    int stage = 0;
    double compute = 0;       ///< at f = 1
    double mem_fixed = 0;     ///< weights from SRAM, every micro-batch
    double mem_var = 0;       ///< activations and KV cache at f = 1
    double remote = 0;        ///< weights from another group's memory (A-97), every micro-batch
    double fill = 0;          ///< stream fill (A-93)
    OpCost cost;              ///< at f = 1 (traffic of one pass over the whole step)
    double weight_bytes = 0;  ///< weights read per micro-batch, all chips (SRAM or link)
  };
  struct CommTerm {
    int stage = 0;
    std::string name;
    OpKind kind = OpKind::Collective;
    int layer = 0;
    double fixed = 0, var = 0;         ///< seconds; var at f = 1
    double bytes = 0, link_bytes = 0;  ///< at f = 1
    double replay_bytes = 0;           ///< message size at f = 1 for the replay delay (A-280); 0 = none
    int hops = 0;
  };
  std::vector<OpTerm> ops;
  std::vector<CommTerm> comms;                 ///< all-reduces, all-to-alls, stage hand-offs, the token's return
  std::vector<double> stage_schedule;          ///< layers × layer_latency per stage (A-272)
  std::vector<std::vector<int>> stage_layers;  ///< the transformer layers of each stage
  bool decode = false;
  std::int64_t units = 1;  ///< sequences (decode) or tokens (a pass) the step carries
  int min_micro = 1, max_micro = 1;
  LinkSpec link;  ///< neighbour link (bandwidth, latency, reliability)
};

LpuStepModel::LpuStepModel(std::string name, LpuSpec spec)
    : name_(std::move(name)), spec_(std::move(spec)), costs_(name_, spec_) {}

double LpuStepModel::allreduce_s(const LinkSpec& link, double bytes, int first, int chips) const {
  if (chips <= 1 || bytes <= 0) return 0;
  const C2cTopology& t = spec_.c2c.topology;
  const double alpha = link.latency.value();
  const double b =
      link_goodput(LinkSpec{spec_.link_bandwidth(), link.latency, link.topology, link.reliability}).value();
  const auto per_node = static_cast<int>(t.chips_per_node);
  const int first_node = first / per_node, last_node = (first + chips - 1) / per_node;
  const int nodes = last_node - first_node + 1;
  const int in_node = std::min(chips, per_node);
  // Direct reduce-scatter then all-gather: each chip sends S/n to every peer over its own cable.
  double s = 2.0 * static_cast<double>(t.hops_in_node) * alpha + 2.0 * bytes / (in_node * b);
  if (nodes > 1) {
    // The nodes' slices meet in a ring over node-to-node (or rack-to-rack) routes.
    const auto hops = spec_.hops_between(first, first + per_node * (nodes - 1));
    s += 2.0 * (nodes - 1) * static_cast<double>(hops) * alpha + 2.0 * (nodes - 1) / nodes * bytes / (in_node * b);
  }
  return s;
}

LpuStepModel::Terms LpuStepModel::terms(const Plan& plan) const {
  Terms t;
  const Graph& g = plan.graph();
  const DeviceGroup& group = plan.group();
  t.link = group.link;
  t.decode = g.shape().kind == StepKind::Decode;
  t.units = std::max<std::int64_t>(1, t.decode ? g.shape().batch : g.tokens());
  // A stage holds one chunk of tokens at a time: at least this many micro-batches
  // (a decode step has one token per sequence, so sequences and tokens agree).
  const std::int64_t chunk = std::max<std::int64_t>(1, spec_.stream_chunk_tokens);
  t.min_micro = static_cast<int>(std::min<std::int64_t>(ceil_div(t.units, chunk), kMaxPassMicroBatches));
  const auto stages = static_cast<std::int64_t>(plan.stages.size());
  t.max_micro = static_cast<int>(t.decode ? std::max<std::int64_t>(t.min_micro, std::min(t.units, stages))
                                          : std::min<std::int64_t>(t.units, kMaxPassMicroBatches));
  t.max_micro = std::max(t.max_micro, t.min_micro);

  const double sram_bw = spec_.sram_bandwidth.value();
  for (std::size_t s = 0; s < plan.stages.size(); ++s) {
    const Stage& st = plan.stages[s];
    const int tp = std::max(1, st.tp);
    const OpContext ctx{plan, st, tp};
    std::vector<int> layers;  // ops of a layer are contiguous
    for (int i = st.first_op; i < st.end_op; ++i) {
      const Op& op = g.op(i);
      if (op.layer >= 0 && op.layer < g.layers() && (layers.empty() || layers.back() != op.layer))
        layers.push_back(op.layer);
      const bool ep = tp > 1 && op.split == TpSplit::Experts;
      if (ep && (i == st.first_op || g.op(i - 1).split != TpSplit::Experts)) {
        const double in = static_cast<double>(op.bytes.activations_in.value());
        const CollectiveCost a2a = all_to_all_cost(t.link, Bytes(static_cast<std::int64_t>(in / tp)), tp);
        const double fixed = static_cast<double>(tp - 1) * t.link.latency.value();
        t.comms.push_back({static_cast<int>(s), op.name + ".dispatch", OpKind::Collective, op.layer, fixed,
                           std::max(0.0, a2a.time.value() - fixed), in, a2a.link_bytes, 0, 0});
      }
      Terms::OpTerm o;
      o.op = i;
      o.stage = static_cast<int>(s);
      o.cost = costs_.cost(op, ctx);
      const double share = op.split == TpSplit::Replicated ? 1.0 : 1.0 / tp;
      const double copies = op.split == TpSplit::Replicated ? tp : 1;
      const double w = static_cast<double>(op.bytes.weights.value());
      o.compute = o.cost.compute.value();
      o.mem_fixed = w * share / sram_bw;
      o.mem_var = std::max(0.0, o.cost.memory.value() - o.mem_fixed);
      o.fill = o.cost.fabric_latency.value();
      o.weight_bytes = w * copies;
      if (group.weights_link) o.remote = w / link_goodput(*group.weights_link).value();
      t.ops.push_back(std::move(o));
      if (tp > 1 && op.split == TpSplit::Row) {
        const double bytes = static_cast<double>(op.bytes.activations_out.value());
        // Linear in the bytes: the part that doubles with them is the bandwidth term.
        const double full = allreduce_s(t.link, bytes, st.first_device, tp);
        const double var = allreduce_s(t.link, 2 * bytes, st.first_device, tp) - full;
        t.comms.push_back({static_cast<int>(s), op.name + ".allreduce", OpKind::Collective, op.layer, full - var, var,
                           bytes, 2.0 * (tp - 1) * bytes, 0, 0});
      }
      if (ep && (i + 1 == st.end_op || g.op(i + 1).split != TpSplit::Experts)) {
        const double out = static_cast<double>(op.bytes.activations_out.value());
        const CollectiveCost a2a = all_to_all_cost(t.link, Bytes(static_cast<std::int64_t>(out / tp)), tp);
        const double fixed = static_cast<double>(tp - 1) * t.link.latency.value();
        t.comms.push_back({static_cast<int>(s), op.name + ".combine", OpKind::Collective, op.layer, fixed,
                           std::max(0.0, a2a.time.value() - fixed), out, a2a.link_bytes, 0, 0});
      }
    }
    t.stage_schedule.push_back(static_cast<double>(layers.size()) * spec_.layer_latency.value());
    t.stage_layers.push_back(std::move(layers));
    // Hand-off to the next stage over the hops of the route between them.
    if (s + 1 < plan.stages.size() && st.end_op > st.first_op) {
      const Op& last = g.op(st.end_op - 1);
      const Stage& next = plan.stages[s + 1];
      const auto hops = spec_.hops_between(st.first_device + st.tp - 1, next.first_device);
      const double bytes = static_cast<double>(last.bytes.activations_out.value());
      t.comms.push_back({static_cast<int>(s), fmt::format("stage{}->stage{}.transfer", s, s + 1), OpKind::Transfer,
                         last.layer, static_cast<double>(hops) * t.link.latency.value(),
                         bytes / link_goodput(t.link).value(), bytes, bytes * static_cast<double>(hops), bytes,
                         static_cast<int>(hops)});
    }
  }
  // The sampled token returns from the last chip to the first.
  if (t.decode && plan.stages.size() > 1) {
    const Stage& last = plan.stages.back();
    const auto hops = spec_.hops_between(last.first_device + last.tp - 1, 0);
    const double bytes = kTokenIdBytes * static_cast<double>(g.shape().batch);
    t.comms.push_back({static_cast<int>(plan.stages.size()) - 1, "token.return", OpKind::Transfer, g.layers(),
                       static_cast<double>(hops) * t.link.latency.value(), bytes / link_goodput(t.link).value(), bytes,
                       bytes * static_cast<double>(hops), bytes, static_cast<int>(hops)});
  }
  return t;
}

LpuStepModel::Schedule LpuStepModel::evaluate(const Terms& t, int micro_batches) const {
  Schedule out;
  out.micro_batches = std::max(1, micro_batches);
  const std::int64_t per_micro = ceil_div(t.units, out.micro_batches);
  out.fraction = static_cast<double>(per_micro) / static_cast<double>(t.units);
  const double f = out.fraction;
  std::vector<double> busy(t.stage_schedule.size(), 0.0);
  double path = 0;
  for (const auto& o : t.ops) {
    const double bw = std::max({o.compute * f, o.mem_fixed + o.mem_var * f, o.remote});
    busy[static_cast<std::size_t>(o.stage)] += bw;
    path += bw + o.fill;
  }
  for (const auto& c : t.comms) {
    const double replay =
        c.replay_bytes > 0 ? c.hops * replay_delay(t.link, Bytes(static_cast<std::int64_t>(c.replay_bytes * f))).value()
                           : 0;
    busy[static_cast<std::size_t>(c.stage)] += c.var * f;
    path += c.fixed + c.var * f + replay;
  }
  for (double s : t.stage_schedule) path += s;
  out.path_s = path;
  out.slowest_stage_s = busy.empty() ? 0 : *std::max_element(busy.begin(), busy.end());
  const double m = out.micro_batches;
  out.step_s = t.decode ? std::max(path, m * out.slowest_stage_s) : path + (m - 1) * out.slowest_stage_s;
  return out;
}

LpuStepModel::Schedule LpuStepModel::schedule(const Plan& plan, int micro_batches) const {
  return evaluate(terms(plan), micro_batches);
}

StepResult LpuStepModel::run(const Plan& plan) const {
  const Terms t = terms(plan);
  // The micro-batch count with the shortest step; ties keep the fewest.
  Schedule best = evaluate(t, t.min_micro);
  std::int64_t last_size = ceil_div(t.units, t.min_micro);
  auto consider = [&](int m) {
    const Schedule s = evaluate(t, m);
    if (s.step_s < best.step_s * (1 - 1e-12)) best = s;
  };
  if (t.decode) {
    // Only counts that change the micro-batch size matter.
    for (int m = t.min_micro + 1; m <= t.max_micro; ++m) {
      const std::int64_t size = ceil_div(t.units, m);
      if (size == last_size) continue;
      last_size = size;
      consider(static_cast<int>(ceil_div(t.units, size)));
    }
  } else {
    for (std::int64_t m = std::int64_t{t.min_micro} * 2; m <= t.max_micro; m *= 2) consider(static_cast<int>(m));
  }

  const Graph& g = plan.graph();
  const double f = best.fraction, m = best.micro_batches;
  StepResult r;
  r.ops.reserve(t.ops.size() + t.comms.size() + t.stage_schedule.size());
  std::vector<double> busy(t.stage_schedule.size(), 0.0);
  std::vector<double> busy_compute(t.stage_schedule.size(), 0.0);
  for (std::size_t i = 0; i < t.ops.size(); ++i) {
    const auto& o = t.ops[i];
    const Op& op = g.op(o.op);
    const double compute = o.compute * f, memory = o.mem_fixed + o.mem_var * f;
    const double bw = std::max({compute, memory, o.remote});
    OpTiming ot;
    ot.op = op.id;
    ot.name = op.name;
    ot.kind = op.kind;
    ot.layer = op.layer;
    ot.stage = o.stage;
    ot.time_s = bw + o.fill;
    ot.flops = op.flops;
    ot.bytes = static_cast<double>(op.bytes.total().value());
    ot.cost = o.cost;
    ot.cost.interconnect = Seconds(0);
    // Every micro-batch reads the weights again (SRAM, or the link of A-97).
    ot.cost.traffic.sram_bytes += (m - 1) * o.weight_bytes;
    if (o.remote > 0) ot.cost.traffic.interconnect_bytes += m * static_cast<double>(op.bytes.weights.value());
    if (compute >= bw) {
      r.time.compute += bw;
      ot.bound = Bound::Compute;
      busy_compute[static_cast<std::size_t>(o.stage)] += bw;
    } else if (memory >= bw) {
      r.time.memory += bw;
      ot.bound = Bound::Memory;
    } else {
      r.time.interconnect += bw;
      ot.bound = Bound::Interconnect;
    }
    r.time.fabric += o.fill;
    busy[static_cast<std::size_t>(o.stage)] += bw;
    if (o.fill > bw) ot.bound = Bound::Fabric;
    r.ops.push_back(std::move(ot));
  }
  for (const auto& c : t.comms) {
    const double replay =
        c.replay_bytes > 0 ? c.hops * replay_delay(t.link, Bytes(static_cast<std::int64_t>(c.replay_bytes * f))).value()
                           : 0;
    OpTiming ot;
    ot.name = c.name;
    ot.kind = c.kind;
    ot.layer = c.layer;
    ot.stage = c.stage;
    ot.time_s = c.fixed + c.var * f + replay;
    ot.bound = Bound::Interconnect;
    ot.bytes = c.bytes;
    ot.cost.traffic.interconnect_bytes = c.link_bytes;
    if (c.hops > 0)
      ot.note = fmt::format("{} hop{} at {:.0f} ns", c.hops, c.hops == 1 ? "" : "s", t.link.latency.value() * 1e9);
    busy[static_cast<std::size_t>(c.stage)] += c.var * f;
    r.time.interconnect += ot.time_s;
    r.ops.push_back(std::move(ot));
  }
  for (std::size_t s = 0; s < t.stage_layers.size() && spec_.layer_latency.value() > 0; ++s) {
    for (int layer : t.stage_layers[s]) {
      OpTiming ot;
      ot.name = fmt::format("layers.{}.schedule", layer);
      ot.kind = OpKind::Transfer;
      ot.layer = layer;
      ot.stage = static_cast<int>(s);
      ot.time_s = spec_.layer_latency.value();
      ot.bound = Bound::Latency;
      ot.note = "fixed latency of the layer's compiled schedule (A-272)";
      r.time.overhead += ot.time_s;
      r.ops.push_back(std::move(ot));
    }
  }
  // In path order (traces lay the rows end to end): each stage's ops, links and schedule.
  std::stable_sort(r.ops.begin(), r.ops.end(), [](const OpTiming& a, const OpTiming& b) { return a.stage < b.stage; });
  // A pass's later micro-batches, or a decode step limited by its busiest stage, add
  // time beyond one micro-batch's path: it goes to what holds that stage.
  const double extra = best.step_s - best.path_s;
  if (extra > 0 && !busy.empty()) {
    const auto slow = static_cast<std::size_t>(std::max_element(busy.begin(), busy.end()) - busy.begin());
    if (busy_compute[slow] * 2 >= busy[slow])
      r.time.compute += extra;
    else
      r.time.memory += extra;
  }
  r.latency_s = best.step_s;
  r.bound = r.time.dominant();
  const Stage& last = plan.stages.back();
  const std::int64_t chips = last.first_device + last.tp;
  const C2cTopology& topo = spec_.c2c.topology;
  const std::int64_t nodes = ceil_div(chips, topo.chips_per_node);
  const std::int64_t racks = ceil_div(nodes, topo.nodes_per_rack);
  const std::int64_t each = ceil_div(t.units, best.micro_batches);
  const std::string where = fmt::format("{} chip{} on {} node{} in {} rack{}", chips, chips == 1 ? "" : "s", nodes,
                                        nodes == 1 ? "" : "s", racks, racks == 1 ? "" : "s");
  if (t.decode)
    r.layout = fmt::format("{}; {} micro-batch{} in flight ({} sequence{} each)", where, best.micro_batches,
                           best.micro_batches == 1 ? "" : "es", each, each == 1 ? "" : "s");
  else
    r.layout = fmt::format("{}; streamed in {} chunk{} of {} token{}", where, best.micro_batches,
                           best.micro_batches == 1 ? "" : "s", each, each == 1 ? "" : "s");
  return r;
}

}  // namespace wafersim::lpu
