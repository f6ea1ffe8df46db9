#include "sim/config/unit_parser.h"

#include <string_view>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <utility>
#include <vector>

#include "sim/core/text.h"

namespace wafersim {
namespace {

struct Prefix {
  const char* text;
  double factor;
};
constexpr Prefix kSiPrefixes[] = {{"", 1},    {"k", 1e3},  {"K", 1e3},  {"M", 1e6},
                                  {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18}};
constexpr Prefix kBinaryPrefixes[] = {
    {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0}};
constexpr Prefix kSmallPrefixes[] = {{"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9}, {"u", 1e-6},
                                     {"µ", 1e-6},  {"m", 1e-3},  {"", 1}};

struct Base {
  const char* text;
  double factor;
};
constexpr Base kByteBases[] = {{"B", 1}, {"byte", 1}, {"bytes", 1}, {"b", 0.125}, {"bit", 0.125}, {"bits", 0.125}};
constexpr Base kFlopBases[] = {{"FLOP", 1}, {"flop", 1}, {"OP", 1}, {"op", 1}};

/// Unit spellings and their factor to the base unit, for one kind.
using Table = std::vector<std::pair<std::string, double>>;

void add_sizes(Table& t, const std::string& suffix) {
  for (const auto& b : kByteBases) {
    for (const auto& p : kSiPrefixes) t.emplace_back(std::string(p.text) + b.text + suffix, p.factor * b.factor);
    for (const auto& p : kBinaryPrefixes) t.emplace_back(std::string(p.text) + b.text + suffix, p.factor * b.factor);
  }
}

Table build_table(UnitKind kind) {
  Table t;
  switch (kind) {
    case UnitKind::Bytes:
      add_sizes(t, "");
      break;
    case UnitKind::BytesPerSecond:
      add_sizes(t, "/s");
      for (const auto& p : kSiPrefixes) t.emplace_back(std::string(p.text) + "bps", p.factor / 8);
      break;
    case UnitKind::BytesPerCycle:
      for (const auto& b : kByteBases) {
        t.emplace_back(std::string(b.text) + "/cycle", b.factor);
        t.emplace_back(std::string(b.text) + "/clk", b.factor);
      }
      break;
    case UnitKind::Hertz:
      for (const auto& p : kSiPrefixes) t.emplace_back(std::string(p.text) + "Hz", p.factor);
      break;
    case UnitKind::Seconds:
      for (const auto& p : kSmallPrefixes) t.emplace_back(std::string(p.text) + "s", p.factor);
      break;
    case UnitKind::Cycles:
      t.emplace_back("cycle", 1);
      t.emplace_back("cycles", 1);
      break;
    case UnitKind::Watts:
      for (const auto& p : kSmallPrefixes) t.emplace_back(std::string(p.text) + "W", p.factor);
      for (const auto& p : kSiPrefixes) t.emplace_back(std::string(p.text) + "W", p.factor);
      break;
    case UnitKind::Joules:
      for (const auto& p : kSmallPrefixes) t.emplace_back(std::string(p.text) + "J", p.factor);
      t.emplace_back("kJ", 1e3);
      break;
    case UnitKind::PicojoulesPerBit:
      for (const auto& p : kSmallPrefixes) {
        for (const auto& b : kByteBases)
          t.emplace_back(std::string(p.text) + "J/" + b.text, p.factor * 1e12 * 0.125 / b.factor);
      }
      break;
    case UnitKind::PicojoulesPerFlop:
      for (const auto& p : kSmallPrefixes)
        for (const auto& f : kFlopBases) t.emplace_back(std::string(p.text) + "J/" + f.text, p.factor * 1e12);
      break;
    case UnitKind::FlopsPerSecond:
      for (const auto& p : kSiPrefixes) {
        for (const auto& f : kFlopBases) t.emplace_back(std::string(p.text) + f.text + "/s", p.factor);
        t.emplace_back(std::string(p.text) + "FLOPS", p.factor);
        t.emplace_back(std::string(p.text) + "OPS", p.factor);
      }
      break;
    case UnitKind::FlopsPerCycle:
      for (const auto& f : kFlopBases) {
        t.emplace_back(std::string(f.text) + "/cycle", 1);
        t.emplace_back(std::string(f.text) + "/clk", 1);
      }
      break;
  }
  // Byte-sized factors below one byte come from bit units; the factor is exact.
  return t;
}

const Table& table(UnitKind kind) {
  static const Table tables[] = {build_table(UnitKind::Bytes),
                                 build_table(UnitKind::BytesPerSecond),
                                 build_table(UnitKind::BytesPerCycle),
                                 build_table(UnitKind::Hertz),
                                 build_table(UnitKind::Seconds),
                                 build_table(UnitKind::Cycles),
                                 build_table(UnitKind::Watts),
                                 build_table(UnitKind::Joules),
                                 build_table(UnitKind::PicojoulesPerBit),
                                 build_table(UnitKind::PicojoulesPerFlop),
                                 build_table(UnitKind::FlopsPerSecond),
                                 build_table(UnitKind::FlopsPerCycle)};
  return tables[static_cast<int>(kind)];
}

}  // namespace

std::string unit_kind_name(UnitKind kind) {
  switch (kind) {
    case UnitKind::Bytes:
      return "size";
    case UnitKind::BytesPerSecond:
      return "bandwidth";
    case UnitKind::BytesPerCycle:
      return "bandwidth per cycle";
    case UnitKind::Hertz:
      return "frequency";
    case UnitKind::Seconds:
      return "time";
    case UnitKind::Cycles:
      return "cycle count";
    case UnitKind::Watts:
      return "power";
    case UnitKind::Joules:
      return "energy";
    case UnitKind::PicojoulesPerBit:
      return "energy per bit";
    case UnitKind::PicojoulesPerFlop:
      return "energy per FLOP";
    case UnitKind::FlopsPerSecond:
      return "throughput";
    case UnitKind::FlopsPerCycle:
      return "FLOP per cycle";
  }
  return "quantity";
}

std::string unit_kind_base(UnitKind kind) {
  switch (kind) {
    case UnitKind::Bytes:
      return "B";
    case UnitKind::BytesPerSecond:
      return "B/s";
    case UnitKind::BytesPerCycle:
      return "B/cycle";
    case UnitKind::Hertz:
      return "Hz";
    case UnitKind::Seconds:
      return "s";
    case UnitKind::Cycles:
      return "cycles";
    case UnitKind::Watts:
      return "W";
    case UnitKind::Joules:
      return "J";
    case UnitKind::PicojoulesPerBit:
      return "pJ/bit";
    case UnitKind::PicojoulesPerFlop:
      return "pJ/FLOP";
    case UnitKind::FlopsPerSecond:
      return "FLOP/s";
    case UnitKind::FlopsPerCycle:
      return "FLOP/cycle";
  }
  return "";
}

std::string unit_kind_examples(UnitKind kind) {
  switch (kind) {
    case UnitKind::Bytes:
      return "'48 KiB', '80 GB', '256 Mb' (B KB KiB MB MiB GB GiB TB; bits: b Kb Mb Gb)";
    case UnitKind::BytesPerSecond:
      return "'3.35 TB/s', '900 GB/s', '214 Pb/s' (B/s or b/s with k M G T P)";
    case UnitKind::BytesPerCycle:
      return "'4 B/cycle', '32 b/cycle'";
    case UnitKind::Hertz:
      return "'1.1 GHz', '900 MHz'";
    case UnitKind::Seconds:
      return "'5 us', '1.2 ms', '300 ns', '2 s'";
    case UnitKind::Cycles:
      return "'1 cycle', '12 cycles'";
    case UnitKind::Watts:
      return "'700 W', '23 kW'";
    case UnitKind::Joules:
      return "'10 pJ', '1.5 J'";
    case UnitKind::PicojoulesPerBit:
      return "'4 pJ/bit', '0.3 pJ/b'";
    case UnitKind::PicojoulesPerFlop:
      return "'0.5 pJ/FLOP'";
    case UnitKind::FlopsPerSecond:
      return "'989 TFLOP/s', '989 TFLOPS', '750 TOPS'";
    case UnitKind::FlopsPerCycle:
      return "'16 FLOP/cycle'";
  }
  return "";
}

UnitParseResult parse_quantity(std::string_view raw, UnitKind kind) {
  const std::string text = trim(raw);
  const std::string noun = unit_kind_name(kind);
  const bool vowel = !noun.empty() && std::string_view("aeiou").find(noun.front()) != std::string_view::npos;
  const std::string expected =
      std::string("expected ") + (vowel ? "an " : "a ") + noun + " with a unit, e.g. " + unit_kind_examples(kind);
  if (text.empty()) return "empty value; " + expected;
  std::size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  while (i < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == 'e' || text[i] == 'E' ||
          ((text[i] == '-' || text[i] == '+') && (text[i - 1] == 'e' || text[i - 1] == 'E')))) {
    // Stop at an 'E'/'e' that starts a unit (e.g. "1 EB") rather than an exponent.
    if ((text[i] == 'e' || text[i] == 'E') &&
        !(i + 1 < text.size() &&
          (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '-' || text[i + 1] == '+')))
      break;
    ++i;
  }
  const std::string number = text.substr(0, i);
  const std::string unit = trim(std::string_view(text).substr(i));
  if (number.empty() || number == "-" || number == "+") return "'" + text + "' is not a number; " + expected;
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return "'" + text + "' is not a number; " + expected;
  if (errno == ERANGE || !std::isfinite(value)) return "'" + text + "' is out of range";
  if (unit.empty()) return "'" + text + "' has no unit; " + expected;
  for (const auto& [spelling, factor] : table(kind)) {
    if (spelling == unit) {
      double scaled = value * factor;
      if (!std::isfinite(scaled)) return "'" + text + "' is out of range";
      return scaled;
    }
  }
  // Say which dimension the unit belongs to, when it belongs to another one.
  for (int k = 0; k <= static_cast<int>(UnitKind::FlopsPerCycle); ++k) {
    for (const auto& entry : table(static_cast<UnitKind>(k))) {
      if (entry.first == unit) {
        return "unit '" + unit + "' is a " + unit_kind_name(static_cast<UnitKind>(k)) + ", not a " +
               unit_kind_name(kind) + "; " + expected;
      }
    }
  }
  return "unknown unit '" + unit + "'; " + expected;
}

std::string format_quantity(double value, UnitKind kind) {
  struct Step {
    double factor;
    const char* prefix;
  };
  static constexpr Step kBinarySteps[] = {{1125899906842624.0, "Pi"}, {1099511627776.0, "Ti"}, {1073741824.0, "Gi"},
                                          {1048576.0, "Mi"},          {1024.0, "Ki"},          {1, ""}};
  static constexpr Step kDecimalSteps[] = {{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"},  {1e6, "M"},  {1e3, "k"},
                                           {1, ""},     {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}};
  const double mag = std::fabs(value);
  const std::string base = unit_kind_base(kind);
  if (kind == UnitKind::Bytes) {
    for (const auto& s : kBinarySteps)
      if (mag >= s.factor || s.factor == 1) return fmt::format("{:.4g} {}{}", value / s.factor, s.prefix, base);
  }
  if (kind == UnitKind::BytesPerCycle || kind == UnitKind::FlopsPerCycle || kind == UnitKind::Cycles ||
      kind == UnitKind::PicojoulesPerBit || kind == UnitKind::PicojoulesPerFlop || value == 0)
    return fmt::format("{:.4g} {}", value, base);
  // A prefix the kind does not take (seconds have no "E"; found by fuzzing) falls back to
  // the plain base unit, so whatever is printed parses back.
  for (const auto& s : kDecimalSteps) {
    if (mag < s.factor) continue;
    std::string text = fmt::format("{:.4g} {}{}", value / s.factor, s.prefix, base);
    if (std::holds_alternative<double>(parse_quantity(text, kind))) return text;
    break;
  }
  return fmt::format("{:.4g} {}", value, base);
}

}  // namespace wafersim
