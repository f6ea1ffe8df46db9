#pragma once
// The serving software stack a GPU group runs (`software.gpu` of a system): what the
// stack adds to the hardware, as named parameters (MODELING.md "Calibration
// discipline"). A `profile` (tensorrt-llm, vllm, eager) gives every value from public
// figures; each key overrides it. Per-kernel and per-step costs, how many
// kernels a layer takes (fusion, A-203), and which collective implementation runs,
// with its measured tables. Leaves out speculative scheduling tricks,
// overlap of the host with the GPU beyond what `step_overhead` folds in, and
// stack-specific kernels beyond the fusion levels. Units: seconds, bytes.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/gpu/collective_table.h"
#include "sim/hardware/software_stack.h"

namespace wafersim::gpu {

/// How many kernels a transformer layer takes.
enum class Fusion {
  None,      ///< every op its own kernel (PyTorch eager)
  Standard,  ///< Q/K/V and gate/up share a GEMM; residual add + norm one kernel (vLLM)
  Full,      ///< also activation and rope in GEMM epilogues, all-reduce + residual + norm one kernel (TensorRT-LLM)
};
[[nodiscard]] std::string_view fusion_name(Fusion f);

/// How MLA attention layers are split over a stage's GPUs.
enum class MlaParallel {
  Tensor,  ///< heads split over the GPUs; every GPU holds the whole latent cache
  Data,    ///< each GPU runs whole attention layers for its share of the sequences (DeepSeek-V3)
};

struct GpuSoftware final : SoftwareStack {
  std::string profile = "tensorrt-llm";
  std::optional<bool> cuda_graphs;         ///< unset: the device's `cuda_graphs`
  std::optional<Seconds> launch_overhead;  ///< CPU issue cost per kernel without graphs; unset: the device's
  Seconds step_overhead{0};                ///< host/scheduler time per step the GPU waits for (A-202)
  Fusion fusion = Fusion::Standard;
  MlaParallel mla_attention = MlaParallel::Tensor;
  /// Name of the collective implementation in `collectives`, or "formula" (the link
  /// formulas of, no table).
  std::string collective = "formula";
  std::map<std::string, CollectiveTable> collectives;

  [[nodiscard]] std::string describe() const override;
  /// The table of the implementation in use; null for "formula".
  [[nodiscard]] const CollectiveTable* table() const;
};

/// The shipped profiles, by name (tensorrt-llm, vllm, eager).
[[nodiscard]] const std::vector<GpuSoftware>& gpu_software_profiles();
/// The stack of a system without a `software.gpu` section (or of a device preset used
/// as a system): the tensorrt-llm profile without tables.
[[nodiscard]] std::shared_ptr<const GpuSoftware> default_gpu_software();
/// Parses `software.gpu` (null: the default); reports into `d`.
[[nodiscard]] std::shared_ptr<const SoftwareStack> parse_gpu_software(const ConfigNode* node, Diagnostics& d);
/// Keys of `software.gpu`, for `describe system`.
[[nodiscard]] std::vector<FieldDoc> describe_gpu_software();
/// The stack of a group (its parsed section, else the default).
[[nodiscard]] const GpuSoftware& software_of(const std::shared_ptr<const SoftwareStack>& stack);

}  // namespace wafersim::gpu
