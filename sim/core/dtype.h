#pragma once
// Numeric formats for weights, activations and the KV cache. Sizes are in bits
// because int4 packs two values per byte.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/units.h"

namespace wafersim {

/// Bfp8: block floating point (Groq TruePoint, A-276): 8-bit integer mantissas sharing
/// one exponent per block, activations stored as FP8, products accumulated in 100 bits.
/// Stored in 8 bits per element (the shared exponents are left out: < 1 bit each),
/// computed at the integer rate.
enum class DType { Fp32, Fp16, Bf16, Fp8, Int8, Int4, Bfp8 };
/// Number of DType values (for tables indexed by format).
inline constexpr std::size_t kDTypeCount = 7;

/// Bits per element.
[[nodiscard]] int dtype_bits(DType t);
/// Bytes for `count` elements, rounded up to a whole byte (overflow-checked).
[[nodiscard]] Bytes dtype_bytes(DType t, std::int64_t count);
/// Bytes for `count` elements without rounding (for averages and expectations).
[[nodiscard]] double dtype_bytes_exact(DType t, double count);
[[nodiscard]] std::string_view dtype_name(DType t);
[[nodiscard]] std::optional<DType> parse_dtype(std::string_view name);
/// All formats, in the order used by docs and tables.
[[nodiscard]] const std::vector<DType>& all_dtypes();
/// Formats a unit may compute values stored as `stored` in, narrowest first: the
/// format itself, then wider ones (weight-only quantization dequantizes in registers
/// and multiplies in a format the unit has; nothing runs narrower than it is stored).
/// Used by every device kind's dtype fallback.
[[nodiscard]] const std::vector<DType>& compute_formats(DType stored);
/// "fp32, fp16, bf16, fp8, int8, int4, bfp8" for error messages.
[[nodiscard]] std::string dtype_list();

}  // namespace wafersim
