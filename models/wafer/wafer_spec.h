#pragma once
// The description of a wafer-scale processor (WSE-2, WSE-3, or any mesh a user
// writes): a 2D mesh of cores, each with its own SRAM, joined by a fabric of
// neighbour links, plus the wafer's I/O to the outside. Per-core figures are per
// cycle (B/cycle, FLOP/cycle, cycles per hop); the clock turns them into rates.
// Leaves out the core's vector unit beyond its FLOP rate, router pipelines and
// turn costs, and anything about the host. Parsed by `wafer_schema()`,
// which also documents every key for `wafersim describe wafer`.

#include <cstdint>
#include <optional>
#include <string>

#include "sim/config/schema.h"
#include "sim/core/units.h"
#include "sim/energy/energy_spec.h"

namespace wafersim::wafer {

/// How layers are laid out on the mesh (MODELING.md "Wafer").
enum class WaferMapping {
  Auto,             ///< the mapper chooses; at roofline this is layer_pipelined (A-30)
  LayerPipelined,   ///< each layer owns a region sized by its resident bytes
  WaferParallel,    ///< every layer uses the whole mesh, layers run one after another
  WeightStreaming,  ///< weights live off-wafer and stream in through the wafer I/O
};

struct MeshSpec {
  std::int64_t width = 0;        ///< cores along x
  std::int64_t height = 0;       ///< cores along y
  double usable_fraction = 1.0;  ///< cores left after defects and redundancy
};

struct CoreSpec {
  Bytes sram{0};           ///< per core
  Bytes reserved_sram{0};  ///< per core, for code, stack and runtime buffers
  BytesPerCycle sram_read_bandwidth{0};
  BytesPerCycle sram_write_bandwidth{0};
  DTypeTable<FlopsPerCycle> flops_per_cycle;  ///< per dtype; absent = runs at a wider one
  /// Cycles from a message's arrival to the core acting on it (task activation,
  /// router reconfiguration): paid once per kernel, per multicast and per
  /// reduction step or K-tree level. Calibrated on WaferLLM's 16K
  /// GEMV.
  Cycles task_overhead{0};
  /// Bytes of the partial sums a local matrix product keeps in SRAM per output
  /// (fp32 accumulators: read and written once per multiply-add); 0 = they stay
  /// in registers in the op's format.
  Bytes accumulator{0};
  /// Share of the FMAC rate a MeshGEMM step sustains (measured GEMM on the wafer; A-240).
  double gemm_efficiency = 1.0;
};

struct FabricSpec {
  BytesPerCycle link_bandwidth{0};  ///< per link, per direction
  Cycles hop_latency{0};            ///< per router hop a wavelet passes through
  std::int64_t colors = 24;         ///< routes per router (used by the approx engine)
  /// Cycles between a core and its router, each way: paid twice by a core that
  /// takes a wavelet in, adds and sends it on.
  Cycles ramp_latency{0};
};

struct IoSpec {
  BytesPerSecond bandwidth{0};  ///< wafer edge to the outside, per direction
  Seconds latency{0};           ///< one hop to another wafer or the weight store
  Bytes external_memory{0};     ///< off-wafer weight store (MemoryX) for weight_streaming
};

/// A region of rows × cols cores (rows along the mesh height).
struct RegionSize {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  [[nodiscard]] std::int64_t cores() const { return rows * cols; }
};

/// Which family of mesh kernels prices the ops.
enum class KernelFamily {
  Mesh,  ///< WaferLLM's: MeshGEMV (input in place, K-tree all-reduce), MeshGEMM shifts, 2-D attention blocks
  Line,  ///< row multicasts and line reductions (the layout the cycle-level reference runs)
};

/// How a layer's ops share the region's cores and fabric.
enum class LayerSchedule {
  Dataflow,    ///< reductions overlap the next ops' local work; a norm folds into the next product
  Sequential,  ///< each op starts when the one before it has ended (kernels run one at a time)
};

/// `stack:` what a production serving stack adds to the hardware's time:
/// runtime work per forward pass (host round trip, sampling, scheduling) that no
/// kernel-level figure contains. Zero for research kernels measured on bare hardware.
struct StackSpec {
  Seconds step_overhead{0};   ///< added once to every step (one forward pass of the batch)
  Seconds layer_overhead{0};  ///< added after every transformer layer of a step
};

/// `mapping:` the layout and, optionally, a forced region size.
struct MappingSpec {
  WaferMapping mode = WaferMapping::Auto;
  KernelFamily kernels = KernelFamily::Mesh;
  LayerSchedule schedule = LayerSchedule::Sequential;
  std::string region;  ///< "" = searched; "RxC" forces every layer's (or kernel's) region
  /// The forced region, parsed; none when `region` is empty (validated at parse).
  [[nodiscard]] std::optional<RegionSize> forced_region() const;
};

/// "420x420" → {420, 420}; none when the text is not ROWSxCOLS with positive integers.
[[nodiscard]] std::optional<RegionSize> parse_region(const std::string& text);

struct PowerSpec {
  std::optional<Watts> system;  ///< whole system (CS-3), when known
  DevicePowerLimits limits;     ///< power.idle, power.static (resident), power.cap (sim/energy)
};

struct WaferSpec {
  std::string description;
  MeshSpec mesh;
  Hertz clock{0};
  CoreSpec core;
  FabricSpec fabric;
  IoSpec io;
  MappingSpec mapping;
  StackSpec stack;
  PowerSpec power;
  DeviceEnergySpec energy;    ///< sim/energy
  DevicePriceSpec price;      ///< sim/energy
  DeviceCoolingSpec cooling;  ///< sim/energy

  /// Cores a program can use: floor(width × height × usable_fraction), at least 1.
  [[nodiscard]] std::int64_t usable_cores() const;
  /// SRAM per core left for weights, KV cache and activations.
  [[nodiscard]] Bytes usable_sram_per_core() const { return core.sram - core.reserved_sram; }
  /// usable cores × usable SRAM per core (overflow-checked).
  [[nodiscard]] Bytes usable_sram() const;
  /// The FLOP rate an op of `dtype` runs at: its own, or the next wider format the
  /// core has (int4 → int8 → fp16, fp8 → fp16, bf16 ↔ fp16; A-32). None when the
  /// core has no format wide enough.
  [[nodiscard]] std::optional<FlopsPerCycle> flops_per_cycle_for(DType dtype) const;
  /// The layout the roofline cost model uses (`auto` resolves to layer_pipelined).
  [[nodiscard]] WaferMapping effective_mapping() const;
};

/// Names of the mapping values, as written in YAML.
[[nodiscard]] std::string_view wafer_mapping_name(WaferMapping m);

/// The keys of a serving stack (`stack:` of a device, `software.wafer` of a system).
[[nodiscard]] Schema<StackSpec> stack_schema();

/// The schema of a `kind: wafer` file: parses, validates, documents.
[[nodiscard]] const Schema<WaferSpec>& wafer_schema();

}  // namespace wafersim::wafer
