#include "sim/config/yaml_loader.h"

#include <gtest/gtest.h>

namespace wafersim {
namespace {

std::string error_of(const std::string& text) {
  try {
    (void)YamlLoader::load_string(text, "t.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(YamlLoader, KeepsLinesColumnsAndPaths) {
  ConfigNode n = YamlLoader::load_string("kind: wafer\ncore:\n  sram: 48 KiB\nlist: [1, 2]\n", "t.yaml");
  ASSERT_TRUE(n.is_map());
  const ConfigNode* sram = n.find("core")->find("sram");
  ASSERT_NE(sram, nullptr);
  EXPECT_EQ(sram->scalar(), "48 KiB");
  EXPECT_EQ(sram->mark().line, 3);
  EXPECT_EQ(sram->mark().column, 9);
  EXPECT_EQ(sram->path(), "core.sram");
  EXPECT_EQ(n.find("list")->at(1).path(), "list[1]");
}

TEST(YamlLoader, RejectsDuplicateKeys) {
  EXPECT_EQ(error_of("a: 1\nb: 2\na: 3\n"), "t.yaml:3:1: a: duplicate key 'a'");
}

TEST(YamlLoader, RejectsAliasBombsFast) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", " : "") + "*" + prev;
    bomb += "]\n";
    prev = c;
  }
  EXPECT_NE(error_of(bomb).find("document too large"), std::string::npos);
}

TEST(YamlLoader, RejectsAbsurdNesting) {
  EXPECT_NE(error_of(std::string(5000, '[') + std::string(5000, ']')).find("nesting deeper than 64"),
            std::string::npos);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string(static_cast<std::size_t>(2 * i), ' ') + "k:\n";
  EXPECT_NE(error_of(deep).find("nesting deeper than 64"), std::string::npos);
}

TEST(YamlLoader, RejectsGarbageAndEmptyAndMultipleDocuments) {
  EXPECT_NE(error_of("a: [1, 2\n").find("YAML syntax error"), std::string::npos);
  EXPECT_NE(error_of("").find("file is empty"), std::string::npos);
  EXPECT_NE(error_of("a: 1\n---\nb: 2\n").find("more than one YAML document"), std::string::npos);
  EXPECT_NE(error_of(std::string("a: \0b", 5)).find("NUL"), std::string::npos);
  EXPECT_NE(error_of("? [a, b]\n: 1\n").find("map keys must be plain"), std::string::npos);
}

TEST(YamlLoader, AliasesExpandWithinBudget) {
  ConfigNode n = YamlLoader::load_string("base: &b {x: 1}\ncopy: *b\n", "t.yaml");
  EXPECT_EQ(n.find("copy")->find("x")->scalar(), "1");
}

TEST(YamlLoader, MissingFileIsAnInputError) {
  EXPECT_THROW((void)YamlLoader::load_file("/nonexistent/x.yaml"), InputError);
}

TEST(ConfigNode, MergeOverlaysMapsAndWritesYamlBack) {
  ConfigNode a = YamlLoader::load_string("core: {sram: 48 KiB, bw: 16 B/cycle}\nname: a\n", "a.yaml");
  ConfigNode b = YamlLoader::load_string("core: {sram: 96 KiB}\n", "b.yaml");
  ConfigNode m = ConfigNode::merge(a, b);
  EXPECT_EQ(m.find("core")->find("sram")->scalar(), "96 KiB");
  EXPECT_EQ(m.find("core")->find("sram")->mark().file, "b.yaml");
  EXPECT_EQ(m.find("core")->find("bw")->scalar(), "16 B/cycle");
  ConfigNode round = YamlLoader::load_string(m.to_yaml(), "r.yaml");
  EXPECT_EQ(round.find("core")->find("bw")->scalar(), "16 B/cycle");
  EXPECT_EQ(round.find("name")->scalar(), "a");
}

}  // namespace
}  // namespace wafersim
