#include "sim/workload/op_emitter.h"

#include <gtest/gtest.h>

namespace wafersim {
namespace {

ModelSpec small(NormKind norm = NormKind::RmsNorm) {
  ModelSpec m;
  m.layers = 1;
  m.hidden = 64;
  m.heads = 4;
  m.kv_heads = 4;
  m.head_dim = 16;
  m.ffn = 128;
  m.vocab = 100;
  m.norm = norm;
  return m;
}

TEST(OpEmitter, MatMulClosedForm) {
  const ModelSpec m = small();
  OpEmitter e(m, StepShape{StepKind::Decode, 3, 1, 8, DType::Bf16, DType::Fp8});
  const int id = e.matmul("mm", 0, TpSplit::Column, 3, 64, 32, true, {}, 2);
  const std::vector<Op> ops = e.take();
  const Op& op = ops.at(static_cast<std::size_t>(id));
  // 2mnk per product (+ mn bias adds); weights and activations once each.
  EXPECT_DOUBLE_EQ(op.flops, 2 * (2.0 * 3 * 64 * 32 + 3 * 32));
  EXPECT_EQ(op.bytes.weights.value(), 2 * (64 * 32 + 32) * 2);
  EXPECT_EQ(op.weights_resident, op.bytes.weights);
  EXPECT_EQ(op.bytes.activations_in.value(), 2 * 3 * 64 * 2);
  EXPECT_EQ(op.bytes.activations_out.value(), 2 * 3 * 32 * 2);
  EXPECT_EQ(op.dtype, DType::Bf16);
}

TEST(OpEmitter, NormsCarryTheirScaleAndShift) {
  for (NormKind kind : {NormKind::RmsNorm, NormKind::LayerNorm}) {
    const ModelSpec m = small(kind);
    OpEmitter e(m, StepShape{StepKind::Decode, 1, 1, 8, DType::Fp16, DType::Fp16});
    (void)e.norm("n", 0, 5, 64, {});
    const Op op = e.take().at(0);
    const bool ln = kind == NormKind::LayerNorm;
    EXPECT_EQ(op.bytes.weights.value(), (ln ? 128 : 64) * 2);
    EXPECT_DOUBLE_EQ(op.flops, 5.0 * 64 * (ln ? OpEmitter::kLayerNormFlops : OpEmitter::kRmsNormFlops));
    EXPECT_EQ(op.bytes.activations_in.value(), 5 * 64 * 2);
  }
}

TEST(OpEmitter, IdsFollowInsertionOrder) {
  const ModelSpec m = small();
  OpEmitter e(m, StepShape{StepKind::Decode, 2, 1, 8, DType::Fp16, DType::Fp16});
  EXPECT_EQ(e.residual("a", 0, {}), 0);
  EXPECT_EQ(e.residual("b", 0, {0}), 1);
  const std::vector<Op> ops = e.take();
  EXPECT_EQ(ops[1].bytes.activations_in.value(), 2 * 2 * 64 * 2);  // two operands per output
  EXPECT_EQ(ops[1].bytes.activations_out.value(), 2 * 64 * 2);
  EXPECT_EQ(layer_op_name(3, "attn.q_proj"), "layers.3.attn.q_proj");
}

}  // namespace
}  // namespace wafersim
