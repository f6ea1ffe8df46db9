#pragma once
// A link between devices (NVLink, wafer I/O, chip-to-chip, Ethernet): bandwidth per
// direction per device, latency per hop, and how the devices of a group are joined.
// Leaves out protocol overheads beyond what the bandwidth figure already includes.

#include "sim/config/schema.h"
#include "sim/core/units.h"

namespace wafersim {

enum class LinkTopology {
  Switch,  ///< all-to-all through a switch (NVSwitch): one hop between any pair
  Ring,    ///< devices in a ring
  Chain,   ///< devices in a line (pipeline neighbours one hop apart)
};

struct LinkSpec {
  BytesPerSecond bandwidth{0};  ///< per device, per direction
  Seconds latency{0};           ///< per hop (or per message through a switch)
  LinkTopology topology = LinkTopology::Switch;
};

/// Schema for a link section; `bandwidth_default`/`latency_default` empty = required.
[[nodiscard]] Schema<LinkSpec> link_schema(std::optional<std::string> bandwidth_default = std::nullopt,
                                           std::optional<std::string> latency_default = std::nullopt);

/// Seconds to send `bytes` one hop: latency + bytes / bandwidth.
[[nodiscard]] Seconds link_transfer_time(const LinkSpec& link, Bytes bytes);

/// Ring all-reduce of `bytes` over `n` devices: 2(n−1)/n · bytes / bandwidth +
/// 2(n−1) · latency. Zero for n = 1.
[[nodiscard]] Seconds ring_allreduce_time(const LinkSpec& link, Bytes bytes, int n);

}  // namespace wafersim
