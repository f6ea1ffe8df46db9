#include "sim/workload/hf_model_types.h"

#include <algorithm>

namespace wafersim {

namespace {

// Llama and its relatives: RMSNorm, SwiGLU, rotary positions, GQA.
void read_llama_like(HfFields& f, ModelSpec& m) {
  m.layers = f.size("num_hidden_layers");
  m.hidden = f.size("hidden_size");
  m.heads = f.size("num_attention_heads");
  m.kv_heads = f.size_or("num_key_value_heads", m.heads);
  m.head_dim = f.size_or("head_dim", 0);
  m.ffn = f.size("intermediate_size");
  m.vocab = f.size("vocab_size");
  m.tied_embeddings = f.flag_or("tie_word_embeddings", false);
  // Llama's attention_bias also puts a bias on o_proj (hidden values per layer); it is
  // counted as Q/K/V biases only.
  m.qkv_bias = f.flag_or("attention_bias", false);
}

// `layer_types` lists each layer's attention ("full_attention",
// "sliding_attention", "chunked_attention"); wafersim keeps it as "every Nth layer
// global", which is what every published config uses. Any other pattern is refused.
void read_layer_types(HfFields& f, ModelSpec& m) {
  const std::vector<std::string> types = f.strings("layer_types");
  if (types.empty()) return;
  if (static_cast<std::int64_t>(types.size()) != m.layers) {
    f.add("layer_types",
          "lists " + std::to_string(types.size()) + " layers but num_hidden_layers is " + std::to_string(m.layers));
    return;
  }
  const auto full = std::find(types.begin(), types.end(), "full_attention");
  if (std::all_of(types.begin(), types.end(), [](const std::string& t) { return t == "full_attention"; })) {
    m.local.tokens = 0;  // every layer global
    return;
  }
  m.local.global_every = full == types.end() ? 0 : (full - types.begin()) + 1;
  for (std::int64_t i = 0; i < m.layers; ++i) {
    const std::string& t = types[static_cast<std::size_t>(i)];
    if (t != "full_attention" && t != "sliding_attention" && t != "chunked_attention") {
      f.add("layer_types", "unknown layer type '" + t +
                               "' (expected full_attention, sliding_attention or "
                               "chunked_attention)");
      return;
    }
    if (t == "chunked_attention") m.local.kind = LayerAttention::Chunked;
    if ((t == "full_attention") != (m.layer_attention(i) == LayerAttention::Global)) {
      f.add("layer_types", "layer " + std::to_string(i) + " is " + t +
                               ", which does not repeat the pattern of "
                               "one full_attention layer every " +
                               std::to_string(m.local.global_every) + " (only periodic patterns are modeled)");
      return;
    }
  }
}

// A sliding window on every layer, or on all but every `global_every`th.
void read_sliding(HfFields& f, ModelSpec& m, std::int64_t global_every, std::int64_t default_window = 0) {
  m.local.kind = LayerAttention::Sliding;
  m.local.tokens = f.size_or("sliding_window", default_window);
  m.local.global_every = global_every;
  if (m.local.tokens > 0) read_layer_types(f, m);
}

void read_qwen3(HfFields& f, ModelSpec& m) {
  read_llama_like(f, m);
  m.qk_norm = true;
  if (f.flag_or("use_sliding_window", false)) read_sliding(f, m, 0);
}

void read_qwen3_moe(HfFields& f, ModelSpec& m) {
  read_qwen3(f, m);
  m.moe.experts = f.size("num_experts");
  m.moe.experts_per_token = f.size("num_experts_per_tok");
  m.moe.expert_ffn = f.size("moe_intermediate_size");
  m.moe.layer_step = f.size_or("decoder_sparse_step", 1);
  if (!f.integers("mlp_only_layers").empty())
    f.add("mlp_only_layers", "a list of dense layers is not modeled; only decoder_sparse_step strides are");
}

// Gemma 2 and 3: GeGLU (shaped as SwiGLU: gate, up, down), norms around each block,
// tied embeddings, sliding windows on all but every Nth layer.
void read_gemma(HfFields& f, ModelSpec& m, bool gemma3) {
  // Gemma3TextConfig's defaults: text_config files may leave these out.
  m.layers = f.size("num_hidden_layers");
  m.hidden = f.size("hidden_size");
  m.heads = f.size("num_attention_heads");
  m.kv_heads = f.size_or("num_key_value_heads", m.heads);
  m.head_dim = f.size_or("head_dim", 256);
  m.ffn = f.size("intermediate_size");
  m.vocab = gemma3 ? f.size_or("vocab_size", 262208) : f.size("vocab_size");
  m.tied_embeddings = f.flag_or("tie_word_embeddings", true);
  m.qkv_bias = f.flag_or("attention_bias", false);
  m.sandwich_norm = true;
  m.qk_norm = gemma3;
  const std::int64_t every = gemma3 ? f.size_or("sliding_window_pattern", 6) : 2;
  read_sliding(f, m, every, gemma3 ? 4096 : 0);
}

void read_phi3(HfFields& f, ModelSpec& m) {
  read_llama_like(f, m);  // fused qkv_proj and gate_up_proj hold the same weights
  read_sliding(f, m, 0);
}

void read_gpt_oss(HfFields& f, ModelSpec& m) {
  read_llama_like(f, m);
  m.bias = f.flag_or("attention_bias", true);  // attention, router and experts all carry biases
  m.qkv_bias = false;
  m.attention_sinks = true;
  m.moe.experts = f.size("num_local_experts");
  m.moe.experts_per_token = f.size(f.first_present({"num_experts_per_tok", "experts_per_token"}));
  m.moe.expert_ffn = m.ffn;
  read_sliding(f, m, 2);
}

void read_llama4(HfFields& f, ModelSpec& m) {
  f.enter("text_config");
  read_llama_like(f, m);
  m.moe.expert_ffn = m.ffn;
  m.ffn = f.size_or("intermediate_size_mlp", m.ffn);  // the dense layers' FFN
  m.moe.experts = f.size("num_local_experts");
  m.moe.experts_per_token = f.size("num_experts_per_tok");
  m.moe.shared_experts = 1;
  m.moe.layer_step = f.size_or("interleave_moe_layer_step", 1);
  // rotary layers attend within chunks; every 4th layer (no rotary) is global.
  m.local.kind = LayerAttention::Chunked;
  m.local.tokens = f.size_or("attention_chunk_size", 0);
  m.local.global_every = 4;
  const std::vector<std::int64_t> rope = f.integers("no_rope_layers");  // 1 = rotary (chunked), 0 = global
  if (!rope.empty() && m.local.tokens > 0) {
    std::vector<std::string> types;
    for (std::int64_t r : rope) types.push_back(r == 0 ? "full_attention" : "chunked_attention");
    auto it = std::find(types.begin(), types.end(), "full_attention");
    m.local.global_every = it == types.end() ? 0 : (it - types.begin()) + 1;
    for (std::size_t i = 0; i < types.size(); ++i)
      if ((types[i] == "full_attention") != (m.layer_attention(static_cast<std::int64_t>(i)) == LayerAttention::Global))
        f.add("no_rope_layers", "layer " + std::to_string(i) + " breaks the pattern of one global layer every " +
                                    std::to_string(m.local.global_every) + " (only periodic patterns are modeled)");
  }
}

void read_deepseek(HfFields& f, ModelSpec& m) {
  read_llama_like(f, m);
  m.attention = AttentionKind::Mla;
  m.mla.q_lora_rank = f.count_or("q_lora_rank", 0);  // null in the Lite models
  m.mla.kv_lora_rank = f.size("kv_lora_rank");
  m.mla.qk_nope_head_dim = f.size("qk_nope_head_dim");
  m.mla.qk_rope_head_dim = f.size("qk_rope_head_dim");
  m.mla.v_head_dim = f.size("v_head_dim");
  m.head_dim = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;
  m.moe.experts = f.size("n_routed_experts");
  m.moe.experts_per_token = f.size("num_experts_per_tok");
  m.moe.shared_experts = f.count_or("n_shared_experts", 0);
  m.moe.expert_ffn = f.size("moe_intermediate_size");
  m.moe.dense_layers = f.count_or("first_k_dense_replace", 0);
  // Every layer after the dense ones is a MoE layer; other strides are not modeled.
  if (const std::int64_t freq = f.size_or("moe_layer_freq", 1); freq != 1)
    f.add("moe_layer_freq", "only moe_layer_freq 1 is supported, got " + std::to_string(freq));
}

void read_gpt2(HfFields& f, ModelSpec& m) {
  m.layers = f.size("n_layer");
  m.hidden = f.size("n_embd");
  m.heads = f.size("n_head");
  m.kv_heads = m.heads;
  m.ffn = f.size_or("n_inner", 4 * m.hidden);  // null means 4 × n_embd
  m.ffn_kind = FfnKind::Gelu;
  m.norm = NormKind::LayerNorm;
  m.bias = true;
  m.vocab = f.size("vocab_size");
  m.max_positions = f.size(f.first_present({"n_positions", "n_ctx"}));
  m.tied_embeddings = f.flag_or("tie_word_embeddings", true);
}

void read_bert(HfFields& f, ModelSpec& m) {
  m.architecture = Architecture::Encoder;
  m.layers = f.size("num_hidden_layers");
  m.hidden = f.size("hidden_size");
  m.heads = f.size("num_attention_heads");
  m.kv_heads = m.heads;
  m.ffn = f.size("intermediate_size");
  m.ffn_kind = FfnKind::Gelu;
  m.norm = NormKind::LayerNorm;
  m.bias = true;
  m.pooler = true;
  m.vocab = f.size("vocab_size");
  m.max_positions = f.size("max_position_embeddings");
  m.token_types = f.count_or("type_vocab_size", 2);
}

}  // namespace

const std::vector<std::string>& HfModelTypes::supported() {
  static const std::vector<std::string> types{
      "bert",   "deepseek_v2", "deepseek_v3", "gemma2",  "gemma3", "gemma3_text", "gpt2",  "gpt_oss",  "llama",
      "llama4", "llama4_text", "mistral",     "mixtral", "phi3",   "qwen2",       "qwen3", "qwen3_moe"};
  return types;
}

void HfModelTypes::read(HfFields& f, const std::string& type, ModelSpec& m) {
  if (type == "llama" || type == "mistral" || type == "qwen2") {
    read_llama_like(f, m);
    if (type == "qwen2") m.qkv_bias = true;  // Qwen2 always biases q/k/v (not o_proj)
    if (type == "mistral") read_sliding(f, m, 0);
  } else if (type == "mixtral") {
    read_llama_like(f, m);
    m.moe.experts = f.size("num_local_experts");
    m.moe.experts_per_token = f.size("num_experts_per_tok");
    m.moe.expert_ffn = m.ffn;
    read_sliding(f, m, 0);
  } else if (type == "qwen3") {
    read_qwen3(f, m);
  } else if (type == "qwen3_moe") {
    read_qwen3_moe(f, m);
  } else if (type == "gemma2") {
    read_gemma(f, m, false);
  } else if (type == "gemma3" || type == "gemma3_text") {
    f.enter("text_config");
    read_gemma(f, m, true);
  } else if (type == "phi3") {
    read_phi3(f, m);
  } else if (type == "gpt_oss") {
    read_gpt_oss(f, m);
  } else if (type == "llama4" || type == "llama4_text") {
    read_llama4(f, m);
  } else if (type == "deepseek_v2" || type == "deepseek_v3") {
    read_deepseek(f, m);
  } else if (type == "gpt2") {
    read_gpt2(f, m);
  } else if (type == "bert") {
    read_bert(f, m);
  }
}

}  // namespace wafersim
