#include "sim/hardware/link_spec.h"

#include <algorithm>
#include <vector>

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

std::string_view collective_algorithm_name(CollectiveAlgorithm a) {
  switch (a) {
    case CollectiveAlgorithm::Ring: return "ring";
    case CollectiveAlgorithm::Tree: return "tree";
    case CollectiveAlgorithm::OneShot: return "one-shot";
    case CollectiveAlgorithm::TwoShot: return "two-shot";
    case CollectiveAlgorithm::Table: return "table";
  }
  return "ring";
}

CollectiveCost allreduce_cost(const LinkSpec& link, Bytes bytes, int n, CollectiveAlgorithm algorithm) {
  CollectiveCost c;
  c.algorithm = algorithm;
  if (n <= 1 || bytes.value() <= 0) return c;
  const double s = static_cast<double>(bytes.value());
  const double b = link.bandwidth.value();
  const double a = link.latency.value();
  const double nd = n;
  int log2n = 0;
  while ((1 << log2n) < n) ++log2n;
  double t = 0;
  switch (algorithm) {
    case CollectiveAlgorithm::Ring:
      t = 2 * (nd - 1) * a + 2 * (nd - 1) / nd * s / b;
      c.link_bytes = 2 * (nd - 1) * s;
      break;
    case CollectiveAlgorithm::Tree:
      t = 2 * log2n * a + 2 * s / b;
      c.link_bytes = 2 * (nd - 1) * s;
      break;
    case CollectiveAlgorithm::OneShot:
      t = 2 * a + (nd - 1) * s / b;
      c.link_bytes = nd * (nd - 1) * s;
      break;
    case CollectiveAlgorithm::TwoShot:
      t = 4 * a + 2 * (nd - 1) / nd * s / b;
      c.link_bytes = 2 * (nd - 1) * s;
      break;
    case CollectiveAlgorithm::Table: return best_allreduce(link, bytes, n);  // no table here: the best formula
  }
  c.time = Seconds(t);
  return c;
}

CollectiveCost best_allreduce(const LinkSpec& link, Bytes bytes, int n) {
  std::vector<CollectiveAlgorithm> allowed{CollectiveAlgorithm::Ring, CollectiveAlgorithm::Tree};
  if (link.topology == LinkTopology::Switch) {
    allowed.push_back(CollectiveAlgorithm::OneShot);
    allowed.push_back(CollectiveAlgorithm::TwoShot);
  }
  CollectiveCost best = allreduce_cost(link, bytes, n, allowed.front());
  for (CollectiveAlgorithm a : allowed) {
    const CollectiveCost c = allreduce_cost(link, bytes, n, a);
    if (c.time.value() < best.time.value()) best = c;
  }
  return best;
}

CollectiveCost all_to_all_cost(const LinkSpec& link, Bytes bytes, int n) {
  CollectiveCost c;
  if (n <= 1 || bytes.value() <= 0) return c;
  const double s = static_cast<double>(bytes.value());
  const double b = link.bandwidth.value();
  const double a = link.latency.value();
  const double nd = n;
  if (link.topology == LinkTopology::Switch) {
    c.time = Seconds(a + (nd - 1) / nd * s / b);
    c.link_bytes = (nd - 1) * s;
    return c;
  }
  // Partners r apart exchange S/n; on a ring the shorter way round, on a chain r hops.
  double hops = 0;
  for (int r = 1; r < n; ++r) hops += link.topology == LinkTopology::Ring ? std::min(r, n - r) : r;
  c.time = Seconds((nd - 1) * a + hops * s / (nd * b));
  c.link_bytes = hops * s;
  return c;
}

}  // namespace wafersim
