#pragma once
// A transformer model as wafersim needs it: shapes, not weights. Decoder models
// (Llama, Mistral, Mixtral, Qwen2, DeepSeek-V3, GPT-3) and encoder models (BERT).
// Covers MHA/GQA/MQA, SwiGLU and GELU FFNs, RMSNorm and LayerNorm, mixture of
// experts with shared experts and leading dense layers, and DeepSeek's multi-head
// latent attention (MLA) by its projection shapes and compressed KV cache.
// Leaves out: positional-embedding variants beyond a learned table (RoPE costs no
// weights), sliding-window attention, and DeepSeek's multi-token-prediction module.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/schema.h"

namespace wafersim {

enum class Architecture { Decoder, Encoder };
enum class FfnKind { Swiglu, Gelu };
enum class NormKind { RmsNorm, LayerNorm };
enum class AttentionKind { Standard, Mla };

/// DeepSeek-style multi-head latent attention shapes (used when attention = mla).
struct MlaSpec {
  std::int64_t q_lora_rank = 0;        ///< 0 = queries projected directly from hidden
  std::int64_t kv_lora_rank = 0;       ///< width of the compressed KV latent (cached)
  std::int64_t qk_nope_head_dim = 0;   ///< per-head query/key dims without RoPE
  std::int64_t qk_rope_head_dim = 0;   ///< per-head RoPE dims (the RoPE key is shared and cached)
  std::int64_t v_head_dim = 0;         ///< per-head value dims
};

/// Mixture-of-experts shapes (used when experts > 0).
struct MoeSpec {
  std::int64_t experts = 0;             ///< routed experts per MoE layer
  std::int64_t experts_per_token = 0;   ///< top-k
  std::int64_t shared_experts = 0;      ///< always-on experts
  std::int64_t expert_ffn = 0;          ///< FFN width of one expert
  std::int64_t dense_layers = 0;        ///< leading layers with a dense FFN instead of MoE
};

struct ModelSpec {
  std::string name;
  std::string description;
  Architecture architecture = Architecture::Decoder;
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;      ///< = heads for MHA, 1 for MQA
  std::int64_t head_dim = 0;      ///< usually hidden / heads
  std::int64_t ffn = 0;           ///< dense FFN width
  FfnKind ffn_kind = FfnKind::Swiglu;
  NormKind norm = NormKind::RmsNorm;
  std::int64_t vocab = 0;
  bool tied_embeddings = false;
  bool bias = false;               ///< linear layers carry biases (BERT, GPT-3)
  bool qkv_bias = false;           ///< only Q/K/V projections carry biases (Qwen2); implied by `bias`
  bool pooler = false;             ///< encoder [CLS] pooler (dense + tanh): counted in parameters, not built
  std::int64_t max_positions = 0;  ///< learned position table rows (0 = none, e.g. RoPE)
  std::int64_t token_types = 0;    ///< BERT segment embeddings
  AttentionKind attention = AttentionKind::Standard;
  MlaSpec mla;
  MoeSpec moe;

  [[nodiscard]] bool is_moe() const { return moe.experts > 0; }
  /// Whether layer `i` (0-based) uses experts.
  [[nodiscard]] bool layer_is_moe(std::int64_t i) const { return is_moe() && i >= moe.dense_layers; }
  /// Elements of KV cache per token per layer (K and V; MLA: the compressed latent + RoPE key).
  [[nodiscard]] std::int64_t kv_elements_per_token_per_layer() const;
  /// Per-head width of queries and keys (MLA: nope + rope dims; else head_dim).
  [[nodiscard]] std::int64_t qk_head_dim() const;
  /// Per-head width of values (MLA: v_head_dim; else head_dim).
  [[nodiscard]] std::int64_t v_head_dim() const;
};

/// One cross-field problem of a model spec: the offending key (dotted, as in the
/// YAML schema: "kv_heads", "moe.experts_per_token") and what is wrong.
struct ModelIssue {
  std::string key;
  std::string message;
};
/// Upper bounds on a model's counts: far above any published model (the
/// largest have < 200 layers, hidden <= 32K, vocab <= 300K) and low enough that a step
/// graph, a parameter count and every byte count stay small and inside 64 bits.
inline constexpr std::int64_t kMaxLayers = 10'000;
inline constexpr std::int64_t kMaxWidth = 1 << 20;
inline constexpr std::int64_t kMaxHeads = 1 << 16;
inline constexpr std::int64_t kMaxVocab = 1 << 24;
inline constexpr std::int64_t kMaxPositions = 1 << 24;
inline constexpr std::int64_t kMaxExperts = 1 << 16;

/// Cross-field checks shared by the YAML schema and the Hugging Face import: the
/// bounds above, heads divisible by kv_heads, head_dim derivable, MoE and MLA shapes complete.
[[nodiscard]] std::vector<ModelIssue> check_model(const ModelSpec& m);

/// Parameter counts, in elements (not bytes).
struct ParameterCount {
  double total = 0;     ///< every weight
  double active = 0;    ///< weights one token touches (MoE: shared + top-k experts)
  double embedding = 0; ///< token (+position, +type) tables, counted once when tied
};
[[nodiscard]] ParameterCount count_parameters(const ModelSpec& m);

/// The `kind: model` schema (also used for inline `models:` in scenarios).
[[nodiscard]] const Schema<ModelSpec>& model_schema();

}  // namespace wafersim
