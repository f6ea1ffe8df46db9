#include "sim/workload/attention_builder.h"

#include <gtest/gtest.h>

#include "sim/workload/graph_builder.h"

namespace wafersim {
namespace {

TEST(AttentionBuilder, ScorePairs) {
  // Prefill of S: causal, S(S+1)/2; decode at context L: L; encode: S².
  EXPECT_DOUBLE_EQ(AttentionBuilder::score_pairs({StepKind::Prefill, 1, 4, 4}), 10);
  EXPECT_DOUBLE_EQ(AttentionBuilder::score_pairs({StepKind::Decode, 1, 1, 100}), 100);
  EXPECT_DOUBLE_EQ(AttentionBuilder::score_pairs({StepKind::Encode, 1, 4, 4}), 16);
  // Prefill of 2 tokens after a cached prefix of 3: 3 + 1 and 3 + 2 keys.
  EXPECT_DOUBLE_EQ(AttentionBuilder::score_pairs({StepKind::Prefill, 1, 2, 5}), 9);
}

ModelSpec mla_model() {
  ModelSpec m;
  m.name = "mla";
  m.layers = 1;
  m.hidden = 256;
  m.heads = 4;
  m.kv_heads = 4;
  m.head_dim = 48;
  m.ffn = 512;
  m.vocab = 100;
  m.attention = AttentionKind::Mla;
  m.mla = MlaSpec{64, 32, 32, 16, 32};
  return m;
}

double flops_of(const Graph& g, const std::string& suffix) {
  for (const Op& op : g.ops())
    if (op.name == "layers.0.attn." + suffix) return op.flops;
  return -1;
}

TEST(AttentionBuilder, MlaDecodeIsAbsorbed) {
  const ModelSpec m = mla_model();
  const Graph g = GraphBuilder::build(m, StepShape{StepKind::Decode, 2, 1, 10, DType::Fp16, DType::Fp16});
  const double pairs = 2.0 * 4 * 10;  // batch × heads × context
  EXPECT_DOUBLE_EQ(flops_of(g, "core"), pairs * (2 * (32 + 16) + 2 * 32 + OpEmitter::kSoftmaxFlops));
  // The halves of kv_b_proj, per head, on the two new tokens.
  EXPECT_DOUBLE_EQ(flops_of(g, "q_absorb"), 2.0 * 2 * 4 * 32 * 32);
  EXPECT_DOUBLE_EQ(flops_of(g, "v_absorb"), 2.0 * 2 * 4 * 32 * 32);
  EXPECT_DOUBLE_EQ(flops_of(g, "kv_b_proj"), -1);  // not run in the absorbed form
  EXPECT_EQ(g.total_bytes().kv_read.value(), 2 * 10 * (32 + 16) * 2);
  EXPECT_EQ(g.total_bytes().kv_write.value(), 2 * (32 + 16) * 2);
}

TEST(AttentionBuilder, MlaPrefillExpandsTheLatent) {
  const ModelSpec m = mla_model();
  const Graph g = GraphBuilder::build(m, StepShape{StepKind::Prefill, 1, 8, 8, DType::Fp16, DType::Fp16});
  EXPECT_DOUBLE_EQ(flops_of(g, "kv_b_proj"), 2.0 * 8 * 32 * 4 * (32 + 32));
  EXPECT_DOUBLE_EQ(flops_of(g, "core"), 4 * 36.0 * (2 * 48 + 2 * 32 + OpEmitter::kSoftmaxFlops));
  EXPECT_EQ(g.total_bytes().kv_write.value(), 8 * (32 + 16) * 2);
  EXPECT_EQ(g.total_bytes().kv_read.value(), 0);
}

TEST(AttentionBuilder, QkvBiasesOnlyOnProjections) {
  ModelSpec m;
  m.name = "q";
  m.layers = 1;
  m.hidden = 64;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim = 16;
  m.ffn = 128;
  m.vocab = 100;
  m.qkv_bias = true;
  const Graph g = GraphBuilder::build(m, StepShape{StepKind::Decode, 1, 1, 4, DType::Fp16, DType::Fp16});
  for (const Op& op : g.ops()) {
    if (op.name == "layers.0.attn.k_proj") {
      EXPECT_EQ(op.bytes.weights.value(), (64 * 32 + 32) * 2);
    }
    if (op.name == "layers.0.attn.o_proj") {
      EXPECT_EQ(op.bytes.weights.value(), 64 * 64 * 2);
    }
  }
  EXPECT_EQ(static_cast<double>(g.weights_resident().value()), 2 * count_parameters(m).total);
}

}  // namespace
}  // namespace wafersim
