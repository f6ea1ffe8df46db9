#pragma once
// Overflow-checked 64-bit integer arithmetic. Sizes in wafersim are int64 bytes; a
// product that overflows is a user-visible error (absurd config), never UB.

#include <cstdint>
#include <stdexcept>
#include <type_traits>

namespace wafersim {

/// Thrown when integer arithmetic on sizes would overflow 64 bits.
class OverflowError : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

template <class T>
constexpr T checked_add(T a, T b) {
  T r{};
  if (__builtin_add_overflow(a, b, &r)) throw OverflowError("integer overflow in addition");
  return r;
}
template <class T>
constexpr T checked_sub(T a, T b) {
  T r{};
  if (__builtin_sub_overflow(a, b, &r)) throw OverflowError("integer overflow in subtraction");
  return r;
}
template <class T>
constexpr T checked_mul(T a, T b) {
  T r{};
  if (__builtin_mul_overflow(a, b, &r)) throw OverflowError("integer overflow in multiplication");
  return r;
}

/// Ceiling division for non-negative integers.
constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

}  // namespace wafersim
