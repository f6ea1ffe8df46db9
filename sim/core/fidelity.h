#pragma once
// The levels of detail an engine can run at (ARCHITECTURE.md "Fidelity levels").

#include <optional>
#include <string_view>

namespace wafersim {

enum class Fidelity { Roofline, Approx, Cycle };

[[nodiscard]] constexpr std::string_view fidelity_name(Fidelity f) {
  switch (f) {
    case Fidelity::Roofline:
      return "roofline";
    case Fidelity::Approx:
      return "approx";
    case Fidelity::Cycle:
      return "cycle";
  }
  return "roofline";
}

[[nodiscard]] constexpr std::optional<Fidelity> parse_fidelity(std::string_view s) {
  if (s == "roofline") return Fidelity::Roofline;
  if (s == "approx") return Fidelity::Approx;
  if (s == "cycle") return Fidelity::Cycle;
  return std::nullopt;
}

}  // namespace wafersim
