#include "sim/hardware/device_registry.h"

namespace wafersim {

void DeviceRegistry::add(DeviceKind kind) {
  if (find(kind.kind) != nullptr) throw InternalError("device kind registered twice: " + kind.kind);
  kinds_.push_back(std::move(kind));
}

const DeviceKind* DeviceRegistry::find(const std::string& kind) const {
  for (const auto& k : kinds_)
    if (k.kind == kind) return &k;
  return nullptr;
}

std::vector<std::string> DeviceRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& k : kinds_) out.push_back(k.kind);
  return out;
}

}  // namespace wafersim
