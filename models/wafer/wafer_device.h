#pragma once
// One wafer-scale processor as a Device: its spec and the summary sim/ sees.
// Summary figures count usable cores only: capacity = cores × (SRAM −
// reserved), bandwidth = cores × SRAM read bytes/cycle × clock, peak = cores ×
// FLOP/cycle × clock; the default link between wafers is the wafer I/O (a chain,
// since a layer never spans wafers: max_tensor_parallel = 1).

#include <string>

#include "models/wafer/wafer_spec.h"
#include "sim/hardware/device.h"

namespace wafersim::wafer {

class WaferDevice final : public Device {
 public:
  WaferDevice(std::string name, WaferSpec spec);

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view kind() const override { return "wafer"; }
  [[nodiscard]] const DeviceSummary& summary() const override { return summary_; }
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] const WaferSpec& spec() const { return spec_; }

 private:
  std::string name_;
  WaferSpec spec_;
  DeviceSummary summary_;
};

}  // namespace wafersim::wafer
