#pragma once
// A link between devices (NVLink, wafer I/O, chip-to-chip, Ethernet): bandwidth per
// direction per device, latency per hop, how the devices of a group are joined, and
// how reliable it is (bit-error rate by temperature -> CRC-detected frame errors ->
// replays, A-280..A-282). Leaves out protocol overheads beyond what the bandwidth
// figure already includes, and forward error correction (a BER here is the rate the
// link layer's CRC sees, after any FEC).

#include <optional>
#include <string_view>

#include "sim/config/schema.h"
#include "sim/core/units.h"

namespace wafersim {

enum class LinkTopology {
  Switch,  ///< all-to-all through a switch (NVSwitch): one hop between any pair
  Ring,    ///< devices in a ring
  Chain,   ///< devices in a line (pipeline neighbours one hop apart)
};

/// Bit errors on a link and what recovering from them costs (A-280..A-282). With
/// `ber` 0 (the default) a link is exactly the error-free link of.
struct LinkReliability {
  double ber = 0;                       ///< bit-error rate at `reference_c` (errors per bit the CRC sees)
  double reference_c = 25;              ///< temperature `ber` was given at, in degrees C
  double decade_c = 10;                 ///< degrees C for the BER to grow tenfold (A-281, assumed)
  Bytes frame{256};                     ///< bytes one CRC covers (the unit that is replayed)
  std::optional<Seconds> replay;        ///< time one replay adds; absent = a NACK round trip, 2 x latency
  std::optional<double> temperature_c;  ///< operating temperature; absent = the rack's exhaust (A-282)
};

struct LinkSpec {
  BytesPerSecond bandwidth{0};  ///< per device, per direction
  Seconds latency{0};           ///< per hop (or per message through a switch)
  LinkTopology topology = LinkTopology::Switch;
  LinkReliability reliability{};
};

/// Schema of a link's `reliability` section (shared by every link kind).
[[nodiscard]] Schema<LinkReliability> link_reliability_schema();

/// The link's BER at its operating temperature: ber × 10^((T − reference) / decade),
/// at most 0.5; `ber` itself when no temperature is known.
[[nodiscard]] double link_ber(const LinkSpec& link);
/// Probability that one frame fails its CRC: 1 − (1 − BER)^(frame bits).
[[nodiscard]] double frame_error_rate(const LinkSpec& link);
/// Bytes per second that arrive intact: bandwidth × (1 − frame error rate), every
/// failed frame being sent again. Equals `bandwidth` at BER 0.
[[nodiscard]] BytesPerSecond link_goodput(const LinkSpec& link);
/// Expected time replays add to one message of `bytes` beyond the goodput loss:
/// P(at least one of its frames fails) × replay time. Zero at BER 0.
[[nodiscard]] Seconds replay_delay(const LinkSpec& link, Bytes bytes);

/// Schema for a link section; `bandwidth_default`/`latency_default` empty = required.
[[nodiscard]] Schema<LinkSpec> link_schema(std::optional<std::string> bandwidth_default = std::nullopt,
                                           std::optional<std::string> latency_default = std::nullopt);

/// Seconds to send `bytes` one hop: latency + bytes / goodput + replay delay
/// (latency + bytes / bandwidth on an error-free link).
[[nodiscard]] Seconds link_transfer_time(const LinkSpec& link, Bytes bytes);

/// Ring all-reduce of `bytes` over `n` devices: 2(n−1)/n · bytes / bandwidth +
/// 2(n−1) · latency. Zero for n = 1.
[[nodiscard]] Seconds ring_allreduce_time(const LinkSpec& link, Bytes bytes, int n);

/// All-reduce algorithms. With S the bytes each device holds, B the link
/// bandwidth per direction, α the link latency and n devices:
///   Ring:    2(n−1)·α + 2(n−1)/n · S/B          (any topology)
///   Tree:    2⌈log2 n⌉·α + 2·S/B                (double binary tree, pipelined; any topology)
///   OneShot: 2·α + (n−1)·S/B                    (switch only: every device reads all peers, then a flag)
///   TwoShot: 4·α + 2(n−1)/n · S/B               (switch only: direct reduce-scatter + all-gather)
///   Table:   a measured time (a device kind's tables, priced by its cost model)
enum class CollectiveAlgorithm { Ring, Tree, OneShot, TwoShot, Table };
[[nodiscard]] std::string_view collective_algorithm_name(CollectiveAlgorithm a);

/// Time of a collective and the bytes it puts on links (summed over devices, for energy).
struct CollectiveCost {
  Seconds time{0};
  double link_bytes = 0;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::Ring;
};

/// All-reduce of `bytes` per device over `n` devices with `algorithm` (formulas above).
/// Zero for n = 1 or no bytes.
[[nodiscard]] CollectiveCost allreduce_cost(const LinkSpec& link, Bytes bytes, int n, CollectiveAlgorithm algorithm);

/// The fastest all-reduce the link's topology allows (as NCCL / TensorRT-LLM pick per
/// message size): one-shot for small messages on a switch, two-shot or ring for large.
[[nodiscard]] CollectiveCost best_allreduce(const LinkSpec& link, Bytes bytes, int n);

/// All-to-all where each of `n` devices sends `bytes` in total, spread evenly over the
/// others (expert-parallel dispatch/combine, A-81). Switch: α + (n−1)/n · S/B. Ring or
/// chain: n−1 rounds of α; round r sends S/n over the hops between partners r apart,
/// sharing links (S/(n·B) per hop travelled).
[[nodiscard]] CollectiveCost all_to_all_cost(const LinkSpec& link, Bytes bytes, int n);

}  // namespace wafersim
