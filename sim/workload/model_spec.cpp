#include "sim/workload/model_spec.h"

#include <algorithm>
#include <climits>

#include "sim/core/checked_math.h"

namespace wafersim {

std::int64_t ModelSpec::kv_elements_per_token_per_layer() const {
  // MLA caches the compressed latent plus the one RoPE key shared by all heads.
  if (attention == AttentionKind::Mla) return checked_add(mla.kv_lora_rank, mla.qk_rope_head_dim);
  return checked_mul(checked_mul<std::int64_t>(2, kv_heads), head_dim);
}

LayerAttention ModelSpec::layer_attention(std::int64_t i) const {
  if (local.tokens <= 0 || architecture == Architecture::Encoder) return LayerAttention::Global;
  if (local.global_every > 0 && (i + 1) % local.global_every == 0) return LayerAttention::Global;
  return local.kind;
}

std::int64_t ModelSpec::kv_tokens_held(std::int64_t i, std::int64_t context) const {
  if (context <= 0) return 0;
  switch (layer_attention(i)) {
    case LayerAttention::Sliding:
      return std::min(context, local.tokens);
    case LayerAttention::Chunked:
      return (context - 1) % local.tokens + 1;  // the chunk the last token is in
    case LayerAttention::Global:
      break;
  }
  return context;
}

namespace {
// Keys seen by the queries at positions 1..n (1-based) of one sequence.
double pairs_up_to(LayerAttention kind, std::int64_t window, std::int64_t n) {
  const double w = static_cast<double>(window);
  const double x = static_cast<double>(n);
  switch (kind) {
    case LayerAttention::Sliding:  // query q sees min(q, w) keys
      return n <= window ? x * (x + 1) / 2 : w * (w + 1) / 2 + (x - w) * w;
    case LayerAttention::Chunked: {  // query q sees (q - 1) mod w + 1 keys
      const double full = static_cast<double>(n / window);
      const double rest = static_cast<double>(n % window);
      return full * w * (w + 1) / 2 + rest * (rest + 1) / 2;
    }
    case LayerAttention::Global:
      break;
  }
  return x * (x + 1) / 2;
}
}  // namespace

double ModelSpec::causal_pairs(std::int64_t i, std::int64_t new_tokens, std::int64_t context) const {
  const LayerAttention kind = layer_attention(i);
  return pairs_up_to(kind, local.tokens, context) - pairs_up_to(kind, local.tokens, context - new_tokens);
}

std::int64_t ModelSpec::kv_elements_per_sequence(std::int64_t context) const {
  std::int64_t tokens = 0;
  for (std::int64_t i = 0; i < layers; ++i) tokens = checked_add(tokens, kv_tokens_held(i, context));
  return checked_mul(tokens, kv_elements_per_token_per_layer());
}

std::int64_t ModelSpec::qk_head_dim() const {
  return attention == AttentionKind::Mla ? mla.qk_nope_head_dim + mla.qk_rope_head_dim : head_dim;
}

std::int64_t ModelSpec::v_head_dim() const { return attention == AttentionKind::Mla ? mla.v_head_dim : head_dim; }

namespace {

double linear(double in, double out, bool bias) { return in * out + (bias ? out : 0.0); }

double norm_params(const ModelSpec& m, double width) {
  return m.norm == NormKind::LayerNorm ? 2 * width : width;  // LayerNorm has a shift as well as a scale
}

double attention_params(const ModelSpec& m) {
  const double h = static_cast<double>(m.hidden);
  const double heads = static_cast<double>(m.heads);
  if (m.attention == AttentionKind::Mla) {
    const MlaSpec& a = m.mla;
    const double q_out = heads * static_cast<double>(a.qk_nope_head_dim + a.qk_rope_head_dim);
    double q = 0;
    if (a.q_lora_rank > 0) {
      const double r = static_cast<double>(a.q_lora_rank);
      q = linear(h, r, m.bias) + norm_params(m, r) + linear(r, q_out, m.bias);
    } else {
      q = linear(h, q_out, m.bias);
    }
    const double kv_lora = static_cast<double>(a.kv_lora_rank);
    const double kv = linear(h, kv_lora + static_cast<double>(a.qk_rope_head_dim), m.bias) + norm_params(m, kv_lora) +
                      linear(kv_lora, heads * static_cast<double>(a.qk_nope_head_dim + a.v_head_dim), m.bias);
    const double o = linear(heads * static_cast<double>(a.v_head_dim), h, m.bias);
    return q + kv + o;
  }
  const bool qkv_bias = m.bias || m.qkv_bias;
  const double hd = static_cast<double>(m.head_dim);
  const double kv = static_cast<double>(m.kv_heads);
  const double extras = (m.attention_sinks ? heads : 0.0) + (m.qk_norm ? 2 * norm_params(m, hd) : 0.0);
  return linear(h, heads * hd, qkv_bias) + 2 * linear(h, kv * hd, qkv_bias) + linear(heads * hd, h, m.bias) + extras;
}

double ffn_parameters(const ModelSpec& m, std::int64_t width) {
  const double h = static_cast<double>(m.hidden);
  const double w = static_cast<double>(width);
  if (w <= 0) return 0;
  if (m.ffn_kind == FfnKind::Swiglu) return 2 * linear(h, w, m.bias) + linear(w, h, m.bias);
  return linear(h, w, m.bias) + linear(w, h, m.bias);
}

}  // namespace

ParameterCount count_parameters(const ModelSpec& m) {
  const double h = static_cast<double>(m.hidden);
  ParameterCount c;
  c.embedding = h * static_cast<double>(m.vocab + m.max_positions + m.token_types);
  c.total = c.active = c.embedding;
  const double shared = (m.sandwich_norm ? 4 : 2) * norm_params(m, h) + attention_params(m);
  for (std::int64_t i = 0; i < m.layers; ++i) {
    c.total += shared;
    c.active += shared;
    if (m.layer_is_moe(i)) {
      const double router = linear(h, static_cast<double>(m.moe.experts), m.bias);
      const double expert = ffn_parameters(m, m.moe.expert_ffn);
      const double always = router + ffn_parameters(m, m.moe.shared_experts * m.moe.expert_ffn);
      c.total += always + expert * static_cast<double>(m.moe.experts);
      c.active += always + expert * static_cast<double>(m.moe.experts_per_token);
    } else {
      c.total += ffn_parameters(m, m.ffn);
      c.active += ffn_parameters(m, m.ffn);
    }
  }
  // Decoders end in a final norm and an LM head; BERT-style encoders are post-norm,
  // with a norm after the embeddings instead, and a [CLS] pooler.
  double tail = norm_params(m, h);
  if (m.architecture == Architecture::Decoder && !m.tied_embeddings) tail += h * static_cast<double>(m.vocab);
  if (m.pooler) tail += linear(h, h, true);
  c.total += tail;
  c.active += tail;
  return c;
}

std::vector<ModelIssue> check_model(const ModelSpec& m) {
  std::vector<ModelIssue> out;
  auto issue = [&](std::string key, std::string message) { out.push_back({std::move(key), std::move(message)}); };
  auto s = [](std::int64_t v) { return std::to_string(v); };
  // Upper bounds first: every layer of a step is built as ops, so an absurd
  // count must be refused before anything is allocated or looped over.
  const struct {
    const char* key;
    std::int64_t value, max;
  } limits[] = {{"layers", m.layers, kMaxLayers},
                {"hidden", m.hidden, kMaxWidth},
                {"heads", m.heads, kMaxHeads},
                {"kv_heads", m.kv_heads, kMaxHeads},
                {"head_dim", m.head_dim, kMaxWidth},
                {"ffn", m.ffn, kMaxWidth},
                {"vocab", m.vocab, kMaxVocab},
                {"max_positions", m.max_positions, kMaxPositions},
                {"token_types", m.token_types, kMaxVocab},
                {"moe.experts", m.moe.experts, kMaxExperts},
                {"moe.experts_per_token", m.moe.experts_per_token, kMaxExperts},
                {"moe.shared_experts", m.moe.shared_experts, kMaxExperts},
                {"moe.expert_ffn", m.moe.expert_ffn, kMaxWidth},
                {"moe.dense_layers", m.moe.dense_layers, kMaxLayers},
                {"mla.q_lora_rank", m.mla.q_lora_rank, kMaxWidth},
                {"mla.kv_lora_rank", m.mla.kv_lora_rank, kMaxWidth},
                {"mla.qk_nope_head_dim", m.mla.qk_nope_head_dim, kMaxWidth},
                {"mla.qk_rope_head_dim", m.mla.qk_rope_head_dim, kMaxWidth},
                {"mla.v_head_dim", m.mla.v_head_dim, kMaxWidth}};
  for (const auto& l : limits)
    if (l.value > l.max)
      issue(l.key, s(l.value) + " exceeds wafersim's limit of " + s(l.max) +
                       " (A-375: the largest published models stay far below it)");
  if (!out.empty()) return out;
  if (m.layers <= 0) issue("layers", "must be > 0");
  if (m.hidden <= 0) issue("hidden", "must be > 0");
  if (m.heads <= 0) issue("heads", "must be > 0");
  if (m.vocab <= 0) issue("vocab", "must be > 0");
  if (m.kv_heads <= 0) {
    issue("kv_heads", "must be > 0");
  } else if (m.heads > 0 && m.heads % m.kv_heads != 0) {
    issue("kv_heads", "heads (" + s(m.heads) + ") is not divisible by kv_heads (" + s(m.kv_heads) +
                          "): every KV head must serve the same number of query heads");
  }
  if (m.attention == AttentionKind::Standard && m.head_dim <= 0 && m.heads > 0)
    issue("head_dim",
          "hidden (" + s(m.hidden) + ") is not divisible by heads (" + s(m.heads) + "); set head_dim explicitly");

  std::int64_t dense_layers = m.layers;
  if (m.is_moe()) {
    const MoeSpec& e = m.moe;
    dense_layers = e.dense_layers;
    if (e.experts_per_token <= 0)
      issue("moe.experts_per_token", "must be set (>= 1) when moe.experts > 0");
    else if (e.experts_per_token > e.experts)
      issue("moe.experts_per_token",
            "experts_per_token (" + s(e.experts_per_token) + ") exceeds experts (" + s(e.experts) + ")");
    if (e.expert_ffn <= 0) issue("moe.expert_ffn", "must be set (> 0) when moe.experts > 0");
    if (e.dense_layers > m.layers)
      issue("moe.dense_layers", "dense_layers (" + s(e.dense_layers) + ") exceeds layers (" + s(m.layers) + ")");
    if (e.layer_step < 1) issue("moe.layer_step", "must be at least 1");
    dense_layers = 0;
    for (std::int64_t i = 0; i < m.layers; ++i) dense_layers += m.layer_is_moe(i) ? 0 : 1;
  } else if (m.moe.experts_per_token > 0 || m.moe.shared_experts > 0 || m.moe.expert_ffn > 0 ||
             m.moe.dense_layers > 0) {
    issue("moe.experts", "other moe keys are set but experts is 0 (set moe.experts to the routed expert count)");
  }
  if (dense_layers > 0 && m.ffn <= 0)
    issue("ffn", "must be set (> 0): " + s(std::min(dense_layers, m.layers)) + " layer(s) use a dense FFN");

  const MlaSpec& a = m.mla;
  if (m.attention == AttentionKind::Mla) {
    if (a.kv_lora_rank <= 0) issue("mla.kv_lora_rank", "must be set (> 0) when attention is mla");
    if (a.qk_nope_head_dim <= 0) issue("mla.qk_nope_head_dim", "must be set (> 0) when attention is mla");
    if (a.qk_rope_head_dim <= 0) issue("mla.qk_rope_head_dim", "must be set (> 0) when attention is mla");
    if (a.v_head_dim <= 0) issue("mla.v_head_dim", "must be set (> 0) when attention is mla");
  } else if (a.q_lora_rank > 0 || a.kv_lora_rank > 0 || a.qk_nope_head_dim > 0 || a.qk_rope_head_dim > 0 ||
             a.v_head_dim > 0) {
    issue("attention", "mla shapes are set but attention is 'standard' (set attention: mla)");
  }
  if (m.pooler && m.architecture != Architecture::Encoder) issue("pooler", "only encoder models have a pooler");
  if (m.local.global_every < 0) issue("local_attention.global_every", "must be >= 0");
  if (m.local.kind == LayerAttention::Global) issue("local_attention.kind", "must be sliding or chunked");
  if (m.local.tokens > 0 && m.architecture == Architecture::Encoder)
    issue("local_attention.tokens", "encoder models attend over the whole input; local attention is for decoders");
  return out;
}

namespace {

Schema<MlaSpec> mla_schema() {
  Schema<MlaSpec> s;
  s.integer("q_lora_rank", &MlaSpec::q_lora_rank,
            "Width of the compressed query latent (DeepSeek q_lora_rank); 0 = queries projected directly from hidden.",
            0, 0)
      .integer("kv_lora_rank", &MlaSpec::kv_lora_rank,
               "Width of the compressed KV latent, which is what the KV cache holds (DeepSeek kv_lora_rank).", 0, 0)
      .integer("qk_nope_head_dim", &MlaSpec::qk_nope_head_dim,
               "Per-head query/key dimensions without rotary embedding.", 0, 0)
      .integer("qk_rope_head_dim", &MlaSpec::qk_rope_head_dim,
               "Per-head rotary query/key dimensions; the rotary key is shared by all heads and cached.", 0, 0)
      .integer("v_head_dim", &MlaSpec::v_head_dim, "Per-head value dimensions.", 0, 0);
  return s;
}

Schema<MoeSpec> moe_schema() {
  Schema<MoeSpec> s;
  s.integer("experts", &MoeSpec::experts, "Routed experts per MoE layer; 0 = a dense model.", 0, 0)
      .integer("experts_per_token", &MoeSpec::experts_per_token, "Routed experts each token picks (top-k).", 0, 0)
      .integer("shared_experts", &MoeSpec::shared_experts,
               "Always-on experts per MoE layer, each expert_ffn wide (DeepSeek).", 0, 0)
      .integer("expert_ffn", &MoeSpec::expert_ffn, "FFN width of one expert.", 0, 0)
      .integer(
          "dense_layers", &MoeSpec::dense_layers,
          "Leading layers that use the dense FFN (width `ffn`) instead of experts (DeepSeek first_k_dense_replace).", 0,
          0)
      .integer("layer_step", &MoeSpec::layer_step,
               "After the dense_layers, layer i (0-based) uses experts when (i + 1) % layer_step == 0; the others "
               "use the dense FFN (Llama 4 interleave_moe_layer_step, Qwen3-MoE decoder_sparse_step).",
               1, 1);
  return s;
}

Schema<LocalAttentionSpec> local_attention_schema() {
  Schema<LocalAttentionSpec> s;
  s.integer("tokens", &LocalAttentionSpec::tokens,
            "Window (sliding) or chunk (chunked) length in tokens; 0 = every layer attends to the whole context.", 0, 0)
      .choice<LayerAttention>(
          "kind", &LocalAttentionSpec::kind,
          {{"sliding", LayerAttention::Sliding}, {"chunked", LayerAttention::Chunked}},
          "sliding: a query sees the last `tokens` tokens (Mistral, Gemma). chunked: a query sees the tokens of "
          "its own `tokens`-long chunk (Llama 4).",
          LayerAttention::Sliding)
      .integer("global_every", &LocalAttentionSpec::global_every,
               "Layer i (0-based) attends globally when (i + 1) % global_every == 0 (Gemma 2: 2, Gemma 3: 6, "
               "Llama 4: 4); 0 = every layer is local.",
               0, 0);
  return s;
}

// A whole number read by a custom field (kv_heads, head_dim default from other keys).
bool read_positive(const ConfigNode* n, std::int64_t& out, Diagnostics& d) {
  if (n == nullptr) return false;
  if (auto v = schema_detail::parse_integer(*n, 1, INT64_MAX, d)) out = *v;
  return true;
}

// Where a check_model() key lives in the file, so the message points at it.
Diagnostic locate(const ConfigNode& root, const std::string& key, const std::string& message) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return root.error_at_key(key, message);
  const std::string section = key.substr(0, dot);
  if (const ConfigNode* sub = root.find(section); sub != nullptr && sub->is_map())
    return sub->error_at_key(key.substr(dot + 1), message);
  return root.error_at_key(key, message);
}

Schema<ModelSpec> build_model_schema() {
  Schema<ModelSpec> s;
  // `name` is read by ConfigLibrary (a file's own name); a custom no-op field rather
  // than reserved() so `describe` shows it as optional.
  s.custom("name", "text", "the preset or file name", "Model name used in output.",
           [](const ConfigNode*, const ConfigNode&, ModelSpec&, Diagnostics&) {})
      .text("description", &ModelSpec::description,
            "One line saying what the model is and where its numbers come from.", "")
      .choice<Architecture>(
          "architecture", &ModelSpec::architecture,
          {{"decoder", Architecture::Decoder}, {"encoder", Architecture::Encoder}},
          "decoder: causal, pre-norm, KV cache, LM head (Llama, GPT). encoder: bidirectional, post-norm, "
          "no KV cache, no LM head (BERT).",
          Architecture::Decoder)
      .integer("layers", &ModelSpec::layers, "Transformer layers (blocks).", std::nullopt)
      .integer("hidden", &ModelSpec::hidden, "Hidden (model) width d_model.", std::nullopt)
      .integer("heads", &ModelSpec::heads, "Attention (query) heads.", std::nullopt)
      .custom("kv_heads", "integer >= 1", "heads",
              "Key/value heads: = heads for multi-head, fewer for grouped-query, 1 for multi-query attention.",
              [](const ConfigNode* n, const ConfigNode&, ModelSpec& m, Diagnostics& d) {
                if (!read_positive(n, m.kv_heads, d)) m.kv_heads = m.heads;
              })
      .custom("head_dim", "integer >= 1", "hidden / heads",
              "Per-head width of queries, keys and values (standard attention; MLA uses its mla dims).",
              [](const ConfigNode* n, const ConfigNode&, ModelSpec& m, Diagnostics& d) {
                if (read_positive(n, m.head_dim, d)) return;
                // 0 tells check_model() the width could not be derived.
                m.head_dim = (m.heads > 0 && m.hidden % m.heads == 0) ? m.hidden / m.heads : 0;
              })
      .integer("ffn", &ModelSpec::ffn,
               "Dense FFN width (intermediate size); required unless every layer is a MoE layer.", 0, 0)
      .choice<FfnKind>("ffn_kind", &ModelSpec::ffn_kind, {{"swiglu", FfnKind::Swiglu}, {"gelu", FfnKind::Gelu}},
                       "swiglu: gate, up and down matrices (Llama). gelu: up and down matrices (GPT, BERT).",
                       FfnKind::Swiglu)
      .choice<NormKind>("norm", &ModelSpec::norm, {{"rmsnorm", NormKind::RmsNorm}, {"layernorm", NormKind::LayerNorm}},
                        "Normalisation: rmsnorm (a scale per channel) or layernorm (a scale and a shift).",
                        NormKind::RmsNorm)
      .integer("vocab", &ModelSpec::vocab, "Vocabulary size (rows of the token embedding table).", std::nullopt)
      .flag("tied_embeddings", &ModelSpec::tied_embeddings,
            "The LM head reuses the token embedding table (its weights are counted once).", false)
      .flag("bias", &ModelSpec::bias, "Every linear layer carries a bias (BERT, GPT).", false)
      .flag("qkv_bias", &ModelSpec::qkv_bias, "Only the Q/K/V projections carry biases (Qwen2).", false)
      .flag("pooler", &ModelSpec::pooler,
            "Encoders: the checkpoint has a [CLS] pooler (hidden x hidden dense); counted in parameters, not run.",
            false)
      .integer("max_positions", &ModelSpec::max_positions,
               "Rows of a learned position-embedding table (GPT, BERT); 0 for rotary embeddings, which have no "
               "weights.",
               0, 0)
      .integer("token_types", &ModelSpec::token_types, "Rows of the segment (token type) embedding table (BERT).", 0, 0)
      .choice<AttentionKind>(
          "attention", &ModelSpec::attention, {{"standard", AttentionKind::Standard}, {"mla", AttentionKind::Mla}},
          "standard: multi-head / grouped-query attention. mla: DeepSeek multi-head latent attention (set mla:).",
          AttentionKind::Standard)
      .section("mla", &ModelSpec::mla, mla_schema(), "Multi-head latent attention shapes (attention: mla).")
      .section("moe", &ModelSpec::moe, moe_schema(), "Mixture-of-experts shapes (omit for a dense model).")
      .section("local_attention", &ModelSpec::local, local_attention_schema(),
               "Sliding-window or chunked attention, bounding the keys each query sees and the KV cache (A-345).")
      .flag("attention_sinks", &ModelSpec::attention_sinks,
            "A learned logit per head joins every softmax (gpt-oss): heads parameters per layer (A-347).", false)
      .flag("qk_norm", &ModelSpec::qk_norm, "Queries and keys are normalised per head (Qwen3, Gemma 3) (A-347).", false)
      .flag("sandwich_norm", &ModelSpec::sandwich_norm,
            "Extra norms after the attention and after the FFN, before the residual add (Gemma 2/3) (A-347).", false)
      .validate([](const ConfigNode& node, const ModelSpec& m, Diagnostics& d) {
        for (const ModelIssue& i : check_model(m)) d.add(locate(node, i.key, i.message));
      });
  return s;
}

}  // namespace

const Schema<ModelSpec>& model_schema() {
  static const Schema<ModelSpec> schema = build_model_schema();
  return schema;
}

}  // namespace wafersim
