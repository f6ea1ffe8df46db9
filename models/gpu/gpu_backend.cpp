#include "models/gpu/gpu_backend.h"

#include "models/gpu/gpu_approx_cost.h"
#include "models/gpu/gpu_device.h"
#include "models/gpu/gpu_roofline.h"
#include "models/gpu/gpu_software.h"
#include "sim/core/error.h"

namespace wafersim::gpu {
namespace {

std::shared_ptr<const Device> parse_gpu(const ConfigNode& node, const std::string& name, Diagnostics& d) {
  GpuSpec spec;
  const std::size_t before = d.size();
  gpu_schema().parse(node, spec, d);
  if (d.size() != before) return nullptr;
  return std::make_shared<GpuDevice>(name, std::move(spec));
}

MappingPolicy gpu_policy(const Device& device) {
  const GpuSpec& spec = as_gpu(device).spec();
  MappingPolicy p;
  p.capacity_per_device = spec.usable_memory();
  p.max_tp = static_cast<int>(spec.nvlink.domain);
  p.tp_first = true;
  p.device_noun = "GPU";
  p.weight_memory_name = "HBM";
  return p;
}

std::unique_ptr<OpCostModel> gpu_cost_model(const Device& device, Fidelity fidelity) {
  const GpuDevice& gpu = as_gpu(device);
  switch (fidelity) {
    case Fidelity::Roofline:
      return std::make_unique<GpuRooflineCost>(gpu.name(), gpu.spec());
    case Fidelity::Approx:
      return std::make_unique<GpuApproxCost>(gpu.name(), gpu.spec());
    case Fidelity::Cycle:
      break;
  }
  // The evaluator only asks for fidelities listed in the Backend.
  throw InternalError("gpu backend has no '" + std::string(fidelity_name(fidelity)) + "' cost model");
}

}  // namespace

void register_gpu(Registry& registry) {
  DeviceKind kind{"gpu",
                  "HBM-bound GPU (A100, H100, H200, B200): tensor peaks per format, HBM, NVLink domain",
                  parse_gpu,
                  [] { return gpu_schema().describe(); },
                  parse_gpu_software,
                  describe_gpu_software};
  Backend backend{"gpu", {Fidelity::Roofline, Fidelity::Approx}, gpu_policy, gpu_cost_model, {}, {}, {}};
  registry.add(std::move(kind), std::move(backend));
}

}  // namespace wafersim::gpu
