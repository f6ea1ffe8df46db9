#include "models/gpu/gpu_roofline.h"

#include <algorithm>

#include "sim/core/error.h"

namespace wafersim::gpu {

GpuRooflineCost::GpuRooflineCost(std::string name, const GpuSpec& spec) : name_(std::move(name)), spec_(spec) {}

double GpuRooflineCost::tp_share(TpSplit split, int tp) {
  // column, row, head and expert splits are balanced: each device does 1/tp.
  return split == TpSplit::Replicated ? 1.0 : 1.0 / std::max(1, tp);
}

bool GpuRooflineCost::on_tensor_cores(OpKind kind) {
  switch (kind) {
    case OpKind::MatMul:
    case OpKind::Attention:  // QK^T and PV are GEMMs (FlashAttention-style kernels)
    case OpKind::Router:     // the gate is a small GEMM
      return true;
    case OpKind::Embedding:
    case OpKind::Norm:
    case OpKind::Softmax:
    case OpKind::Elementwise:
    case OpKind::Collective:
    case OpKind::Transfer:
      return false;
  }
  return false;
}

FlopsPerSecond GpuRooflineCost::achievable_flops(const Op& op) const {
  // one calibrated efficiency scales every rate, tensor or vector.
  if (!on_tensor_cores(op.kind)) return FlopsPerSecond(spec_.vector_flops.value() * spec_.efficiency.compute);
  const std::optional<DType> format = compute_format(spec_, op.dtype);
  if (!format)
    throw InputError(Diagnostic{"", 0, 0, name_ + ".flops",
                                "no tensor rate for " + std::string(dtype_name(op.dtype)) + " (op '" + op.name +
                                    "') and no wider format to run it at; add flops." +
                                    std::string(dtype_name(op.dtype))});
  return FlopsPerSecond(spec_.flops.get(*format)->value() * spec_.efficiency.compute);
}

OpCost GpuRooflineCost::cost(const Op& op, const OpContext& ctx) const {
  const double share = tp_share(op.split, ctx.tp);
  OpCost c;
  if (op.flops > 0) c.compute = Seconds(op.flops * share / achievable_flops(op).value());
  // bytes stay at the stored format even when compute runs wider.
  const double bytes = static_cast<double>(op.bytes.total().value()) * share;
  c.memory = Seconds(bytes / (spec_.hbm.bandwidth.value() * spec_.efficiency.memory));
  // Whole op over the tp devices: replicated work is done tp times. Every HBM byte
  // is staged once through L2 / shared memory on its way to the SMs.
  const double devices = std::max(1, ctx.tp);
  c.traffic.flops = op.flops * share * devices;
  c.traffic.hbm_bytes = bytes * devices;
  c.traffic.sram_bytes = c.traffic.hbm_bytes;
  return c;
}

}  // namespace wafersim::gpu
