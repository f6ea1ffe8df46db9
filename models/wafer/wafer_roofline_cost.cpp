#include "models/wafer/wafer_roofline_cost.h"

#include <algorithm>
#include <fmt/format.h>

#include "sim/core/error.h"
#include "sim/timing/roofline_time.h"

namespace wafersim::wafer {
namespace {

/// Ops whose inputs or partial results must cross the whole region:
/// matrix products and attention reduce partial sums, norms and softmax need a
/// global sum or max broadcast back, the router picks experts from all scores.
bool reduces_across_region(OpKind kind) {
  switch (kind) {
    case OpKind::MatMul:
    case OpKind::Norm:
    case OpKind::Attention:
    case OpKind::Softmax:
    case OpKind::Router:
      return true;
    case OpKind::Embedding:
    case OpKind::Elementwise:
    case OpKind::Collective:
    case OpKind::Transfer:
      return false;
  }
  return false;
}

std::string listed_dtypes(const DTypeTable<FlopsPerCycle>& table) {
  std::string out;
  for (DType t : all_dtypes())
    if (table.get(t)) out += (out.empty() ? "" : ", ") + std::string(dtype_name(t));
  return out.empty() ? "none" : out;
}

}  // namespace

WaferRooflineCost::WaferRooflineCost(std::string name, WaferSpec spec)
    : name_(std::move(name)),
      spec_(std::move(spec)),
      mapping_(spec_.effective_mapping()),
      best_of_layouts_(spec_.mapping.mode == WaferMapping::Auto),
      whole_mesh_(RegionShape::square(spec_.usable_cores(), spec_.mesh.width, spec_.mesh.height)) {}

const WaferRooflineCost::StageLayout& WaferRooflineCost::layout_for(const OpContext& ctx) const {
  if (auto it = layouts_.find(ctx.stage.first_op); it != layouts_.end()) return it->second;
  StageLayout layout;
  const Graph& g = ctx.plan.graph();
  for (int i = ctx.stage.first_op; i < ctx.stage.end_op; ++i) {
    const Op& op = g.op(i);
    if (layout.empty() || layout.back().layer != op.layer) layout.push_back(LayerRegion{i, op.layer, Bytes(0), {}});
    layout.back().resident += op.weights_resident + op.kv_resident;
  }
  Bytes total{0};
  for (const auto& l : layout) total += l.resident;
  const std::int64_t cores = spec_.usable_cores();
  const auto layers = static_cast<std::int64_t>(std::max<std::size_t>(layout.size(), 1));
  for (auto& l : layout) {
    // Regions share the wafer by resident bytes: SRAM is what a layer needs
    // room for, so bandwidth and FLOPs follow the bytes. Rounding down keeps the
    // sum within the wafer; every layer gets at least one core.
    const std::int64_t r = total.value() > 0
                               ? static_cast<std::int64_t>(static_cast<double>(cores) * (l.resident / total))
                               : cores / layers;
    l.shape = RegionShape::square(std::max<std::int64_t>(r, 1), spec_.mesh.width, spec_.mesh.height);
  }
  return layouts_.emplace(ctx.stage.first_op, std::move(layout)).first->second;
}

std::size_t WaferRooflineCost::layer_index(const StageLayout& layout, const Op& op) const {
  // The last layer whose first op is at or before this op.
  auto it = std::upper_bound(layout.begin(), layout.end(), op.id,
                             [](int id, const LayerRegion& l) { return id < l.first_op; });
  return it == layout.begin() ? 0 : static_cast<std::size_t>(it - layout.begin() - 1);
}

RegionShape WaferRooflineCost::region_of(const Op& op, const OpContext& ctx) const {
  if (mapping_ != WaferMapping::LayerPipelined) return whole_mesh_;
  const StageLayout& layout = layout_for(ctx);
  if (layout.empty()) return whole_mesh_;
  return layout[layer_index(layout, op)].shape;
}

OpCost WaferRooflineCost::cost(const Op& op, const OpContext& ctx) const {
  const bool pipelined = mapping_ == WaferMapping::LayerPipelined;
  OpCost c = cost_in(op, ctx, pipelined);
  if (best_of_layouts_ && pipelined) {
    OpCost whole = cost_in(op, ctx, false);
    if (roofline_time(whole).total_s() < roofline_time(c).total_s()) c = whole;
  }
  return c;
}

OpCost WaferRooflineCost::cost_in(const Op& op, const OpContext& ctx, bool pipelined) const {
  const auto flops_per_cycle = spec_.flops_per_cycle_for(op.dtype);
  if (!flops_per_cycle)
    throw InputError(Diagnostic{"", 0, 0, "--dtype",
                                fmt::format("{} cannot compute in {}: core.flops_per_cycle lists {} and none is as "
                                            "wide (add a rate with --set {}.core.flops_per_cycle.{}=...)",
                                            name_, dtype_name(op.dtype), listed_dtypes(spec_.core.flops_per_cycle),
                                            name_, dtype_name(op.dtype))});
  const RegionShape region = pipelined ? region_of(op, ctx) : whole_mesh_;
  const double clock = spec_.clock.value();
  const auto cores = static_cast<double>(region.cores);

  OpCost c;
  c.compute = Seconds(op.flops / (cores * flops_per_cycle->value() * clock));

  // Reads and writes use separate SRAM ports (16 B read + 8 B write per cycle on
  // WSE-2), so they overlap; weights streamed in (weight_streaming) come through
  // the wafer I/O instead of SRAM.
  const OpBytes& b = op.bytes;
  const bool streamed = mapping_ == WaferMapping::WeightStreaming;
  const Bytes sram_reads = (streamed ? Bytes(0) : b.weights) + b.activations_in + b.kv_read;
  const Bytes writes = b.activations_out + b.kv_write;
  const double read_s =
      static_cast<double>(sram_reads.value()) / (cores * spec_.core.sram_read_bandwidth.value() * clock);
  const double write_s =
      static_cast<double>(writes.value()) / (cores * spec_.core.sram_write_bandwidth.value() * clock);
  const double io_s = streamed ? static_cast<double>(b.weights.value()) / spec_.io.bandwidth.value() : 0.0;
  c.memory = Seconds(std::max({read_s, write_s, io_s}));

  // The activation vector enters along one edge of the region.
  const double edge = static_cast<double>(region.rows) * spec_.fabric.link_bandwidth.value() * clock;
  c.fabric = Seconds(static_cast<double>((b.activations_in + b.activations_out).value()) / edge);

  double hops = reduces_across_region(op.kind) ? static_cast<double>(region.reduction_hops()) : 0.0;
  if (pipelined) {
    // The first op of a layer waits for the activations to cross from the previous
    // layer's region, a neighbour: about half of each region's side away.
    const StageLayout& layout = layout_for(ctx);
    const std::size_t k = layer_index(layout, op);
    if (k > 0 && layout[k].first_op == op.id)
      hops += 0.5 * static_cast<double>(layout[k - 1].shape.rows + layout[k].shape.rows);
  }
  c.fabric_latency = Seconds(hops * spec_.fabric.hop_latency.value() / clock);

  // Traffic (energy, A-110): SRAM reads and writes; streamed weights over the I/O;
  // activations multicast along the region's long side (cols hops) and partial sums
  // reduced back along it, plus the crossing from the previous layer's region.
  c.traffic.flops = op.flops;
  c.traffic.sram_bytes = static_cast<double>((sram_reads + writes).value());
  c.traffic.io_bytes = streamed ? static_cast<double>(b.weights.value()) : 0.0;
  const double act = static_cast<double>((b.activations_in + b.activations_out).value());
  const double spread = reduces_across_region(op.kind) ? static_cast<double>(region.cols) : 1.0;
  c.traffic.fabric_byte_hops =
      act * spread + static_cast<double>(b.activations_in.value()) *
                         (hops - (reduces_across_region(op.kind) ? static_cast<double>(region.reduction_hops()) : 0.0));
  return c;
}

}  // namespace wafersim::wafer
