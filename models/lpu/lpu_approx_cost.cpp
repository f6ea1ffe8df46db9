#include "models/lpu/lpu_approx_cost.h"

#include <algorithm>
#include <fmt/format.h>

#include "sim/core/checked_math.h"
#include "sim/core/error.h"

namespace wafersim::lpu {
namespace {

bool runs_on_mxm(OpKind k) { return k == OpKind::MatMul || k == OpKind::Attention; }

}  // namespace

LpuApproxCost::LpuApproxCost(std::string name, LpuSpec spec) : name_(std::move(name)), spec_(std::move(spec)) {}

double LpuApproxCost::mxm_efficiency(const Op& op) const {
  if (op.k <= 0 || op.n <= 0) return 1.0;
  const auto pad = [d = spec_.mxm_dim](std::int64_t x) { return static_cast<double>(ceil_div(x, d) * d); };
  return static_cast<double>(op.k) * static_cast<double>(op.n) / (pad(op.k) * pad(op.n));
}

OpCost LpuApproxCost::cost(const Op& op, const OpContext& ctx) const {
  const auto peak = spec_.flops_for(op.dtype);
  if (!peak)
    throw InputError(Diagnostic{"", 0, 0, "--dtype",
                                fmt::format("{} cannot compute in {} (add a rate with --set {}.flops.{}=...)", name_,
                                            dtype_name(op.dtype), name_, dtype_name(op.dtype))});
  const int tp = std::max(1, ctx.tp);
  // Each chip of a tensor-split stage does 1/tp of a split op, all of a replicated one.
  const bool replicated = op.split == TpSplit::Replicated;
  const double share = replicated ? 1.0 : 1.0 / tp;
  const double bytes = static_cast<double>(op.bytes.total().value());

  OpCost c;
  if (runs_on_mxm(op.kind)) {
    // MXM: padded K × N tiles, at the dtype's rate.
    c.compute = Seconds(op.flops * share / (peak->value() * mxm_efficiency(op)));
  } else {
    // Vector unit: one ALU op per FLOP the graph counts.
    c.compute = Seconds(op.flops * share / spec_.vector_ops_per_s());
  }
  c.memory = Seconds(bytes * share / spec_.sram_bandwidth.value());
  // Pipeline fill: the input stream crosses the chip's slices before results flow.
  c.fabric_latency = Seconds(static_cast<double>(spec_.stream_latency_cycles) / spec_.clock.value());

  const double copies = replicated ? tp : 1;
  c.traffic.flops = op.flops * copies;
  c.traffic.sram_bytes = bytes * copies;

  return c;
}

}  // namespace wafersim::lpu
