#include "models/register_builtin.h"

#include "models/gpu/gpu_backend.h"
#include "models/lpu/lpu_backend.h"
#include "models/wafer/wafer_backend.h"

namespace wafersim::models {

void register_builtin(Registry& registry) {
  wafer::register_wafer(registry);
  gpu::register_gpu(registry);
  lpu::register_lpu(registry);
}

}  // namespace wafersim::models
