#include "sim/workload/hf_import.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/core/error.h"
#include "sim/core/text.h"

namespace wafersim {

namespace {

using nlohmann::json;

constexpr std::uintmax_t kMaxFileBytes = 8u << 20;  // config.json files are a few KiB
constexpr int kMaxDepth = 64;

const std::vector<std::string>& supported_types() {
  static const std::vector<std::string> types{"bert", "deepseek_v3", "gpt2", "llama", "mistral", "mixtral", "qwen2"};
  return types;
}

struct TooDeep {};

// Reads fields of a config.json object, collecting every problem with the file and
// key it concerns. Values that fail read as 0 / the default; the caller checks
// `diagnostics` before using them.
class Fields {
 public:
  Fields(const json& j, std::string source) : j_(j), source_(std::move(source)) {}

  /// A required integer > 0.
  std::int64_t size(const std::string& key) {
    const json* v = find(key);
    if (v == nullptr) {
      add(key, "missing required field '" + key + "' (expected a positive integer)");
      return 0;
    }
    return positive(key, *v);
  }
  /// An optional integer > 0; absent or null gives `def`.
  std::int64_t size_or(const std::string& key, std::int64_t def) {
    const json* v = find(key);
    return v == nullptr ? def : positive(key, *v);
  }
  /// An optional integer >= 0; absent or null gives `def`.
  std::int64_t count_or(const std::string& key, std::int64_t def) {
    const json* v = find(key);
    if (v == nullptr) return def;
    auto n = integer(key, *v);
    if (n && *n < 0) {
      add(key, "expected an integer >= 0, got " + std::to_string(*n));
      return def;
    }
    return n.value_or(def);
  }
  bool flag_or(const std::string& key, bool def) {
    const json* v = find(key);
    if (v == nullptr) return def;
    if (!v->is_boolean()) {
      add(key, std::string("expected true or false, got ") + v->type_name());
      return def;
    }
    return v->get<bool>();
  }
  /// The name of the first of `keys` present (for fields with several spellings).
  std::string first_present(const std::vector<std::string>& keys) const {
    for (const auto& k : keys)
      if (find(k) != nullptr) return k;
    return keys.front();
  }
  void add(const std::string& key, std::string message) {
    diagnostics.add(Diagnostic{source_, 0, 0, key, std::move(message)});
  }

  Diagnostics diagnostics;

 private:
  [[nodiscard]] const json* find(const std::string& key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::optional<std::int64_t> integer(const std::string& key, const json& v) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      add(key, "value overflows 64 bits");
      return std::nullopt;
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e18) return static_cast<std::int64_t>(d);
      add(key, "expected an integer, got " + v.dump());
      return std::nullopt;
    }
    add(key, std::string("expected an integer, got ") + v.type_name());
    return std::nullopt;
  }
  std::int64_t positive(const std::string& key, const json& v) {
    auto n = integer(key, v);
    if (n && *n <= 0) {
      add(key, "expected a positive integer, got " + std::to_string(*n));
      return 0;
    }
    return n.value_or(0);
  }

  const json& j_;
  std::string source_;
};

// "line L, column C" of the byte where nlohmann's parser stopped (1-based byte index).
std::pair<int, int> line_and_column(const std::string& text, std::size_t byte) {
  int line = 1, column = 1;
  const std::size_t end = std::min(text.size(), byte > 0 ? byte - 1 : 0);
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's message without its "[json.exception...] parse error at line 1, column 2: " prefix.
std::string parse_message(const std::string& what) {
  const auto column = what.find("column ");
  if (column != std::string::npos) {
    const auto colon = what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  const auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

json parse_json(const std::string& text, const std::string& source) {
  json::parser_callback_t limit_depth = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth) throw TooDeep{};
    return true;
  };
  try {
    return json::parse(text, limit_depth);
  } catch (const json::parse_error& e) {
    const auto [line, column] = line_and_column(text, e.byte);
    throw InputError(Diagnostic{source, line, column, "", "invalid JSON: " + parse_message(e.what())});
  } catch (const json::out_of_range& e) {
    // A number too large for a double ("1e400"): point at the first place the text holds it.
    const std::string msg = parse_message(e.what());
    const auto open = msg.find('\''), close = msg.rfind('\'');
    const std::string token = open != std::string::npos && close > open ? msg.substr(open + 1, close - open - 1) : "";
    const std::size_t at = token.empty() ? std::string::npos : text.find(token);
    const auto [line, column] = at == std::string::npos ? std::pair<int, int>{0, 0} : line_and_column(text, at + 1);
    throw InputError(Diagnostic{source, line, column, "", "invalid JSON: " + msg});
  } catch (const TooDeep&) {
    throw InputError(Diagnostic{source, 0, 0, "", "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels"});
  }
}

// Llama and its relatives: RMSNorm, SwiGLU, rotary positions, GQA.
void read_llama_like(Fields& f, ModelSpec& m) {
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

void read_type(Fields& f, const std::string& type, ModelSpec& m) {
  if (type == "llama" || type == "mistral" || type == "qwen2") {
    read_llama_like(f, m);
    if (type == "qwen2") m.qkv_bias = true;  // Qwen2 always biases q/k/v (not o_proj)
  } else if (type == "mixtral") {
    read_llama_like(f, m);
    m.moe.experts = f.size("num_local_experts");
    m.moe.experts_per_token = f.size("num_experts_per_tok");
    m.moe.expert_ffn = m.ffn;
  } else if (type == "deepseek_v3") {
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
  } else if (type == "gpt2") {
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
  } else if (type == "bert") {
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
}

// Consistency, in the file's own key names; check_model() backs these up.
void check_consistency(Fields& f, const std::string& type, ModelSpec& m) {
  auto s = [](std::int64_t v) { return std::to_string(v); };
  const bool gpt2 = type == "gpt2";
  const std::string hidden_key = gpt2 ? "n_embd" : "hidden_size";
  const std::string heads_key = gpt2 ? "n_head" : "num_attention_heads";
  if (m.head_dim == 0) {
    if (m.hidden % m.heads != 0) {
      f.add(hidden_key, hidden_key + " (" + s(m.hidden) + ") is not divisible by " + heads_key + " (" + s(m.heads) +
                            ")");
      return;
    }
    m.head_dim = m.hidden / m.heads;
  }
  if (m.heads % m.kv_heads != 0)
    f.add("num_key_value_heads", "num_attention_heads (" + s(m.heads) + ") is not divisible by num_key_value_heads (" +
                                     s(m.kv_heads) + ")");
  if (m.moe.experts_per_token > m.moe.experts)
    f.add("num_experts_per_tok", "num_experts_per_tok (" + s(m.moe.experts_per_token) + ") exceeds the " +
                                     s(m.moe.experts) + " experts");
  if (m.moe.dense_layers > m.layers)
    f.add("first_k_dense_replace", "first_k_dense_replace (" + s(m.moe.dense_layers) + ") exceeds num_hidden_layers (" +
                                       s(m.layers) + ")");
  if (!f.diagnostics.empty()) return;
  for (const ModelIssue& i : check_model(m)) f.add(i.key, i.message);
}

std::string read_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw InputError(Diagnostic{path, 0, 0, "", fs::exists(path, ec) ? "not a regular file" : "no such file"});
  const auto bytes = fs::file_size(path, ec);
  if (ec || bytes > kMaxFileBytes)
    throw InputError(Diagnostic{path, 0, 0, "", "file larger than " + std::to_string(kMaxFileBytes) + " bytes"});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw InputError(Diagnostic{path, 0, 0, "", "cannot read file"});
  return text.str();
}

}  // namespace

ModelSpec HfImport::from_file(const std::string& path) {
  const std::filesystem::path p(path);
  // Hub snapshots keep config.json in a folder named after the model.
  std::string name = p.stem().string();
  if (p.filename() == "config.json" && p.has_parent_path() && !p.parent_path().filename().empty())
    name = p.parent_path().filename().string();
  return from_text(read_file(path), path, name);
}

ModelSpec HfImport::from_text(const std::string& json_text, const std::string& source, const std::string& name) {
  const json j = parse_json(json_text, source);
  if (!j.is_object())
    throw InputError(Diagnostic{source, 0, 0, "", std::string("expected a JSON object, got ") + j.type_name()});
  const auto& types = supported_types();
  const std::string supported = quoted_list(types);
  auto type_it = j.find("model_type");
  if (type_it == j.end() || type_it->is_null())
    throw InputError(Diagnostic{source, 0, 0, "model_type",
                                "missing required field 'model_type' (supported: " + supported + ")"});
  if (!type_it->is_string())
    throw InputError(Diagnostic{source, 0, 0, "model_type",
                                std::string("expected text, got ") + type_it->type_name()});
  const std::string type = type_it->get<std::string>();
  if (std::find(types.begin(), types.end(), type) == types.end())
    throw InputError(Diagnostic{source, 0, 0, "model_type",
                                "unsupported model_type '" + type + "'" + did_you_mean(type, types) +
                                    " (supported: " + supported + ")"});

  ModelSpec m;
  m.name = name;
  m.description = "imported from " + source + " (model_type " + type + ")";
  Fields f(j, source);
  read_type(f, type, m);
  f.diagnostics.throw_if_any();
  check_consistency(f, type, m);
  f.diagnostics.throw_if_any();
  return m;
}

}  // namespace wafersim
