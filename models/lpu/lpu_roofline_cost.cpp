#include "models/lpu/lpu_roofline_cost.h"

#include <algorithm>
#include <fmt/format.h>

#include "sim/core/error.h"

namespace wafersim::lpu {

LpuRooflineCost::LpuRooflineCost(std::string name, LpuSpec spec) : name_(std::move(name)), spec_(std::move(spec)) {}

OpCost LpuRooflineCost::cost(const Op& op, const OpContext& ctx) const {
  const auto peak = spec_.flops_for(op.dtype);
  if (!peak) {
    std::string listed;
    for (DType t : all_dtypes())
      if (spec_.flops.get(t)) listed += (listed.empty() ? "" : ", ") + std::string(dtype_name(t));
    throw InputError(Diagnostic{
        "", 0, 0, "--dtype",
        fmt::format("{} cannot compute in {}: flops lists {} and none is as wide (add a "
                    "rate with --set {}.flops.{}=...)",
                    name_, dtype_name(op.dtype), listed.empty() ? "none" : listed, name_, dtype_name(op.dtype))});
  }
  // Each chip of a tensor-parallel stage holds and reads 1/tp of a split op.
  const double share = op.split == TpSplit::Replicated ? 1.0 : 1.0 / std::max(1, ctx.tp);
  OpCost c;
  c.compute = Seconds(op.flops * share / peak->value());
  c.memory = Seconds(static_cast<double>(op.bytes.total().value()) * share / spec_.sram_bandwidth.value());
  // Traffic over all tp chips (a replicated op runs on each).
  const double chips = share * std::max(1, ctx.tp);
  c.traffic.flops = op.flops * chips;
  c.traffic.sram_bytes = static_cast<double>(op.bytes.total().value()) * chips;
  return c;
}

}  // namespace wafersim::lpu
