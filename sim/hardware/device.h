#pragma once
// A hardware target: one wafer, one GPU, one LPU chip. sim/ sees devices only
// through this interface; each kind lives in its own folder under models/.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sim/config/schema.h"
#include "sim/core/units.h"
#include "sim/energy/energy_spec.h"
#include "sim/hardware/link_spec.h"

namespace wafersim {

/// What a device offers, in the terms every kind shares (for capacity checks,
/// `--devices auto`, tables and roofline charts).
struct DeviceSummary {
  Bytes memory_capacity{0};               ///< usable for weights + KV cache + activations
  BytesPerSecond memory_bandwidth{0};     ///< of the level weights are read from
  std::string memory_level;               ///< "SRAM", "HBM"
  DTypeTable<FlopsPerSecond> peak_flops;  ///< dense, per dtype
  LinkSpec link;                          ///< how devices of this kind join when a system does not say
  std::optional<LinkSpec> scale_out;      ///< between link domains (InfiniBand); unset = same as `link`
  int max_tensor_parallel = 1;            ///< devices one layer may be split over
  Watts power{0};                         ///< board/system power (for later energy figures)
  DeviceEnergySpec energy;                ///< pJ/FLOP and pJ/bit (sim/energy)
  DevicePowerLimits power_limits;         ///< power.idle, power.static (resident), power.cap (sim/energy)
  DevicePriceSpec price;                  ///< price.usd (sim/energy)
  DeviceCoolingSpec cooling;              ///< cooling: how the device is cooled as built (sim/energy)
};

class Device {
 public:
  virtual ~Device() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  /// The kind as written in YAML (`wafer`, `gpu`, `lpu`): a label, never branched on in sim/.
  [[nodiscard]] virtual std::string_view kind() const = 0;
  [[nodiscard]] virtual const DeviceSummary& summary() const = 0;
  /// Short human description ("WSE-3: 762×1172 cores, 44 GB SRAM").
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace wafersim
