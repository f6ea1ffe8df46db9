#include "sim/workload/op_emitter.h"

#include <cmath>

namespace wafersim {

std::string layer_op_name(int layer, const std::string& suffix) {
  return "layers." + std::to_string(layer) + "." + suffix;
}

Bytes OpEmitter::expected_weight_bytes(double elements) const {
  return Bytes(std::llround(dtype_bytes_exact(shape_.dtype, elements)));
}

Op OpEmitter::make(std::string name, OpKind kind, int layer, TpSplit split, std::vector<int> inputs) const {
  Op op;
  op.name = std::move(name);
  op.kind = kind;
  op.layer = layer;
  op.split = split;
  op.dtype = shape_.dtype;
  op.inputs = std::move(inputs);
  return op;
}

int OpEmitter::add(Op op) {
  op.id = static_cast<int>(ops_.size());
  ops_.push_back(std::move(op));
  return ops_.back().id;
}

int OpEmitter::matmul(std::string name, int layer, TpSplit split, std::int64_t m, std::int64_t k, std::int64_t n,
                      bool bias, std::vector<int> inputs, std::int64_t count) {
  Op op = make(std::move(name), OpKind::MatMul, layer, split, std::move(inputs));
  op.m = m;
  op.k = k;
  op.n = n;
  op.count = count;
  const double products = static_cast<double>(count) * static_cast<double>(m) * static_cast<double>(n);
  op.flops = products * (2.0 * static_cast<double>(k) + (bias ? 1.0 : 0.0));
  // each weight and each activation crosses memory once per op.
  op.bytes.weights = weight_bytes(checked_mul(count, checked_add(checked_mul(k, n), bias ? n : 0)));
  op.weights_resident = op.bytes.weights;
  op.bytes.activations_in = act_bytes(checked_mul(count, checked_mul(m, k)));
  op.bytes.activations_out = act_bytes(checked_mul(count, checked_mul(m, n)));
  return add(std::move(op));
}

int OpEmitter::norm(std::string name, int layer, std::int64_t rows, std::int64_t width, std::vector<int> inputs) {
  Op op = make(std::move(name), OpKind::Norm, layer, TpSplit::Replicated, std::move(inputs));
  const bool layer_norm = model_.norm == NormKind::LayerNorm;
  op.m = rows;
  op.n = width;
  const std::int64_t elements = checked_mul(rows, width);
  op.flops = static_cast<double>(elements) * (layer_norm ? kLayerNormFlops : kRmsNormFlops);
  op.bytes.weights = weight_bytes(layer_norm ? 2 * width : width);  // scale (+ shift)
  op.weights_resident = op.bytes.weights;
  op.bytes.activations_in = act_bytes(elements);
  op.bytes.activations_out = act_bytes(elements);
  return add(std::move(op));
}

int OpEmitter::elementwise(std::string name, int layer, TpSplit split, std::int64_t rows, std::int64_t width,
                           std::int64_t in_per_out, double flops_per_element, std::vector<int> inputs) {
  Op op = make(std::move(name), OpKind::Elementwise, layer, split, std::move(inputs));
  op.m = rows;
  op.n = width;
  const std::int64_t out_elements = checked_mul(rows, width);
  op.flops = static_cast<double>(out_elements) * flops_per_element;
  op.bytes.activations_in = act_bytes(checked_mul(out_elements, in_per_out));
  op.bytes.activations_out = act_bytes(out_elements);
  return add(std::move(op));
}

int OpEmitter::residual(std::string name, int layer, std::vector<int> inputs) {
  return elementwise(std::move(name), layer, TpSplit::Replicated, tokens(), model_.hidden, 2, 1.0, std::move(inputs));
}

}  // namespace wafersim
