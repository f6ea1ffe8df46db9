#include "models/wafer/wafer_software.h"

#include <fmt/format.h>

namespace wafersim::wafer {

std::string WaferSoftware::describe() const {
  return fmt::format("wafer serving stack: {:g} us per step, {:g} us per layer", stack_.step_overhead.value() * 1e6,
                     stack_.layer_overhead.value() * 1e6);
}

std::shared_ptr<const SoftwareStack> parse_wafer_software(const ConfigNode* node, Diagnostics& d) {
  if (node == nullptr) return nullptr;
  StackSpec stack;
  const std::size_t before = d.size();
  stack_schema().parse(*node, stack, d);
  if (d.size() != before) return nullptr;
  return std::make_shared<WaferSoftware>(stack);
}

std::vector<FieldDoc> describe_wafer_software() { return stack_schema().describe(); }

StackSpec stack_for(const WaferSpec& spec, const SoftwareStack* software) {
  if (const auto* w = dynamic_cast<const WaferSoftware*>(software)) return w->stack();
  return spec.stack;
}

}  // namespace wafersim::wafer
