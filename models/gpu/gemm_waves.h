#pragma once
// How a GEMM (or a batch of `count` equal GEMMs) spreads over a GPU's SMs: the output
// is cut into tiles, one thread block per tile; when there are fewer tiles than SMs
// the reduction dimension is split (split-K) to fill them; the tiles then run in
// waves of one tile per SM. The last wave is usually partial, and rows past `m` in a
// tile are computed for nothing, so small and odd shapes reach less of the peak.
// Leaves out tile-shape autotuning beyond the rule below, persistent/stream-K
// schedulers, and more than one block per SM. Units: counts and FLOPs.

#include <cstdint>

namespace wafersim::gpu {

struct GemmWaves {
  std::int64_t tile_m = 0, tile_n = 0;  ///< output tile of one thread block
  std::int64_t tiles = 0;               ///< thread blocks, split-K pieces included
  std::int64_t split_k = 1;             ///< pieces the reduction dimension is cut into
  std::int64_t waves = 0;               ///< ⌈tiles / SMs⌉
  double padded_flops = 0;              ///< FLOPs the SMs spend, waves and padding included
  /// Useful FLOPs ÷ padded FLOPs: 1 for large aligned GEMMs, small for GEMVs.
  double efficiency = 1;

  /// Tiles for an (m × k)·(k × n) product repeated `count` times on `sms` SMs:
  /// tile_n = 128; tile_m = the power of two ≥ m, clamped to 16..128 (tensor cores
  /// need 16 rows; small-m kernels swap operands and use narrow tiles), and past 128
  /// rows 64 when that pads less than 128; split-K
  /// into pieces of at least 256 along k while tiles < SMs.
  [[nodiscard]] static GemmWaves plan(std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t count,
                                      std::int64_t sms);
};

}  // namespace wafersim::gpu
