#include "models/lpu/lpu_device.h"

#include <fmt/format.h>

#include "sim/config/unit_parser.h"

namespace wafersim::lpu {

LpuDevice::LpuDevice(std::string name, LpuSpec spec) : name_(std::move(name)), spec_(std::move(spec)) {
  summary_.memory_capacity = spec_.usable_sram();
  summary_.memory_bandwidth = spec_.sram_bandwidth;
  summary_.memory_level = "SRAM";
  // Every format the cost model can run gets its effective rate.
  for (DType t : all_dtypes())
    if (auto f = spec_.flops_for(t)) summary_.peak_flops.set(t, *f);
  summary_.link = LinkSpec{spec_.neighbour_bandwidth(), spec_.c2c.latency, LinkTopology::Chain, spec_.c2c.reliability};
  summary_.max_tensor_parallel = static_cast<int>(spec_.max_tensor_parallel);
  summary_.power = spec_.power.chip.value_or(Watts(0));
  summary_.energy = spec_.energy;
  summary_.power_limits = spec_.power.limits;
  summary_.price = spec_.price;
  summary_.cooling = spec_.cooling;
}

std::string LpuDevice::describe() const {
  std::string text =
      fmt::format("{}: lpu, {} SRAM ({} usable) at {}", name_,
                  format_quantity(static_cast<double>(spec_.sram.value()), UnitKind::Bytes),
                  format_quantity(static_cast<double>(summary_.memory_capacity.value()), UnitKind::Bytes),
                  format_quantity(spec_.sram_bandwidth.value(), UnitKind::BytesPerSecond));
  if (auto fp16 = summary_.peak_flops.get(DType::Fp16))
    text += fmt::format(", {} fp16", format_quantity(fp16->value(), UnitKind::FlopsPerSecond));
  text += fmt::format(", C2C {} x {} per neighbour, {} per hop", spec_.c2c.links_between_neighbours,
                      format_quantity(spec_.link_bandwidth().value(), UnitKind::BytesPerSecond),
                      format_quantity(spec_.c2c.latency.value(), UnitKind::Seconds));
  return text;
}

}  // namespace wafersim::lpu
