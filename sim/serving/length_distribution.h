#pragma once
// Token-length distributions of a synthetic workload (CONTRACTS.md "Serving" DIST):
// a fixed count (`512`), `uniform:A:B` (integers A..B, both included) or
// `lognormal:MEDIAN:SIGMA` (exp of a normal with mean ln MEDIAN and standard
// deviation SIGMA, rounded, at least 1). Units: tokens.

#include <cstdint>
#include <random>
#include <string>

namespace wafersim::serving {

class LengthDistribution {
 public:
  enum class Kind { Fixed, Uniform, Lognormal };

  /// Parses DIST; throws InputError naming `option` (e.g. "--prompt") when malformed.
  static LengthDistribution parse(const std::string& text, const std::string& option);
  /// True when `text` is a distribution rather than a plain count.
  static bool looks_like_distribution(const std::string& text);

  [[nodiscard]] std::int64_t sample(std::mt19937_64& rng) const;
  [[nodiscard]] double mean() const;
  [[nodiscard]] std::string text() const;
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_ = Kind::Fixed;
  double a_ = 1, b_ = 1;  ///< fixed: a; uniform: [a, b]; lognormal: median a, sigma b
};

}  // namespace wafersim::serving
