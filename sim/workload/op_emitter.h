#pragma once
// Appends ops to a graph under construction. Turns element counts into bytes at the
// step's dtypes (weights and activations at StepShape.dtype, KV cache at kv_dtype)
// and counts FLOPs with a multiply-add as 2. Shared by GraphBuilder,
// AttentionBuilder and FfnBuilder so every op is costed the same way. Vector-op
// FLOP counts (norms, activations, softmax) are rough per-element constants: they
// are tiny next to the matrix products and matter only for their bytes.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/workload/graph.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

class OpEmitter {
 public:
  // Rough FLOPs per element of the vector ops.
  static constexpr double kRmsNormFlops = 4;    ///< square, sum, rescale, scale
  static constexpr double kLayerNormFlops = 7;  ///< mean, centre, square, sum, rescale, scale, shift
  static constexpr double kSwigluFlops = 5;     ///< silu(gate) (about 4) times up
  static constexpr double kGeluFlops = 8;       ///< tanh approximation
  static constexpr double kSoftmaxFlops = 5;    ///< max, subtract, exp, sum, divide (per score)

  OpEmitter(const ModelSpec& model, const StepShape& shape) : model_(model), shape_(shape) {}

  [[nodiscard]] const ModelSpec& model() const { return model_; }
  [[nodiscard]] const StepShape& shape() const { return shape_; }
  /// Tokens this step (batch × new tokens): the rows of every per-token op.
  [[nodiscard]] std::int64_t tokens() const { return checked_mul(shape_.batch, shape_.new_tokens); }

  [[nodiscard]] Bytes weight_bytes(std::int64_t elements) const { return dtype_bytes(shape_.dtype, elements); }
  [[nodiscard]] Bytes act_bytes(std::int64_t elements) const { return dtype_bytes(shape_.dtype, elements); }
  [[nodiscard]] Bytes kv_bytes(std::int64_t elements) const { return dtype_bytes(shape_.kv_dtype, elements); }
  /// Bytes of an expected (fractional) number of weight elements, to the nearest byte.
  [[nodiscard]] Bytes expected_weight_bytes(double elements) const;

  /// An op with name, kind, layer, split and dtype filled in (not yet added).
  [[nodiscard]] Op make(std::string name, OpKind kind, int layer, TpSplit split, std::vector<int> inputs) const;
  /// Appends `op`, giving it the next id; returns the id.
  int add(Op op);
  /// An op already added, for touches the helpers below do not cover.
  [[nodiscard]] Op& op(int id) { return ops_.at(static_cast<std::size_t>(id)); }

  /// `count` products (m × k) · (k × n), each with its own k × n weight (+ n bias).
  int matmul(std::string name, int layer, TpSplit split, std::int64_t m, std::int64_t k, std::int64_t n, bool bias,
             std::vector<int> inputs, std::int64_t count = 1);
  /// The model's norm over `rows` vectors of `width`.
  int norm(std::string name, int layer, std::int64_t rows, std::int64_t width, std::vector<int> inputs);
  /// An op writing `rows` × `width` elements, reading `in_per_out` values per output element.
  int elementwise(std::string name, int layer, TpSplit split, std::int64_t rows, std::int64_t width,
                  std::int64_t in_per_out, double flops_per_element, std::vector<int> inputs);
  /// x + f(x) over the hidden state of every token.
  int residual(std::string name, int layer, std::vector<int> inputs);

  /// The ops emitted so far (moved out).
  [[nodiscard]] std::vector<Op> take() { return std::move(ops_); }

 private:
  const ModelSpec& model_;
  StepShape shape_;
  std::vector<Op> ops_;
};

/// Overflow-checked product of element counts (absurd shapes throw, never wrap).
template <class... Rest>
[[nodiscard]] constexpr std::int64_t elements(std::int64_t first, Rest... rest) {
  std::int64_t out = first;
  ((out = checked_mul(out, static_cast<std::int64_t>(rest))), ...);
  return out;
}

/// "layers.3." + suffix.
[[nodiscard]] std::string layer_op_name(int layer, const std::string& suffix);

}  // namespace wafersim
