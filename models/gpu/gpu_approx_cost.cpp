#include "models/gpu/gpu_approx_cost.h"

#include <algorithm>
#include <cmath>

#include "models/gpu/gpu_roofline.h"
#include "sim/core/error.h"
#include "sim/workload/attention_builder.h"
#include "sim/workload/op_emitter.h"

namespace wafersim::gpu {
namespace {

/// Exponentials per clock per SM: 16 SFU lanes on Ampere and Hopper SMs (A-75;
/// FlashAttention-3 quotes 3.9 T exp/s for the H100 SXM: 132 × 16 × 1.83 GHz).
constexpr double kExpPerClockPerSm = 16;
/// Int4 weight-only: unpack, convert, scale one weight.
constexpr double kDequantOpsPerWeight = 2;
/// Query rows per FlashAttention thread block; shortest KV piece a split-KV block takes.
constexpr std::int64_t kAttentionTileM = 128;
constexpr std::int64_t kMinKvSplit = 256;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

/// Fractions of an op's inputs, outputs and weights one of `tp` devices handles.
struct Shares {
  double in = 1, out = 1, weights = 1, flops = 1;
};

Shares shares(TpSplit split, int tp) {
  const double f = 1.0 / std::max(1, tp);
  switch (split) {
    case TpSplit::Replicated: return {1, 1, 1, 1};
    case TpSplit::Column: return {1, f, f, f};  // every device reads the whole input
    case TpSplit::Row: return {f, 1, f, f};     // every device writes a full partial sum
    case TpSplit::Heads:
    case TpSplit::Experts: return {f, f, f, f};
  }
  return {1, 1, 1, 1};
}

}  // namespace

GpuApproxCost::GpuApproxCost(std::string name, const GpuSpec& spec) : name_(std::move(name)), spec_(spec) {}

namespace {
// "layers.3.attn.q_proj" -> "attn.q_proj", as explain's rows are named.
std::string op_family(const std::string& name) {
  if (name.rfind("layers.", 0) != 0) return name;
  const auto dot = name.find('.', 7);
  return dot == std::string::npos ? name : name.substr(dot + 1);
}
}  // namespace

bool GpuApproxCost::fused_with_previous(const Graph& graph, const Op& op) {
  if (op.id == 0) return false;
  const Op& prev = graph.op(op.id - 1);
  if (op.kind == OpKind::MatMul && prev.kind == OpKind::MatMul)
    return op.inputs == prev.inputs && op.m == prev.m && op.k == prev.k && op.split == prev.split &&
           op.count == prev.count && op.dtype == prev.dtype;
  if (op.kind == OpKind::Norm && prev.kind == OpKind::Elementwise)
    return op.inputs.size() == 1 && op.inputs[0] == prev.id;
  return false;
}

Seconds GpuApproxCost::kernel_overhead(Seconds busy) const {
  double t = spec_.kernel_latency.value();
  // without graphs the CPU issues a kernel every launch_overhead; a kernel that
  // finishes sooner leaves the GPU waiting for the next one.
  if (!spec_.cuda_graphs) t += std::max(0.0, spec_.launch_overhead.value() - (busy.value() + t));
  return Seconds(t);
}

double GpuApproxCost::tensor_peak(DType stored) const {
  // int4 is weight-only on GPUs: activations stay 16-bit, so is the MMA.
  const DType wanted = stored == DType::Int4 ? DType::Fp16 : stored;
  const std::optional<DType> format = compute_format(spec_, wanted);
  if (!format)
    throw InputError(Diagnostic{"", 0, 0, name_ + ".flops",
                                "no tensor rate for " + std::string(dtype_name(stored)) +
                                    " and no wider format to run it at; add flops." + std::string(dtype_name(stored))});
  return spec_.flops.get(*format)->value();
}

GemmWaves GpuApproxCost::matmul_waves(const Op& op, int tp) const {
  std::int64_t m = op.m, k = op.k, n = op.n, count = op.count;
  tp = std::max(1, tp);
  switch (op.split) {
    case TpSplit::Replicated: break;
    case TpSplit::Column: n = ceil_div(n, tp); break;
    case TpSplit::Row: k = ceil_div(k, tp); break;
    case TpSplit::Heads:
    case TpSplit::Experts: count = ceil_div(count, tp); break;
  }
  return GemmWaves::plan(m, k, n, count, spec_.sms);
}

double GpuApproxCost::matmul_compute_s(const Op& op, int tp, double flops) const {
  const GemmWaves w = matmul_waves(op, tp);
  double t = flops / (tensor_peak(op.dtype) * spec_.efficiency.compute * w.efficiency);
  if (op.dtype == DType::Int4) {
    // each weight is dequantized once per row of tiles that uses it.
    const double weights = static_cast<double>(op.k) * static_cast<double>(op.n) * static_cast<double>(op.count) *
                           shares(op.split, tp).weights;
    const double passes = static_cast<double>(ceil_div(std::max<std::int64_t>(op.m, 1), w.tile_m));
    t += weights * passes * kDequantOpsPerWeight / spec_.vector_flops.value();
  }
  return t;
}

double GpuApproxCost::attention_compute_s(const Op& op, const OpContext& ctx, double flops) const {
  const double share = shares(op.split, ctx.tp).flops;
  const double exps = static_cast<double>(op.count) * share *
                      (op.score_pairs > 0 ? op.score_pairs  // the builder's count, window-bounded
                                          : AttentionBuilder::score_pairs(ctx.plan.graph().shape()));
  const double tensor_flops = std::max(0.0, flops - exps * OpEmitter::kSoftmaxFlops);
  // One block per (sequence, head, 128 queries); split along the KV when that leaves SMs idle.
  const std::int64_t heads = std::max<std::int64_t>(1, std::llround(static_cast<double>(op.count) * share));
  const std::int64_t blocks = heads * ceil_div(std::max<std::int64_t>(op.m, 1), kAttentionTileM);
  std::int64_t split = 1;
  if (blocks < spec_.sms) split = std::max<std::int64_t>(1, std::min(spec_.sms / std::max<std::int64_t>(blocks, 1),
                                                                     ceil_div(std::max<std::int64_t>(op.n, 1), kMinKvSplit)));
  const std::int64_t units = std::max<std::int64_t>(1, blocks * split);
  const double wave_eff = static_cast<double>(units) / static_cast<double>(ceil_div(units, spec_.sms) * spec_.sms);
  const double mma = tensor_flops / (tensor_peak(op.dtype) * spec_.efficiency.attention * wave_eff);
  const double exp_rate = kExpPerClockPerSm * static_cast<double>(spec_.sms) * spec_.clock.value();
  return std::max(mma, exps / exp_rate);  // FlashAttention-3 overlaps softmax with the products
}

OpCost GpuApproxCost::cost(const Op& op, const OpContext& ctx) const {
  const int tp = std::max(1, ctx.tp);
  const Shares sh = shares(op.split, tp);
  const double flops = op.flops * sh.flops;

  // Bytes one device moves, by level (A-76: activations that fit in half the L2 stay there).
  const double l2_limit = spec_.l2.bandwidth ? static_cast<double>(spec_.l2.size.value()) / 2 : -1;
  double hbm = static_cast<double>(op.bytes.weights.value()) * sh.weights;
  double l2 = 0;
  for (double act : {static_cast<double>(op.bytes.activations_in.value()) * sh.in,
                     static_cast<double>(op.bytes.activations_out.value()) * sh.out}) {
    if (act <= l2_limit) l2 += act;
    else hbm += act;
  }
  hbm += static_cast<double>(op.bytes.kv_read.value() + op.bytes.kv_write.value()) * sh.in;

  const bool streams = op.kind == OpKind::MatMul || op.kind == OpKind::Router || op.kind == OpKind::Attention;
  const double mem_eff = streams ? spec_.efficiency.memory : spec_.efficiency.elementwise;
  OpCost c;
  c.memory = Seconds(hbm / (spec_.hbm.bandwidth.value() * mem_eff) +
                     (l2 > 0 ? l2 / (spec_.l2.bandwidth->value() * mem_eff) : 0.0));
  if (flops > 0) {
    switch (op.kind) {
      case OpKind::MatMul:
      case OpKind::Router: c.compute = Seconds(matmul_compute_s(op, tp, flops)); break;
      case OpKind::Attention: c.compute = Seconds(attention_compute_s(op, ctx, flops)); break;
      default: c.compute = Seconds(flops / spec_.vector_flops.value()); break;  // CUDA cores
    }
  }
  // A stage's first op starts a kernel: the op before it ran on other GPUs.
  if (op.id == ctx.stage.first_op || !fused_with_previous(ctx.plan.graph(), op))
    c.overhead = kernel_overhead(Seconds(std::max(c.compute.value(), c.memory.value())));
  else  // explain says why this op costs less than another of its shape
    c.note = "fused into " + op_family(ctx.plan.graph().op(op.id - 1).name) + "'s kernel: no launch of its own";

  // Whole op over the tp devices: replicated work is done tp times.
  c.traffic.flops = flops * tp;
  c.traffic.hbm_bytes = hbm * tp;
  c.traffic.sram_bytes = l2 * tp;
  return c;
}

}  // namespace wafersim::gpu
