#pragma once
// The description of an SRAM-only, software-scheduled inference chip (Groq
// GroqChip / "LPU"): on-chip SRAM and its bandwidth, dense FLOP rates per format,
// and the chip-to-chip (C2C) links that join chips into a pipeline. Rates are per
// second (the clock is kept for reporting and later cycle figures). Leaves out the
// chip's internal stream layout (superlanes, slices) and instruction issue: the
// compiler schedules everything statically, so there is no launch overhead and
// compute overlaps memory. Parsed by `lpu_schema()`, which also documents
// every key for `wafersim describe lpu`.

#include <cstdint>
#include <optional>
#include <string>

#include "sim/config/schema.h"
#include "sim/core/units.h"
#include "sim/energy/energy_spec.h"
#include "sim/hardware/link_spec.h"

namespace wafersim::lpu {

/// How chips are cabled: the chips of a node are joined all to all, the
/// nodes of a rack by node-to-node cables, racks by a software-scheduled dragonfly.
/// A route's hop count depends only on where its two ends sit; each hop costs the
/// C2C latency.
struct C2cTopology {
  std::int64_t chips_per_node = 8;
  std::int64_t nodes_per_rack = 9;
  std::int64_t hops_in_node = 1;       ///< direct cable between two cards of a node
  std::int64_t hops_in_rack = 3;       ///< node-local, node-to-node, node-local
  std::int64_t hops_across_racks = 5;  ///< node-local, rack-local, global, rack-local, node-local
};

/// Chip-to-chip links.
struct C2cSpec {
  std::int64_t links = 0;  ///< links per chip
  std::int64_t lanes_per_link = 0;
  BytesPerSecond lane_rate{0};                ///< per lane, per direction (signalling rate)
  std::optional<BytesPerSecond> bandwidth;    ///< per link per direction; absent = lanes × lane rate
  Seconds latency{0};                         ///< per hop
  std::int64_t links_between_neighbours = 1;  ///< links joining two pipeline neighbours (A-42)
  C2cTopology topology;
  LinkReliability reliability;  ///< bit errors and replays (A-280)
};

struct PowerSpec {
  std::optional<Watts> chip;  ///< one chip (card), when known
  DevicePowerLimits limits;   ///< power.idle, power.static (resident), power.cap (sim/energy)
};

struct LpuSpec {
  std::string description;
  Bytes sram{0};
  Bytes sram_reserved{0};
  BytesPerSecond sram_bandwidth{0};
  DTypeTable<FlopsPerSecond> flops;
  Hertz clock{0};
  C2cSpec c2c;
  std::int64_t max_tensor_parallel = 64;  ///< chips one layer may be split over (A-43)
  PowerSpec power;
  DeviceEnergySpec energy;    ///< sim/energy
  DevicePriceSpec price;      ///< sim/energy
  DeviceCoolingSpec cooling;  ///< sim/energy
  // Pipelines of the chip, used by the approx cost model (A-90..A-93).
  std::int64_t mxm_dim = 320;              ///< matrix unit is mxm_dim × mxm_dim (weights pad to its tiles)
  std::int64_t vector_alus = 5120;         ///< vector ALU ops per cycle (norms, softmax, elementwise)
  std::int64_t stream_latency_cycles = 0;  ///< cycles a dependent op waits for its input stream to arrive
  Seconds layer_latency{0};                ///< fixed latency of one transformer layer's schedule (A-272)
  std::int64_t stream_chunk_tokens = 64;   ///< tokens per chunk a streamed prefill holds on a chip (A-274)

  /// SRAM left for weights, KV cache and activations.
  [[nodiscard]] Bytes usable_sram() const { return sram - sram_reserved; }
  /// Bandwidth of one C2C link per direction (given, or lanes × lane rate).
  [[nodiscard]] BytesPerSecond link_bandwidth() const;
  /// Bandwidth between two pipeline neighbours: links between them × per-link bandwidth.
  [[nodiscard]] BytesPerSecond neighbour_bandwidth() const;
  /// Hops on the route between chips `a` and `b` of a group (0 for the same chip, A-270).
  [[nodiscard]] std::int64_t hops_between(std::int64_t a, std::int64_t b) const;
  /// The rate an op of `dtype` runs at: its own, or the next wider format the chip
  /// has (int4 → int8 → fp16, fp8 → fp16, bf16 ↔ fp16; A-41). None when nothing fits.
  [[nodiscard]] std::optional<FlopsPerSecond> flops_for(DType dtype) const;
  /// Vector pipeline rate: vector_alus × clock (ops per second).
  [[nodiscard]] double vector_ops_per_s() const { return static_cast<double>(vector_alus) * clock.value(); }
};

/// The schema of a `kind: lpu` file: parses, validates, documents.
[[nodiscard]] const Schema<LpuSpec>& lpu_schema();

}  // namespace wafersim::lpu
