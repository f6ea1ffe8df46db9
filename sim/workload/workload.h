#pragma once
// What a user asks to evaluate: a phase with its token counts (CONTRACTS.md
// `eval` options). The evaluator turns it into one or more graph steps.

#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/core/dtype.h"

namespace wafersim {

enum class Phase { Prefill, Decode, Encode, Generate };
[[nodiscard]] std::string_view phase_name(Phase p);
[[nodiscard]] std::optional<Phase> parse_phase(std::string_view s);

struct Workload {
  Phase phase = Phase::Decode;
  std::int64_t batch = 1;
  std::int64_t prompt = 512;    ///< prefill / encode / generate input tokens
  std::int64_t context = 1024;  ///< decode: tokens in context (including the new one)
  std::int64_t output = 128;    ///< generate: tokens produced
  DType dtype = DType::Fp16;
  std::optional<DType> kv_dtype;  ///< default: same as dtype
};

}  // namespace wafersim
