#include "sim/workload/graph_cache.h"

#include <gtest/gtest.h>

#include "sim/config/config_library.h"
#include "sim/workload/graph_builder.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

TEST(GraphCache, SharesAGraphPerModelAndShapeAndEvictsTheLeastRecent) {
  ConfigLibrary library(root());
  const ModelSpec m = ModelLoader::load(library, "tiny-llama");
  GraphCache cache(2);
  const StepShape a{StepKind::Decode, 1, 1, 128, DType::Fp16, DType::Fp16};
  StepShape b = a;
  b.batch = 4;
  StepShape c = a;
  c.kv_dtype = DType::Fp8;
  const auto ga = cache.get(m, a);
  EXPECT_EQ(cache.get(m, a), ga);
  const auto gb = cache.get(m, b);
  EXPECT_NE(gb, ga);
  EXPECT_EQ(gb->shape().batch, 4);
  EXPECT_DOUBLE_EQ(ga->total_flops(), GraphBuilder::build(m, a).total_flops());
  (void)cache.get(m, c);           // evicts a (capacity 2)
  EXPECT_NE(cache.get(m, a), ga);  // rebuilt
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 4u);
  const ModelSpec other = m;  // another spec: another key, even if equal
  EXPECT_NE(cache.get(other, a), cache.get(m, a));
}

}  // namespace
}  // namespace wafersim
