#pragma once
// The workload IR: one step of one phase of a model (prefill of S tokens, one
// decode step at context L, one encoder pass) as a DAG of ops in execution order.
// Each op knows its FLOPs and the bytes it reads and writes, split into weights,
// activations and KV cache, plus how tensor parallelism splits it. Graphs know no
// hardware.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/dtype.h"
#include "sim/core/units.h"

namespace wafersim {

enum class OpKind { Embedding, Norm, MatMul, Attention, Softmax, Elementwise, Router, Collective, Transfer };
[[nodiscard]] std::string_view op_kind_name(OpKind k);

/// How a tensor-parallel group of n devices shares the op (Megatron-style).
enum class TpSplit {
  Replicated,  ///< every device does the whole op (norms, residual adds, router)
  Column,      ///< output features split; no communication after
  Row,         ///< input features split; partial sums need an all-reduce after
  Heads,       ///< attention heads split (KV cache split with them)
  Experts,     ///< experts split over devices (expert parallel)
};

/// Bytes an op moves, by what they are.
struct OpBytes {
  Bytes weights{0};          ///< weights read this step
  Bytes activations_in{0};   ///< activations read
  Bytes activations_out{0};  ///< activations written
  Bytes kv_read{0};          ///< KV cache read
  Bytes kv_write{0};         ///< KV cache written (new tokens)
  [[nodiscard]] Bytes total() const { return weights + activations_in + activations_out + kv_read + kv_write; }
};

struct Op {
  int id = 0;
  std::string name;  ///< "layers.3.attn.q_proj"
  OpKind kind = OpKind::MatMul;
  int layer = -1;  ///< 0..L-1; -1 before the first layer (embeddings), L after (final norm, head)
  TpSplit split = TpSplit::Replicated;
  DType dtype = DType::Fp16;
  // Shape of a MatMul (m × k) · (k × n), repeated `count` times (heads, experts).
  std::int64_t m = 0, k = 0, n = 0, count = 1;
  double flops = 0;  ///< FLOPs this step (multiply-add = 2)
  OpBytes bytes;
  Bytes weights_resident{0};  ///< weights that must be held in memory (MoE: all experts)
  Bytes kv_resident{0};       ///< KV cache held for this op (context × batch; local attention: its window, A-345)
  double score_pairs = 0;     ///< attention: query-key pairs per sequence per head this step (A-02, A-345)
  std::vector<int> inputs;    ///< ids of ops this one waits for
};

/// What the step computes (the graph builder's input).
enum class StepKind { Prefill, Decode, Encode };
[[nodiscard]] std::string_view step_kind_name(StepKind k);

struct StepShape {
  StepKind kind = StepKind::Decode;
  std::int64_t batch = 1;        ///< sequences
  std::int64_t new_tokens = 1;   ///< tokens per sequence processed this step (prompt for prefill)
  std::int64_t context = 0;      ///< tokens per sequence attended to, including the new ones
  DType dtype = DType::Fp16;     ///< weights and activations
  DType kv_dtype = DType::Fp16;  ///< KV cache
};

class Graph {
 public:
  Graph(std::string model, StepShape shape, int layers, std::vector<Op> ops);

  [[nodiscard]] const std::string& model() const { return model_; }
  [[nodiscard]] const StepShape& shape() const { return shape_; }
  [[nodiscard]] int layers() const { return layers_; }
  [[nodiscard]] const std::vector<Op>& ops() const { return ops_; }
  [[nodiscard]] const Op& op(int id) const { return ops_.at(static_cast<std::size_t>(id)); }

  [[nodiscard]] double total_flops() const;
  [[nodiscard]] OpBytes total_bytes() const;
  [[nodiscard]] Bytes weights_resident() const;
  [[nodiscard]] Bytes kv_resident() const;
  /// Tokens processed this step (batch × new tokens).
  [[nodiscard]] std::int64_t tokens() const { return shape_.batch * shape_.new_tokens; }

 private:
  std::string model_;
  StepShape shape_;
  int layers_ = 0;
  std::vector<Op> ops_;
};

}  // namespace wafersim
