#pragma once
#include <string>
// The cost of one op on the devices of one pipeline stage, as a device kind's cost
// model computes it. Bandwidth-like terms overlap (the op takes the longest of
// them: the roofline); latency and overhead terms add on top.

#include <optional>
#include <string_view>

#include "sim/core/units.h"
#include "sim/mapping/plan.h"

namespace wafersim {

/// The resource that bounds an op or a step (the JSON `bound` field).
enum class Bound { Compute, Memory, Fabric, Interconnect, Latency };
[[nodiscard]] std::string_view bound_name(Bound b);

/// What an op moved and computed, counted by the cost model that timed it, per level
/// of the hierarchy. Energy prices these counts (pJ/FLOP, pJ/bit per level), so
/// timing and energy read the same numbers. Whole op, over all devices it spans.
struct Traffic {
  double flops = 0;
  double sram_bytes = 0;          ///< on-chip SRAM read + written (wafer core, LPU, GPU L2/shared)
  double hbm_bytes = 0;           ///< off-chip DRAM / HBM read + written
  double fabric_byte_hops = 0;    ///< on-wafer mesh: bytes × hops travelled
  double interconnect_bytes = 0;  ///< between devices: NVLink, chip-to-chip, PCIe, Ethernet
  double io_bytes = 0;            ///< wafer edge I/O (weight streaming, wafer to wafer)
  Traffic& operator+=(const Traffic& o) {
    flops += o.flops;
    sram_bytes += o.sram_bytes;
    hbm_bytes += o.hbm_bytes;
    fabric_byte_hops += o.fabric_byte_hops;
    interconnect_bytes += o.interconnect_bytes;
    io_bytes += o.io_bytes;
    return *this;
  }
};

struct OpCost {
  Seconds compute{0};         ///< FLOPs at the achievable rate
  Seconds memory{0};          ///< bytes from the memory level weights live in (HBM, SRAM)
  Seconds fabric{0};          ///< on-chip network bandwidth (wafer mesh)
  Seconds fabric_latency{0};  ///< hops × hop latency (reductions, broadcasts)
  Seconds overhead{0};        ///< fixed per-op costs (kernel launch)
  Seconds interconnect{0};    ///< fixed time on links between devices inside the op (adds; e.g. a hop back)
  Traffic traffic;            ///< what the op moved and computed (energy)
  std::string note;           ///< optional words for `explain` (e.g. why it costs less than an op of its shape)
};

/// Where one op runs, for the cost model.
struct OpContext {
  const Plan& plan;
  const Stage& stage;
  int tp = 1;
};

/// The collectives the pipeline engine inserts between a stage's devices.
enum class CollectiveKind { AllReduce, AllGather, ReduceScatter, AllToAll };

/// A device kind's per-op cost at one fidelity.
class OpCostModel {
 public:
  virtual ~OpCostModel() = default;
  [[nodiscard]] virtual OpCost cost(const Op& op, const OpContext& ctx) const = 0;
  /// Optional: the kind's own price of a collective of `bytes` per device over `n`
  /// devices around `op` (measured tables, its software stack); nullopt = the link
  /// formulas.
  [[nodiscard]] virtual std::optional<CollectiveCost> collective(CollectiveKind, Bytes, int, const Op&,
                                                                 const OpContext&) const {
    return std::nullopt;
  }
  /// Optional: host time per step the devices wait for (a serving stack's scheduler).
  [[nodiscard]] virtual Seconds step_overhead(const Plan&) const { return Seconds(0); }
};

}  // namespace wafersim
