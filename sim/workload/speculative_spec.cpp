#include "sim/workload/speculative_spec.h"

#include <fmt/format.h>

#include "sim/core/error.h"
#include "sim/core/text.h"

namespace wafersim {

std::string_view speculative_method_name(SpeculativeMethod m) { return m == SpeculativeMethod::Mtp ? "mtp" : "draft"; }

SpeculativeSpec SpeculativeSpec::parse(const std::string& text_in) {
  const std::string text = trim(text_in);
  const auto colon = text.find(':');
  const std::string method = colon == std::string::npos ? text : trim(text.substr(0, colon));
  const std::string arg = colon == std::string::npos ? "" : trim(text.substr(colon + 1));
  SpeculativeSpec s;
  if (method == "draft") {
    if (arg.empty())
      throw InputError::option("--speculative", "'draft:' needs a model after the colon (e.g. draft:llama-3.2-1b)");
    s.method = SpeculativeMethod::Draft;
    s.draft_model = arg;
    return s;
  }
  if (method == "mtp") {
    bool digits = !arg.empty() && arg.size() < 6;
    for (char c : arg) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::stoi(arg) < 1)
      throw InputError::option("--speculative",
                               fmt::format("'mtp:{}': K must be a whole number of prediction modules, at least 1 "
                                           "(e.g. mtp:1)",
                                           arg));
    s.method = SpeculativeMethod::Mtp;
    s.k = std::stoi(arg);
    return s;
  }
  throw InputError::option("--speculative",
                           fmt::format("'{}' is not a speculative method (expected draft:MODEL or mtp:K{})", text,
                                       did_you_mean(method, {"draft", "mtp"})));
}

AcceptanceModel SpeculativeSpec::acceptance_model() const {
  const int tokens = draft_tokens();
  if (accepted_per_step) return AcceptanceModel::from_mean(*accepted_per_step, tokens);
  const double fallback = method == SpeculativeMethod::Mtp ? kDefaultMtpAcceptance : kDefaultDraftAcceptance;
  return AcceptanceModel(acceptance.value_or(fallback), tokens);
}

std::string SpeculativeSpec::text() const {
  return method == SpeculativeMethod::Mtp ? fmt::format("mtp:{}", k) : "draft:" + draft_model;
}

ModelSpec mtp_module_spec(const ModelSpec& target) {
  ModelSpec m = target;
  m.name = target.name + " MTP module";
  m.description = "one multi-token-prediction module of " + target.name;
  m.layers = 1;
  // The module copies the target's deep layers: MoE when those are.
  if (m.is_moe()) m.moe.dense_layers = 0;
  return m;
}

void check_draft_model(const ModelSpec& target, const ModelSpec& draft) {
  if (draft.architecture != Architecture::Decoder)
    throw InputError::option("--speculative",
                             fmt::format("draft model '{}' is an encoder: a draft must be a decoder", draft.name));
  if (draft.vocab != target.vocab)
    throw InputError::option("--speculative",
                             fmt::format("draft model '{}' has a vocabulary of {} tokens but target '{}' has {}: "
                                         "the target verifies the draft's token ids, so both must share one "
                                         "vocabulary (e.g. llama-3.2-1b drafts for the llama-3.1 models)",
                                         draft.name, draft.vocab, target.name, target.vocab));
}

}  // namespace wafersim
