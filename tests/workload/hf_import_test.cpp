#include "sim/workload/hf_import.h"

#include <gtest/gtest.h>

#include "sim/config/config_library.h"
#include "sim/core/error.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

std::string hf(const std::string& file) { return std::string(WAFERSIM_TEST_DATA) + "/hf/" + file; }

void expect_rel(double got, double want, double tol) { EXPECT_NEAR(got / want - 1, 0, tol) << got << " vs " << want; }

TEST(HfImport, LlamaMatchesThePreset) {
  const ModelSpec imported = HfImport::from_file(hf("llama-3.1-8b.json"));
  ConfigLibrary library(ConfigLibrary::default_root());
  const ModelSpec preset = ModelLoader::load(library, "llama-3.1-8b");
  EXPECT_EQ(imported.name, "llama-3.1-8b");
  EXPECT_EQ(imported.kv_heads, 8);
  EXPECT_EQ(imported.head_dim, 128);
  EXPECT_DOUBLE_EQ(count_parameters(imported).total, count_parameters(preset).total);
  EXPECT_EQ(imported.kv_elements_per_token_per_layer(), preset.kv_elements_per_token_per_layer());
}

TEST(HfImport, EverySupportedType) {
  struct Case {
    std::string file;
    double total;
    double active;
  };
  // Published sizes: Mistral 7B 7.24B, Mixtral 46.7B/12.9B, Qwen2-7B 7.62B (incl. q/k/v
  // biases), DeepSeek-V3 671B, GPT-2 124M, BERT-Base 110M.
  const std::vector<Case> cases = {
      {"mistral-7b.json", 7.24e9, 7.24e9},  {"mixtral-8x7b.json", 46.7e9, 12.9e9}, {"qwen2-7b.json", 7.62e9, 7.62e9},
      {"deepseek-v3.json", 671e9, 37.55e9}, {"gpt2.json", 124.4e6, 124.4e6},     {"bert-base.json", 110e6, 110e6},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const ModelSpec m = HfImport::from_file(hf(c.file));
    const ParameterCount p = count_parameters(m);
    expect_rel(p.total, c.total, 0.01);
    expect_rel(p.active, c.active, 0.01);
  }
}

TEST(HfImport, FieldMapping) {
  const ModelSpec q = HfImport::from_file(hf("qwen2-7b.json"));
  EXPECT_TRUE(q.qkv_bias);
  EXPECT_FALSE(q.bias);
  const ModelSpec d = HfImport::from_file(hf("deepseek-v3.json"));
  EXPECT_EQ(d.attention, AttentionKind::Mla);
  EXPECT_EQ(d.mla.kv_lora_rank, 512);
  EXPECT_EQ(d.moe.experts, 256);
  EXPECT_EQ(d.moe.shared_experts, 1);
  EXPECT_EQ(d.moe.dense_layers, 3);
  EXPECT_EQ(d.moe.expert_ffn, 2048);
  const ModelSpec g = HfImport::from_file(hf("gpt2.json"));
  EXPECT_EQ(g.ffn, 4 * 768);  // n_inner null
  EXPECT_EQ(g.max_positions, 1024);
  EXPECT_TRUE(g.tied_embeddings);
  EXPECT_EQ(g.norm, NormKind::LayerNorm);
  const ModelSpec b = HfImport::from_file(hf("bert-base.json"));
  EXPECT_EQ(b.architecture, Architecture::Encoder);
  EXPECT_EQ(b.token_types, 2);
  EXPECT_TRUE(b.pooler);
  const ModelSpec x = HfImport::from_file(hf("mixtral-8x7b.json"));
  EXPECT_EQ(x.moe.experts, 8);
  EXPECT_EQ(x.moe.experts_per_token, 2);
}

Diagnostic first_error(const std::string& file) {
  try {
    (void)HfImport::from_file(hf(file));
  } catch (const InputError& e) {
    return e.diagnostics().at(0);
  }
  return Diagnostic{};
}

TEST(HfImport, MissingField) {
  const Diagnostic d = first_error("missing-field.json");
  EXPECT_EQ(d.file, hf("missing-field.json"));
  EXPECT_EQ(d.path, "num_hidden_layers");
  EXPECT_EQ(d.message, "missing required field 'num_hidden_layers' (expected a positive integer)");
}

TEST(HfImport, BadJsonGivesLineAndColumn) {
  const Diagnostic d = first_error("bad-syntax.json");
  EXPECT_EQ(d.line, 5);
  EXPECT_EQ(d.column, 1);
  EXPECT_EQ(d.message.rfind("invalid JSON: syntax error while parsing object key", 0), 0u) << d.message;
}

TEST(HfImport, UnsupportedType) {
  const Diagnostic d = first_error("unsupported-type.json");
  EXPECT_EQ(d.path, "model_type");
  EXPECT_EQ(d.message,
            "unsupported model_type 'falcon' (supported: 'bert', 'deepseek_v3', 'gpt2', 'llama', 'mistral', "
            "'mixtral', 'qwen2')");
}

TEST(HfImport, WrongTypeAndInconsistentValues) {
  Diagnostic d = first_error("wrong-type.json");
  EXPECT_EQ(d.path, "hidden_size");
  EXPECT_EQ(d.message, "expected an integer, got string");
  d = first_error("bad-kv-heads.json");
  EXPECT_EQ(d.path, "num_key_value_heads");
  EXPECT_EQ(d.message, "num_attention_heads (32) is not divisible by num_key_value_heads (5)");
  d = first_error("bad-hidden.json");
  EXPECT_EQ(d.path, "n_embd");
  EXPECT_EQ(d.message, "n_embd (770) is not divisible by n_head (12)");
  d = first_error("zero-layers.json");
  EXPECT_EQ(d.path, "num_hidden_layers");
  EXPECT_EQ(d.message, "expected a positive integer, got 0");
  d = first_error("no-such-file.json");
  EXPECT_EQ(d.message, "no such file");
}

TEST(HfImport, TextErrors) {
  auto message = [](const std::string& text) {
    try {
      (void)HfImport::from_text(text, "t.json", "t");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(message("[1, 2]"), "t.json: expected a JSON object, got array");
  EXPECT_EQ(message("{\"model_type\": 3}"), "t.json: model_type: expected text, got number");
  EXPECT_EQ(message("{}"),
            "t.json: model_type: missing required field 'model_type' (supported: 'bert', 'deepseek_v3', 'gpt2', "
            "'llama', 'mistral', 'mixtral', 'qwen2')");
  EXPECT_EQ(message("{\"model_type\": \"lama\"}").rfind("t.json: model_type: unsupported model_type 'lama' (did you mean "
                                                        "'llama'?)",
                                                        0),
            0u);
  EXPECT_EQ(message(std::string(100, '[') + std::string(100, ']')), "t.json: JSON nested deeper than 64 levels");
  EXPECT_EQ(message("").rfind("t.json:1:1: invalid JSON: ", 0), 0u) << message("");
}

}  // namespace
}  // namespace wafersim
