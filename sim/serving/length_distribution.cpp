#include "sim/serving/length_distribution.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "sim/core/error.h"
#include "sim/core/text.h"

namespace wafersim::serving {
namespace {

constexpr double kMaxTokens = 1e9;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

double number(const std::string& s, const std::string& option, const std::string& what, const std::string& text) {
  char* end = nullptr;
  const double v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end == nullptr || *end != '\0' || !std::isfinite(v))
    throw InputError::option(option, fmt::format("'{}': {} '{}' is not a number", text, what, s));
  return v;
}

/// Standard normal from two uniforms (Box-Muller): the same numbers on every platform.
double normal(std::mt19937_64& rng) {
  constexpr double kTwoPi = 6.283185307179586;
  const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
  const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace

bool LengthDistribution::looks_like_distribution(const std::string& text) {
  return text.find(':') != std::string::npos;
}

LengthDistribution LengthDistribution::parse(const std::string& raw, const std::string& option) {
  const std::string text = trim(raw);
  const auto parts = split(text, ':');
  LengthDistribution d;
  const std::string expected = " (expected a token count like 512, uniform:A:B or lognormal:MEDIAN:SIGMA)";
  if (parts.size() == 1) {
    const double v = number(parts[0], option, "token count", text);
    if (v < 1 || v != std::floor(v) || v > kMaxTokens)
      throw InputError::option(option, fmt::format("'{}' is not a whole token count from 1 to 1e9{}", text, expected));
    d.kind_ = Kind::Fixed;
    d.a_ = d.b_ = v;
    return d;
  }
  if (parts.size() != 3)
    throw InputError::option(option, fmt::format("'{}' has {} parts{}", text, parts.size(), expected));
  const double a = number(parts[1], option, "first parameter", text);
  const double b = number(parts[2], option, "second parameter", text);
  if (parts[0] == "uniform") {
    if (a < 1 || b < a || a != std::floor(a) || b != std::floor(b) || b > kMaxTokens)
      throw InputError::option(option, fmt::format("'{}': uniform:A:B needs whole numbers 1 <= A <= B <= 1e9", text));
    d.kind_ = Kind::Uniform;
  } else if (parts[0] == "lognormal") {
    if (a < 1 || a > kMaxTokens || b < 0 || b > 4)
      throw InputError::option(
          option, fmt::format("'{}': lognormal:MEDIAN:SIGMA needs 1 <= MEDIAN <= 1e9 and 0 <= SIGMA <= 4", text));
    d.kind_ = Kind::Lognormal;
  } else {
    throw InputError::option(option, fmt::format("unknown distribution '{}'{}{}", parts[0],
                                                 did_you_mean(parts[0], {"uniform", "lognormal"}), expected));
  }
  d.a_ = a;
  d.b_ = b;
  return d;
}

std::int64_t LengthDistribution::sample(std::mt19937_64& rng) const {
  switch (kind_) {
    case Kind::Fixed:
      return static_cast<std::int64_t>(a_);
    case Kind::Uniform: {
      const auto span = static_cast<std::uint64_t>(b_ - a_) + 1;
      return static_cast<std::int64_t>(a_) + static_cast<std::int64_t>(rng() % span);
    }
    case Kind::Lognormal: {
      const double v = std::exp(std::log(a_) + b_ * normal(rng));
      return static_cast<std::int64_t>(std::clamp(std::llround(v), 1LL, static_cast<long long>(kMaxTokens)));
    }
  }
  return 1;
}

double LengthDistribution::mean() const {
  switch (kind_) {
    case Kind::Fixed:
      return a_;
    case Kind::Uniform:
      return 0.5 * (a_ + b_);
    case Kind::Lognormal:
      return a_ * std::exp(0.5 * b_ * b_);
  }
  return a_;
}

std::string LengthDistribution::text() const {
  switch (kind_) {
    case Kind::Fixed:
      return fmt::format("{}", a_);
    case Kind::Uniform:
      return fmt::format("uniform:{}:{}", a_, b_);
    case Kind::Lognormal:
      return fmt::format("lognormal:{}:{}", a_, b_);
  }
  return "";
}

}  // namespace wafersim::serving
