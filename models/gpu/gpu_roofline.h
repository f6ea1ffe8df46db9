#pragma once
// The `roofline` cost of one op on a GPU: the op's share of FLOPs at the tensor (or
// vector) peak times efficiency.compute, against its share of bytes at the HBM
// bandwidth times efficiency.memory; the slower of the two is the op's time.
// Leaves out kernel launch overhead, L2 reuse, wave quantization and small-kernel
// efficiency (the `approx` model adds them as a second OpCostModel); collectives
// are added by the pipeline engine, not here. Units: seconds.

#include <string>

#include "models/gpu/gpu_spec.h"
#include "sim/timing/op_cost.h"

namespace wafersim::gpu {

class GpuRooflineCost final : public OpCostModel {
 public:
  /// `name` is the device's name, for messages.
  GpuRooflineCost(std::string name, const GpuSpec& spec);

  [[nodiscard]] OpCost cost(const Op& op, const OpContext& ctx) const override;

  /// The fraction of an op one of `tp` devices does: all of it when replicated.
  [[nodiscard]] static double tp_share(TpSplit split, int tp);
  /// Whether an op runs on tensor cores (else on the CUDA cores, A-24).
  [[nodiscard]] static bool on_tensor_cores(OpKind kind);
  /// Achievable FLOP/s for an op: peak of its compute format × efficiency.compute.
  /// Throws InputError when the GPU has no rate for the op's format or a wider one.
  [[nodiscard]] FlopsPerSecond achievable_flops(const Op& op) const;

 private:
  std::string name_;
  GpuSpec spec_;
};

}  // namespace wafersim::gpu
