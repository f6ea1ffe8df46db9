#include "models/wafer/wafer_spec.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace wafersim::wafer {
namespace {

Schema<MeshSpec> mesh_schema() {
  Schema<MeshSpec> s;
  s.integer("width", &MeshSpec::width, "Cores along x (the fabric's columns).", std::nullopt, 1, 1'000'000)
      .integer("height", &MeshSpec::height, "Cores along y (the fabric's rows).", std::nullopt, 1, 1'000'000)
      .number("usable_fraction", &MeshSpec::usable_fraction,
              "Share of width × height a program can use (defects, redundancy, I/O infrastructure).", 1.0,
              Range::Fraction);
  return s;
}

Schema<CoreSpec> core_schema() {
  Schema<CoreSpec> s;
  s.quantity("sram", &CoreSpec::sram, UnitKind::Bytes, "SRAM per core.")
      .quantity("reserved_sram", &CoreSpec::reserved_sram, UnitKind::Bytes,
                "SRAM per core kept for code, stack and runtime buffers; the rest holds weights, KV cache and "
                "activations.",
                "0 B", Range::NonNegative)
      .quantity("sram_read_bandwidth", &CoreSpec::sram_read_bandwidth, UnitKind::BytesPerCycle,
                "SRAM read bandwidth per core (weights and operands are read at this rate).")
      .quantity("sram_write_bandwidth", &CoreSpec::sram_write_bandwidth, UnitKind::BytesPerCycle,
                "SRAM write bandwidth per core (results, new KV entries).")
      .per_dtype("flops_per_cycle", &CoreSpec::flops_per_cycle, UnitKind::FlopsPerCycle,
                 "Dense FLOP per cycle per core (a multiply-add is 2). A format not listed runs at the next "
                 "wider one listed (int4 -> int8 -> fp16, fp8 -> fp16, bf16 <-> fp16).")
      .quantity(
          "task_overhead", &CoreSpec::task_overhead, UnitKind::Cycles,
          "Cycles from a message's arrival to the core acting on it (task activation, route set-up); paid "
          "per step of every multicast and reduction (per level of a K-tree) and once per kernel (approx and cycle "
          "fidelity). Calibrated on WaferLLM's 16K GEMV (A-237).",
          "0 cycle", Range::NonNegative)
      .quantity("accumulator", &CoreSpec::accumulator, UnitKind::Bytes,
                "Bytes per partial sum a local matrix product keeps in SRAM (4 B = fp32 accumulators, read and "
                "written once per multiply-add, so the write port can bound it); 0 B = accumulate in registers.",
                "0 B", Range::NonNegative)
      .number("gemm_efficiency", &CoreSpec::gemm_efficiency,
              "Share of the FMAC rate a core sustains inside a MeshGEMM step (prefill's matrix products), from a "
              "measured GEMM on the wafer; 1 = the FMAC rate. GEMV is priced at the SRAM ports and is not scaled.",
              1.0, Range::Fraction);
  return s;
}

Schema<FabricSpec> fabric_schema() {
  Schema<FabricSpec> s;
  s.quantity("link_bandwidth", &FabricSpec::link_bandwidth, UnitKind::BytesPerCycle,
             "Bandwidth of one neighbour link, per direction ('32 b/cycle' = '4 B/cycle'); a whole number of "
             "B/cycle at --fidelity cycle.")
      .quantity("hop_latency", &FabricSpec::hop_latency, UnitKind::Cycles,
                "Latency of one router hop a wavelet passes through; a whole number of cycles at --fidelity cycle.")
      .quantity("ramp_latency", &FabricSpec::ramp_latency, UnitKind::Cycles,
                "Cycles between a core and its router, each way: a core that takes a wavelet in, adds and sends it on "
                "pays it twice (mesh kernels' K-tree steps; at --fidelity cycle charged per message of the K-tree and "
                "MeshGEMV, A-241).",
                "0 cycle", Range::NonNegative)
      .integer("colors", &FabricSpec::colors,
               "Routes (virtual channels) per router; --fidelity cycle simulates min(4, colors) of them.", 24, 1, 1024);
  return s;
}

Schema<IoSpec> io_schema() {
  Schema<IoSpec> s;
  s.quantity("bandwidth", &IoSpec::bandwidth, UnitKind::BytesPerSecond,
             "Wafer I/O bandwidth per direction (to other wafers, the host, the weight store).")
      .quantity("latency", &IoSpec::latency, UnitKind::Seconds, "Latency of one transfer to another wafer.",
                std::nullopt, Range::NonNegative)
      .quantity("external_memory", &IoSpec::external_memory, UnitKind::Bytes,
                "Capacity of the off-wafer weight store (MemoryX) that weight_streaming reads from; 0 = none.", "0 B",
                Range::NonNegative);
  return s;
}

Schema<MappingSpec> mapping_schema() {
  Schema<MappingSpec> s;
  s.choice("mode", &MappingSpec::mode,
           {{"auto", WaferMapping::Auto},
            {"layer_pipelined", WaferMapping::LayerPipelined},
            {"wafer_parallel", WaferMapping::WaferParallel},
            {"weight_streaming", WaferMapping::WeightStreaming}},
           "How layers are laid out: each layer in its own region (layer_pipelined), every layer over one "
           "region shared by all (wafer_parallel), or weights streamed in through the I/O each step "
           "(weight_streaming). auto = the fastest that fits at approx fidelity; layer_pipelined at roofline.",
           WaferMapping::Auto)
      .choice("kernels", &MappingSpec::kernels, {{"mesh", KernelFamily::Mesh}, {"line", KernelFamily::Line}},
              "Mesh kernels that price the ops: mesh = WaferLLM's MeshGEMV (input left in place by the previous op, "
              "two-way K-tree all-reduce), MeshGEMM shifts for prefill, 2-D attention blocks; line = row "
              "multicasts and line reductions (what --fidelity cycle runs).",
              KernelFamily::Mesh)
      .choice("schedule", &MappingSpec::schedule,
              {{"dataflow", LayerSchedule::Dataflow}, {"sequential", LayerSchedule::Sequential}},
              "How a layer's ops share its region: dataflow = an op's reduction overlaps the next ops' local work "
              "(q/k/v and gate/up reduce concurrently, a norm's all-reduce folds into the next product); "
              "sequential = one op at a time, each waiting for the last.",
              LayerSchedule::Sequential)
      .text("region", &MappingSpec::region,
            "Forces the region each layer (layer_pipelined) or every kernel (wafer_parallel, weight_streaming) "
            "runs on, as ROWSxCOLS cores (e.g. 420x420); empty = the mapper searches region sizes.",
            "");
  return s;
}

}  // namespace

Schema<StackSpec> stack_schema() {
  Schema<StackSpec> s;
  s.quantity("step_overhead", &StackSpec::step_overhead, UnitKind::Seconds,
             "Time a production serving stack adds to every step (one forward pass): runtime, host round trip, "
             "sampling. 0 = bare hardware, as kernel-level measurements are.",
             "0 s", Range::NonNegative)
      .quantity("layer_overhead", &StackSpec::layer_overhead, UnitKind::Seconds,
                "Time a production serving stack adds after every transformer layer of a step (runtime sequencing "
                "of the layer's kernels). 0 = bare hardware.",
                "0 s", Range::NonNegative);
  return s;
}

namespace {

Schema<PowerSpec> power_schema() {
  Schema<PowerSpec> s;
  s.optional_quantity("system", &PowerSpec::system, UnitKind::Watts, "Power of the whole system (e.g. one CS-3).");
  add_power_limit_keys(s, &PowerSpec::limits);
  return s;
}

}  // namespace

std::string_view wafer_mapping_name(WaferMapping m) {
  switch (m) {
    case WaferMapping::Auto:
      return "auto";
    case WaferMapping::LayerPipelined:
      return "layer_pipelined";
    case WaferMapping::WaferParallel:
      return "wafer_parallel";
    case WaferMapping::WeightStreaming:
      return "weight_streaming";
  }
  return "auto";
}

std::optional<RegionSize> parse_region(const std::string& text) {
  const auto x = text.find_first_of("xX");
  if (x == std::string::npos || x == 0 || x + 1 >= text.size()) return std::nullopt;
  auto number = [](const std::string& t) -> std::optional<std::int64_t> {
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const std::int64_t v = std::stoll(t);
    return v > 0 ? std::optional(v) : std::nullopt;
  };
  const auto r = number(text.substr(0, x));
  const auto c = number(text.substr(x + 1));
  if (!r || !c) return std::nullopt;
  return RegionSize{*r, *c};
}

std::optional<RegionSize> MappingSpec::forced_region() const {
  return region.empty() ? std::nullopt : parse_region(region);
}

std::int64_t WaferSpec::usable_cores() const {
  const double all = static_cast<double>(checked_mul(mesh.width, mesh.height));
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(all * mesh.usable_fraction)));
}

Bytes WaferSpec::usable_sram() const { return Bytes(checked_mul(usable_cores(), usable_sram_per_core().value())); }

std::optional<FlopsPerCycle> WaferSpec::flops_per_cycle_for(DType dtype) const {
  // The narrowest listed format at least as wide as the stored one.
  return core.flops_per_cycle.for_stored(dtype);
}

WaferMapping WaferSpec::effective_mapping() const {
  // The generic mapper and the roofline cost read `auto` as the weight-stationary
  // layer pipeline; the approx step model picks between layouts by cost.
  return mapping.mode == WaferMapping::Auto ? WaferMapping::LayerPipelined : mapping.mode;
}

const Schema<WaferSpec>& wafer_schema() {
  static const Schema<WaferSpec> s = [] {
    Schema<WaferSpec> s;
    s.reserved("name", "Name of the device (default: the file name).")
        .text("description", &WaferSpec::description, "What this wafer is, with its sources.", "")
        .section("mesh", &WaferSpec::mesh, mesh_schema(),
                 "The 2D mesh of cores (at most 128 x 128 for --fidelity cycle).", true)
        .quantity("clock", &WaferSpec::clock, UnitKind::Hertz, "Core and fabric clock.")
        .section("core", &WaferSpec::core, core_schema(), "One core: SRAM and arithmetic.", true)
        .section("fabric", &WaferSpec::fabric, fabric_schema(), "The on-wafer mesh network.", true)
        .section("io", &WaferSpec::io, io_schema(), "The wafer's I/O to other wafers and the host.", true)
        .section("mapping", &WaferSpec::mapping, mapping_schema(), "How the model is laid out on the mesh.")
        .section("stack", &WaferSpec::stack, stack_schema(), "What a production serving stack adds to the hardware.")
        .section("power", &WaferSpec::power, power_schema(), "Power figures.")
        .section("energy", &WaferSpec::energy, device_energy_schema(),
                 "Dynamic energy per FLOP and per bit (sim/energy).")
        .section("price", &WaferSpec::price, device_price_schema(), "What one device costs (sim/energy).")
        .section("cooling", &WaferSpec::cooling, device_cooling_schema(),
                 "How the device is cooled as built (sim/energy).")
        .validate([](const ConfigNode& node, const WaferSpec& w, Diagnostics& d) {
          if (w.core.reserved_sram >= w.core.sram) {
            const ConfigNode* core = node.find("core");
            const ConfigNode* at = core != nullptr ? core->find("reserved_sram") : nullptr;
            const std::string msg =
                "reserved SRAM (" +
                format_quantity(static_cast<double>(w.core.reserved_sram.value()), UnitKind::Bytes) +
                ") must be smaller than core.sram (" +
                format_quantity(static_cast<double>(w.core.sram.value()), UnitKind::Bytes) + ")";
            d.add(at != nullptr ? at->error(msg) : node.error_at_key("core", msg));
          }
          if (!w.mapping.region.empty()) {
            const ConfigNode* m = node.find("mapping");
            const ConfigNode* at = m != nullptr ? m->find("region") : nullptr;
            auto report = [&](const std::string& msg) {
              d.add(at != nullptr ? at->error(msg) : node.error_at_key("mapping", msg));
            };
            const auto r = parse_region(w.mapping.region);
            if (!r)
              report("'" + w.mapping.region + "' is not a region: write ROWSxCOLS cores, e.g. 420x420");
            else if (r->rows > w.mesh.height || r->cols > w.mesh.width)
              report("region " + w.mapping.region + " does not fit the " + std::to_string(w.mesh.height) + "x" +
                     std::to_string(w.mesh.width) + " mesh (rows x cols = mesh.height x mesh.width)");
          }
          if (w.mapping.mode == WaferMapping::WeightStreaming && w.io.external_memory.value() == 0) {
            const ConfigNode* m = node.find("mapping");
            const ConfigNode* at = m != nullptr ? m->find("mode") : nullptr;
            const std::string msg = "weight_streaming needs an off-wafer weight store: set io.external_memory";
            d.add(at != nullptr ? at->error(msg) : node.error_at_key("mapping", msg));
          }
          const double all = static_cast<double>(w.mesh.width) * static_cast<double>(w.mesh.height);
          if (all * w.mesh.usable_fraction < 1.0)
            d.add(node.error_at_key("mesh", "mesh.usable_fraction leaves no usable core"));
        });
    return s;
  }();
  return s;
}

}  // namespace wafersim::wafer
