#pragma once
// The wafer's serving stack from a system's `software.wafer` section: what
// a production service adds to the hardware's kernels, per step and per layer.
// A system without the section (and a device preset used as a system) uses the
// device's own `stack:` defaults (wse3 carries the CAL-WAFER-WSE3 fit, wse2 none),
// so one kind can be both a production CS-3 and WaferLLM's bare WSE-2.
// Leaves out everything but time: no batching policy, no host model. Units: seconds.

#include <memory>
#include <vector>

#include "models/wafer/wafer_spec.h"
#include "sim/config/schema.h"
#include "sim/hardware/software_stack.h"

namespace wafersim::wafer {

class WaferSoftware final : public SoftwareStack {
 public:
  explicit WaferSoftware(StackSpec stack) : stack_(stack) {}
  [[nodiscard]] const StackSpec& stack() const { return stack_; }
  [[nodiscard]] std::string describe() const override;

 private:
  StackSpec stack_;
};

/// Parses `software.wafer`; a null node = no section (the devices' `stack:` apply): returns null.
[[nodiscard]] std::shared_ptr<const SoftwareStack> parse_wafer_software(const ConfigNode* node, Diagnostics& d);
[[nodiscard]] std::vector<FieldDoc> describe_wafer_software();

/// The stack a step on `spec` pays: the system's `software.wafer` when given, else the device's `stack:`.
[[nodiscard]] StackSpec stack_for(const WaferSpec& spec, const SoftwareStack* software);

}  // namespace wafersim::wafer
