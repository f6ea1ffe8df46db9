#include "sim/config/schema.h"

#include <cerrno>
#include <cstdlib>

namespace wafersim::schema_detail {

std::string range_text(Range r) {
  switch (r) {
    case Range::Any:
      return "";
    case Range::NonNegative:
      return " >= 0";
    case Range::Positive:
      return " > 0";
    case Range::Fraction:
      return " in (0, 1]";
  }
  return "";
}

bool check_range(const ConfigNode& n, double v, Range range, Diagnostics& d) {
  bool ok = true;
  switch (range) {
    case Range::Any:
      break;
    case Range::NonNegative:
      ok = v >= 0;
      break;
    case Range::Positive:
      ok = v > 0;
      break;
    case Range::Fraction:
      ok = v > 0 && v <= 1;
      break;
  }
  if (!ok) d.add(n.error("value '" + n.scalar() + "' out of range (expected" + range_text(range) + ")"));
  return ok;
}

namespace {
bool scalar_or_report(const ConfigNode& n, const std::string& expected, Diagnostics& d) {
  if (n.is_scalar()) return true;
  d.add(n.error("expected " + expected + ", got " + ConfigNode::type_name(n.type())));
  return false;
}
}  // namespace

std::optional<double> parse_number(const ConfigNode& n, Range range, Diagnostics& d) {
  if (!scalar_or_report(n, "a number", d)) return std::nullopt;
  const std::string& s = n.scalar();
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) {
    d.add(n.error("'" + s + "' is not a finite number"));
    return std::nullopt;
  }
  if (!check_range(n, v, range, d)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_integer(const ConfigNode& n, std::int64_t min, std::int64_t max, Diagnostics& d) {
  if (!scalar_or_report(n, "an integer", d)) return std::nullopt;
  const std::string& s = n.scalar();
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool digits = i < s.size();
  for (std::size_t j = i; j < s.size(); ++j) digits = digits && std::isdigit(static_cast<unsigned char>(s[j]));
  if (!digits) {
    d.add(n.error("'" + s + "' is not an integer"));
    return std::nullopt;
  }
  errno = 0;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) {
    d.add(n.error("'" + s + "' overflows 64 bits"));
    return std::nullopt;
  }
  if (v < min || v > max) {
    std::string bound = max == INT64_MAX ? ">= " + std::to_string(min)
                                         : "in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    d.add(n.error("value " + s + " out of range (expected an integer " + bound + ")"));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(v);
}

std::optional<bool> parse_flag(const ConfigNode& n, Diagnostics& d) {
  if (!scalar_or_report(n, "true or false", d)) return std::nullopt;
  const std::string& s = n.scalar();
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  d.add(n.error("'" + s + "' is not true or false"));
  return std::nullopt;
}

std::optional<double> parse_unit_value(const ConfigNode& n, UnitKind unit, Range range, Diagnostics& d) {
  if (!scalar_or_report(n, "a " + unit_kind_name(unit) + " with a unit", d)) return std::nullopt;
  auto r = parse_quantity(n.scalar(), unit);
  if (auto* msg = std::get_if<std::string>(&r)) {
    d.add(n.error(*msg));
    return std::nullopt;
  }
  double v = std::get<double>(r);
  if (!check_range(n, v, range, d)) return std::nullopt;
  return v;
}

void report_unknown_keys(const ConfigNode& map, const std::vector<std::string>& known, Diagnostics& d) {
  for (const auto& key : map.unconsumed_keys()) {
    d.add(map.error_at_key_name(
        key, "unknown key" + did_you_mean(key, known) + " (valid keys: " + [&] {
          std::string s;
          for (const auto& k : known) s += (s.empty() ? "" : ", ") + k;
          return s;
        }() + ")"));
  }
}

}  // namespace wafersim::schema_detail
