#pragma once
// Emits the attention block of one layer: Q/K/V projections, the attention core
// (scores, softmax, weighted sum, over the KV cache in decode) and the output
// projection. Standard multi-head / grouped-query attention, and DeepSeek's
// multi-head latent attention (MLA), whose cache holds the compressed latent and
// whose decode step runs in the "absorbed" form. The core is one op in the
// FlashAttention style: the score matrix never reaches memory, so it moves only Q,
// K, V, the output and the KV cache. Sliding-window and chunked layers see
// only their window of keys and hold only it in the cache. Leaves out rotary
// embeddings (a few FLOPs per element) and logit soft-capping.

#include "sim/workload/op_emitter.h"

namespace wafersim {

class AttentionBuilder {
 public:
  /// Emits layer `layer`'s attention reading op `input`; returns the id of the op
  /// whose output is the block's output (the output projection).
  static int emit(OpEmitter& e, int layer, int input);

  /// Query-key pairs per sequence per head: S² in an encoder pass (bidirectional);
  /// with causal masking, n new tokens after P = context − n earlier ones see
  /// n·P + n(n+1)/2 keys in all (prefill: S(S+1)/2; decode: L).
  [[nodiscard]] static double score_pairs(const StepShape& shape);
  /// The same for layer `layer` of `model`, whose window may bound the keys.
  [[nodiscard]] static double score_pairs(const StepShape& shape, const ModelSpec& model, int layer);

 private:
  static int emit_standard(OpEmitter& e, int layer, int input);
  static int emit_mla(OpEmitter& e, int layer, int input);
  /// The queries of MLA (through the q latent when q_lora_rank > 0).
  static int emit_mla_queries(OpEmitter& e, int layer, int input);
};

}  // namespace wafersim
