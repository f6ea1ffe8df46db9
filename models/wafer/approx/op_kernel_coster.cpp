#include "models/wafer/approx/op_kernel_coster.h"

#include <algorithm>
#include <fmt/format.h>

#include "models/wafer/approx/core_instructions.h"
#include "sim/core/error.h"

namespace wafersim::wafer {
namespace {

double per_elem(Bytes total, double elements, double fallback) {
  return elements > 0 && total.value() > 0 ? static_cast<double>(total.value()) / elements : fallback;
}

std::int64_t part(std::int64_t v, int parts) { return std::max<std::int64_t>(1, (v + parts - 1) / parts); }

}  // namespace

OpKernelCoster::OpKernelCoster(const WaferSpec& spec, std::string device_name, DType kv_dtype,
                               KernelModelFactory factory)
    : spec_(spec),
      name_(std::move(device_name)),
      kv_dtype_(kv_dtype),
      clock_(spec.clock.value()),
      factory_(std::move(factory)) {}

const KernelModel& OpKernelCoster::kernels(DType dtype) {
  auto& m = models_[static_cast<int>(dtype)];
  if (!m) {
    const MeshParams p = params_for(dtype);
    m = factory_ ? factory_(p) : std::make_unique<MeshKernels>(p);
  }
  return *m;
}

MeshParams OpKernelCoster::params_for(DType dtype) const {
  const auto f = spec_.flops_per_cycle_for(dtype);
  if (!f)
    throw InputError(Diagnostic{"", 0, 0, "--dtype",
                                fmt::format("{} cannot compute in {}: core.flops_per_cycle has no format that wide "
                                            "(add one with --set {}.core.flops_per_cycle.{}=...)",
                                            name_, dtype_name(dtype), name_, dtype_name(dtype))});
  MeshParams p;
  p.hop_latency = spec_.fabric.hop_latency.value();
  p.link_bytes = spec_.fabric.link_bandwidth.value();
  p.sram_read = spec_.core.sram_read_bandwidth.value();
  p.sram_write = spec_.core.sram_write_bandwidth.value();
  p.flops = f->value();
  p.task_overhead = spec_.core.task_overhead.value();
  p.ramp_latency = spec_.fabric.ramp_latency.value();
  p.acc_bytes = static_cast<double>(spec_.core.accumulator.value());
  p.mesh_family = spec_.mapping.kernels == KernelFamily::Mesh;
  p.gemm_efficiency = spec_.core.gemm_efficiency;
  p.sram_bytes = static_cast<double>(spec_.usable_sram_per_core().value());
  return p;
}

const KernelCost& OpKernelCoster::cost(const Op& op, RegionSize region, int parts) {
  const OpBytes& b = op.bytes;
  const Key key{static_cast<int>(op.kind),
                op.m,
                op.k,
                op.n,
                op.count,
                static_cast<int>(op.dtype),
                b.weights.value(),
                b.activations_in.value(),
                b.activations_out.value(),
                region.rows,
                region.cols,
                parts,
                op.flops};
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  return cache_.emplace(key, compute(op, region, parts)).first->second;
}

KernelCost OpKernelCoster::compute(const Op& op, RegionSize region, int parts) {
  const KernelModel& k = kernels(op.dtype);
  const double act = dtype_bytes_exact(op.dtype, 1.0);
  const OpBytes& b = op.bytes;
  switch (op.kind) {
    case OpKind::MatMul:
    case OpKind::Router: {
      GemmShape s;
      s.m = part(op.m, parts);
      s.k = std::max<std::int64_t>(op.k, 1);
      s.n = std::max<std::int64_t>(op.n, 1);
      s.count = std::max<std::int64_t>(op.count, 1);
      s.act_bytes = act;
      s.weight_bytes = per_elem(b.weights, static_cast<double>(s.k * s.n * s.count), act);
      return k.gemm(s, region.rows, region.cols);
    }
    case OpKind::Attention: {
      AttentionShape s;
      s.m = std::max<std::int64_t>(op.m, 1);
      s.head_dim = std::max<std::int64_t>(op.k, 1);
      s.context = std::max<std::int64_t>(op.n, 1);
      s.heads = part(op.count, parts);
      s.act_bytes = act;
      s.kv_bytes = dtype_bytes_exact(kv_dtype_, 1.0);
      return k.attention(s, region.rows, region.cols);
    }
    case OpKind::Norm:
    case OpKind::Softmax:
      return k.norm(part(op.m, parts), std::max<std::int64_t>(op.n, 1), region.cols, act);
    case OpKind::Elementwise: {
      const double out = static_cast<double>(b.activations_out.value()) / static_cast<double>(parts);
      const int operands = std::max(
          1, static_cast<int>(b.activations_in.value() / std::max<std::int64_t>(b.activations_out.value(), 1)));
      // An op with several FLOPs per output element is an activation (SiLU·mul:
      // 5 in the graph's count), priced at its instruction count.
      const double elems = out / act;
      if (elems > 0 && op.flops / static_cast<double>(parts) / elems > 2)
        return k.activation(elems, region.cols, act, operands, instructions::kSiluMul);
      return k.elementwise(elems, region.cols, act, operands);
    }
    case OpKind::Embedding:
      // Rows of the table gathered from where they are held to the output side.
      return k.transfer(static_cast<double>(b.activations_out.value()) / parts, region.rows + region.cols, region.cols);
    case OpKind::Collective:
    case OpKind::Transfer:
      return k.transfer(static_cast<double>((b.activations_in + b.activations_out).value()) / parts,
                        region.rows + region.cols, region.rows);
  }
  return {};
}

}  // namespace wafersim::wafer
