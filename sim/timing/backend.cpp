#include "sim/timing/backend.h"

#include "sim/timing/time_parts.h"

namespace wafersim {

std::string_view bound_name(Bound b) { return time_part(b).name; }

void Registry::add(DeviceKind kind, Backend backend) {
  if (kind.kind != backend.kind) throw InternalError("backend kind does not match device kind " + kind.kind);
  devices_.add(std::move(kind));
  backends_.push_back(std::move(backend));
}

const Backend& Registry::backend(std::string_view kind) const {
  for (const auto& b : backends_)
    if (b.kind == kind) return b;
  throw InternalError("no backend for device kind " + std::string(kind));
}

}  // namespace wafersim
