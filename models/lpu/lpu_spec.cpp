#include "models/lpu/lpu_spec.h"

#include <vector>

namespace wafersim::lpu {
namespace {

Schema<C2cTopology> topology_schema() {
  Schema<C2cTopology> s;
  s.integer("chips_per_node", &C2cTopology::chips_per_node, "Chips joined all to all in one node (GroqNode: 8).", 8, 1,
            1'000'000)
      .integer("nodes_per_rack", &C2cTopology::nodes_per_rack, "Nodes in one rack (GroqRack: 9).", 9, 1, 1'000'000)
      .integer("hops_in_node", &C2cTopology::hops_in_node, "Hops between two chips of one node.", 1, 1, 64)
      .integer("hops_in_rack", &C2cTopology::hops_in_rack, "Hops between chips of two nodes of one rack.", 3, 1, 64)
      .integer("hops_across_racks", &C2cTopology::hops_across_racks, "Hops between chips of two racks.", 5, 1, 64);
  return s;
}

Schema<C2cSpec> c2c_schema() {
  Schema<C2cSpec> s;
  s.integer("links", &C2cSpec::links, "Chip-to-chip links per chip.", std::nullopt, 1, 1024)
      .integer("lanes_per_link", &C2cSpec::lanes_per_link, "SerDes lanes per link.", std::nullopt, 1, 1024)
      .quantity("lane_rate", &C2cSpec::lane_rate, UnitKind::BytesPerSecond,
                "Signalling rate of one lane per direction ('30 Gb/s').")
      .optional_quantity("bandwidth", &C2cSpec::bandwidth, UnitKind::BytesPerSecond,
                         "Usable bandwidth of one link per direction; absent = lanes_per_link × lane_rate.")
      .quantity("latency", &C2cSpec::latency, UnitKind::Seconds, "Latency of one chip-to-chip hop.", std::nullopt,
                Range::NonNegative)
      .integer("links_between_neighbours", &C2cSpec::links_between_neighbours,
               "How many of the chip's links join two neighbours of a pipeline (their bandwidths add).", 1, 1, 1024)
      .section("topology", &C2cSpec::topology, topology_schema(),
               "How chips are cabled: nodes, racks and the hops of a route (A-270).")
      .section("reliability", &C2cSpec::reliability, link_reliability_schema(),
               "Bit errors and replays on each C2C link (A-280..A-282); absent = error-free.");
  return s;
}

Schema<PowerSpec> power_schema() {
  Schema<PowerSpec> s;
  s.optional_quantity("chip", &PowerSpec::chip, UnitKind::Watts, "Power of one chip (its card).");
  add_power_limit_keys(s, &PowerSpec::limits);
  return s;
}

}  // namespace

BytesPerSecond LpuSpec::link_bandwidth() const {
  if (c2c.bandwidth) return *c2c.bandwidth;
  return BytesPerSecond(static_cast<double>(c2c.lanes_per_link) * c2c.lane_rate.value());
}

BytesPerSecond LpuSpec::neighbour_bandwidth() const {
  return BytesPerSecond(static_cast<double>(c2c.links_between_neighbours) * link_bandwidth().value());
}

std::int64_t LpuSpec::hops_between(std::int64_t a, std::int64_t b) const {
  if (a == b) return 0;
  const C2cTopology& t = c2c.topology;
  const std::int64_t node_a = a / t.chips_per_node, node_b = b / t.chips_per_node;
  if (node_a == node_b) return t.hops_in_node;
  if (node_a / t.nodes_per_rack == node_b / t.nodes_per_rack) return t.hops_in_rack;
  return t.hops_across_racks;
}

std::optional<FlopsPerSecond> LpuSpec::flops_for(DType dtype) const {
  // The narrowest listed format at least as wide as the stored one.
  return flops.for_stored(dtype);
}

const Schema<LpuSpec>& lpu_schema() {
  static const Schema<LpuSpec> s = [] {
    Schema<LpuSpec> s;
    s.reserved("name", "Name of the device (default: the file name).")
        .text("description", &LpuSpec::description, "What this chip is, with its sources.", "")
        .quantity("sram", &LpuSpec::sram, UnitKind::Bytes, "On-chip SRAM (the only memory).")
        .quantity("sram_reserved", &LpuSpec::sram_reserved, UnitKind::Bytes,
                  "SRAM kept for instructions and stream buffers; the rest holds weights, KV cache and "
                  "activations.",
                  "0 B", Range::NonNegative)
        .quantity("sram_bandwidth", &LpuSpec::sram_bandwidth, UnitKind::BytesPerSecond,
                  "On-chip SRAM bandwidth (all memory slices together).")
        .per_dtype("flops", &LpuSpec::flops, UnitKind::FlopsPerSecond,
                   "Dense peak per format (integer ops count as FLOP). A format not listed runs at the next wider "
                   "one listed (int4 -> int8 -> fp16, fp8 -> fp16, bf16 <-> fp16, bfp8 -> int8 -> fp16: A-276).")
        .quantity("clock", &LpuSpec::clock, UnitKind::Hertz, "Chip clock.")
        .section("c2c", &LpuSpec::c2c, c2c_schema(), "Chip-to-chip links.", true)
        .integer("max_tensor_parallel", &LpuSpec::max_tensor_parallel,
                 "Chips one layer may be split over when it does not fit one chip.", 64, 1, 1'000'000)
        .section("power", &LpuSpec::power, power_schema(), "Power figures.")
        .integer("mxm_dim", &LpuSpec::mxm_dim,
                 "Side of the square matrix unit (MXM), in elements; a matmul's K and N pad to multiples of it "
                 "(approx).",
                 320, 1, 65536)
        .integer("vector_alus", &LpuSpec::vector_alus,
                 "Vector ALU operations per cycle; norms, softmax and elementwise ops run at vector_alus x clock "
                 "(approx).",
                 5120, 1, 100'000'000)
        .integer("stream_latency_cycles", &LpuSpec::stream_latency_cycles,
                 "Cycles between an op's first input leaving memory and its first result landing: the pipeline "
                 "fill each dependent op pays once (approx).",
                 0, 0, 1'000'000)
        .quantity("layer_latency", &LpuSpec::layer_latency, UnitKind::Seconds,
                  "Fixed latency of one transformer layer's compiled schedule, beyond its ops' stream fills and "
                  "chip-to-chip hops (approx, A-272).",
                  "0 s", Range::NonNegative)
        .integer("stream_chunk_tokens", &LpuSpec::stream_chunk_tokens,
                 "Tokens per chunk when a prefill streams through the pipeline: a chip holds one chunk's "
                 "activations (approx, A-274).",
                 64, 1, 1'000'000)
        .section("energy", &LpuSpec::energy, device_energy_schema(),
                 "Dynamic energy per FLOP and per bit (sim/energy).")
        .section("price", &LpuSpec::price, device_price_schema(), "What one device costs (sim/energy).")
        .section("cooling", &LpuSpec::cooling, device_cooling_schema(),
                 "How the device is cooled as built (sim/energy).")
        .validate([](const ConfigNode& node, const LpuSpec& l, Diagnostics& d) {
          if (l.sram_reserved >= l.sram) {
            const std::string msg = "reserved SRAM (" +
                                    format_quantity(static_cast<double>(l.sram_reserved.value()), UnitKind::Bytes) +
                                    ") must be smaller than sram (" +
                                    format_quantity(static_cast<double>(l.sram.value()), UnitKind::Bytes) + ")";
            d.add(node.error_at_key("sram_reserved", msg));
          }
          if (l.c2c.links_between_neighbours > l.c2c.links) {
            const ConfigNode* c2c = node.find("c2c");
            const std::string msg = "links_between_neighbours (" + std::to_string(l.c2c.links_between_neighbours) +
                                    ") exceeds the chip's " + std::to_string(l.c2c.links) + " links";
            const ConfigNode* at = c2c != nullptr ? c2c->find("links_between_neighbours") : nullptr;
            d.add(at != nullptr ? at->error(msg) : node.error_at_key("c2c", msg));
          }
        });
    return s;
  }();
  return s;
}

}  // namespace wafersim::lpu
