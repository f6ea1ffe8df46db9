#pragma once
// The device kinds wafersim knows, each with its parser and its documentation.
// Filled by models/register_builtin.cpp; sim/ never names a kind itself.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/config/schema.h"
#include "sim/hardware/device.h"
#include "sim/hardware/software_stack.h"

namespace wafersim {

struct DeviceKind {
  std::string kind;  ///< `kind:` value in YAML
  std::string doc;   ///< one line for `describe` and `list`
  /// Parses a resolved config (presets merged) into a device; reports into Diagnostics.
  std::function<std::shared_ptr<const Device>(const ConfigNode&, const std::string& name, Diagnostics&)> parse;
  std::function<std::vector<FieldDoc>()> describe;
  /// Optional: parses the kind's `software.<kind>` section of a system (the serving
  /// stack); a null node asks for the kind's default stack (systems that give none,
  /// device presets used as systems). Reports into Diagnostics; may return null then.
  std::function<std::shared_ptr<const SoftwareStack>(const ConfigNode*, Diagnostics&)> parse_software = {};
  /// Keys of that section, for `describe system` (paths relative to `software.<kind>`).
  std::function<std::vector<FieldDoc>()> describe_software = {};
};

class DeviceRegistry {
 public:
  void add(DeviceKind kind);
  [[nodiscard]] const DeviceKind* find(const std::string& kind) const;
  [[nodiscard]] std::vector<std::string> kinds() const;

 private:
  std::vector<DeviceKind> kinds_;
};

}  // namespace wafersim
