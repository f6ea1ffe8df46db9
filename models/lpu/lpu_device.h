#pragma once
// One SRAM-only chip (Groq LPU) as a Device: its spec and the summary sim/ sees.
// Capacity is the SRAM less the reserve, bandwidth the on-chip SRAM bandwidth, the
// default link the C2C links joining pipeline neighbours (a chain); a layer larger
// than one chip may be split over up to max_tensor_parallel chips.

#include <string>

#include "models/lpu/lpu_spec.h"
#include "sim/hardware/device.h"

namespace wafersim::lpu {

class LpuDevice final : public Device {
 public:
  LpuDevice(std::string name, LpuSpec spec);

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view kind() const override { return "lpu"; }
  [[nodiscard]] const DeviceSummary& summary() const override { return summary_; }
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] const LpuSpec& spec() const { return spec_; }

 private:
  std::string name_;
  LpuSpec spec_;
  DeviceSummary summary_;
};

}  // namespace wafersim::lpu
