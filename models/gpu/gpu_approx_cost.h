#pragma once
// The `approx` cost of one op on a GPU, as a GPU engineer would estimate a kernel:
//  - GEMM/GEMV: tiles quantized into waves over the SMs (GemmWaves, A-70) at the
//    format's tensor peak × efficiency.compute; weights streamed from HBM at
//    bandwidth × efficiency.memory; fp8/int8 at their own tensor rates; int4 as
//    weight-only (W4A16): 16-bit tensor rate plus a dequantization cost.
//  - attention: FlashAttention-style: Q, K, V, O and the KV cache cross HBM
//    once; QK^T and PV at the tensor peak × efficiency.attention; exponentials on
//    the special-function units, overlapped with the products.
//  - norms, activations, residual adds, embeddings: memory-bound at
//    bandwidth × efficiency.elementwise.
//  - activations that fit in half the L2 are read and written at L2 bandwidth.
//  - every kernel costs kernel_latency; without CUDA graphs the CPU issues one kernel
//    per launch_overhead and a shorter kernel leaves the GPU idle. Ops
//    a serving engine fuses (Q/K/V, gate/up, residual add + norm) share one kernel.
// Leaves out: collectives (the pipeline engine adds them), power/clock throttling,
// stream overlap between kernels, L2 reuse of weights across steps. Units: seconds.

#include <string>

#include "models/gpu/gemm_waves.h"
#include "models/gpu/gpu_spec.h"
#include "sim/timing/op_cost.h"

namespace wafersim::gpu {

class GpuApproxCost final : public OpCostModel {
 public:
  /// `name` is the device's name, for messages.
  GpuApproxCost(std::string name, const GpuSpec& spec);

  [[nodiscard]] OpCost cost(const Op& op, const OpContext& ctx) const override;

  /// Whether a serving engine runs `op` inside the previous op's kernel: a MatMul
  /// with the same input and shape as the MatMul before it (Q/K/V, gate/up), or a
  /// norm whose only input is the elementwise op just before it (add + norm).
  [[nodiscard]] static bool fused_with_previous(const Graph& graph, const Op& op);

  /// The tile plan of a MatMul as one device of `tp` runs it.
  [[nodiscard]] GemmWaves matmul_waves(const Op& op, int tp) const;

  /// Fixed cost of a kernel that is busy `busy` seconds.
  [[nodiscard]] Seconds kernel_overhead(Seconds busy) const;

 private:
  [[nodiscard]] double tensor_peak(DType stored) const;
  [[nodiscard]] double matmul_compute_s(const Op& op, int tp, double flops) const;
  [[nodiscard]] double attention_compute_s(const Op& op, const OpContext& ctx, double flops) const;

  std::string name_;
  GpuSpec spec_;
};

}  // namespace wafersim::gpu
