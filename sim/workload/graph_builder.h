#pragma once
// Builds the op graph of one step of a model (see graph.h). Per layer: norm,
// Q/K/V projections (MLA: its down/up projections), attention (scores, softmax,
// weighted sum; over the KV cache in decode), output projection, residual, norm,
// FFN (or router + experts + shared experts), residual; then final norm and LM head
// (decoders) or pooler-free encoder output (encoders). Assumptions: A-01..A-06 in
// docs/modeling-assumptions.md.

#include "sim/workload/graph.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

class GraphBuilder {
 public:
  /// The graph of one step; throws InputError when the shape does not suit the model
  /// (e.g. decode on an encoder). Prefill: `new_tokens` = prompt S, causal; a context
  /// of 0 means S (a context above S is an already-cached prefix). Decode: context L
  /// includes the new token. Encode (encoders only): bidirectional over S tokens.
  /// Op names: "embed", "layers.I.attn.q_proj", ..., "final_norm", "lm_head".
  [[nodiscard]] static Graph build(const ModelSpec& model, const StepShape& shape);

  /// Expected number of distinct routed experts touched by `tokens` tokens, each
  /// picking k of E uniformly: E · (1 − (1 − k/E)^tokens).
  [[nodiscard]] static double expected_experts_touched(std::int64_t experts, std::int64_t k, std::int64_t tokens);
};

}  // namespace wafersim
