#include "sim/workload/graph.h"

#include <string>

#include "sim/core/error.h"

namespace wafersim {

std::string_view op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::Embedding:
      return "embedding";
    case OpKind::Norm:
      return "norm";
    case OpKind::MatMul:
      return "matmul";
    case OpKind::Attention:
      return "attention";
    case OpKind::Softmax:
      return "softmax";
    case OpKind::Elementwise:
      return "elementwise";
    case OpKind::Router:
      return "router";
    case OpKind::Collective:
      return "collective";
    case OpKind::Transfer:
      return "transfer";
  }
  return "matmul";
}

std::string_view step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::Prefill:
      return "prefill";
    case StepKind::Decode:
      return "decode";
    case StepKind::Encode:
      return "encode";
  }
  return "decode";
}

Graph::Graph(std::string model, StepShape shape, int layers, std::vector<Op> ops)
    : model_(std::move(model)), shape_(shape), layers_(layers), ops_(std::move(ops)) {
  // The IR's invariants, relied on by every mapper: ids are indices, and ops come
  // in an order in which every input is already computed.
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const Op& op = ops_[i];
    if (op.id != static_cast<int>(i))
      throw InternalError("graph op '" + op.name + "' has id " + std::to_string(op.id) + " at index " +
                          std::to_string(i));
    for (int in : op.inputs)
      if (in < 0 || in >= op.id)
        throw InternalError("graph op '" + op.name + "' depends on op " + std::to_string(in) +
                            ", which does not come before it");
  }
}

double Graph::total_flops() const {
  double sum = 0;
  for (const Op& op : ops_) sum += op.flops;
  return sum;
}

OpBytes Graph::total_bytes() const {
  OpBytes sum;
  for (const Op& op : ops_) {
    sum.weights += op.bytes.weights;
    sum.activations_in += op.bytes.activations_in;
    sum.activations_out += op.bytes.activations_out;
    sum.kv_read += op.bytes.kv_read;
    sum.kv_write += op.bytes.kv_write;
  }
  return sum;
}

Bytes Graph::weights_resident() const {
  Bytes sum{0};
  for (const Op& op : ops_) sum += op.weights_resident;
  return sum;
}

Bytes Graph::kv_resident() const {
  Bytes sum{0};
  for (const Op& op : ops_) sum += op.kv_resident;
  return sum;
}

}  // namespace wafersim
