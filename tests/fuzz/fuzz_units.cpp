// Fuzzes unit parsing: any text as a quantity of every unit kind. A parse either
// yields a finite, non-negative number or an error message; formatting the number
// back must parse again to a value within rounding.
#include <cmath>
#include <cstdlib>
#include <string>
#include <variant>

#include "sim/config/unit_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wafersim;
  if (size == 0) return 0;
  const auto kind = static_cast<UnitKind>(data[0] % (static_cast<int>(UnitKind::FlopsPerCycle) + 1));
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const UnitParseResult r = parse_quantity(text, kind);
  if (const double* v = std::get_if<double>(&r)) {
    if (!std::isfinite(*v)) std::abort();
    const UnitParseResult again = parse_quantity(format_quantity(*v, kind), kind);
    const double* w = std::get_if<double>(&again);
    if (w == nullptr) std::abort();
    if (std::abs(*w - *v) > 1e-3 * std::abs(*v) + 1e-300) std::abort();
  } else if (std::get<std::string>(r).empty()) {
    std::abort();  // an error must say something
  }
  return 0;
}
