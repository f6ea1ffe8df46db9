#pragma once
// Parses quantities written with units ("48 KiB", "3.35 TB/s", "214 Pb/s", "1.1 GHz",
// "4 B/cycle") into base units. Bits and bytes are kept apart by case: "B" is a byte,
// "b" (or "bit") is a bit. A number without a unit, a unit of the wrong dimension,
// NaN or infinity are errors; the range checks (positive, non-zero) live in Schema.

#include <string>
#include <string_view>
#include <variant>

namespace wafersim {

/// The dimension a config value must have.
enum class UnitKind {
  Bytes,              ///< base: byte
  BytesPerSecond,     ///< base: byte/s
  BytesPerCycle,      ///< base: byte/cycle
  Hertz,              ///< base: Hz
  Seconds,            ///< base: s
  Cycles,             ///< base: cycle
  Watts,              ///< base: W
  Joules,             ///< base: J
  PicojoulesPerBit,   ///< base: pJ/bit
  PicojoulesPerFlop,  ///< base: pJ/FLOP
  FlopsPerSecond,     ///< base: FLOP/s (integer ops count as FLOP: "750 TOPS")
  FlopsPerCycle,      ///< base: FLOP/cycle
};

/// Name of the dimension for messages and docs ("size", "bandwidth", ...).
[[nodiscard]] std::string unit_kind_name(UnitKind kind);
/// The base unit written in docs and output column names ("B", "B/s", "Hz", ...).
[[nodiscard]] std::string unit_kind_base(UnitKind kind);
/// A few accepted spellings, for "expected ..." messages.
[[nodiscard]] std::string unit_kind_examples(UnitKind kind);

/// The value in base units, or a message saying what is wrong.
using UnitParseResult = std::variant<double, std::string>;
[[nodiscard]] UnitParseResult parse_quantity(std::string_view text, UnitKind kind);

/// Formats a base-unit value with a readable prefix ("48 KiB", "3.35 TB/s").
[[nodiscard]] std::string format_quantity(double value, UnitKind kind);

}  // namespace wafersim
