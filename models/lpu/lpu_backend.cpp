#include "models/lpu/lpu_backend.h"

#include "models/lpu/lpu_approx_cost.h"
#include "models/lpu/lpu_device.h"
#include "models/lpu/lpu_roofline_cost.h"
#include "models/lpu/lpu_step_model.h"

namespace wafersim::lpu {
namespace {

const LpuDevice& as_lpu(const Device& device) {
  const auto* l = dynamic_cast<const LpuDevice*>(&device);
  if (l == nullptr) throw InternalError("lpu backend given a " + std::string(device.kind()) + " device");
  return *l;
}

}  // namespace

MappingPolicy lpu_policy(const Device& device) {
  const LpuDevice& l = as_lpu(device);
  MappingPolicy p;
  p.capacity_per_device = l.spec().usable_sram();
  p.max_tp = l.summary().max_tensor_parallel;
  p.tp_first = false;
  p.capacity_units = 1;
  p.device_noun = "chip";
  p.weight_memory_name = "SRAM";
  p.activation_chunk_tokens = l.spec().stream_chunk_tokens;  // prefill streams
  return p;
}

void register_lpu(Registry& registry) {
  DeviceKind kind;
  kind.kind = "lpu";
  kind.doc = "SRAM-only, software-scheduled inference chip joined chip to chip (Groq LPU / GroqChip).";
  kind.parse = [](const ConfigNode& node, const std::string& name, Diagnostics& d) -> std::shared_ptr<const Device> {
    LpuSpec spec;
    const std::size_t before = d.size();
    lpu_schema().parse(node, spec, d);
    if (d.size() != before) return nullptr;
    return std::make_shared<LpuDevice>(name, std::move(spec));
  };
  kind.describe = [] { return lpu_schema().describe(); };

  Backend backend;
  backend.kind = "lpu";
  backend.fidelities = {Fidelity::Roofline, Fidelity::Approx};
  backend.policy = lpu_policy;
  backend.cost_model = [](const Device& device, Fidelity fidelity) -> std::unique_ptr<OpCostModel> {
    const LpuDevice& l = as_lpu(device);
    if (fidelity == Fidelity::Approx) return std::make_unique<LpuApproxCost>(l.name(), l.spec());
    if (fidelity != Fidelity::Roofline)
      throw InternalError("lpu backend has no " + std::string(fidelity_name(fidelity)) + " cost model");
    return std::make_unique<LpuRooflineCost>(l.name(), l.spec());
  };
  // Approx times whole steps: topology, micro-batches in flight, layer schedule (A-270..A-275).
  backend.step_model = [](const Plan& plan, const Device& device, Fidelity fidelity) -> std::optional<StepResult> {
    if (fidelity != Fidelity::Approx || plan.stages.empty()) return std::nullopt;
    const LpuDevice& l = as_lpu(device);
    return LpuStepModel(l.name(), l.spec()).run(plan);
  };
  registry.add(std::move(kind), std::move(backend));
}

}  // namespace wafersim::lpu
