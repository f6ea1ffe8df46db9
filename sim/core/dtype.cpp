#include "sim/core/dtype.h"

namespace wafersim {

int dtype_bits(DType t) {
  switch (t) {
    case DType::Fp32:
      return 32;
    case DType::Fp16:
      return 16;
    case DType::Bf16:
      return 16;
    case DType::Fp8:
      return 8;
    case DType::Int8:
      return 8;
    case DType::Int4:
      return 4;
    case DType::Bfp8:
      return 8;
  }
  return 16;
}

Bytes dtype_bytes(DType t, std::int64_t count) {
  return Bytes(ceil_div(checked_mul<std::int64_t>(count, dtype_bits(t)), 8));
}

double dtype_bytes_exact(DType t, double count) { return count * dtype_bits(t) / 8.0; }

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Fp32:
      return "fp32";
    case DType::Fp16:
      return "fp16";
    case DType::Bf16:
      return "bf16";
    case DType::Fp8:
      return "fp8";
    case DType::Int8:
      return "int8";
    case DType::Int4:
      return "int4";
    case DType::Bfp8:
      return "bfp8";
  }
  return "fp16";
}

const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> all{DType::Fp32, DType::Fp16, DType::Bf16, DType::Fp8,
                                      DType::Int8, DType::Int4, DType::Bfp8};
  return all;
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (DType t : all_dtypes())
    if (dtype_name(t) == name) return t;
  return std::nullopt;
}

const std::vector<DType>& compute_formats(DType stored) {
  static const std::vector<DType> int4{DType::Int4, DType::Int8, DType::Fp16, DType::Bf16, DType::Fp32};
  static const std::vector<DType> int8{DType::Int8, DType::Fp16, DType::Bf16, DType::Fp32};
  static const std::vector<DType> fp8{DType::Fp8, DType::Fp16, DType::Bf16, DType::Fp32};
  static const std::vector<DType> fp16{DType::Fp16, DType::Bf16, DType::Fp32};
  static const std::vector<DType> bf16{DType::Bf16, DType::Fp16, DType::Fp32};
  static const std::vector<DType> fp32{DType::Fp32};
  // Block floating point multiplies its integer mantissas on the integer datapath.
  static const std::vector<DType> bfp8{DType::Bfp8, DType::Int8, DType::Fp16, DType::Bf16, DType::Fp32};
  switch (stored) {
    case DType::Int4:
      return int4;
    case DType::Int8:
      return int8;
    case DType::Fp8:
      return fp8;
    case DType::Fp16:
      return fp16;
    case DType::Bf16:
      return bf16;
    case DType::Fp32:
      return fp32;
    case DType::Bfp8:
      return bfp8;
  }
  return fp16;
}

std::string dtype_list() {
  std::string out;
  for (DType t : all_dtypes()) {
    if (!out.empty()) out += ", ";
    out += dtype_name(t);
  }
  return out;
}

}  // namespace wafersim
