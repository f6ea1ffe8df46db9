#include "sim/config/schema.h"

#include <gtest/gtest.h>

#include "sim/config/yaml_loader.h"

namespace wafersim {
namespace {

enum class Color { Red, Blue };
struct Inner {
  Bytes sram{0};
};
struct Thing {
  Hertz clock{0};
  std::int64_t cores = 0;
  double efficiency = 0;
  bool fast = false;
  Color color = Color::Red;
  Inner core;
  DTypeTable<FlopsPerSecond> flops;
};

Schema<Thing> schema() {
  Schema<Inner> inner;
  inner.quantity("sram", &Inner::sram, UnitKind::Bytes, "SRAM per core.", "48 KiB");
  Schema<Thing> s;
  s.quantity("clock", &Thing::clock, UnitKind::Hertz, "Clock.", std::nullopt)
      .integer("cores", &Thing::cores, "Cores.", 10)
      .number("efficiency", &Thing::efficiency, "Efficiency.", 0.9, Range::Fraction)
      .flag("fast", &Thing::fast, "Fast.", false)
      .choice("color", &Thing::color, {{"red", Color::Red}, {"blue", Color::Blue}}, "Colour.", Color::Red)
      .section("core", &Thing::core, inner, "Per core.")
      .per_dtype("flops", &Thing::flops, UnitKind::FlopsPerSecond, "Peak.", false)
      .validate([](const ConfigNode& n, const Thing& t, Diagnostics& d) {
        if (t.cores > 1000) d.add(n.error_at_key("cores", "too many cores for this clock"));
      });
  return s;
}

std::vector<std::string> errors(const std::string& yaml, Thing* out = nullptr) {
  ConfigNode n = YamlLoader::load_string(yaml, "x.yaml");
  Thing t;
  Diagnostics d;
  schema().parse(n, t, d);
  if (out) *out = t;
  std::vector<std::string> msgs;
  for (const auto& x : d.items()) msgs.push_back(x.format());
  return msgs;
}

TEST(Schema, ParsesEveryFieldKindWithDefaults) {
  Thing t;
  EXPECT_TRUE(errors("clock: 1.1 GHz\nflops: {fp16: 989 TFLOP/s}\ncolor: blue\n", &t).empty());
  EXPECT_DOUBLE_EQ(t.clock.value(), 1.1e9);
  EXPECT_EQ(t.cores, 10);
  EXPECT_DOUBLE_EQ(t.efficiency, 0.9);
  EXPECT_EQ(t.color, Color::Blue);
  EXPECT_EQ(t.core.sram.value(), 48 * 1024);
  EXPECT_DOUBLE_EQ(t.flops.get(DType::Fp16)->value(), 989e12);
  EXPECT_FALSE(t.flops.get(DType::Fp8).has_value());
}

TEST(Schema, ReportsEveryErrorWithLocation) {
  const auto e =
      errors("clock: 1.1\ncores: -3\nefficiency: 1.5\ncolour: red\ncore: {sram: -4 KiB}\nflops: {fp17: 1 TFLOP/s}\n");
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[0], "x.yaml:1:8: clock: '1.1' has no unit; expected a frequency with a unit, e.g. '1.1 GHz', '900 MHz'");
  EXPECT_EQ(e[1], "x.yaml:2:8: cores: value -3 out of range (expected an integer >= 1)");
  EXPECT_EQ(e[2], "x.yaml:3:13: efficiency: value '1.5' out of range (expected in (0, 1])");
  EXPECT_EQ(e[3], "x.yaml:5:14: core.sram: value '-4 KiB' out of range (expected > 0)");
  EXPECT_EQ(e[4],
            "x.yaml:6:15: flops.fp17: unknown dtype 'fp17' (did you mean 'fp16'?) (expected one of: fp32, fp16, bf16, "
            "fp8, int8, int4, bfp8)");
  EXPECT_EQ(e[5].substr(0, 58), "x.yaml:4:1: colour: unknown key (did you mean 'color'?) (v");
}

TEST(Schema, MissingRequiredKeyAndOverflow) {
  auto e = errors("cores: 99999999999999999999\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_NE(e[0].find("clock: missing required key"), std::string::npos);
  EXPECT_NE(e[1].find("overflows 64 bits"), std::string::npos);
  e = errors("clock: 1 GHz\ncore: {sram: 1e30 B}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("overflows 64 bits"), std::string::npos);
}

TEST(Schema, ValidatorsRunOnlyOnCleanInput) {
  auto e = errors("clock: 1 GHz\ncores: 5000\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "x.yaml:2:8: cores: too many cores for this clock");
}

TEST(Schema, DescribeListsNestedKeysWithUnitsAndDefaults) {
  const auto docs = schema().describe();
  ASSERT_EQ(docs.size(), 8u);
  EXPECT_EQ(docs[0].path, "clock");
  EXPECT_EQ(docs[0].unit, "Hz");
  EXPECT_EQ(docs[0].default_text, "");
  EXPECT_EQ(docs[6].path, "core.sram");
  EXPECT_EQ(docs[6].default_text, "48 KiB");
  EXPECT_EQ(docs[4].type, "one of: red, blue");
}

}  // namespace
}  // namespace wafersim
