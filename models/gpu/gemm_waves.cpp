#include "models/gpu/gemm_waves.h"

#include <algorithm>

namespace wafersim::gpu {
namespace {

constexpr std::int64_t kTileN = 128;
constexpr std::int64_t kMinTileM = 16;
constexpr std::int64_t kMaxTileM = 128;
constexpr std::int64_t kMinSplitK = 256;  ///< shortest reduction piece worth a block

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

GemmWaves GemmWaves::plan(std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t count, std::int64_t sms) {
  GemmWaves w;
  m = std::max<std::int64_t>(m, 1);
  k = std::max<std::int64_t>(k, 1);
  n = std::max<std::int64_t>(n, 1);
  count = std::max<std::int64_t>(count, 1);
  sms = std::max<std::int64_t>(sms, 1);
  // The power of two that covers m (16..128); past 128 rows, 64 or 128, whichever
  // pads less (ties: 128, fewer blocks).
  w.tile_m = kMinTileM;
  while (w.tile_m < m && w.tile_m < kMaxTileM) w.tile_m *= 2;
  if (m > kMaxTileM && ceil_div(m, kMaxTileM / 2) * (kMaxTileM / 2) < ceil_div(m, kMaxTileM) * kMaxTileM)
    w.tile_m = kMaxTileM / 2;
  w.tile_n = kTileN;
  const std::int64_t output_tiles = ceil_div(m, w.tile_m) * ceil_div(n, w.tile_n) * count;
  if (output_tiles < sms) w.split_k = std::max<std::int64_t>(1, std::min(sms / output_tiles, k / kMinSplitK));
  w.tiles = output_tiles * w.split_k;
  w.waves = ceil_div(w.tiles, sms);
  // Every SM slot of every wave costs one tile's worth of work.
  const double tile_flops =
      2.0 * static_cast<double>(w.tile_m * w.tile_n) * static_cast<double>(ceil_div(k, w.split_k));
  w.padded_flops = static_cast<double>(w.waves * sms) * tile_flops;
  const double useful =
      2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n) * static_cast<double>(count);
  w.efficiency = std::min(1.0, useful / w.padded_flops);
  return w;
}

}  // namespace wafersim::gpu
