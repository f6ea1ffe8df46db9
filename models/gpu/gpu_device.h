#pragma once
// One GPU as a wafersim Device: its parsed GpuSpec and the summary sim/ works with
// (usable HBM, HBM bandwidth, tensor peaks, the NVLink domain). Leaves out MIG
// partitions, clocks below boost, and power capping.

#include <memory>
#include <string>

#include "models/gpu/gpu_spec.h"
#include "sim/hardware/device.h"

namespace wafersim::gpu {

class GpuDevice final : public Device {
 public:
  GpuDevice(std::string name, GpuSpec spec);

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view kind() const override { return "gpu"; }
  [[nodiscard]] const DeviceSummary& summary() const override { return summary_; }
  /// "h100-sxm5: 132 SMs, 78 GiB usable HBM at 3.35 TB/s, 989.4 TFLOP/s fp16 dense, NVLink 450 GB/s
  /// per direction, up to 8 GPUs".
  [[nodiscard]] std::string describe() const override;

  [[nodiscard]] const GpuSpec& spec() const { return spec_; }

 private:
  std::string name_;
  GpuSpec spec_;
  DeviceSummary summary_;
};

/// The GpuDevice behind a Device of kind `gpu`; InternalError for any other kind.
[[nodiscard]] const GpuDevice& as_gpu(const Device& device);

}  // namespace wafersim::gpu
