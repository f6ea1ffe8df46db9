#include "sim/workload/model_spec.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sim/config/config_library.h"
#include "sim/config/yaml_loader.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

ModelSpec preset(const std::string& name) {
  ConfigLibrary library(ConfigLibrary::default_root());
  return ModelLoader::load(library, name);
}

struct Published {
  std::string name;
  double total;   // parameters, as published
  double active;  // 0 = same as total
};

// Sizes from the model cards and papers: Llama 2 (Touvron et al. 2023, HF cards),
// Llama 3.1 (HF cards), Mixtral (Jiang et al. 2024), DeepSeek-V3 (arXiv:2412.19437),
// GPT-3 (Brown et al. 2020), BERT (Devlin et al. 2019).
const std::vector<Published> kPublished = {
    {"llama-2-7b", 6.74e9, 0},        {"llama-2-13b", 13.0e9, 0},   {"llama-2-70b", 69.0e9, 0},
    {"llama-3.1-8b", 8.03e9, 0},      {"llama-3.1-70b", 70.6e9, 0}, {"llama-3.1-405b", 405.9e9, 0},
    {"mixtral-8x7b", 46.7e9, 12.9e9}, {"deepseek-v3", 671e9, 37e9}, {"gpt-3-175b", 175e9, 0},
    {"bert-base", 110e6, 0},          {"bert-large", 335e6, 0},
};

TEST(ModelSpec, PresetParameterCountsMatchPublishedSizes) {
  for (const auto& p : kPublished) {
    SCOPED_TRACE(p.name);
    const ParameterCount c = count_parameters(preset(p.name));
    EXPECT_NEAR(c.total / p.total - 1, 0, 0.01) << "computed " << c.total;
    if (p.active == 0) {
      EXPECT_DOUBLE_EQ(c.active, c.total);
    } else if (p.name == "deepseek-v3") {
      // DeepSeek publishes "37B activated", a rounded figure; counting every weight a
      // token uses (embedding and LM head included, as for the 671B total and for
      // Mixtral's 12.9B) gives 37.55B. The difference is the rounding, not a missing
      // matrix: see the exact sum in DeepSeekV3ActiveParametersAddUp.
      EXPECT_NEAR(c.active / p.active - 1, 0, 0.015) << "computed " << c.active;
    } else {
      EXPECT_NEAR(c.active / p.active - 1, 0, 0.01) << "computed " << c.active;
    }
  }
}

TEST(ModelSpec, DeepSeekV3ActiveParametersAddUp) {
  const ModelSpec m = preset("deepseek-v3");
  const double h = 7168;
  const double attention = h * 1536 + 1536 + 1536 * 128 * 192 + h * 576 + 512 + 512 * 128 * 256 + 128 * 128 * h;
  const double expert = 3 * h * 2048;
  const double per_layer = attention + 2 * h;
  const double dense = 3 * (per_layer + 3 * h * 18432);
  const double moe_active = 58 * (per_layer + h * 256 + 9 * expert);
  const double moe_total = 58 * (per_layer + h * 256 + 257 * expert);
  const double ends = 2 * 129280 * h + h;
  const ParameterCount c = count_parameters(m);
  EXPECT_DOUBLE_EQ(c.active, dense + moe_active + ends);
  EXPECT_DOUBLE_EQ(c.total, dense + moe_total + ends);
  EXPECT_DOUBLE_EQ(c.embedding, 129280 * h);
}

TEST(ModelSpec, Llama2SevenBExactCount) {
  // 32 × (4·4096² + 3·4096·11008 + 2·4096) + 2·32000·4096 + 4096 = 6,738,415,616.
  EXPECT_DOUBLE_EQ(count_parameters(preset("llama-2-7b")).total, 6738415616.0);
}

TEST(ModelSpec, KvElementsPerTokenPerLayer) {
  EXPECT_EQ(preset("llama-3.1-8b").kv_elements_per_token_per_layer(), 2 * 8 * 128);
  EXPECT_EQ(preset("llama-2-7b").kv_elements_per_token_per_layer(), 2 * 32 * 128);
  EXPECT_EQ(preset("deepseek-v3").kv_elements_per_token_per_layer(), 512 + 64);  // latent + shared RoPE key
}

// --- the schema -----------------------------------------------------------

struct Parsed {
  ModelSpec spec;
  Diagnostics diagnostics;
};

Parsed parse(const std::string& yaml) {
  Parsed p;
  const ConfigNode node = YamlLoader::load_string(yaml, "m.yaml");
  model_schema().parse(node, p.spec, p.diagnostics);
  return p;
}

const std::string kTiny =
    "layers: 2\n"
    "hidden: 256\n"
    "heads: 8\n"
    "ffn: 512\n"
    "vocab: 1000\n";

TEST(ModelSchema, DefaultsDeriveKvHeadsAndHeadDim) {
  const Parsed p = parse(kTiny);
  ASSERT_TRUE(p.diagnostics.empty()) << p.diagnostics.items()[0].format();
  EXPECT_EQ(p.spec.kv_heads, 8);
  EXPECT_EQ(p.spec.head_dim, 32);
  EXPECT_EQ(p.spec.architecture, Architecture::Decoder);
  EXPECT_EQ(p.spec.ffn_kind, FfnKind::Swiglu);
  EXPECT_EQ(p.spec.norm, NormKind::RmsNorm);
  EXPECT_FALSE(p.spec.is_moe());
}

TEST(ModelSchema, UnknownKeyGetsDidYouMean) {
  const Parsed p = parse(kTiny + "kv_head: 2\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  const Diagnostic& d = p.diagnostics.items()[0];
  EXPECT_EQ(d.file, "m.yaml");
  EXPECT_EQ(d.line, 6);
  EXPECT_EQ(d.path, "kv_head");
  EXPECT_EQ(d.message.rfind("unknown key (did you mean 'kv_heads'?) (valid keys: name, description, ", 0), 0u)
      << d.message;
}

TEST(ModelSchema, KvHeadsMustDivideHeads) {
  const Parsed p = parse(kTiny + "kv_heads: 3\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  const Diagnostic& d = p.diagnostics.items()[0];
  EXPECT_EQ(d.line, 6);
  EXPECT_EQ(d.path, "kv_heads");
  EXPECT_EQ(d.message,
            "heads (8) is not divisible by kv_heads (3): every KV head must serve the same number of "
            "query heads");
}

TEST(ModelSchema, HeadDimMustBeDerivableOrGiven) {
  Parsed p = parse("layers: 2\nhidden: 250\nheads: 8\nffn: 512\nvocab: 1000\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "head_dim");
  EXPECT_EQ(p.diagnostics.items()[0].message, "hidden (250) is not divisible by heads (8); set head_dim explicitly");
  p = parse("layers: 2\nhidden: 250\nheads: 8\nhead_dim: 32\nffn: 512\nvocab: 1000\n");
  EXPECT_TRUE(p.diagnostics.empty());
}

TEST(ModelSchema, NonPositiveDimensionsAreRejected) {
  const Parsed p = parse("layers: 0\nhidden: 256\nheads: 8\nffn: 512\nvocab: 1000\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "layers");
  EXPECT_EQ(p.diagnostics.items()[0].message, "value 0 out of range (expected an integer >= 1)");
}

TEST(ModelSchema, MissingRequiredKey) {
  const Parsed p = parse("layers: 2\nhidden: 256\nheads: 8\nffn: 512\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "vocab");
  EXPECT_EQ(p.diagnostics.items()[0].message, "missing required key (expected an integer)");
}

TEST(ModelSchema, MoeChecks) {
  Parsed p = parse(kTiny + "moe:\n  experts: 4\n  experts_per_token: 5\n  expert_ffn: 128\n  dense_layers: 3\n");
  ASSERT_EQ(p.diagnostics.size(), 2u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "moe.experts_per_token");
  EXPECT_EQ(p.diagnostics.items()[0].line, 8);
  EXPECT_EQ(p.diagnostics.items()[0].message, "experts_per_token (5) exceeds experts (4)");
  EXPECT_EQ(p.diagnostics.items()[1].path, "moe.dense_layers");
  EXPECT_EQ(p.diagnostics.items()[1].message, "dense_layers (3) exceeds layers (2)");

  p = parse(kTiny + "moe:\n  experts: 4\n");
  ASSERT_EQ(p.diagnostics.size(), 2u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "moe.experts_per_token");
  EXPECT_EQ(p.diagnostics.items()[0].message, "must be set (>= 1) when moe.experts > 0");
  EXPECT_EQ(p.diagnostics.items()[1].path, "moe.expert_ffn");

  // All-MoE models need no dense FFN width; a dense layer does.
  p = parse("layers: 2\nhidden: 256\nheads: 8\nvocab: 1000\nmoe: {experts: 4, experts_per_token: 2, expert_ffn: 64}\n");
  EXPECT_TRUE(p.diagnostics.empty());
  p = parse(
      "layers: 2\nhidden: 256\nheads: 8\nvocab: 1000\n"
      "moe: {experts: 4, experts_per_token: 2, expert_ffn: 64, dense_layers: 1}\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "ffn");
  EXPECT_EQ(p.diagnostics.items()[0].message, "must be set (> 0): 1 layer(s) use a dense FFN");
}

TEST(ModelSchema, MlaNeedsItsRanks) {
  Parsed p = parse(kTiny + "attention: mla\nmla:\n  kv_lora_rank: 64\n");
  ASSERT_EQ(p.diagnostics.size(), 3u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "mla.qk_nope_head_dim");
  EXPECT_EQ(p.diagnostics.items()[0].message, "must be set (> 0) when attention is mla");
  EXPECT_EQ(p.diagnostics.items()[1].path, "mla.qk_rope_head_dim");
  EXPECT_EQ(p.diagnostics.items()[2].path, "mla.v_head_dim");

  p = parse(kTiny + "mla:\n  kv_lora_rank: 64\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics.items()[0].path, "attention");
  EXPECT_EQ(p.diagnostics.items()[0].message, "mla shapes are set but attention is 'standard' (set attention: mla)");
}

TEST(ModelSchema, BadChoiceListsTheOptions) {
  const Parsed p = parse(kTiny + "ffn_kind: swiglue\n");
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics.items()[0].message,
            "unknown value 'swiglue' (did you mean 'swiglu'?) (expected one of: swiglu, gelu)");
}

TEST(ModelSchema, EveryKeyIsDocumented) {
  const auto docs = model_schema().describe();
  EXPECT_GE(docs.size(), 30u);
  for (const FieldDoc& f : docs) {
    SCOPED_TRACE(f.path);
    EXPECT_FALSE(f.doc.empty());
    EXPECT_FALSE(f.type.empty());
  }
}

}  // namespace
}  // namespace wafersim
