#pragma once
// The `approx` cost of one op on a GPU, as a GPU engineer would estimate a kernel:
//  - GEMM/GEMV: tiles quantized into waves over the SMs (GemmWaves, A-70) at the
//    format's tensor peak × efficiency.compute; weights streamed from HBM at
//    bandwidth × efficiency.weights × efficiency.quantized[dtype] with a per-kernel
//    ramp; fp8/int8 at their own tensor rates; int4 as weight-only
//    (W4A16): 16-bit tensor rate plus dequantization, added to the streaming time
//
//  - attention: FlashAttention-style: Q, K, V, O and the KV cache cross HBM
//    once; QK^T and PV at the tensor peak × efficiency.attention; exponentials on
//    the special-function units, overlapped with the products. Decode attention reads
//    the KV cache at efficiency.decode_attention (mla_decode for latent attention)
//    with its own ramp.
//  - the group's software stack (`software.gpu`, GpuSoftware): CUDA graphs, launch
//    cost, fusion level, per-step host time and the measured
//    collective tables the pipeline engine asks for.
//  - norms, activations, residual adds, embeddings: memory-bound at
//    bandwidth × efficiency.elementwise.
//  - activations that fit in half the L2 are read and written at L2 bandwidth.
//  - every kernel costs kernel_latency; without CUDA graphs the CPU issues one kernel
//    per launch_overhead and a shorter kernel leaves the GPU idle. Ops
//    a serving engine fuses (Q/K/V, gate/up, residual add + norm) share one kernel.
// Leaves out: power/clock throttling,
// stream overlap between kernels, L2 reuse of weights across steps. Units: seconds.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "models/gpu/gemm_waves.h"
#include "models/gpu/gpu_software.h"
#include "models/gpu/gpu_spec.h"
#include "sim/timing/op_cost.h"

namespace wafersim::gpu {

class GpuApproxCost final : public OpCostModel {
 public:
  /// `name` is the device's name, for messages.
  GpuApproxCost(std::string name, const GpuSpec& spec);

  [[nodiscard]] OpCost cost(const Op& op, const OpContext& ctx) const override;
  /// The stack's measured table for the collective, when the system lists one.
  [[nodiscard]] std::optional<CollectiveCost> collective(CollectiveKind kind, Bytes bytes, int n, const Op& op,
                                                         const OpContext& ctx) const override;
  /// Whether `op` belongs to an MLA layer's attention block (its first op to the output
  /// projection), which A-210's data-parallel split runs per sequence.
  [[nodiscard]] bool in_mla_block(const Graph& graph, const Op& op) const;
  /// The stack's host time per step.
  [[nodiscard]] Seconds step_overhead(const Plan& plan) const override;

  /// Whether a serving engine runs `op` inside the previous op's kernel: a MatMul
  /// with the same input and shape as the MatMul before it (Q/K/V, gate/up), or a
  /// norm whose only input is the elementwise op just before it (add + norm).
  [[nodiscard]] static bool fused_with_previous(const Graph& graph, const Op& op);
  /// The same at a stack's fusion level on `tp` GPUs.
  [[nodiscard]] static bool fused_with_previous(const Graph& graph, const Op& op, Fusion fusion, int tp);
  /// Whether an attention op is MLA's absorbed latent decode.
  [[nodiscard]] static bool is_latent_attention(const Graph& graph, const Op& op);

  /// The tile plan of a MatMul as one device of `tp` runs it.
  [[nodiscard]] GemmWaves matmul_waves(const Op& op, int tp) const;

  /// Fixed cost of a kernel that is busy `busy` seconds.
  [[nodiscard]] Seconds kernel_overhead(Seconds busy) const;
  /// The same under a software stack's graphs and launch cost.
  [[nodiscard]] Seconds kernel_overhead(Seconds busy, const GpuSoftware& sw) const;
  /// Fraction of HBM bandwidth weights stored as `stored` stream at.
  [[nodiscard]] double weight_efficiency(DType stored) const;
  /// Fraction of HBM bandwidth a decode-attention kernel reads the KV cache at.
  [[nodiscard]] double kv_efficiency(bool latent) const;

 private:
  [[nodiscard]] double tensor_peak(DType stored) const;
  [[nodiscard]] double matmul_compute_s(const Op& op, int tp, double flops) const;
  [[nodiscard]] double attention_compute_s(const Op& op, const OpContext& ctx, double flops) const;

  std::string name_;
  GpuSpec spec_;
  // A step repeats a few shapes once per layer: their tile plans and each format's
  // peak are computed once per cost model. The evaluator makes one model per step on
  // one thread; a model shared between threads would need these guarded.
  struct WavesEntry {
    std::int64_t m, k, n, count;
    TpSplit split;
    int tp;
    GemmWaves waves;
  };
  mutable std::vector<WavesEntry> waves_cache_;
  mutable std::array<double, 8> peak_cache_{};  ///< 0 = not computed yet
  [[nodiscard]] double curve_time(const CollectiveCurve& curve, double bytes, int n) const;
  struct CurveEntry {
    const CollectiveCurve* curve;
    double bytes;
    int n;
    double seconds;
  };
  mutable std::vector<CurveEntry> curve_cache_;
  mutable bool table_looked_up_ = false;
  mutable std::shared_ptr<const SoftwareStack> table_stack_;  ///< the stack table_ was looked up in
  mutable const CollectiveTable* table_ = nullptr;
  mutable const Graph* mla_graph_ = nullptr;
  mutable std::vector<char> mla_block_;  ///< per op of mla_graph_
};

}  // namespace wafersim::gpu
