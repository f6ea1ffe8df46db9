// GemmWaves: tiles, split-K and waves in closed form.

#include "models/gpu/gemm_waves.h"

#include <gtest/gtest.h>

namespace wafersim::gpu {
namespace {

TEST(GemmWaves, LargeSquareGemmLosesOnlyItsPartialLastWave) {
  // 8192³ on 132 SMs: 64 × 64 tiles of 128 × 128 = 4096 tiles, ⌈4096 / 132⌉ = 32 waves.
  const GemmWaves w = GemmWaves::plan(8192, 8192, 8192, 1, 132);
  EXPECT_EQ(w.tile_m, 128);
  EXPECT_EQ(w.tile_n, 128);
  EXPECT_EQ(w.split_k, 1);
  EXPECT_EQ(w.tiles, 4096);
  EXPECT_EQ(w.waves, 32);
  EXPECT_DOUBLE_EQ(w.efficiency, 4096.0 / (32 * 132));
}

TEST(GemmWaves, ExactlyFullWavesAreFullyEfficient) {
  // 132 tiles of 128 × 128 on 132 SMs: one full wave.
  const GemmWaves w = GemmWaves::plan(128, 4096, 132 * 128, 1, 132);
  EXPECT_EQ(w.waves, 1);
  EXPECT_DOUBLE_EQ(w.efficiency, 1.0);
}

TEST(GemmWaves, GemvPadsToSixteenRowsAndSplitsKToFillTheSms) {
  // m = 1: tile_m = 16, 8192 / 128 = 64 output tiles < 132 SMs ⇒ split-K by
  // min(132 / 64, 8192 / 256) = 2 ⇒ 128 blocks in one wave.
  const GemmWaves w = GemmWaves::plan(1, 8192, 8192, 1, 132);
  EXPECT_EQ(w.tile_m, 16);
  EXPECT_EQ(w.split_k, 2);
  EXPECT_EQ(w.tiles, 128);
  EXPECT_EQ(w.waves, 1);
  // Useful 2·1·8192·8192 of 132 blocks × 2·16·128·4096 padded FLOPs.
  EXPECT_DOUBLE_EQ(w.efficiency, (2.0 * 8192 * 8192) / (132 * 2.0 * 16 * 128 * 4096));
}

TEST(GemmWaves, ShortReductionsAreNotSplit) {
  // k = 256 cannot be cut into pieces of at least 256.
  const GemmWaves w = GemmWaves::plan(16, 256, 128, 1, 100);
  EXPECT_EQ(w.split_k, 1);
  EXPECT_EQ(w.tiles, 1);
}

TEST(GemmWaves, BatchedProductsShareTheWaves) {
  // 32 heads of a 128 × 128 × 128 product: 32 tiles, no split (k = 128), one wave of 100.
  const GemmWaves w = GemmWaves::plan(128, 128, 128, 32, 100);
  EXPECT_EQ(w.tiles, 32);
  EXPECT_EQ(w.waves, 1);
  EXPECT_DOUBLE_EQ(w.efficiency, 0.32);
}

TEST(GemmWaves, TallProductsPickTheTileThatPadsLess) {
  EXPECT_EQ(GemmWaves::plan(144, 4096, 4096, 1, 132).tile_m, 64);   // 192 rows instead of 256
  EXPECT_EQ(GemmWaves::plan(256, 4096, 4096, 1, 132).tile_m, 128);  // exact either way: fewer blocks
  EXPECT_EQ(GemmWaves::plan(100, 4096, 4096, 1, 132).tile_m, 128);
}

TEST(GemmWaves, EfficiencyNeverExceedsOne) {
  for (std::int64_t m : {1, 7, 16, 100, 128, 129, 1000})
    for (std::int64_t n : {64, 128, 1000, 4096})
      EXPECT_LE(GemmWaves::plan(m, 4096, n, 1, 132).efficiency, 1.0) << m << " " << n;
}

}  // namespace
}  // namespace wafersim::gpu
