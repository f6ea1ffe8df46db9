#pragma once
// What each device kind brings to timing: the fidelities it has, how the generic
// mapper should treat it, and its per-op cost model. Registered next to the
// DeviceKind in models/register_builtin.cpp.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/fidelity.h"
#include "sim/hardware/device_registry.h"
#include "sim/mapping/mapping_policy.h"
#include "sim/timing/crosscheck.h"
#include "sim/timing/op_cost.h"
#include "sim/timing/step_result.h"

namespace wafersim {

struct Backend {
  std::string kind;                  ///< matches DeviceKind::kind
  std::vector<Fidelity> fidelities;  ///< levels this kind has, least to most detailed
  std::function<MappingPolicy(const Device&)> policy;
  std::function<std::unique_ptr<OpCostModel>(const Device&, Fidelity)> cost_model;
  /// Optional: a kind that schedules a whole step itself (wafer approx: regions on
  /// the mesh, an event-engine schedule) returns its StepResult here; nullopt (or
  /// no function) = the generic per-op PipelineEngine with `cost_model`.
  std::function<std::optional<StepResult>(const Plan&, const Device&, Fidelity)> step_model;
  /// Optional: throws InputError when `device` cannot be timed at a fidelity the
  /// kind has (a level kept for small devices); called before any step is timed.
  std::function<void(const Device&, Fidelity)> check_fidelity;
  /// Optional: the kind's kernel-level table of one fidelity against a more
  /// detailed one on `device` (`wafersim crosscheck`, sim/timing/crosscheck.h).
  std::function<CrosscheckTable(const Device&, const CrosscheckOptions&)> crosscheck;
};

/// Device kinds and their backends: everything register_builtin fills.
class Registry {
 public:
  void add(DeviceKind kind, Backend backend);
  [[nodiscard]] const DeviceRegistry& devices() const { return devices_; }
  [[nodiscard]] const Backend& backend(std::string_view kind) const;

 private:
  DeviceRegistry devices_;
  std::vector<Backend> backends_;
};

}  // namespace wafersim
