#include "models/wafer/wafer_device.h"

#include <fmt/format.h>

#include "sim/config/unit_parser.h"

namespace wafersim::wafer {

WaferDevice::WaferDevice(std::string name, WaferSpec spec) : name_(std::move(name)), spec_(std::move(spec)) {
  const auto cores = static_cast<double>(spec_.usable_cores());
  const double clock = spec_.clock.value();
  summary_.memory_capacity = spec_.usable_sram();
  summary_.memory_bandwidth = BytesPerSecond(cores * at_clock(spec_.core.sram_read_bandwidth, spec_.clock).value());
  summary_.memory_level = "SRAM";
  // Every format the cost model can run gets its effective rate, so the summary
  // and the per-op costs agree.
  for (DType t : all_dtypes())
    if (auto f = spec_.flops_per_cycle_for(t)) summary_.peak_flops.set(t, FlopsPerSecond(cores * f->value() * clock));
  summary_.link = LinkSpec{spec_.io.bandwidth, spec_.io.latency, LinkTopology::Chain};
  summary_.max_tensor_parallel = 1;
  summary_.power = spec_.power.system.value_or(Watts(0));
  summary_.energy = spec_.energy;
  summary_.power_limits = spec_.power.limits;
  summary_.price = spec_.price;
  summary_.cooling = spec_.cooling;
}

std::string WaferDevice::describe() const {
  std::string text =
      fmt::format("{}: wafer, {}×{} cores ({} usable), {} SRAM per core ({} usable in all), {} SRAM read, clock {}",
                  name_, spec_.mesh.width, spec_.mesh.height, spec_.usable_cores(),
                  format_quantity(static_cast<double>(spec_.core.sram.value()), UnitKind::Bytes),
                  format_quantity(static_cast<double>(summary_.memory_capacity.value()), UnitKind::Bytes),
                  format_quantity(summary_.memory_bandwidth.value(), UnitKind::BytesPerSecond),
                  format_quantity(spec_.clock.value(), UnitKind::Hertz));
  if (auto fp16 = summary_.peak_flops.get(DType::Fp16))
    text += fmt::format(", {} fp16", format_quantity(fp16->value(), UnitKind::FlopsPerSecond));
  if (spec_.effective_mapping() != WaferMapping::LayerPipelined)
    text += fmt::format(", mapping {}", wafer_mapping_name(spec_.effective_mapping()));
  return text;
}

}  // namespace wafersim::wafer
