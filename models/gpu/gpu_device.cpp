#include "models/gpu/gpu_device.h"

#include <fmt/format.h>

#include "sim/core/error.h"

namespace wafersim::gpu {

GpuDevice::GpuDevice(std::string name, GpuSpec spec) : name_(std::move(name)), spec_(std::move(spec)) {
  summary_.memory_capacity = spec_.usable_memory();
  summary_.memory_bandwidth = spec_.hbm.bandwidth;
  summary_.memory_level = "HBM";
  summary_.peak_flops = spec_.flops;
  summary_.link = LinkSpec{spec_.nvlink.bandwidth, spec_.nvlink.latency, LinkTopology::Switch};
  summary_.scale_out = LinkSpec{spec_.scale_out.bandwidth, spec_.scale_out.latency, LinkTopology::Switch};
  summary_.max_tensor_parallel = static_cast<int>(spec_.nvlink.domain);
  summary_.power = spec_.power.tdp;
  summary_.energy = spec_.energy;
  summary_.power_limits = spec_.power.limits;
  summary_.price = spec_.price;
  summary_.cooling = spec_.cooling;
}

std::string GpuDevice::describe() const {
  const DType half = spec_.flops.get(DType::Fp16) ? DType::Fp16 : DType::Bf16;
  const double peak = spec_.flops.get(half).value_or(FlopsPerSecond(0)).value();
  const double usable = static_cast<double>(summary_.memory_capacity.value());
  return fmt::format("{}: {} SMs, {} usable HBM at {}, {} {} dense, NVLink {} per direction, up to {} GPUs", name_,
                     spec_.sms, format_quantity(usable, UnitKind::Bytes),
                     format_quantity(spec_.hbm.bandwidth.value(), UnitKind::BytesPerSecond),
                     format_quantity(peak, UnitKind::FlopsPerSecond), dtype_name(half),
                     format_quantity(spec_.nvlink.bandwidth.value(), UnitKind::BytesPerSecond), spec_.nvlink.domain);
}

const GpuDevice& as_gpu(const Device& device) {
  const auto* gpu = dynamic_cast<const GpuDevice*>(&device);
  if (gpu == nullptr)
    throw InternalError("device '" + device.name() + "' of kind '" + std::string(device.kind()) +
                        "' handed to the gpu backend");
  return *gpu;
}

}  // namespace wafersim::gpu
