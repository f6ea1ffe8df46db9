#include "models/gpu/gpu_spec.h"

#include <vector>

namespace wafersim::gpu {
namespace {

std::string size_text(Bytes b) { return format_quantity(static_cast<double>(b.value()), UnitKind::Bytes); }

Schema<GpuHbm> hbm_schema() {
  Schema<GpuHbm> s;
  s.quantity("capacity", &GpuHbm::capacity, UnitKind::Bytes,
             "HBM on the board, as the driver reports it (vendor 'GB' of HBM are GiB, A-27).", std::nullopt)
      .quantity("bandwidth", &GpuHbm::bandwidth, UnitKind::BytesPerSecond, "Peak HBM bandwidth (vendor figure).",
                std::nullopt)
      .quantity("reserved", &GpuHbm::reserved, UnitKind::Bytes,
                "HBM no model data can use: CUDA context, cuBLAS/NCCL workspaces, allocator slack (A-22).", "2 GiB",
                Range::NonNegative);
  return s;
}

Schema<GpuL2> l2_schema() {
  Schema<GpuL2> s;
  s.quantity("size", &GpuL2::size, UnitKind::Bytes, "L2 cache size.", std::nullopt)
      .optional_quantity("bandwidth", &GpuL2::bandwidth, UnitKind::BytesPerSecond,
                         "L2 read bandwidth; unused at roofline. The approx model reads activations that fit in half "
                         "the L2 at this rate (A-76); without it every operand comes from HBM.");
  return s;
}

Schema<GpuNvlink> nvlink_schema() {
  Schema<GpuNvlink> s;
  s.quantity("bandwidth", &GpuNvlink::bandwidth, UnitKind::BytesPerSecond,
             "NVLink bandwidth per GPU per direction (half the bidirectional figure vendors print).", std::nullopt)
      .quantity("latency", &GpuNvlink::latency, UnitKind::Seconds,
                "Latency of one NVLink/NVSwitch message: one step of a ring collective, one phase of a one-shot "
                "all-reduce (A-23, A-80).",
                std::nullopt, Range::NonNegative)
      .integer("domain", &GpuNvlink::domain,
               "Most GPUs one NVLink/NVSwitch domain joins: the largest tensor-parallel group.", 8, 1, 1'000'000);
  return s;
}

Schema<GpuScaleOut> scale_out_schema() {
  Schema<GpuScaleOut> s;
  s.quantity("bandwidth", &GpuScaleOut::bandwidth, UnitKind::BytesPerSecond,
             "Scale-out NIC bandwidth per GPU per direction (InfiniBand/Ethernet between NVLink domains).",
             std::nullopt)
      .quantity("latency", &GpuScaleOut::latency, UnitKind::Seconds, "Latency of one scale-out message (A-23).",
                std::nullopt, Range::NonNegative);
  return s;
}

Schema<GpuPcie> pcie_schema() {
  Schema<GpuPcie> s;
  s.quantity("bandwidth", &GpuPcie::bandwidth, UnitKind::BytesPerSecond, "Host PCIe bandwidth per direction.",
             std::nullopt);
  return s;
}

Schema<GpuPower> power_schema() {
  Schema<GpuPower> s;
  s.quantity("tdp", &GpuPower::tdp, UnitKind::Watts, "Board power limit (TDP).", std::nullopt);
  add_power_limit_keys(s, &GpuPower::limits);
  return s;
}

Schema<GpuEfficiency> efficiency_schema() {
  Schema<GpuEfficiency> s;
  s.number("compute", &GpuEfficiency::compute,
           "Fraction of the dense tensor peak a large GEMM reaches in full waves, measured once per device. Applies "
           "to every op's FLOPs (A-25, A-70); not a per-model factor. At approx it is the fraction a tile's main "
           "loop reaches, beside `gemm_tile_overhead` (A-415; A100/H100 fitted to the Vidur per-op GEMM tables, "
           "0.755/0.765; the 8192^3 bf16 figure of A-77, about 800 of 989 TFLOP/s on H100, is a check).",
           std::nullopt, Range::Fraction)
      .quantity("gemm_tile_overhead", &GpuEfficiency::gemm_tile_overhead, UnitKind::Seconds,
                "Fixed time each GEMM tile (tile_m x 128 outputs) costs beyond its main loop, once per tile per "
                "wave: pipeline fill and epilogue (approx only, A-415). With `compute` as the main-loop fraction "
                "it makes short-K, small and fp8 GEMMs reach less of the peak; fitted per GPU to the Vidur "
                "per-op GEMM tables.",
                "0 s", Range::NonNegative)
      .number("memory", &GpuEfficiency::memory,
              "Fraction of the HBM bandwidth a device-to-device copy reaches, counting bytes read and written "
              "(H100: about 3.0 of 3.35 TB/s => 0.896, A-77). Applies to every op's bytes at roofline (A-25); at "
              "approx to weights, KV cache and GEMM/attention activations. Not a per-model factor.",
              std::nullopt, Range::Fraction)
      .number("elementwise", &GpuEfficiency::elementwise,
              "Fraction of the HBM bandwidth norms, activations, residual adds and embeddings reach (approx only, "
              "A-74). A copy is itself an elementwise kernel, so the copy figure calibrates it (H100: 0.90).",
              0.9, Range::Fraction)
      .number("attention", &GpuEfficiency::attention,
              "Fraction of the dense tensor peak the QK^T and PV products of a FlashAttention kernel reach "
              "(approx only, A-75; FlashAttention-3 forward on H100 bf16: about 740 of 989 TFLOP/s => 0.75).",
              0.75, Range::Fraction)
      .custom("weights", "number (0, 1]", "(memory)",
              "Fraction of the HBM bandwidth a GEMV or skinny GEMM reaches streaming a large weight matrix "
              "(approx only, A-204; calibration-public §C, per GPU).",
              [](const ConfigNode* n, const ConfigNode&, GpuEfficiency& e, Diagnostics& d) {
                if (n != nullptr)
                  if (auto v = schema_detail::parse_number(*n, Range::Fraction, d)) e.weights = *v;
              })
      .quantity("weights_ramp", &GpuEfficiency::weights_ramp, UnitKind::Bytes,
                "Weight bytes at which one weight-streaming kernel reaches half of `weights`: small matrices are "
                "latency-bound (approx only, A-204; fitted per GPU to calibration-public §C).",
                "0 B", Range::NonNegative)
      .custom("quantized", "map dtype -> number (0, 1]", "(1 for every format)",
              "Weight-streaming bandwidth of quantized GEMV kernels relative to the 16-bit one, per stored format "
              "(fp8, int8, int4; approx only, A-205; calibration-public §C-§D).",
              [](const ConfigNode* n, const ConfigNode&, GpuEfficiency& e, Diagnostics& d) {
                if (n == nullptr) return;
                if (!n->is_map()) {
                  d.add(n->error("expected a map of dtype to a fraction"));
                  return;
                }
                for (std::size_t i = 0; i < n->size(); ++i) {
                  const std::string& k = n->keys()[i];
                  const ConfigNode& v = *n->find(k);
                  const auto t = parse_dtype(k);
                  if (!t) {
                    d.add(v.error("unknown dtype '" + k + "' (expected one of: " + dtype_list() + ")"));
                    continue;
                  }
                  if (auto x = schema_detail::parse_number(v, Range::Fraction, d)) e.quantized.set(*t, *x);
                }
              })
      .custom("decode_attention", "number (0, 1]", "(memory)",
              "Fraction of the HBM bandwidth a decode-attention kernel reaches reading a large KV cache (large "
              "batch x context; approx only, A-206; calibration-public §E).",
              [](const ConfigNode* n, const ConfigNode&, GpuEfficiency& e, Diagnostics& d) {
                if (n != nullptr)
                  if (auto v = schema_detail::parse_number(*n, Range::Fraction, d)) e.decode_attention = *v;
              })
      .quantity("decode_attention_ramp", &GpuEfficiency::decode_attention_ramp, UnitKind::Bytes,
                "KV bytes (per GPU, whole batch) at which a decode-attention kernel reaches half of "
                "`decode_attention`: small batch x context is latency-bound (approx only, A-206).",
                "0 B", Range::NonNegative)
      .custom("mla_decode", "number (0, 1]", "(decode_attention)",
              "The same for multi-head latent attention decode kernels (FlashMLA; approx only, A-207).",
              [](const ConfigNode* n, const ConfigNode&, GpuEfficiency& e, Diagnostics& d) {
                if (n != nullptr)
                  if (auto v = schema_detail::parse_number(*n, Range::Fraction, d)) e.mla_decode = *v;
              });
  return s;
}

/// Reports `message` at `section.key`, or at the section when the key took its default.
Diagnostic error_in(const ConfigNode& root, std::string_view section, std::string_view key, std::string message) {
  const ConfigNode* sec = root.find(section);
  if (sec == nullptr) return root.error_at_key(section, std::move(message));
  return sec->error_at_key(key, std::move(message));
}

void validate_spec(const ConfigNode& node, const GpuSpec& s, Diagnostics& d) {
  if (s.hbm.reserved >= s.hbm.capacity)
    d.add(error_in(node, "hbm", "reserved",
                   "reserved HBM (" + size_text(s.hbm.reserved) + ") must be less than hbm.capacity (" +
                       size_text(s.hbm.capacity) + ")"));
  // Every fallback chain of A-20 ends at a 16-bit format, so one must be listed.
  if (!s.flops.get(DType::Fp16) && !s.flops.get(DType::Bf16))
    d.add(node.error_at_key("flops", "needs a rate for fp16 or bf16 (formats without a rate fall back to them, A-20)"));
}
}  // namespace

const Schema<GpuSpec>& gpu_schema() {
  static const Schema<GpuSpec> schema = [] {
    Schema<GpuSpec> s;
    s.reserved("name", "Name of the device (default: the file name).")
        .text("description", &GpuSpec::description, "What the device is, in a few words.", "")
        .integer("sms", &GpuSpec::sms, "Streaming multiprocessors.", std::nullopt)
        .quantity("clock", &GpuSpec::clock, UnitKind::Hertz, "SM boost clock.", std::nullopt)
        .per_dtype("flops", &GpuSpec::flops, UnitKind::FlopsPerSecond,
                   "Dense tensor-core peak per format (no 2:4 sparsity: halve the datasheet's sparse figure). "
                   "fp32 means the TF32 tensor rate (A-21). A format without a rate runs at the next wider "
                   "listed one, its bytes unchanged (A-20).")
        .quantity("vector_flops", &GpuSpec::vector_flops, UnitKind::FlopsPerSecond,
                  "FP32 peak of the CUDA cores, used for ops that do not run on tensor cores: norms, softmax, "
                  "elementwise, embeddings (A-24).",
                  std::nullopt)
        .section("hbm", &GpuSpec::hbm, hbm_schema(), "Off-chip memory.", true)
        .section("l2", &GpuSpec::l2, l2_schema(), "L2 cache.", true)
        .quantity("launch_overhead", &GpuSpec::launch_overhead, UnitKind::Seconds,
                  "CPU-side cost of launching one kernel from a stream; without CUDA graphs a kernel shorter "
                  "than this leaves the GPU idle (approx only, A-73).",
                  "4 us", Range::NonNegative)
        .quantity("kernel_latency", &GpuSpec::kernel_latency, UnitKind::Seconds,
                  "GPU-side fixed cost of every kernel, with or without CUDA graphs: launch of a graph node, "
                  "ramp-up to full HBM bandwidth, tail of the last wave (approx only, A-72).",
                  "2 us", Range::NonNegative)
        .flag("cuda_graphs", &GpuSpec::cuda_graphs,
              "Whether kernels are replayed from CUDA graphs, hiding the CPU launch overhead (approx only, A-73).",
              true)
        .section("nvlink", &GpuSpec::nvlink, nvlink_schema(), "NVLink/NVSwitch scale-up fabric.", true)
        .section("scale_out", &GpuSpec::scale_out, scale_out_schema(),
                 "Network between NVLink domains (InfiniBand NIC per GPU).", true)
        .section("pcie", &GpuSpec::pcie, pcie_schema(), "Host link.", true)
        .section("power", &GpuSpec::power, power_schema(), "Power figures.", true)
        .section("efficiency", &GpuSpec::efficiency, efficiency_schema(),
                 "Calibrated fractions of peak (per device, measured by microbenchmarks).", true)
        .section("energy", &GpuSpec::energy, device_energy_schema(),
                 "Dynamic energy per FLOP and per bit (sim/energy).")
        .section("price", &GpuSpec::price, device_price_schema(), "What one device costs (sim/energy).")
        .section("cooling", &GpuSpec::cooling, device_cooling_schema(),
                 "How the device is cooled as built (sim/energy).")
        .validate(validate_spec);
    return s;
  }();
  return schema;
}

std::optional<DType> compute_format(const GpuSpec& spec, DType stored) { return spec.flops.compute_format(stored); }

}  // namespace wafersim::gpu
