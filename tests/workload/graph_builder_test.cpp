#include "sim/workload/graph_builder.h"

#include <gtest/gtest.h>

#include "sim/config/config_library.h"
#include "sim/core/error.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

ModelSpec preset(const std::string& name) {
  ConfigLibrary library(ConfigLibrary::default_root());
  return ModelLoader::load(library, name);
}

StepShape decode(std::int64_t batch, std::int64_t context, DType dtype = DType::Fp16, DType kv = DType::Fp16) {
  return StepShape{StepKind::Decode, batch, 1, context, dtype, kv};
}
StepShape prefill(std::int64_t batch, std::int64_t prompt) {
  return StepShape{StepKind::Prefill, batch, prompt, prompt, DType::Fp16, DType::Fp16};
}

const Op& find_op(const Graph& g, const std::string& name) {
  for (const Op& op : g.ops())
    if (op.name == name) return op;
  throw std::runtime_error("no op " + name);
}

// Weights one decode token multiplies: everything but the token embedding table
// (its rows are looked up, not multiplied); a tied table is the LM head, so it stays.
double matmul_params(const ModelSpec& m) {
  const ParameterCount c = count_parameters(m);
  return c.active - (m.tied_embeddings ? 0 : c.embedding);
}

void expect_rel(double got, double want, double tol) { EXPECT_NEAR(got / want - 1, 0, tol) << got << " vs " << want; }

TEST(GraphBuilder, DecodeFlopsAreTwiceActiveParamsPlusAttention) {
  const ModelSpec m = preset("llama-3.1-8b");
  for (std::int64_t batch : {1, 8}) {
    SCOPED_TRACE(batch);
    const std::int64_t context = 1024;
    const Graph g = GraphBuilder::build(m, decode(batch, context));
    // Per layer, sequence and head: q·k and p·v over L cached tokens, 2·d FLOPs each.
    const double attention = 32.0 * batch * 32 * context * (4 * 128);
    expect_rel(g.total_flops(), 2 * matmul_params(m) * batch + attention, 0.01);
  }
}

TEST(GraphBuilder, MixtralDecodeFlopsCountTopKExperts) {
  const ModelSpec m = preset("mixtral-8x7b");
  const Graph g = GraphBuilder::build(m, decode(1, 4096));
  const double attention = 32.0 * 32 * 4096 * (4 * 128);
  expect_rel(g.total_flops(), 2 * matmul_params(m) + attention, 0.01);
}

TEST(GraphBuilder, DeepSeekDecodeFlopsUseAbsorbedMla) {
  const ModelSpec m = preset("deepseek-v3");
  const std::int64_t context = 4096;
  const Graph g = GraphBuilder::build(m, decode(1, context));
  // per head and cached token, 2·(512 + 64) for the score and 2·512 for the value.
  const double attention = 61.0 * 128 * context * (2 * (512 + 64) + 2 * 512);
  expect_rel(g.total_flops(), 2 * matmul_params(m) + attention, 0.01);
}

TEST(GraphBuilder, DecodeWeightBytesAreActiveParamsLessUnreadEmbeddingRows) {
  for (const std::string name : {"llama-3.1-8b", "mixtral-8x7b", "deepseek-v3", "gpt-3-175b"}) {
    SCOPED_TRACE(name);
    const ModelSpec m = preset(name);
    const ParameterCount c = count_parameters(m);
    const Graph g = GraphBuilder::build(m, decode(1, 512));
    // One token reads one row of each embedding table (token, and position for
    // GPT-3); a tied token table is read whole anyway, as the LM head.
    const double h = static_cast<double>(m.hidden);
    const double tables = m.max_positions > 0 ? 2 : 1;
    const double unread = c.embedding - (m.tied_embeddings ? static_cast<double>(m.vocab) * h : 0) - tables * h;
    EXPECT_NEAR(static_cast<double>(g.total_bytes().weights.value()), 2 * (c.active - unread), 2.0);
  }
}

TEST(GraphBuilder, ResidentWeightsAreAllParameters) {
  for (const std::string name : {"llama-2-7b", "mixtral-8x7b", "deepseek-v3", "gpt-3-175b"}) {
    SCOPED_TRACE(name);
    const ModelSpec m = preset(name);
    const Graph g = GraphBuilder::build(m, decode(4, 128));
    EXPECT_EQ(static_cast<double>(g.weights_resident().value()), 2 * count_parameters(m).total);
  }
}

TEST(GraphBuilder, DecodeKvBytes) {
  const ModelSpec m = preset("llama-3.1-8b");
  const std::int64_t batch = 4, context = 2048;
  for (DType kv : {DType::Fp16, DType::Fp8}) {
    const Graph g = GraphBuilder::build(m, decode(batch, context, DType::Fp16, kv));
    const std::int64_t per_token = 32 * 2 * 8 * 128;  // layers × (K, V) × kv heads × head dim
    const std::int64_t bytes = dtype_bits(kv) / 8;
    EXPECT_EQ(g.total_bytes().kv_read.value(), per_token * context * batch * bytes);
    EXPECT_EQ(g.total_bytes().kv_write.value(), per_token * batch * bytes);
    EXPECT_EQ(g.kv_resident().value(), per_token * context * batch * bytes);
  }
}

TEST(GraphBuilder, DeepSeekCachesTheLatent) {
  const ModelSpec m = preset("deepseek-v3");
  const Graph g = GraphBuilder::build(m, decode(2, 1000));
  EXPECT_EQ(g.total_bytes().kv_read.value(), 61LL * (512 + 64) * 1000 * 2 * 2);
}

TEST(GraphBuilder, Int4HalvesInt8WeightBytes) {
  const ModelSpec m = preset("llama-3.1-8b");
  const Graph g8 = GraphBuilder::build(m, decode(1, 256, DType::Int8));
  const Graph g4 = GraphBuilder::build(m, decode(1, 256, DType::Int4));
  EXPECT_EQ(g4.total_bytes().weights.value() * 2, g8.total_bytes().weights.value());
  EXPECT_EQ(g4.weights_resident().value() * 2, g8.weights_resident().value());
}

double matmul_flops_without_head(const Graph& g) {
  double sum = 0;
  for (const Op& op : g.ops())
    if (op.kind == OpKind::MatMul && op.name != "lm_head") sum += op.flops;
  return sum;
}

TEST(GraphBuilder, PrefillFlopsScaleWithTokens) {
  const ModelSpec m = preset("llama-3.1-8b");
  const Graph a = GraphBuilder::build(m, prefill(1, 256));
  const Graph b = GraphBuilder::build(m, prefill(1, 512));
  const Graph c = GraphBuilder::build(m, prefill(2, 256));
  EXPECT_DOUBLE_EQ(matmul_flops_without_head(b), 2 * matmul_flops_without_head(a));
  EXPECT_DOUBLE_EQ(c.total_flops(), 2 * a.total_flops());
  // Causal attention: S(S+1)/2 query-key pairs per head.
  const Op& core = find_op(a, "layers.0.attn.core");
  EXPECT_DOUBLE_EQ(core.flops, 32.0 * 256 * 257 / 2 * (4 * 128 + 5));
  // The LM head runs on the last token of each sequence only.
  EXPECT_EQ(find_op(c, "lm_head").m, 2);
  EXPECT_DOUBLE_EQ(find_op(c, "lm_head").flops, 2.0 * 2 * 4096 * 128256);
  // Prefill writes the prompt's KV cache and reads none.
  EXPECT_EQ(a.total_bytes().kv_write.value(), 32LL * 2048 * 256 * 2);
  EXPECT_EQ(a.total_bytes().kv_read.value(), 0);
  expect_rel(a.total_flops(),
             2 * (matmul_params(m) - 4096.0 * 128256) * 256 + 2 * 4096.0 * 128256 + 32.0 * 32 * 256 * 257 / 2 * 512,
             0.01);
}

TEST(GraphBuilder, EmbeddingReadsOnlyTheRowsUsed) {
  const ModelSpec m = preset("llama-3.1-8b");
  const Graph g = GraphBuilder::build(m, prefill(3, 100));
  const Op& embed = g.op(0);
  EXPECT_EQ(embed.kind, OpKind::Embedding);
  EXPECT_EQ(embed.layer, -1);
  EXPECT_EQ(embed.bytes.weights.value(), 300LL * 4096 * 2);
  EXPECT_EQ(embed.weights_resident.value(), 128256LL * 4096 * 2);
}

TEST(GraphBuilder, ExpectedExpertsTouched) {
  EXPECT_DOUBLE_EQ(GraphBuilder::expected_experts_touched(8, 2, 1), 2.0);
  EXPECT_DOUBLE_EQ(GraphBuilder::expected_experts_touched(256, 8, 1), 8.0);
  EXPECT_DOUBLE_EQ(GraphBuilder::expected_experts_touched(8, 2, 2), 8 * (1 - 0.75 * 0.75));
  EXPECT_NEAR(GraphBuilder::expected_experts_touched(8, 2, 10000), 8.0, 1e-9);
  EXPECT_NEAR(GraphBuilder::expected_experts_touched(256, 8, 100000), 256.0, 1e-9);
  double last = 0;
  for (std::int64_t t = 1; t <= 512; t *= 2) {
    const double e = GraphBuilder::expected_experts_touched(256, 8, t);
    EXPECT_GT(e, last);
    EXPECT_LE(e, std::min(256.0, 8.0 * static_cast<double>(t)));
    last = e;
  }
}

TEST(GraphBuilder, MoeBatchReadsTouchedExperts) {
  const ModelSpec m = preset("mixtral-8x7b");
  const Graph g = GraphBuilder::build(m, decode(3, 512));
  const Op& up = find_op(g, "layers.5.moe.experts.up");
  const double touched = 8 * (1 - 0.75 * 0.75 * 0.75);
  EXPECT_EQ(up.split, TpSplit::Experts);
  EXPECT_NEAR(static_cast<double>(up.bytes.weights.value()), touched * 4096 * 14336 * 2, 1.0);
  EXPECT_EQ(up.weights_resident.value(), 8LL * 4096 * 14336 * 2);
  EXPECT_DOUBLE_EQ(up.flops, 3.0 * 2 * 2 * 4096 * 14336);  // T·k expert FFN rows
}

TEST(GraphBuilder, OpsAreTopologicalWithMonotoneLayers) {
  const std::vector<std::pair<std::string, StepShape>> cases = {
      {"tiny-llama", decode(2, 64)},
      {"tiny-llama", prefill(2, 64)},
      {"mixtral-8x7b", decode(1, 16)},
      {"deepseek-v3", decode(1, 16)},
      {"deepseek-v3", prefill(1, 16)},
      {"gpt-3-175b", prefill(1, 16)},
      {"bert-base", StepShape{StepKind::Encode, 2, 128, 128, DType::Fp16, DType::Fp16}},
  };
  for (const auto& [name, shape] : cases) {
    SCOPED_TRACE(name + " " + std::string(step_kind_name(shape.kind)));
    const ModelSpec m = preset(name);
    const Graph g = GraphBuilder::build(m, shape);
    ASSERT_FALSE(g.ops().empty());
    int last_layer = -1;
    for (std::size_t i = 0; i < g.ops().size(); ++i) {
      const Op& op = g.ops()[i];
      EXPECT_EQ(op.id, static_cast<int>(i));
      for (int in : op.inputs) EXPECT_LT(in, op.id) << op.name;
      if (i > 0) {
        EXPECT_FALSE(op.inputs.empty()) << op.name;
      }
      EXPECT_GE(op.layer, last_layer) << op.name;
      EXPECT_LE(op.layer, m.layers);
      EXPECT_GE(op.flops, 0);
      last_layer = op.layer;
    }
    EXPECT_EQ(g.ops().front().layer, -1);
    EXPECT_EQ(g.ops().back().layer, m.architecture == Architecture::Decoder ? m.layers : m.layers - 1);
  }
}

TEST(GraphBuilder, TensorParallelSplits) {
  const Graph g = GraphBuilder::build(preset("tiny-llama"), decode(1, 32));
  EXPECT_EQ(find_op(g, "layers.0.attn.q_proj").split, TpSplit::Column);
  EXPECT_EQ(find_op(g, "layers.0.attn.k_proj").split, TpSplit::Column);
  EXPECT_EQ(find_op(g, "layers.0.attn.core").split, TpSplit::Heads);
  EXPECT_EQ(find_op(g, "layers.0.attn.o_proj").split, TpSplit::Row);
  EXPECT_EQ(find_op(g, "layers.0.ffn.gate_proj").split, TpSplit::Column);
  EXPECT_EQ(find_op(g, "layers.0.ffn.up_proj").split, TpSplit::Column);
  EXPECT_EQ(find_op(g, "layers.0.ffn.down_proj").split, TpSplit::Row);
  EXPECT_EQ(find_op(g, "layers.0.attn_norm").split, TpSplit::Replicated);
  EXPECT_EQ(find_op(g, "layers.0.ffn_residual").split, TpSplit::Replicated);
}

TEST(GraphBuilder, EncoderPassHasNoHeadAndNoCache) {
  const ModelSpec m = preset("bert-base");
  const Graph g = GraphBuilder::build(m, StepShape{StepKind::Encode, 1, 128, 0, DType::Fp16, DType::Fp16});
  EXPECT_EQ(g.shape().context, 128);
  for (const Op& op : g.ops()) EXPECT_NE(op.name, "lm_head");
  EXPECT_EQ(g.total_bytes().kv_read.value() + g.total_bytes().kv_write.value(), 0);
  EXPECT_EQ(g.kv_resident().value(), 0);
  // Bidirectional: S² pairs per head.
  EXPECT_DOUBLE_EQ(find_op(g, "layers.0.attn.core").flops, 12.0 * 128 * 128 * (4 * 64 + 5));
  // Everything but the pooler is resident (A-06: the pooler is counted, not run).
  EXPECT_EQ(static_cast<double>(g.weights_resident().value()), 2 * (count_parameters(m).total - (768.0 * 768 + 768)));
}

std::string error_text(const ModelSpec& m, const StepShape& s) {
  try {
    (void)GraphBuilder::build(m, s);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(GraphBuilder, ShapeErrors) {
  const ModelSpec bert = preset("bert-base");
  const ModelSpec llama = preset("tiny-llama");
  EXPECT_EQ(error_text(bert, decode(1, 16)),
            "--phase: model 'bert-base' is an encoder: it has no decode step (use encode)");
  EXPECT_EQ(error_text(llama, StepShape{StepKind::Encode, 1, 16, 16, DType::Fp16, DType::Fp16}),
            "--phase: model 'tiny-llama' is a decoder: use prefill or decode (encode is for encoder models)");
  EXPECT_EQ(error_text(llama, decode(0, 16)), "--batch: batch must be at least 1, got 0");
  EXPECT_EQ(error_text(llama, decode(1, 0)),
            "--context: context (0 tokens) is shorter than the 1 new token(s) it must include");
  EXPECT_EQ(error_text(bert, StepShape{StepKind::Encode, 1, 1024, 1024, DType::Fp16, DType::Fp16}),
            "--context: context (1024 tokens) exceeds model 'bert-base''s learned position table (max_positions 512)");
  EXPECT_EQ(error_text(llama, decode(std::int64_t{1} << 40, std::int64_t{1} << 30)),
            "--batch: the step of model 'tiny-llama' at batch 1099511627776, 1 new and 1073741824 context tokens is "
            "too large to count in 64-bit bytes");
}

}  // namespace
}  // namespace wafersim
