#include "sim/workload/model_loader.h"

#include <gtest/gtest.h>

#include "sim/config/yaml_loader.h"
#include "sim/core/error.h"

namespace wafersim {
namespace {

std::string load_error(ConfigLibrary& library, const std::string& name) {
  try {
    (void)ModelLoader::load(library, name);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelLoader, EveryPresetLoads) {
  ConfigLibrary library(ConfigLibrary::default_root());
  const auto names = library.list(ConfigFolder::Models);
  for (const std::string expected :
       {"llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "mixtral-8x7b",
        "deepseek-v3", "gpt-3-175b", "bert-base", "bert-large", "tiny-llama"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const ModelSpec m = ModelLoader::load(library, name);
    EXPECT_EQ(m.name, name);
    EXPECT_FALSE(m.description.empty());
    EXPECT_TRUE(check_model(m).empty());
  }
}

TEST(ModelLoader, JsonPathsGoToHfImport) {
  ConfigLibrary library(ConfigLibrary::default_root());
  const ModelSpec m = ModelLoader::load(library, std::string(WAFERSIM_TEST_DATA) + "/hf/gpt2.json");
  EXPECT_EQ(m.name, "gpt2");
  EXPECT_EQ(m.layers, 12);
}

TEST(ModelLoader, InlineModelsAndOverrides) {
  ConfigLibrary library(ConfigLibrary::default_root());
  library.add_inline(ConfigFolder::Models, "mine",
                     YamlLoader::load_string("kind: model\npreset: tiny-llama\nlayers: 6\n", "scenario.yaml"));
  library.add_override(Override{"mine.kv_heads", "4", "--set"});
  const ModelSpec m = ModelLoader::load(library, "mine");
  EXPECT_EQ(m.name, "mine");
  EXPECT_EQ(m.layers, 6);
  EXPECT_EQ(m.kv_heads, 4);
  EXPECT_EQ(m.hidden, 512);
}

TEST(ModelLoader, Errors) {
  ConfigLibrary library(ConfigLibrary::default_root());
  library.set_device_kinds({"gpu"});
  library.add_inline(ConfigFolder::Models, "h100", YamlLoader::load_string("kind: gpu\n", "inline.yaml"));
  EXPECT_EQ(load_error(library, "h100"), "inline: --model: 'h100' is a gpu, not a model");
  library.add_inline(ConfigFolder::Models, "bad",
                     YamlLoader::load_string("kind: model\npreset: tiny-llama\nkv_heads: 3\n", "bad.yaml"));
  EXPECT_EQ(load_error(library, "bad"),
            "bad.yaml:3:11: kv_heads: heads (8) is not divisible by kv_heads (3): every KV head must serve the same "
            "number of query heads");
  EXPECT_EQ(load_error(library, "lama-2-7b")
                .rfind("--model: unknown name or missing file 'lama-2-7b' (did you mean "
                       "'llama-2-7b'?)",
                       0),
            0u);
}

}  // namespace
}  // namespace wafersim
