#include "sim/hardware/link_spec.h"

namespace wafersim {

Schema<LinkSpec> link_schema(std::optional<std::string> bandwidth_default, std::optional<std::string> latency_default) {
  Schema<LinkSpec> s;
  s.quantity("bandwidth", &LinkSpec::bandwidth, UnitKind::BytesPerSecond,
             "Bandwidth per device per direction.", std::move(bandwidth_default))
      .quantity("latency", &LinkSpec::latency, UnitKind::Seconds, "Latency per hop or per switched message.",
                std::move(latency_default), Range::NonNegative)
      .choice("topology", &LinkSpec::topology,
              {{"switch", LinkTopology::Switch}, {"ring", LinkTopology::Ring}, {"chain", LinkTopology::Chain}},
              "How the devices are joined.", LinkTopology::Switch);
  return s;
}

Seconds link_transfer_time(const LinkSpec& link, Bytes bytes) {
  if (bytes.value() <= 0) return Seconds(0);
  return link.latency + transfer_time(bytes, link.bandwidth);
}

Seconds ring_allreduce_time(const LinkSpec& link, Bytes bytes, int n) {
  if (n <= 1 || bytes.value() <= 0) return Seconds(0);
  const double steps = 2.0 * (n - 1);
  return Seconds(steps / n * static_cast<double>(bytes.value()) / link.bandwidth.value() +
                 steps * link.latency.value());
}

}  // namespace wafersim
