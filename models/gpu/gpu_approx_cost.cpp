#include "models/gpu/gpu_approx_cost.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "models/gpu/gpu_roofline.h"
#include "models/gpu/gpu_software.h"
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
    case TpSplit::Replicated:
      return {1, 1, 1, 1};
    case TpSplit::Column:
      return {1, f, f, f};  // every device reads the whole input
    case TpSplit::Row:
      return {f, 1, f, f};  // every device writes a full partial sum
    case TpSplit::Heads:
    case TpSplit::Experts:
      return {f, f, f, f};
  }
  return {1, 1, 1, 1};
}

}  // namespace

GpuApproxCost::GpuApproxCost(std::string name, const GpuSpec& spec) : name_(std::move(name)), spec_(spec) {}

namespace {
// "layers.3.attn.q_proj" -> "attn.q_proj", as explain's rows are named.
std::string_view op_family(std::string_view name) {
  if (name.rfind("layers.", 0) != 0) return name;
  const auto dot = name.find('.', 7);
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

// Why a fused op costs less than another of its shape, for explain (one allocation:
// a step fuses hundreds of ops).
std::string fused_note(std::string_view into) {
  constexpr std::string_view kHead = "fused into ", kTail = "'s kernel: no launch of its own";
  std::string note;
  note.reserve(kHead.size() + into.size() + kTail.size());
  note.append(kHead).append(op_family(into)).append(kTail);
  return note;
}
}  // namespace

bool GpuApproxCost::fused_with_previous(const Graph& graph, const Op& op) {
  return fused_with_previous(graph, op, Fusion::Standard, 1);
}

bool GpuApproxCost::fused_with_previous(const Graph& graph, const Op& op, Fusion fusion, int tp) {
  if (op.id == 0 || fusion == Fusion::None) return false;
  const Op& prev = graph.op(op.id - 1);
  if (op.kind == OpKind::MatMul && prev.kind == OpKind::MatMul)
    return op.inputs == prev.inputs && op.m == prev.m && op.k == prev.k && op.split == prev.split &&
           op.count == prev.count && op.dtype == prev.dtype;
  if (op.kind == OpKind::Norm && prev.kind == OpKind::Elementwise)
    return op.inputs.size() == 1 && op.inputs[0] == prev.id;
  if (fusion != Fusion::Full || op.kind != OpKind::Elementwise || prev.kind != OpKind::MatMul) return false;
  // A-203, full: an activation fed only by GEMMs runs in their epilogue; a residual add
  // after a row-split GEMM runs inside the fused all-reduce + residual + norm kernel.
  const bool from_gemms = !op.inputs.empty() && std::all_of(op.inputs.begin(), op.inputs.end(),
                                                            [&](int i) { return graph.op(i).kind == OpKind::MatMul; });
  return from_gemms || (tp > 1 && prev.split == TpSplit::Row);
}

Seconds GpuApproxCost::kernel_overhead(Seconds busy) const {
  static const GpuSoftware device_only;  // graphs and launch cost from the device's own keys
  return kernel_overhead(busy, device_only);
}

Seconds GpuApproxCost::kernel_overhead(Seconds busy, const GpuSoftware& sw) const {
  double t = spec_.kernel_latency.value();
  // without graphs the CPU issues a kernel every launch_overhead; a kernel that
  // finishes sooner leaves the GPU waiting for the next one.
  const bool graphs = sw.cuda_graphs.value_or(spec_.cuda_graphs);
  const double launch = sw.launch_overhead.value_or(spec_.launch_overhead).value();
  if (!graphs) t += std::max(0.0, launch - (busy.value() + t));
  return Seconds(t);
}

double GpuApproxCost::weight_efficiency(DType stored) const {
  const double base = spec_.efficiency.weights.value_or(spec_.efficiency.memory);
  return base * spec_.efficiency.quantized.get(stored).value_or(1.0);
}

double GpuApproxCost::kv_efficiency(bool latent) const {
  const double standard = spec_.efficiency.decode_attention.value_or(spec_.efficiency.memory);
  return latent ? spec_.efficiency.mla_decode.value_or(standard) : standard;
}

bool GpuApproxCost::is_latent_attention(const Graph& graph, const Op& op) {
  // MLA's absorbed decode reads the latent through a per-head query product.
  return op.kind == OpKind::Attention && std::any_of(op.inputs.begin(), op.inputs.end(), [&](int i) {
           const Op& in = graph.op(i);
           return in.kind == OpKind::MatMul && in.split == TpSplit::Heads;
         });
}

double GpuApproxCost::tensor_peak(DType stored) const {
  double& cached = peak_cache_.at(static_cast<std::size_t>(stored));
  if (cached > 0) return cached;
  // int4 is weight-only on GPUs: activations stay 16-bit, so is the MMA.
  const DType wanted = stored == DType::Int4 ? DType::Fp16 : stored;
  const std::optional<DType> format = compute_format(spec_, wanted);
  if (!format)
    throw InputError(Diagnostic{"", 0, 0, name_ + ".flops",
                                "no tensor rate for " + std::string(dtype_name(stored)) +
                                    " and no wider format to run it at; add flops." + std::string(dtype_name(stored))});
  cached = spec_.flops.get(*format)->value();
  return cached;
}

GemmWaves GpuApproxCost::matmul_waves(const Op& op, int tp) const {
  std::int64_t m = op.m, k = op.k, n = op.n, count = op.count;
  tp = std::max(1, tp);
  switch (op.split) {
    case TpSplit::Replicated:
      break;
    case TpSplit::Column:
      n = ceil_div(n, tp);
      break;
    case TpSplit::Row:
      k = ceil_div(k, tp);
      break;
    case TpSplit::Heads:
    case TpSplit::Experts:
      count = ceil_div(count, tp);
      break;
  }
  for (const WavesEntry& e : waves_cache_)
    if (e.m == m && e.k == k && e.n == n && e.count == count && e.split == op.split && e.tp == tp) return e.waves;
  const GemmWaves w = GemmWaves::plan(m, k, n, count, spec_.sms);
  if (waves_cache_.size() < 64) waves_cache_.push_back(WavesEntry{m, k, n, count, op.split, tp, w});
  return w;
}

double GpuApproxCost::matmul_compute_s(const Op& op, int tp, double flops) const {
  const GemmWaves w = matmul_waves(op, tp);
  double t = flops / (tensor_peak(op.dtype) * spec_.efficiency.compute * w.efficiency);
  // each tile also pays a fixed fill/epilogue time, once per wave it runs in; it
  // does not shrink with a faster format, so fp8 and short-K tiles lose more to it.
  t += static_cast<double>(w.waves) * spec_.efficiency.gemm_tile_overhead.value();
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
  if (blocks < spec_.sms)
    split = std::max<std::int64_t>(1, std::min(spec_.sms / std::max<std::int64_t>(blocks, 1),
                                               ceil_div(std::max<std::int64_t>(op.n, 1), kMinKvSplit)));
  const std::int64_t units = std::max<std::int64_t>(1, blocks * split);
  const double wave_eff = static_cast<double>(units) / static_cast<double>(ceil_div(units, spec_.sms) * spec_.sms);
  const double mma = tensor_flops / (tensor_peak(op.dtype) * spec_.efficiency.attention * wave_eff);
  const double exp_rate = kExpPerClockPerSm * static_cast<double>(spec_.sms) * spec_.clock.value();
  return std::max(mma, exps / exp_rate);  // FlashAttention-3 overlaps softmax with the products
}

OpCost GpuApproxCost::cost(const Op& op, const OpContext& ctx) const {
  const int tp = std::max(1, ctx.tp);
  const GpuSoftware& sw = software_of(ctx.plan.group().software);
  const Graph& graph = ctx.plan.graph();
  const double bw = spec_.hbm.bandwidth.value();
  const bool decode_attention = op.kind == OpKind::Attention && graph.shape().kind == StepKind::Decode;
  const bool latent = decode_attention && is_latent_attention(graph, op);
  // data-parallel MLA runs the whole attention block on 1/tp of the sequences
  // (all of its weights); tensor-parallel MLA splits heads but every GPU reads the
  // whole latent cache, which all heads share.
  const bool dp = tp > 1 && sw.mla_attention == MlaParallel::Data && in_mla_block(graph, op);
  Shares sh = shares(op.split, tp);
  if (dp) sh = Shares{1.0 / tp, 1.0 / tp, 1, 1.0 / tp};
  const double kv_share = dp ? 1.0 / tp : latent ? 1.0 : sh.in;
  const double flops = op.flops * sh.flops;

  // Bytes one device moves, by level (A-76: activations that fit in half the L2 stay there).
  const double l2_limit = spec_.l2.bandwidth ? static_cast<double>(spec_.l2.size.value()) / 2 : -1;
  const double weights = static_cast<double>(op.bytes.weights.value()) * sh.weights;
  const double kv = static_cast<double>(op.bytes.kv_read.value() + op.bytes.kv_write.value()) * kv_share;
  double acts = 0, l2 = 0;
  for (double act : {static_cast<double>(op.bytes.activations_in.value()) * sh.in,
                     static_cast<double>(op.bytes.activations_out.value()) * sh.out}) {
    if (act <= l2_limit)
      l2 += act;
    else
      acts += act;
  }

  const bool gemm = op.kind == OpKind::MatMul || op.kind == OpKind::Router;
  const double stream_eff =
      gemm || op.kind == OpKind::Attention ? spec_.efficiency.memory : spec_.efficiency.elementwise;
  const double w_eff = weight_efficiency(op.dtype);
  const double kv_eff = decode_attention ? kv_efficiency(latent) : spec_.efficiency.memory;
  OpCost c;
  double memory = weights / (bw * w_eff) + kv / (bw * kv_eff) + acts / (bw * stream_eff) +
                  (l2 > 0 ? l2 / (spec_.l2.bandwidth->value() * stream_eff) : 0.0);
  if (flops > 0) {
    switch (op.kind) {
      case OpKind::MatMul:
      case OpKind::Router:
        c.compute = Seconds(matmul_compute_s(op, dp ? 1 : tp, flops));
        break;
      case OpKind::Attention:
        c.compute = Seconds(attention_compute_s(op, ctx, flops));
        break;
      default:
        c.compute = Seconds(flops / spec_.vector_flops.value());
        break;  // CUDA cores
    }
  }
  // a weight-only int4 kernel loads and unpacks a tile, then multiplies it at the
  // 16-bit rate: the two do not overlap at decode batch sizes, so the kernel takes their
  // sum (the unpacking is in the streaming efficiency, A-205; rows pad into the MMA free).
  if (gemm && op.dtype == DType::Int4 && flops > 0)
    memory += flops / (tensor_peak(op.dtype) * spec_.efficiency.compute);
  c.memory = Seconds(memory);

  // A stage's first op starts a kernel: the op before it ran on other GPUs.
  if (op.id == ctx.stage.first_op || !fused_with_previous(graph, op, sw.fusion, tp)) {
    double fixed = kernel_overhead(Seconds(std::max(c.compute.value(), c.memory.value())), sw).value();
    // a streaming kernel ramps up to its bandwidth: a fixed ramp / (eff × bw).
    if (gemm && weights > 0) fixed += static_cast<double>(spec_.efficiency.weights_ramp.value()) / (bw * w_eff);
    if (decode_attention) fixed += static_cast<double>(spec_.efficiency.decode_attention_ramp.value()) / (bw * kv_eff);
    c.overhead = Seconds(fixed);
  } else {  // explain says why this op costs less than another of its shape
    c.note = fused_note(graph.op(op.id - 1).name);
  }

  // Whole op over the tp devices: replicated work is done tp times.
  c.traffic.flops = flops * tp;
  c.traffic.hbm_bytes = (weights + kv + acts) * tp;
  c.traffic.sram_bytes = l2 * tp;
  return c;
}

bool GpuApproxCost::in_mla_block(const Graph& graph, const Op& op) const {
  if (mla_graph_ != &graph) {
    // Each latent attention op's block: back to its layer's first op, on to the first
    // row-split GEMM after it (the output projection).
    mla_graph_ = &graph;
    mla_block_.assign(graph.ops().size(), 0);
    for (const Op& a : graph.ops()) {
      if (!is_latent_attention(graph, a)) continue;
      int first = a.id;
      while (first > 0 && graph.op(first - 1).layer == a.layer) --first;
      int last = a.id;
      while (last + 1 < static_cast<int>(graph.ops().size()) && graph.op(last).layer == a.layer &&
             !(graph.op(last).kind == OpKind::MatMul && graph.op(last).split == TpSplit::Row))
        ++last;
      for (int i = first; i <= last; ++i) mla_block_[static_cast<std::size_t>(i)] = 1;
    }
  }
  return mla_block_.at(static_cast<std::size_t>(op.id)) != 0;
}

std::optional<CollectiveCost> GpuApproxCost::collective(CollectiveKind kind, Bytes bytes, int n, const Op& around,
                                                        const OpContext& ctx) const {
  const GpuSoftware& sw = software_of(ctx.plan.group().software);
  // data-parallel attention leaves each GPU its own sequences' full output.
  if (kind == CollectiveKind::AllReduce && n > 1 && sw.mla_attention == MlaParallel::Data &&
      in_mla_block(ctx.plan.graph(), around))
    return CollectiveCost{};
  // One name lookup per stack, not per collective; holding the stack keeps the cached
  // table and curves alive (a model timing another system's plan looks them up again).
  if (!table_looked_up_ || table_stack_ != ctx.plan.group().software) {
    table_looked_up_ = true;
    table_stack_ = ctx.plan.group().software;
    table_ = sw.table();
    curve_cache_.clear();
  }
  const CollectiveTable* table = table_;
  if (table == nullptr || n <= 1 || bytes.value() <= 0) return std::nullopt;
  const CollectiveOp op = kind == CollectiveKind::AllToAll        ? CollectiveOp::AllToAll
                          : kind == CollectiveKind::AllGather     ? CollectiveOp::AllGather
                          : kind == CollectiveKind::ReduceScatter ? CollectiveOp::ReduceScatter
                                                                  : CollectiveOp::AllReduce;
  const CollectiveCurve* curve = table->find(op);
  if (curve == nullptr) return std::nullopt;  // operations the table lacks use the link formulas
  const double s = static_cast<double>(bytes.value());
  const double nd = n;
  CollectiveCost c;
  c.time = Seconds(curve_time(*curve, s, n));
  // Bytes on links as the bandwidth-optimal algorithm moves them (for energy).
  c.link_bytes = op == CollectiveOp::AllReduce ? 2 * (nd - 1) * s : (nd - 1) * s;
  c.algorithm = CollectiveAlgorithm::Table;
  return c;
}

double GpuApproxCost::curve_time(const CollectiveCurve& curve, double bytes, int n) const {
  // A step asks the same few collectives once per layer: interpolate each once.
  for (const CurveEntry& e : curve_cache_)
    if (e.curve == &curve && e.bytes == bytes && e.n == n) return e.seconds;
  const double t = curve.time(bytes, n);
  if (curve_cache_.size() < 16) curve_cache_.push_back(CurveEntry{&curve, bytes, n, t});
  return t;
}

Seconds GpuApproxCost::step_overhead(const Plan& plan) const {
  return software_of(plan.group().software).step_overhead;
}

}  // namespace wafersim::gpu
