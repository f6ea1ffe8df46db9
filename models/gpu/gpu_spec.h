#pragma once
// The parameters of one HBM-bound GPU (A100, H100, H200, B200, or one a user
// describes), as read from a `kind: gpu` YAML file. Peaks are vendor figures
// (dense, no 2:4 sparsity); what a kernel actually reaches is expressed by two
// named efficiencies measured once per device by microbenchmarks, never tuned per
// model (MODELING.md "GPU"). Units: bytes, bytes/s, FLOP/s, hertz, seconds, watts.

#include <cstdint>
#include <optional>
#include <string>

#include "sim/config/schema.h"
#include "sim/core/units.h"
#include "sim/energy/energy_spec.h"

namespace wafersim::gpu {

/// Off-chip memory (HBM stacks).
struct GpuHbm {
  Bytes capacity{0};
  BytesPerSecond bandwidth{0};
  Bytes reserved{0};  ///< held by the CUDA context, library workspaces, the allocator
};

/// Last-level cache. Unused at roofline; `approx` reads operands that fit from it.
struct GpuL2 {
  Bytes size{0};
  std::optional<BytesPerSecond> bandwidth;
};

/// The scale-up fabric (NVLink through NVSwitch).
struct GpuNvlink {
  BytesPerSecond bandwidth{0};  ///< per GPU, per direction
  Seconds latency{0};           ///< per hop / per switched message
  std::int64_t domain = 8;      ///< GPUs one NVLink/NVSwitch domain joins
};

/// The scale-out network (InfiniBand or Ethernet NIC per GPU).
struct GpuScaleOut {
  BytesPerSecond bandwidth{0};  ///< per GPU, per direction
  Seconds latency{0};
};

struct GpuPcie {
  BytesPerSecond bandwidth{0};  ///< host link, per direction
};

struct GpuPower {
  Watts tdp{0};
  DevicePowerLimits limits;  ///< power.idle, power.static (resident), power.cap (sim/energy)
};

/// Fractions of peak that real kernels reach, calibrated per device.
struct GpuEfficiency {
  double compute = 1;  ///< of the dense tensor peak, a GEMM tile's main loop (A-77, A-415)
  /// Fixed time each GEMM tile costs beyond its main loop (pipeline fill, epilogue), once per
  /// tile per wave (approx, A-415): what makes short-K, small and fp8 GEMMs reach less of the peak.
  Seconds gemm_tile_overhead{0};
  double memory = 1;         ///< of the HBM bandwidth (device-to-device copy)
  double elementwise = 0.9;  ///< of the HBM bandwidth, norms/activations/residuals (approx, A-74)
  double attention = 0.75;   ///< of the tensor peak inside a FlashAttention kernel (approx, A-75)
  /// Weight streaming of GEMV/skinny GEMM kernels (approx, A-204): fraction of the HBM
  /// bandwidth a large matrix reaches (unset: `memory`), and the bytes at which a kernel
  /// reaches half of it (a fixed ramp of weights_ramp / (weights × bandwidth) per kernel).
  std::optional<double> weights;
  Bytes weights_ramp{0};
  /// Weight-streaming bandwidth of quantized kernels relative to the 16-bit GEMV.
  DTypeTable<double> quantized;
  /// Decode attention over the KV cache (approx, A-206): fraction of the HBM bandwidth a
  /// large batch × context reaches, and the KV bytes at which a kernel reaches half of it.
  std::optional<double> decode_attention;
  Bytes decode_attention_ramp{0};
  std::optional<double> mla_decode;  ///< the same for MLA (latent KV) decode kernels (A-207); unset: decode_attention
};

struct GpuSpec {
  std::string description;
  std::int64_t sms = 0;
  Hertz clock{0};
  DTypeTable<FlopsPerSecond> flops;  ///< dense tensor-core peak per format
  FlopsPerSecond vector_flops{0};    ///< FP32 on the CUDA cores (non-tensor ops)
  GpuHbm hbm;
  GpuL2 l2;
  Seconds launch_overhead{0};
  Seconds kernel_latency{0};  ///< GPU-side fixed cost of every kernel (approx, A-72)
  bool cuda_graphs = true;
  GpuNvlink nvlink;
  GpuScaleOut scale_out;
  GpuPcie pcie;
  GpuPower power;
  GpuEfficiency efficiency;
  DeviceEnergySpec energy;    ///< sim/energy
  DevicePriceSpec price;      ///< sim/energy
  DeviceCoolingSpec cooling;  ///< sim/energy

  /// HBM left for weights, KV cache and activations.
  [[nodiscard]] Bytes usable_memory() const { return hbm.capacity - hbm.reserved; }
};

/// The schema of a `kind: gpu` file: parses it and documents it (`describe gpu`).
[[nodiscard]] const Schema<GpuSpec>& gpu_schema();

/// The format whose tensor rate an op stored as `stored` runs at: `stored`
/// itself when the GPU lists a rate for it, else the next wider format it lists
/// (int4 → int8 → fp16 → bf16; fp8 → fp16 → bf16; fp16 ↔ bf16). Empty when none
/// is listed (fp32 on a GPU without `flops.fp32`).
[[nodiscard]] std::optional<DType> compute_format(const GpuSpec& spec, DType stored);

}  // namespace wafersim::gpu
