#pragma once
// What a serving software stack adds to the hardware: per-kernel and per-step costs,
// fusion, collective implementation (MODELING.md "Calibration discipline"). sim/ only
// carries it: each device kind parses its own `software:` section of a system
// (`software.<kind>` in YAML) into a subclass and reads it back in its own cost models
// through the DeviceGroup. Leaves out everything; it is an opaque handle here.

#include <string>

namespace wafersim {

class SoftwareStack {
 public:
  virtual ~SoftwareStack() = default;
  /// One line for messages and tables ("tensorrt-llm: CUDA graphs, 70 us per step, custom all-reduce").
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace wafersim
