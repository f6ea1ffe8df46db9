#include "sim/workload/graph_builder.h"

#include <algorithm>
#include <cmath>

#include "sim/core/error.h"
#include "sim/workload/attention_builder.h"
#include "sim/workload/ffn_builder.h"
#include "sim/workload/op_emitter.h"

namespace wafersim {

namespace {

InputError shape_error(const std::string& option, const std::string& message) {
  return InputError::option(option, message);
}

// The shape with `context` filled in, or an InputError saying why it does not suit the model.
StepShape checked_shape(const ModelSpec& model, StepShape s) {
  if (auto issues = check_model(model); !issues.empty()) {
    std::vector<Diagnostic> ds;
    for (const auto& i : issues) ds.push_back(Diagnostic{model.name, 0, 0, i.key, i.message});
    throw InputError(ds);
  }
  const bool encoder = model.architecture == Architecture::Encoder;
  const std::string who = "model '" + model.name + "'";
  if (encoder && s.kind != StepKind::Encode)
    throw shape_error("--phase",
                      who + " is an encoder: it has no " + std::string(step_kind_name(s.kind)) + " step (use encode)");
  if (!encoder && s.kind == StepKind::Encode)
    throw shape_error("--phase", who + " is a decoder: use prefill or decode (encode is for encoder models)");
  if (s.batch < 1) throw shape_error("--batch", "batch must be at least 1, got " + std::to_string(s.batch));
  const std::string tokens_option = s.kind == StepKind::Decode ? "new_tokens" : "--prompt";
  if (s.new_tokens < 1)
    throw shape_error(tokens_option, "a step needs at least 1 new token, got " + std::to_string(s.new_tokens));
  // Prefill and encode attend over their own tokens unless told otherwise.
  if (s.context == 0 && s.kind != StepKind::Decode) s.context = s.new_tokens;
  if (s.context < s.new_tokens)
    throw shape_error("--context", "context (" + std::to_string(s.context) + " tokens) is shorter than the " +
                                       std::to_string(s.new_tokens) + " new token(s) it must include");
  if (s.kind == StepKind::Encode && s.context != s.new_tokens)
    throw shape_error("--context", "an encoder pass attends over its own " + std::to_string(s.new_tokens) +
                                       " tokens; context must equal the prompt, got " + std::to_string(s.context));
  if (model.max_positions > 0 && s.context > model.max_positions)
    throw shape_error("--context", "context (" + std::to_string(s.context) + " tokens) exceeds " + who +
                                       "'s learned position table (max_positions " +
                                       std::to_string(model.max_positions) + ")");
  return s;
}

// the lookup reads only the rows of the tokens in the step, not the table.
int emit_embedding(OpEmitter& e) {
  const ModelSpec& m = e.model();
  const std::int64_t t = e.tokens();
  const std::int64_t tables = 1 + (m.max_positions > 0 ? 1 : 0) + (m.token_types > 0 ? 1 : 0);
  Op op = e.make("embed", OpKind::Embedding, -1, TpSplit::Replicated, {});
  op.m = t;
  op.n = m.hidden;
  op.flops = static_cast<double>(tables - 1) * static_cast<double>(t) *
             static_cast<double>(m.hidden);  // summing token, position and type rows
  op.bytes.weights = e.weight_bytes(elements(tables, t, m.hidden));
  op.weights_resident =
      e.weight_bytes(elements(checked_add(checked_add(m.vocab, m.max_positions), m.token_types), m.hidden));
  op.bytes.activations_in = Bytes(checked_mul<std::int64_t>(4, t));  // int32 token ids
  op.bytes.activations_out = e.act_bytes(elements(t, m.hidden));
  const int id = e.add(std::move(op));
  // BERT normalises the summed embeddings before the first (post-norm) layer.
  if (m.architecture == Architecture::Encoder) return e.norm("embed_norm", -1, t, m.hidden, {id});
  return id;
}

// Pre-norm (Llama, GPT): x + attn(norm(x)), then x + ffn(norm(x)).
int emit_pre_norm_layer(OpEmitter& e, int layer, int x) {
  const std::int64_t t = e.tokens();
  const std::int64_t h = e.model().hidden;
  const int n1 = e.norm(layer_op_name(layer, "attn_norm"), layer, t, h, {x});
  int attn = AttentionBuilder::emit(e, layer, n1);
  // Gemma 2/3 normalise each block's output before the residual add.
  if (e.model().sandwich_norm) attn = e.norm(layer_op_name(layer, "post_attn_norm"), layer, t, h, {attn});
  const int r1 = e.residual(layer_op_name(layer, "attn_residual"), layer, {x, attn});
  const int n2 = e.norm(layer_op_name(layer, "ffn_norm"), layer, t, h, {r1});
  int ffn = FfnBuilder::emit(e, layer, n2);
  if (e.model().sandwich_norm) ffn = e.norm(layer_op_name(layer, "post_ffn_norm"), layer, t, h, {ffn});
  return e.residual(layer_op_name(layer, "ffn_residual"), layer, {r1, ffn});
}

// Post-norm (BERT): norm(x + attn(x)), then norm(x + ffn(x)).
int emit_post_norm_layer(OpEmitter& e, int layer, int x) {
  const std::int64_t t = e.tokens();
  const std::int64_t h = e.model().hidden;
  const int attn = AttentionBuilder::emit(e, layer, x);
  const int r1 = e.residual(layer_op_name(layer, "attn_residual"), layer, {x, attn});
  const int n1 = e.norm(layer_op_name(layer, "attn_norm"), layer, t, h, {r1});
  const int ffn = FfnBuilder::emit(e, layer, n1);
  const int r2 = e.residual(layer_op_name(layer, "ffn_residual"), layer, {n1, ffn});
  return e.norm(layer_op_name(layer, "ffn_norm"), layer, t, h, {r2});
}

// Final norm and LM head. A-06: prefill computes logits for the last prompt token
// of each sequence only, as serving systems do; decode for every new token.
void emit_head(OpEmitter& e, int x) {
  const ModelSpec& m = e.model();
  const StepShape& s = e.shape();
  const int layer = static_cast<int>(m.layers);
  const int norm = e.norm("final_norm", layer, e.tokens(), m.hidden, {x});
  const std::int64_t rows = s.kind == StepKind::Prefill ? s.batch : e.tokens();
  const int head = e.matmul("lm_head", layer, TpSplit::Column, rows, m.hidden, m.vocab, false, {norm});
  // A tied head reads the embedding table, which the embedding op already holds.
  if (m.tied_embeddings) e.op(head).weights_resident = Bytes(0);
}

}  // namespace

double GraphBuilder::expected_experts_touched(std::int64_t experts, std::int64_t k, std::int64_t tokens) {
  if (experts <= 0 || k <= 0 || tokens <= 0) return 0;
  const double e = static_cast<double>(experts);
  const double miss = 1.0 - static_cast<double>(std::min(k, experts)) / e;  // one token skips a given expert
  return e * (1.0 - std::pow(miss, static_cast<double>(tokens)));
}

Graph GraphBuilder::build(const ModelSpec& model, const StepShape& requested) {
  const StepShape shape = checked_shape(model, requested);
  try {
    OpEmitter e(model, shape);
    int x = emit_embedding(e);
    const bool encoder = model.architecture == Architecture::Encoder;
    for (int layer = 0; layer < static_cast<int>(model.layers); ++layer)
      x = encoder ? emit_post_norm_layer(e, layer, x) : emit_pre_norm_layer(e, layer, x);
    // Encoders stop at the last layer's output: no pooler, no task head.
    if (!encoder) emit_head(e, x);
    return Graph(model.name, shape, static_cast<int>(model.layers), e.take());
  } catch (const OverflowError&) {
    throw shape_error("--batch", "the step of model '" + model.name + "' at batch " + std::to_string(shape.batch) +
                                     ", " + std::to_string(shape.new_tokens) + " new and " +
                                     std::to_string(shape.context) +
                                     " context tokens is too large to count in "
                                     "64-bit bytes");
  }
}

}  // namespace wafersim
