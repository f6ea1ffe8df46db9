// The shipped wafer presets: they parse, and their derived summary equals the
// arithmetic written in their YAML comments (configs/devices/wse{2,3}.yaml).
// cs3-x4 joins four of them over the wafer I/O. Overrides of a preset report bad
// keys at the override's own file and line.

#include <gtest/gtest.h>

#include "models/wafer/wafer_backend.h"
#include "models/wafer/wafer_device.h"
#include "tests/models/wafer/wafer_test_support.h"

namespace wafersim::wafer {
namespace {

using testing::load_error;
using testing::load_inline_device;
using testing::load_system;

const WaferDevice& wafer_of(const System& s) {
  const auto* w = dynamic_cast<const WaferDevice*>(s.main_group().device.get());
  if (w == nullptr) throw std::runtime_error("not a wafer");
  return *w;
}

TEST(WaferPresets, Wse3SummaryEqualsTheCommentArithmetic) {
  const System s = load_system("wse3");
  const WaferDevice& w = wafer_of(s);
  const DeviceSummary& sum = w.summary();
  // 762 x 1172 = 893,064 cores.
  EXPECT_EQ(w.spec().usable_cores(), 893'064);
  // 893,064 x (48 KiB - 4 KiB) = 40,237,891,584 B (40.2 GB).
  EXPECT_EQ(sum.memory_capacity.value(), 40'237'891'584LL);
  // 893,064 x 16 B/cycle x 1.1 GHz = 15.72 PB/s.
  EXPECT_DOUBLE_EQ(sum.memory_bandwidth.value(), 893'064.0 * 16 * 1.1e9);
  EXPECT_NEAR(sum.memory_bandwidth.value(), 15.72e15, 0.01e15);
  // 893,064 x 16 FLOP/cycle x 1.1 GHz = 15.72 PFLOP/s fp16; narrower formats run at it.
  EXPECT_DOUBLE_EQ(sum.peak_flops.get(DType::Fp16)->value(), 893'064.0 * 16 * 1.1e9);
  EXPECT_DOUBLE_EQ(sum.peak_flops.get(DType::Int8)->value(), 893'064.0 * 16 * 1.1e9);
  EXPECT_FALSE(sum.peak_flops.get(DType::Fp32).has_value());
  EXPECT_EQ(sum.memory_level, "SRAM");
  EXPECT_EQ(sum.max_tensor_parallel, 1);
  // 1.2 Tb/s = 150 GB/s per direction, 2 us, a chain.
  EXPECT_DOUBLE_EQ(sum.link.bandwidth.value(), 150e9);
  EXPECT_DOUBLE_EQ(sum.link.latency.value(), 2e-6);
  EXPECT_EQ(sum.link.topology, LinkTopology::Chain);
  EXPECT_DOUBLE_EQ(sum.power.value(), 23e3);
  // The marketed 44 GB is the whole SRAM: 893,064 x 48 KiB = 43.9 GB.
  EXPECT_NEAR(893'064.0 * static_cast<double>(w.spec().core.sram.value()), 44e9, 0.2e9);
}

TEST(WaferPresets, Wse2SummaryEqualsTheCommentArithmetic) {
  const System s = load_system("wse2");
  const WaferDevice& w = wafer_of(s);
  const DeviceSummary& sum = w.summary();
  EXPECT_EQ(w.spec().usable_cores(), 753'972);  // 757 x 996
  EXPECT_EQ(sum.memory_capacity.value(), 753'972LL * 44 * 1024);
  EXPECT_NEAR(sum.memory_bandwidth.value(), 13.27e15, 0.01e15);               // x 16 B/cycle x 1.1 GHz
  EXPECT_NEAR(sum.peak_flops.get(DType::Fp16)->value(), 6.635e15, 0.001e15);  // x 8 FLOP/cycle x 1.1 GHz
  // The marketed 20 PB/s counts read + write ports: 753,972 x 24 B/cycle x 1.1 GHz.
  EXPECT_NEAR(753'972.0 * 24 * 1.1e9, 20e15, 0.2e15);
}

TEST(WaferPresets, WseMiniIsA64x64SliceWithTheWse3CoreAndFabric) {
  const System mini = load_system("wse-mini");
  const System wse3 = load_system("wse3");
  const WaferSpec& m = wafer_of(mini).spec();
  const WaferSpec& w = wafer_of(wse3).spec();
  EXPECT_EQ(m.usable_cores(), 4'096);  // 64 x 64
  EXPECT_EQ(m.clock.value(), w.clock.value());
  EXPECT_EQ(m.core.sram, w.core.sram);
  EXPECT_EQ(m.core.reserved_sram, w.core.reserved_sram);
  EXPECT_EQ(m.core.sram_read_bandwidth.value(), w.core.sram_read_bandwidth.value());
  EXPECT_EQ(m.core.sram_write_bandwidth.value(), w.core.sram_write_bandwidth.value());
  EXPECT_EQ(m.flops_per_cycle_for(DType::Fp16)->value(), w.flops_per_cycle_for(DType::Fp16)->value());
  EXPECT_EQ(m.core.task_overhead.value(), w.core.task_overhead.value());
  EXPECT_EQ(m.fabric.link_bandwidth.value(), w.fabric.link_bandwidth.value());
  EXPECT_EQ(m.fabric.hop_latency.value(), w.fabric.hop_latency.value());
  EXPECT_EQ(m.fabric.colors, w.fabric.colors);
  EXPECT_EQ(m.mapping.mode, WaferMapping::Auto);
  const DeviceSummary& sum = wafer_of(mini).summary();
  // 4,096 x 44 KiB = 176 MiB; 4,096 x 16 FLOP/cycle x 1.1 GHz = 72.1 TFLOP/s.
  EXPECT_EQ(sum.memory_capacity.value(), 4'096LL * 44 * 1024);
  EXPECT_DOUBLE_EQ(sum.peak_flops.get(DType::Fp16)->value(), 4'096.0 * 16 * 1.1e9);
  // I/O by perimeter: 1.2 Tb/s x 256 / 3,868 = 79.4 Gb/s; power by cores: 23 kW x 4,096 / 893,064.
  EXPECT_NEAR(m.io.bandwidth.value() * 8, 1.2e12 * 256 / 3'868, 0.05e9);
  EXPECT_NEAR(sum.power.value(), 23e3 * 4'096 / 893'064, 0.05);
  EXPECT_EQ(m.io.external_memory.value(), 0);
}

TEST(WaferPresets, PolicyCountsUsableSramPerCore) {
  const System s = load_system("wse3");
  const MappingPolicy p = wafer_policy(*s.main_group().device);
  EXPECT_EQ(p.capacity_per_device.value(), 40'237'891'584LL);
  EXPECT_EQ(p.capacity_units, 893'064);
  EXPECT_EQ(p.capacity_unit_name, "core");
  EXPECT_EQ(p.device_noun, "wafer");
  EXPECT_EQ(p.max_tp, 1);
  EXPECT_FALSE(p.tp_first);
}

TEST(WaferPresets, WeightStreamingKeepsWeightsInTheExternalStore) {
  const System s = load_inline_device("ws", "kind: wafer\npreset: wse3\nmapping:\n  mode: weight_streaming\n");
  const MappingPolicy p = wafer_policy(*s.main_group().device);
  EXPECT_EQ(p.capacity_per_device.value(), 40'237'891'584LL);  // SRAM: KV cache and activations
  EXPECT_EQ(p.weight_store_per_device.value(), 1'500'000'000'000LL);
}

TEST(WaferPresets, Cs3x4IsFourWafersOverTheirIo) {
  const System s = load_system("cs3-x4");
  ASSERT_EQ(s.groups().size(), 1u);
  const DeviceGroup& g = s.main_group();
  EXPECT_EQ(g.count, 4);
  EXPECT_EQ(g.device->name(), "wse3");
  EXPECT_DOUBLE_EQ(g.link.bandwidth.value(), 150e9);
  EXPECT_DOUBLE_EQ(g.link.latency.value(), 2e-6);
  EXPECT_EQ(g.link.topology, LinkTopology::Chain);
}

TEST(WaferPresets, OverrideOfAPresetReportsTheTypoWhereItIs) {
  EXPECT_EQ(load_error("mine", "kind: wafer\npreset: wse3\nfabric:\n  link_bandwith: 8 B/cycle\n"),
            "mine.yaml:4:3: fabric.link_bandwith: unknown key (did you mean 'link_bandwidth'?) (valid keys: "
            "link_bandwidth, hop_latency, ramp_latency, colors)");
}

TEST(WaferPresets, OverrideInBitsPerCycle) {
  const System s = load_inline_device("mine", "kind: wafer\npreset: wse3\nfabric:\n  link_bandwidth: 64 b/cycle\n");
  EXPECT_DOUBLE_EQ(wafer_of(s).spec().fabric.link_bandwidth.value(), 8);
}

}  // namespace
}  // namespace wafersim::wafer
