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

// brute-force counts of the keys each query sees, against the closed forms.
TEST(AttentionBuilder, LocalWindowsBoundPairsAndCache) {
  ModelSpec m;
  m.layers = 4;
  m.local = LocalAttentionSpec{5, LayerAttention::Sliding, 4};  // layer 3 global
  auto brute = [](LayerAttention kind, std::int64_t w, std::int64_t n, std::int64_t context) {
    double pairs = 0;
    for (std::int64_t p = context - n; p < context; ++p) {  // 0-based positions of the new tokens
      const std::int64_t first = kind == LayerAttention::Sliding   ? std::max<std::int64_t>(0, p - w + 1)
                                 : kind == LayerAttention::Chunked ? p / w * w
                                                                   : 0;
      pairs += static_cast<double>(p - first + 1);
    }
    return pairs;
  };
  for (LayerAttention kind : {LayerAttention::Sliding, LayerAttention::Chunked}) {
    m.local.kind = kind;
    for (std::int64_t context : {1, 4, 5, 6, 13, 40})
      for (std::int64_t n : {std::int64_t{1}, context / 2 + 1, context}) {
        if (n > context) continue;
        EXPECT_DOUBLE_EQ(m.causal_pairs(0, n, context), brute(kind, 5, n, context)) << context << " " << n;
        EXPECT_DOUBLE_EQ(m.causal_pairs(3, n, context), brute(LayerAttention::Global, 5, n, context));
      }
  }
  m.local.kind = LayerAttention::Sliding;
  EXPECT_EQ(m.kv_tokens_held(0, 100), 5);
  EXPECT_EQ(m.kv_tokens_held(3, 100), 100);
  m.local.kind = LayerAttention::Chunked;
  EXPECT_EQ(m.kv_tokens_held(0, 12), 2);  // tokens 10 and 11 of chunk [10, 15)
  EXPECT_EQ(m.kv_tokens_held(0, 10), 5);

  // The graph: a sliding layer's decode reads only its window of the cache.
  m.name = "local";
  m.hidden = 64;
  m.heads = 4;
  m.kv_heads = 4;
  m.head_dim = 16;
  m.ffn = 64;
  m.vocab = 100;
  m.local.kind = LayerAttention::Sliding;
  const Graph g = GraphBuilder::build(m, {StepKind::Decode, 2, 1, 100});
  std::vector<std::int64_t> kv_read;
  for (const Op& op : g.ops())
    if (op.kind == OpKind::Attention) kv_read.push_back(op.bytes.kv_read.value());
  const std::int64_t per_token = 2 * 4 * 16 * 2;  // K and V, fp16
  EXPECT_EQ(kv_read,
            (std::vector<std::int64_t>{2 * 5 * per_token, 2 * 5 * per_token, 2 * 5 * per_token, 2 * 100 * per_token}));
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
