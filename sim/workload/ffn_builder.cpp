#include "sim/workload/ffn_builder.h"

#include <algorithm>
#include <cmath>

#include "sim/workload/graph_builder.h"

namespace wafersim {

int FfnBuilder::emit(OpEmitter& e, int layer, int input) {
  if (e.model().layer_is_moe(layer)) return emit_moe(e, layer, input);
  return emit_dense(e, layer, input, e.model().ffn, "ffn");
}

int FfnBuilder::emit_dense(OpEmitter& e, int layer, int input, std::int64_t width, const std::string& prefix) {
  const ModelSpec& m = e.model();
  const std::int64_t t = e.tokens();
  auto name = [&](const std::string& part) { return layer_op_name(layer, prefix + "." + part); };
  int act = 0;
  if (m.ffn_kind == FfnKind::Swiglu) {
    const int gate = e.matmul(name("gate_proj"), layer, TpSplit::Column, t, m.hidden, width, m.bias, {input});
    const int up = e.matmul(name("up_proj"), layer, TpSplit::Column, t, m.hidden, width, m.bias, {input});
    act = e.elementwise(name("act"), layer, TpSplit::Column, t, width, 2, OpEmitter::kSwigluFlops, {gate, up});
  } else {
    const int up = e.matmul(name("up_proj"), layer, TpSplit::Column, t, m.hidden, width, m.bias, {input});
    act = e.elementwise(name("act"), layer, TpSplit::Column, t, width, 1, OpEmitter::kGeluFlops, {up});
  }
  return e.matmul(name("down_proj"), layer, TpSplit::Row, t, width, m.hidden, m.bias, {act});
}

int FfnBuilder::emit_expert_matmul(OpEmitter& e, int layer, const std::string& suffix, TpSplit split, std::int64_t k,
                                   std::int64_t n, double touched, std::vector<int> inputs) {
  const ModelSpec& m = e.model();
  const std::int64_t routed = elements(e.tokens(), m.moe.experts_per_token);  // token-expert assignments
  const std::int64_t per_expert = checked_add(elements(k, n), m.bias ? n : 0);
  Op op = e.make(layer_op_name(layer, "moe.experts." + suffix), OpKind::MatMul, layer, split, std::move(inputs));
  // The shape is the average over the experts touched; FLOPs and bytes use the
  // exact expectation.
  op.count = std::max<std::int64_t>(1, std::llround(touched));
  op.m = ceil_div(routed, op.count);
  op.k = k;
  op.n = n;
  op.flops = static_cast<double>(routed) * static_cast<double>(n) * (2.0 * static_cast<double>(k) + (m.bias ? 1 : 0));
  op.bytes.weights = e.expected_weight_bytes(touched * static_cast<double>(per_expert));
  op.weights_resident = e.weight_bytes(checked_mul(m.moe.experts, per_expert));  // every expert stays resident
  op.bytes.activations_in = e.act_bytes(checked_mul(routed, k));
  op.bytes.activations_out = e.act_bytes(checked_mul(routed, n));
  return e.add(std::move(op));
}

int FfnBuilder::emit_moe(OpEmitter& e, int layer, int input) {
  const ModelSpec& m = e.model();
  const MoeSpec& moe = m.moe;
  const std::int64_t t = e.tokens();
  const std::int64_t routed = elements(t, moe.experts_per_token);

  Op router = e.make(layer_op_name(layer, "moe.router"), OpKind::Router, layer, TpSplit::Replicated, {input});
  router.m = t;
  router.k = m.hidden;
  router.n = moe.experts;
  router.flops = 2.0 * static_cast<double>(t) * static_cast<double>(m.hidden) * static_cast<double>(moe.experts) +
                 OpEmitter::kSoftmaxFlops * static_cast<double>(t) *
                     static_cast<double>(moe.experts);  // logits, then softmax/top-k
  router.bytes.weights = e.weight_bytes(checked_mul(m.hidden, moe.experts));
  router.weights_resident = router.bytes.weights;
  router.bytes.activations_in = e.act_bytes(elements(t, m.hidden));
  router.bytes.activations_out = e.act_bytes(elements(t, moe.experts));
  const int r = e.add(std::move(router));

  const double touched = GraphBuilder::expected_experts_touched(moe.experts, moe.experts_per_token, t);
  const std::int64_t w = moe.expert_ffn;
  int act = 0;
  if (m.ffn_kind == FfnKind::Swiglu) {
    const int gate = emit_expert_matmul(e, layer, "gate", TpSplit::Experts, m.hidden, w, touched, {input, r});
    const int up = emit_expert_matmul(e, layer, "up", TpSplit::Experts, m.hidden, w, touched, {input, r});
    act = e.elementwise(layer_op_name(layer, "moe.experts.act"), layer, TpSplit::Experts, routed, w, 2,
                        OpEmitter::kSwigluFlops, {gate, up});
  } else {
    const int up = emit_expert_matmul(e, layer, "up", TpSplit::Experts, m.hidden, w, touched, {input, r});
    act = e.elementwise(layer_op_name(layer, "moe.experts.act"), layer, TpSplit::Experts, routed, w, 1,
                        OpEmitter::kGeluFlops, {up});
  }
  const int down = emit_expert_matmul(e, layer, "down", TpSplit::Experts, w, m.hidden, touched, {act});

  std::vector<int> parts{down, r};
  std::int64_t summands = moe.experts_per_token;
  if (moe.shared_experts > 0) {
    // Shared experts see every token: one dense FFN as wide as all of them together.
    parts.push_back(emit_dense(e, layer, input, elements(moe.shared_experts, w), "moe.shared"));
    summands += 1;
  }
  // Each token's output is the router-weighted sum of its k expert outputs (+ shared).
  return e.elementwise(layer_op_name(layer, "moe.combine"), layer, TpSplit::Replicated, t, m.hidden, summands,
                       2.0 * static_cast<double>(summands), parts);
}

}  // namespace wafersim
