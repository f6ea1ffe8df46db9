#include "models/wafer/wafer_backend.h"

#include "models/fabric/crosscheck_sweep.h"
#include "models/fabric/cycle_params_from_spec.h"
#include "models/wafer/approx/wafer_step_model.h"
#include "models/wafer/wafer_device.h"
#include "models/wafer/wafer_roofline_cost.h"
#include "models/wafer/wafer_software.h"

namespace wafersim::wafer {
namespace {

const WaferDevice& as_wafer(const Device& device) {
  const auto* w = dynamic_cast<const WaferDevice*>(&device);
  if (w == nullptr) throw InternalError("wafer backend given a " + std::string(device.kind()) + " device");
  return *w;
}

}  // namespace

MappingPolicy wafer_policy(const Device& device) {
  const WaferSpec& spec = as_wafer(device).spec();
  MappingPolicy p;
  // weight_streaming keeps weights in the external store and only the KV cache and
  // activations in SRAM; `auto` counts on SRAM alone.
  p.capacity_per_device = spec.usable_sram();
  if (spec.effective_mapping() == WaferMapping::WeightStreaming) p.weight_store_per_device = spec.io.external_memory;
  p.max_tp = 1;
  p.tp_first = false;
  p.capacity_units = spec.usable_cores();
  p.capacity_unit_name = "core";
  p.device_noun = "wafer";
  p.weight_memory_name = "SRAM";
  p.weight_stream_path = "the wafer I/O";
  p.op_note_header = "where (region · hops on the critical path · reduction)";
  return p;
}

void register_wafer(Registry& registry) {
  DeviceKind kind;
  kind.kind = "wafer";
  kind.doc = "Wafer-scale processor: a mesh of SRAM-backed cores joined by a 2D fabric (Cerebras WSE-2, WSE-3).";
  kind.parse = [](const ConfigNode& node, const std::string& name, Diagnostics& d) -> std::shared_ptr<const Device> {
    WaferSpec spec;
    const std::size_t before = d.size();
    wafer_schema().parse(node, spec, d);
    if (d.size() != before) return nullptr;
    return std::make_shared<WaferDevice>(name, std::move(spec));
  };
  kind.describe = [] { return wafer_schema().describe(); };
  kind.parse_software = parse_wafer_software;
  kind.describe_software = describe_wafer_software;

  Backend backend;
  backend.kind = "wafer";
  backend.fidelities = {Fidelity::Roofline, Fidelity::Approx, Fidelity::Cycle};
  backend.policy = wafer_policy;
  backend.cost_model = [](const Device& device, Fidelity fidelity) -> std::unique_ptr<OpCostModel> {
    // Approx and cycle time whole steps (step_model below); their per-op fallback is roofline.
    (void)fidelity;
    const WaferDevice& w = as_wafer(device);
    return std::make_unique<WaferRooflineCost>(w.name(), w.spec());
  };
  backend.step_model = [](const Plan& plan, const Device& device, Fidelity fidelity) -> std::optional<StepResult> {
    if (fidelity == Fidelity::Roofline) return std::nullopt;
    const WaferDevice& w = as_wafer(device);
    if (fidelity == Fidelity::Approx) return WaferStepModel(w.name(), w.spec()).run(plan);
    // Cycle: layouts chosen at approx, every kernel of the schedule run at cycle level.
    return fabric::cycle_step(w.name(), w.spec(), plan);
  };
  backend.check_fidelity = [](const Device& device, Fidelity fidelity) {
    if (fidelity != Fidelity::Cycle) return;
    const WaferDevice& w = as_wafer(device);
    fabric::check_cycle_mesh(w.name(), w.spec());
  };
  backend.crosscheck = [](const Device& device, const CrosscheckOptions& options) {
    const WaferDevice& w = as_wafer(device);
    fabric::check_cycle_mesh(w.name(), w.spec(), true);
    return fabric::wafer_crosscheck(w.name(), w.spec(), options);
  };
  registry.add(std::move(kind), std::move(backend));
}

}  // namespace wafersim::wafer
