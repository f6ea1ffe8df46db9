#include "sim/workload/workload.h"

namespace wafersim {

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::Prefill:
      return "prefill";
    case Phase::Decode:
      return "decode";
    case Phase::Encode:
      return "encode";
    case Phase::Generate:
      return "generate";
  }
  return "decode";
}

std::optional<Phase> parse_phase(std::string_view s) {
  for (Phase p : {Phase::Prefill, Phase::Decode, Phase::Encode, Phase::Generate})
    if (phase_name(p) == s) return p;
  return std::nullopt;
}

}  // namespace wafersim
