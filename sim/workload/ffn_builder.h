#pragma once
// Emits the feed-forward block of one layer: a dense FFN (SwiGLU: gate, up, act,
// down; GELU: up, act, down), or a mixture of experts (router, the routed experts
// that the step's tokens touch, always-on shared experts, and the weighted combine).
// Routing is uniform and in expectation: the step reads the weights of
// E·(1 − (1 − k/E)^T) distinct experts and does T·k expert-FFNs of work. Leaves out
// load imbalance, capacity factors and token dropping.

#include "sim/workload/op_emitter.h"

namespace wafersim {

class FfnBuilder {
 public:
  /// Emits layer `layer`'s FFN reading op `input`; returns the id of the op whose
  /// output is the block's output.
  static int emit(OpEmitter& e, int layer, int input);

 private:
  /// A dense FFN of `width` over every token; `prefix` is "ffn" or "moe.shared".
  static int emit_dense(OpEmitter& e, int layer, int input, std::int64_t width, const std::string& prefix);
  static int emit_moe(OpEmitter& e, int layer, int input);
  /// One matrix of the routed experts, as an expectation over uniform routing.
  static int emit_expert_matmul(OpEmitter& e, int layer, const std::string& suffix, TpSplit split, std::int64_t k,
                                std::int64_t n, double touched, std::vector<int> inputs);
};

}  // namespace wafersim
