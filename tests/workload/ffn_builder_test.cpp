#include "sim/workload/ffn_builder.h"

#include <gtest/gtest.h>

#include "sim/workload/graph_builder.h"

namespace wafersim {
namespace {

ModelSpec moe_model(FfnKind kind) {
  ModelSpec m;
  m.name = "moe";
  m.layers = 3;
  m.hidden = 64;
  m.heads = 4;
  m.kv_heads = 4;
  m.head_dim = 16;
  m.ffn = 256;
  m.ffn_kind = kind;
  m.vocab = 100;
  m.moe = MoeSpec{16, 4, 2, 32, 1};
  return m;
}

const Op* find(const Graph& g, const std::string& name) {
  for (const Op& op : g.ops())
    if (op.name == name) return &op;
  return nullptr;
}

TEST(FfnBuilder, DenseLayersBeforeMoeLayers) {
  const Graph g = GraphBuilder::build(moe_model(FfnKind::Swiglu), StepShape{StepKind::Decode, 1, 1, 8});
  EXPECT_NE(find(g, "layers.0.ffn.gate_proj"), nullptr);
  EXPECT_EQ(find(g, "layers.0.moe.router"), nullptr);
  EXPECT_EQ(find(g, "layers.1.ffn.gate_proj"), nullptr);
  ASSERT_NE(find(g, "layers.1.moe.router"), nullptr);
  EXPECT_EQ(find(g, "layers.1.moe.router")->kind, OpKind::Router);
  // Two shared experts run as one dense FFN twice as wide, on every token.
  ASSERT_NE(find(g, "layers.1.moe.shared.up_proj"), nullptr);
  EXPECT_EQ(find(g, "layers.1.moe.shared.up_proj")->n, 64);
}

TEST(FfnBuilder, ExpertWorkAndWeightsInExpectation) {
  for (FfnKind kind : {FfnKind::Swiglu, FfnKind::Gelu}) {
    const ModelSpec m = moe_model(kind);
    const std::int64_t tokens = 5;
    const Graph g = GraphBuilder::build(m, StepShape{StepKind::Decode, tokens, 1, 8});
    const Op* up = find(g, "layers.2.moe.experts.up");
    const Op* down = find(g, "layers.2.moe.experts.down");
    ASSERT_NE(up, nullptr);
    ASSERT_NE(down, nullptr);
    const double touched = GraphBuilder::expected_experts_touched(16, 4, tokens);
    EXPECT_DOUBLE_EQ(up->flops, 2.0 * tokens * 4 * 64 * 32);  // T·k rows
    EXPECT_NEAR(static_cast<double>(up->bytes.weights.value()), touched * 64 * 32 * 2, 0.5);
    EXPECT_EQ(down->weights_resident.value(), 16 * 32 * 64 * 2);
    EXPECT_EQ(up->count, std::llround(touched));
    EXPECT_EQ(find(g, "layers.2.moe.experts.gate") != nullptr, kind == FfnKind::Swiglu);
    EXPECT_EQ(static_cast<double>(g.weights_resident().value()), 2 * count_parameters(m).total);
  }
}

}  // namespace
}  // namespace wafersim
