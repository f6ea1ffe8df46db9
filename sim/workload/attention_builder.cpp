#include "sim/workload/attention_builder.h"

#include <algorithm>

namespace wafersim {

double AttentionBuilder::score_pairs(const StepShape& shape) {
  const double n = static_cast<double>(shape.new_tokens);
  if (shape.kind == StepKind::Encode) return n * n;
  const double earlier = static_cast<double>(shape.context - shape.new_tokens);
  return n * earlier + n * (n + 1) / 2;
}

double AttentionBuilder::score_pairs(const StepShape& shape, const ModelSpec& model, int layer) {
  if (shape.kind == StepKind::Encode) return score_pairs(shape);
  return model.causal_pairs(layer, shape.new_tokens, shape.context);
}

int AttentionBuilder::emit(OpEmitter& e, int layer, int input) {
  return e.model().attention == AttentionKind::Mla ? emit_mla(e, layer, input) : emit_standard(e, layer, input);
}

int AttentionBuilder::emit_standard(OpEmitter& e, int layer, int input) {
  const ModelSpec& m = e.model();
  const StepShape& s = e.shape();
  const std::int64_t t = e.tokens();
  const std::int64_t q_width = elements(m.heads, m.head_dim);
  const std::int64_t kv_width = elements(m.kv_heads, m.head_dim);
  const bool qkv_bias = m.bias || m.qkv_bias;
  const int q =
      e.matmul(layer_op_name(layer, "attn.q_proj"), layer, TpSplit::Column, t, m.hidden, q_width, qkv_bias, {input});
  const int k =
      e.matmul(layer_op_name(layer, "attn.k_proj"), layer, TpSplit::Column, t, m.hidden, kv_width, qkv_bias, {input});
  const int v =
      e.matmul(layer_op_name(layer, "attn.v_proj"), layer, TpSplit::Column, t, m.hidden, kv_width, qkv_bias, {input});
  int q_in = q, k_in = k;
  if (m.qk_norm) {  // per-head norms of queries and keys
    q_in = e.norm(layer_op_name(layer, "attn.q_norm"), layer, elements(t, m.heads), m.head_dim, {q});
    k_in = e.norm(layer_op_name(layer, "attn.k_norm"), layer, elements(t, m.kv_heads), m.head_dim, {k});
  }

  Op core = e.make(layer_op_name(layer, "attn.core"), OpKind::Attention, layer, TpSplit::Heads, {q_in, k_in, v});
  const std::int64_t held = s.kind == StepKind::Encode ? s.context : m.kv_tokens_held(layer, s.context);
  core.m = s.new_tokens;
  core.k = m.head_dim;
  core.n = held;
  core.count = elements(s.batch, m.heads);
  core.score_pairs = score_pairs(s, m, layer);
  // Per query-key pair and head: q·k (2·d), softmax, and p·v (2·d); a sink adds
  // one more logit to each softmax.
  const double per_pair = 4.0 * static_cast<double>(m.head_dim) + OpEmitter::kSoftmaxFlops;
  const double sink_flops = m.attention_sinks ? OpEmitter::kSoftmaxFlops * static_cast<double>(t) : 0.0;
  core.flops =
      static_cast<double>(core.count) * core.score_pairs * per_pair + sink_flops * static_cast<double>(m.heads);
  if (m.attention_sinks) {
    core.bytes.weights = e.weight_bytes(m.heads);
    core.weights_resident = core.bytes.weights;
  }
  core.bytes.activations_in = e.act_bytes(elements(t, checked_add(q_width, elements(2, kv_width))));
  core.bytes.activations_out = e.act_bytes(elements(t, q_width));
  if (s.kind != StepKind::Encode) {
    const std::int64_t per_token = m.kv_elements_per_token_per_layer();
    // Decode writes the new K/V into the cache and then reads all `context` tokens
    // of it (paged-attention style); prefill takes the prompt's K/V from its inputs
    // and reads only an earlier prefix, if any, from the cache. A local layer
    // reads and holds only its window.
    const std::int64_t cached =
        s.kind == StepKind::Decode ? held : std::min(s.context - s.new_tokens, m.kv_tokens_held(layer, s.context));
    core.bytes.kv_read = e.kv_bytes(elements(s.batch, cached, per_token));
    core.bytes.kv_write = e.kv_bytes(elements(t, per_token));
    core.kv_resident = e.kv_bytes(elements(s.batch, held, per_token));
  }
  const int attn = e.add(std::move(core));
  return e.matmul(layer_op_name(layer, "attn.o_proj"), layer, TpSplit::Row, t, q_width, m.hidden, m.bias, {attn});
}

int AttentionBuilder::emit_mla_queries(OpEmitter& e, int layer, int input) {
  const ModelSpec& m = e.model();
  const std::int64_t t = e.tokens();
  const std::int64_t q_width = elements(m.heads, m.qk_head_dim());
  const std::int64_t rank = m.mla.q_lora_rank;
  if (rank <= 0)
    return e.matmul(layer_op_name(layer, "attn.q_proj"), layer, TpSplit::Column, t, m.hidden, q_width, m.bias, {input});
  // The small down-projection is replicated under tensor parallelism (as vLLM does).
  const int qa =
      e.matmul(layer_op_name(layer, "attn.q_a_proj"), layer, TpSplit::Replicated, t, m.hidden, rank, m.bias, {input});
  const int qn = e.norm(layer_op_name(layer, "attn.q_a_norm"), layer, t, rank, {qa});
  return e.matmul(layer_op_name(layer, "attn.q_b_proj"), layer, TpSplit::Column, t, rank, q_width, m.bias, {qn});
}

int AttentionBuilder::emit_mla(OpEmitter& e, int layer, int input) {
  const ModelSpec& m = e.model();
  const StepShape& s = e.shape();
  const MlaSpec& a = m.mla;
  const std::int64_t t = e.tokens();
  const std::int64_t heads = m.heads;
  const std::int64_t latent = a.kv_lora_rank + a.qk_rope_head_dim;  // what the cache holds per token
  const std::int64_t qk = m.qk_head_dim();
  const bool cached = s.kind != StepKind::Encode;

  const int q = emit_mla_queries(e, layer, input);
  const int kva = e.matmul(layer_op_name(layer, "attn.kv_a_proj"), layer, TpSplit::Replicated, t, m.hidden, latent,
                           m.bias, {input});
  const int kvn = e.norm(layer_op_name(layer, "attn.kv_a_norm"), layer, t, a.kv_lora_rank, {kva});

  Op core = e.make(layer_op_name(layer, "attn.core"), OpKind::Attention, layer, TpSplit::Heads, {});
  core.m = s.new_tokens;
  core.n = s.context;
  core.count = elements(s.batch, heads);
  core.score_pairs = score_pairs(s, m, layer);
  const double pairs = static_cast<double>(core.count) * core.score_pairs;
  if (cached) {
    core.bytes.kv_write = e.kv_bytes(elements(t, latent));
    core.kv_resident = e.kv_bytes(elements(s.batch, s.context, latent));
  }
  if (s.kind == StepKind::Decode) {
    // A-05, absorbed form: W_UK is folded into the query and W_UV applied after the
    // weighted sum, so attention runs over the cached latent itself: per head and
    // cached token, 2·(kv_lora + rope) FLOPs for the score and 2·kv_lora for the
    // value. The two halves of kv_b_proj become the per-head products below; their
    // weights are read once, as in the unabsorbed form. kv_b_proj's bias (no MLA
    // model has one) is left out here.
    const int qabs = e.matmul(layer_op_name(layer, "attn.q_absorb"), layer, TpSplit::Heads, t, a.qk_nope_head_dim,
                              a.kv_lora_rank, false, {q}, heads);
    core.inputs = {q, qabs, kvn};
    core.k = latent;
    core.flops = pairs * (2.0 * static_cast<double>(latent) + 2.0 * static_cast<double>(a.kv_lora_rank) +
                          OpEmitter::kSoftmaxFlops);
    core.bytes.activations_in = e.act_bytes(elements(t, heads + 1, latent));
    core.bytes.activations_out = e.act_bytes(elements(t, heads, a.kv_lora_rank));
    core.bytes.kv_read = e.kv_bytes(elements(s.batch, s.context, latent));
    const int attn = e.add(std::move(core));
    const int vabs = e.matmul(layer_op_name(layer, "attn.v_absorb"), layer, TpSplit::Heads, t, a.kv_lora_rank,
                              a.v_head_dim, false, {attn}, heads);
    return e.matmul(layer_op_name(layer, "attn.o_proj"), layer, TpSplit::Row, t, elements(heads, a.v_head_dim),
                    m.hidden, m.bias, {vabs});
  }
  // Prefill and encode expand the latent into per-head keys and values (cheaper
  // when many queries share each key), a cached prefix included: its latents are
  // read from the KV cache here.
  const std::int64_t rows = elements(s.batch, s.context);
  const std::int64_t kv_width = elements(heads, a.qk_nope_head_dim + a.v_head_dim);
  const int kvb = e.matmul(layer_op_name(layer, "attn.kv_b_proj"), layer, TpSplit::Column, rows, a.kv_lora_rank,
                           kv_width, m.bias, {kvn});
  if (cached) e.op(kvb).bytes.kv_read = e.kv_bytes(elements(s.batch, s.context - s.new_tokens, latent));
  core.inputs = {q, kva, kvb};
  core.k = qk;
  core.flops =
      pairs * (2.0 * static_cast<double>(qk) + 2.0 * static_cast<double>(a.v_head_dim) + OpEmitter::kSoftmaxFlops);
  core.bytes.activations_in =
      e.act_bytes(checked_add(elements(t, heads, qk), elements(rows, kv_width + a.qk_rope_head_dim)));
  core.bytes.activations_out = e.act_bytes(elements(t, heads, a.v_head_dim));
  const int attn = e.add(std::move(core));
  return e.matmul(layer_op_name(layer, "attn.o_proj"), layer, TpSplit::Row, t, elements(heads, a.v_head_dim), m.hidden,
                  m.bias, {attn});
}

}  // namespace wafersim
