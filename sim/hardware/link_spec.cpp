#include "sim/hardware/link_spec.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace wafersim {
namespace {

/// The largest frame error rate used: goodput never falls below 1e-12 of the bandwidth.
constexpr double kMostFrameErrors = 1 - 1e-12;

}  // namespace

Schema<LinkReliability> link_reliability_schema() {
  Schema<LinkReliability> s;
  s.number("ber", &LinkReliability::ber,
           "Bit-error rate the link's CRC sees at reference_temperature (after any FEC); 0 = error-free (A-280).", 0.0,
           Range::NonNegative)
      .number("reference_temperature", &LinkReliability::reference_c, "Temperature `ber` was given at, degrees C.",
              25.0, Range::Any)
      .number("decade", &LinkReliability::decade_c,
              "Degrees C over which the BER grows tenfold (A-281: assumed, no public figure).", 10.0)
      .quantity("frame", &LinkReliability::frame, UnitKind::Bytes,
                "Bytes one CRC covers: the unit a detected error makes the sender replay.", "256 B")
      .optional_quantity("replay", &LinkReliability::replay, UnitKind::Seconds,
                         "Time one replay adds (error detected, NACK, resend); absent = 2 x the link latency.",
                         Range::NonNegative)
      .custom("temperature", "number (degrees C)", "(the rack's exhaust, A-282)",
              "Operating temperature of the link; absent = the exhaust temperature of the system's rack at its "
              "rated power.",
              [](const ConfigNode* n, const ConfigNode&, LinkReliability& r, Diagnostics& d) {
                if (n == nullptr) return;
                if (auto v = schema_detail::parse_number(*n, Range::Any, d)) r.temperature_c = *v;
              })
      .validate([](const ConfigNode& node, const LinkReliability& r, Diagnostics& d) {
        if (r.ber > 0.5) d.add(node.error_at_key("ber", "a bit-error rate above 0.5 carries no information"));
      });
  return s;
}

double link_ber(const LinkSpec& link) {
  const LinkReliability& r = link.reliability;
  if (r.ber <= 0) return 0;
  if (!r.temperature_c) return std::min(r.ber, 0.5);
  return std::min(0.5, r.ber * std::pow(10.0, (*r.temperature_c - r.reference_c) / r.decade_c));
}

double frame_error_rate(const LinkSpec& link) {
  const double ber = link_ber(link);
  if (ber <= 0) return 0;
  const double bits = 8.0 * static_cast<double>(std::max<std::int64_t>(1, link.reliability.frame.value()));
  // A link whose frames (almost) never pass still delivers, astronomically slowly: times
  // stay finite.
  return std::min(-std::expm1(bits * std::log1p(-ber)), kMostFrameErrors);
}

BytesPerSecond link_goodput(const LinkSpec& link) {
  return BytesPerSecond(link.bandwidth.value() * (1.0 - frame_error_rate(link)));
}

Seconds replay_delay(const LinkSpec& link, Bytes bytes) {
  const double fer = frame_error_rate(link);
  if (fer <= 0 || bytes.value() <= 0) return Seconds(0);
  const double frames = std::ceil(static_cast<double>(bytes.value()) /
                                  static_cast<double>(std::max<std::int64_t>(1, link.reliability.frame.value())));
  const double p_any = -std::expm1(frames * std::log1p(-fer));
  const double replay = link.reliability.replay ? link.reliability.replay->value() : 2 * link.latency.value();
  return Seconds(p_any * replay);
}

Schema<LinkSpec> link_schema(std::optional<std::string> bandwidth_default, std::optional<std::string> latency_default) {
  Schema<LinkSpec> s;
  s.quantity("bandwidth", &LinkSpec::bandwidth, UnitKind::BytesPerSecond, "Bandwidth per device per direction.",
             std::move(bandwidth_default))
      .quantity("latency", &LinkSpec::latency, UnitKind::Seconds, "Latency per hop or per switched message.",
                std::move(latency_default), Range::NonNegative)
      .choice("topology", &LinkSpec::topology,
              {{"switch", LinkTopology::Switch}, {"ring", LinkTopology::Ring}, {"chain", LinkTopology::Chain}},
              "How the devices are joined.", LinkTopology::Switch)
      .section("reliability", &LinkSpec::reliability, link_reliability_schema(),
               "Bit errors and replays (A-280..A-282); absent = an error-free link.");
  return s;
}

Seconds link_transfer_time(const LinkSpec& link, Bytes bytes) {
  if (bytes.value() <= 0) return Seconds(0);
  if (link.reliability.ber <= 0) return link.latency + transfer_time(bytes, link.bandwidth);
  // failed frames are sent again (goodput) and the message waits for its replays.
  return link.latency + transfer_time(bytes, link_goodput(link)) + replay_delay(link, bytes);
}

Seconds ring_allreduce_time(const LinkSpec& link, Bytes bytes, int n) {
  if (n <= 1 || bytes.value() <= 0) return Seconds(0);
  const double steps = 2.0 * (n - 1);
  return Seconds(steps / n * static_cast<double>(bytes.value()) / link.bandwidth.value() +
                 steps * link.latency.value());
}

std::string_view collective_algorithm_name(CollectiveAlgorithm a) {
  switch (a) {
    case CollectiveAlgorithm::Ring:
      return "ring";
    case CollectiveAlgorithm::Tree:
      return "tree";
    case CollectiveAlgorithm::OneShot:
      return "one-shot";
    case CollectiveAlgorithm::TwoShot:
      return "two-shot";
    case CollectiveAlgorithm::Table:
      return "table";
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
    case CollectiveAlgorithm::Table:
      return best_allreduce(link, bytes, n);  // no table here: the best formula
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
