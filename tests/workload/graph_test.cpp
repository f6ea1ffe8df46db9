#include "sim/workload/graph.h"

#include <gtest/gtest.h>

#include "sim/core/error.h"

namespace wafersim {
namespace {

Op op(int id, std::vector<int> inputs, double flops, std::int64_t weights, std::int64_t kv_read) {
  Op o;
  o.id = id;
  o.name = "op" + std::to_string(id);
  o.inputs = std::move(inputs);
  o.flops = flops;
  o.bytes.weights = Bytes(weights);
  o.bytes.activations_in = Bytes(1);
  o.bytes.kv_read = Bytes(kv_read);
  o.weights_resident = Bytes(weights * 2);
  o.kv_resident = Bytes(kv_read * 3);
  return o;
}

TEST(Graph, TotalsSumOverOps) {
  const Graph g("m", StepShape{StepKind::Decode, 4, 1, 10, DType::Fp16, DType::Fp16}, 1,
                {op(0, {}, 10, 100, 0), op(1, {0}, 5, 50, 7)});
  EXPECT_DOUBLE_EQ(g.total_flops(), 15);
  const OpBytes b = g.total_bytes();
  EXPECT_EQ(b.weights.value(), 150);
  EXPECT_EQ(b.activations_in.value(), 2);
  EXPECT_EQ(b.kv_read.value(), 7);
  EXPECT_EQ(b.total().value(), 159);
  EXPECT_EQ(g.weights_resident().value(), 300);
  EXPECT_EQ(g.kv_resident().value(), 21);
  EXPECT_EQ(g.tokens(), 4);
  EXPECT_EQ(g.op(1).name, "op1");
}

TEST(Graph, RejectsBrokenInvariants) {
  const StepShape s;
  EXPECT_THROW(Graph("m", s, 1, {op(1, {}, 0, 0, 0)}), InternalError);                       // id is not the index
  EXPECT_THROW(Graph("m", s, 1, {op(0, {0}, 0, 0, 0)}), InternalError);                      // depends on itself
  EXPECT_THROW(Graph("m", s, 1, {op(0, {}, 0, 0, 0), op(1, {2}, 0, 0, 0)}), InternalError);  // a later op
}

TEST(Graph, Names) {
  EXPECT_EQ(op_kind_name(OpKind::MatMul), "matmul");
  EXPECT_EQ(op_kind_name(OpKind::Attention), "attention");
  EXPECT_EQ(op_kind_name(OpKind::Router), "router");
  EXPECT_EQ(op_kind_name(OpKind::Embedding), "embedding");
  EXPECT_EQ(step_kind_name(StepKind::Prefill), "prefill");
  EXPECT_EQ(step_kind_name(StepKind::Decode), "decode");
  EXPECT_EQ(step_kind_name(StepKind::Encode), "encode");
}

}  // namespace
}  // namespace wafersim
