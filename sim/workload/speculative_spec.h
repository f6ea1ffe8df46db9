#pragma once
// What a user asks of speculative decoding (CONTRACTS.md "Speculative decoding"):
// a separate draft model (`draft:MODEL`) or K multi-token-prediction modules of
// the target (`mtp:K`, DeepSeek-V3 style), the tokens drafted per step, and the
// acceptance: a per-token probability or the mean tokens per verification step.
// Plain data plus the parsing of the option texts and the defaults.

#include <optional>
#include <string>

#include "sim/workload/acceptance_model.h"
#include "sim/workload/model_spec.h"

namespace wafersim {

enum class SpeculativeMethod { Draft, Mtp };
[[nodiscard]] std::string_view speculative_method_name(SpeculativeMethod m);

struct SpeculativeSpec {
  SpeculativeMethod method = SpeculativeMethod::Draft;
  std::string draft_model;                  ///< Draft: the model preset / file named after `draft:`
  int k = 0;                                ///< draft tokens per step (mtp:K sets K); 0 = the default
  std::optional<double> acceptance;         ///< per-token acceptance p
  std::optional<double> accepted_per_step;  ///< mean tokens per verification step (wins over `acceptance`)

  /// Default draft tokens for a draft model (CONTRACTS.md: 4; A-332).
  static constexpr int kDefaultDraftTokens = 4;
  /// Default per-token acceptance of a small same-family draft model.
  static constexpr double kDefaultDraftAcceptance = 0.7;
  /// Default acceptance of an MTP module's token (DeepSeek-V3 report §5.4.3: 85-90%; A-332).
  static constexpr double kDefaultMtpAcceptance = 0.85;

  /// Parses `draft:MODEL` or `mtp:K`; throws InputError naming `--speculative`.
  [[nodiscard]] static SpeculativeSpec parse(const std::string& text);
  /// The draft tokens per step after defaults.
  [[nodiscard]] int draft_tokens() const { return k > 0 ? k : kDefaultDraftTokens; }
  /// The acceptance model after defaults; throws InputError for values out of range.
  [[nodiscard]] AcceptanceModel acceptance_model() const;
  /// "draft:llama-3.2-1b" / "mtp:1", as given.
  [[nodiscard]] std::string text() const;
};

/// The MTP module of `target` as a model of its own: one transformer layer
/// of the target's shape (an MoE layer when the target's deep layers are MoE) with
/// the target's embedding and LM head. Drafting runs it once per draft token.
[[nodiscard]] ModelSpec mtp_module_spec(const ModelSpec& target);

/// Throws InputError naming `--speculative` unless `draft` can draft for `target`:
/// a decoder with the target's vocabulary.
void check_draft_model(const ModelSpec& target, const ModelSpec& draft);

}  // namespace wafersim
