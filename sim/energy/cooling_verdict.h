#pragma once
// One cooling verdict per piece of hardware and the price of a system
// . A device that is liquid cooled as built makes every system holding it
// liquid cooled, whatever the system is named or says; otherwise the system's own
// choice, or the rack's power against the air limit, decides. Racks come from
// the system's devices_per_rack, else the main device's cooling.per_rack. Exhaust:
// inlet + P_rack / (rho c_p airflow). Units: watts, degrees C, US dollars.

#include "sim/energy/energy_report.h"
#include "sim/hardware/system.h"

namespace wafersim {

/// The verdict for `system` drawing `power_w` in all.
[[nodiscard]] CoolingReport cooling_verdict(const System& system, double power_w);

/// Exhaust temperature of one rack of `system` at its rated power (every device at
/// its cap, else its board power, plus host and network), degrees C: the temperature
/// links without their own run at. A rack past the air limit that is not air
/// cooled by design is liquid cooled: its air is no hotter than at the limit.
[[nodiscard]] double rated_exhaust_c(const System& system);

/// The system's purchase price before any liquid premium: its own price.system +
/// price.per_device × the main group's count, or, when it states neither, the sum
/// of its devices' price.usd. Sets `estimated` when the figure used is an estimate.
[[nodiscard]] double system_price_usd(const System& system, bool& estimated);

}  // namespace wafersim
