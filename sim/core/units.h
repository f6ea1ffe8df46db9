#pragma once
// Strong unit types. Every physical quantity in wafersim carries its unit in its type,
// so bytes cannot be added to bytes per second by accident. Base units: bytes, seconds,
// hertz, watts, joules, FLOP; energy per bit in picojoules. Sizes are 64-bit integers
// whose arithmetic is overflow-checked (a 900k-core wafer times bytes per core
// overflows 32 bits); rates and times are doubles.

#include <compare>
#include <cstdint>

#include "sim/core/checked_math.h"

namespace wafersim {

/// A value of one physical dimension, tagged so different dimensions never mix.
template <class Tag, class Rep = double>
class Quantity {
 public:
  using rep = Rep;
  constexpr Quantity() = default;
  constexpr explicit Quantity(Rep value) : value_(value) {}
  [[nodiscard]] constexpr Rep value() const { return value_; }

  constexpr auto operator<=>(const Quantity&) const = default;

  constexpr Quantity operator+(Quantity other) const { return Quantity(add(value_, other.value_)); }
  constexpr Quantity operator-(Quantity other) const { return Quantity(sub(value_, other.value_)); }
  constexpr Quantity& operator+=(Quantity other) {
    value_ = add(value_, other.value_);
    return *this;
  }
  constexpr Quantity& operator-=(Quantity other) {
    value_ = sub(value_, other.value_);
    return *this;
  }
  constexpr Quantity operator*(Rep factor) const { return Quantity(mul(value_, factor)); }
  /// Ratio of two quantities of the same dimension.
  [[nodiscard]] constexpr double operator/(Quantity other) const {
    return static_cast<double>(value_) / static_cast<double>(other.value_);
  }

 private:
  static constexpr Rep add(Rep a, Rep b) {
    if constexpr (std::is_integral_v<Rep>)
      return checked_add(a, b);
    else
      return a + b;
  }
  static constexpr Rep sub(Rep a, Rep b) {
    if constexpr (std::is_integral_v<Rep>)
      return checked_sub(a, b);
    else
      return a - b;
  }
  static constexpr Rep mul(Rep a, Rep b) {
    if constexpr (std::is_integral_v<Rep>)
      return checked_mul(a, b);
    else
      return a * b;
  }
  Rep value_{};
};

using Bytes = Quantity<struct BytesTag, std::int64_t>;
using BytesPerSecond = Quantity<struct BytesPerSecondTag>;
using BytesPerCycle = Quantity<struct BytesPerCycleTag>;
using Hertz = Quantity<struct HertzTag>;
using Seconds = Quantity<struct SecondsTag>;
using Cycles = Quantity<struct CyclesTag>;
using Watts = Quantity<struct WattsTag>;
using Joules = Quantity<struct JoulesTag>;
using FlopsPerSecond = Quantity<struct FlopsPerSecondTag>;
using FlopsPerCycle = Quantity<struct FlopsPerCycleTag>;
using PicojoulesPerBit = Quantity<struct PicojoulesPerBitTag>;
using PicojoulesPerFlop = Quantity<struct PicojoulesPerFlopTag>;

/// Seconds to move `bytes` at `rate`.
[[nodiscard]] inline Seconds transfer_time(Bytes bytes, BytesPerSecond rate) {
  return Seconds(static_cast<double>(bytes.value()) / rate.value());
}
/// Bytes per second of a per-cycle rate at a clock.
[[nodiscard]] inline BytesPerSecond at_clock(BytesPerCycle rate, Hertz clock) {
  return BytesPerSecond(rate.value() * clock.value());
}
/// FLOP per second of a per-cycle rate at a clock.
[[nodiscard]] inline FlopsPerSecond at_clock(FlopsPerCycle rate, Hertz clock) {
  return FlopsPerSecond(rate.value() * clock.value());
}
/// Seconds taken by a number of cycles at a clock.
[[nodiscard]] inline Seconds at_clock(Cycles cycles, Hertz clock) { return Seconds(cycles.value() / clock.value()); }

}  // namespace wafersim
