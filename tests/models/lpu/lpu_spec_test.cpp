// The lpu schema and the groq-lpu preset: keys parse with their units, the summary
// equals the arithmetic in configs/devices/groq-lpu.yaml, bad input gives exact
// messages, and groq-rack chains the chips over their C2C links.

#include "models/lpu/lpu_spec.h"

#include <gtest/gtest.h>

#include "models/lpu/lpu_backend.h"
#include "models/lpu/lpu_device.h"
#include "tests/models/wafer/wafer_test_support.h"

namespace wafersim::lpu {
namespace {

using wafer::testing::load_error;
using wafer::testing::load_inline_device;
using wafer::testing::load_system;

const LpuDevice& lpu_of(const System& s) {
  const auto* l = dynamic_cast<const LpuDevice*>(s.main_group().device.get());
  if (l == nullptr) throw std::runtime_error("not an lpu");
  return *l;
}

TEST(LpuPresets, GroqLpuSummaryEqualsTheCommentArithmetic) {
  const System s = load_system("groq-lpu");
  const LpuDevice& l = lpu_of(s);
  const DeviceSummary& sum = l.summary();
  // 220 MiB - 11 MiB = 209 MiB = 219,152,384 B.
  EXPECT_EQ(sum.memory_capacity.value(), 209LL << 20);
  EXPECT_EQ(sum.memory_level, "SRAM");
  EXPECT_DOUBLE_EQ(sum.memory_bandwidth.value(), 80e12);
  EXPECT_DOUBLE_EQ(sum.peak_flops.get(DType::Fp16)->value(), 188e12);
  EXPECT_DOUBLE_EQ(sum.peak_flops.get(DType::Bf16)->value(), 188e12);
  EXPECT_DOUBLE_EQ(sum.peak_flops.get(DType::Int8)->value(), 750e12);
  EXPECT_DOUBLE_EQ(sum.peak_flops.get(DType::Int4)->value(), 750e12);
  EXPECT_FALSE(sum.peak_flops.get(DType::Fp32).has_value());
  // 4 x 30 Gb/s = 15 GB/s raw per link; 14 GB/s cabled is what the preset uses.
  EXPECT_DOUBLE_EQ(l.spec().c2c.lane_rate.value() * 4, 15e9);
  // 4 links between neighbours x 14 GB/s = 56 GB/s per direction, 600 ns per hop.
  EXPECT_DOUBLE_EQ(sum.link.bandwidth.value(), 56e9);
  EXPECT_DOUBLE_EQ(sum.link.latency.value(), 600e-9);
  EXPECT_EQ(sum.link.topology, LinkTopology::Chain);
  EXPECT_EQ(sum.max_tensor_parallel, 64);
  EXPECT_DOUBLE_EQ(sum.power.value(), 300);
  EXPECT_DOUBLE_EQ(l.spec().clock.value(), 900e6);
}

TEST(LpuPresets, PolicySplitsLayersOnlyWhenTheyDoNotFit) {
  const System s = load_system("groq-lpu");
  const MappingPolicy p = lpu_policy(*s.main_group().device);
  EXPECT_EQ(p.capacity_per_device.value(), 209LL << 20);
  EXPECT_EQ(p.max_tp, 64);
  EXPECT_FALSE(p.tp_first);
  EXPECT_EQ(p.device_noun, "chip");
}

TEST(LpuPresets, GroqRackChainsAsManyChipsAsTheModelNeeds) {
  const System s = load_system("groq-rack");
  const DeviceGroup& g = s.main_group();
  EXPECT_TRUE(g.auto_count);
  EXPECT_EQ(g.device->name(), "groq-lpu");
  EXPECT_DOUBLE_EQ(g.link.bandwidth.value(), 56e9);
  EXPECT_EQ(g.link.topology, LinkTopology::Chain);
  EXPECT_DOUBLE_EQ(g.link.latency.value(), 600e-9);
}

TEST(LpuSpec, LinkBandwidthDefaultsToLanesTimesRate) {
  const System s = load_inline_device("chip",
                                      "kind: lpu\n"
                                      "sram: 220 MiB\n"
                                      "sram_bandwidth: 80 TB/s\n"
                                      "flops: {fp16: 188 TFLOP/s}\n"
                                      "clock: 900 MHz\n"
                                      "c2c: {links: 16, lanes_per_link: 4, lane_rate: 28 Gb/s, latency: 1 us}\n");
  EXPECT_DOUBLE_EQ(lpu_of(s).spec().link_bandwidth().value(), 4 * 28e9 / 8);  // 14 GB/s
}

TEST(LpuSpec, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(load_error("chip", "kind: lpu\npreset: groq-lpu\nc2c:\n  latncy: 1 us\n"),
            "chip.yaml:4:3: c2c.latncy: unknown key (did you mean 'latency'?) (valid keys: links, lanes_per_link, "
            "lane_rate, bandwidth, latency, links_between_neighbours, topology, reliability)");
}

TEST(LpuSpec, ReservedSramMustLeaveRoom) {
  EXPECT_EQ(load_error("chip", "kind: lpu\npreset: groq-lpu\nsram_reserved: 300 MiB\n"),
            "chip.yaml:3:16: sram_reserved: reserved SRAM (300 MiB) must be smaller than sram (220 MiB)");
}

TEST(LpuSpec, NeighbourLinksCannotExceedTheChipsLinks) {
  EXPECT_EQ(load_error("chip", "kind: lpu\npreset: groq-lpu\nc2c:\n  links_between_neighbours: 17\n"),
            "chip.yaml:4:29: c2c.links_between_neighbours: links_between_neighbours (17) exceeds the chip's 16 "
            "links");
}

TEST(LpuSpec, BandwidthNeedsAUnit) {
  EXPECT_EQ(load_error("chip", "kind: lpu\npreset: groq-lpu\nsram_bandwidth: 80\n"),
            "chip.yaml:3:17: sram_bandwidth: '80' has no unit; expected a bandwidth with a unit, e.g. '3.35 TB/s', "
            "'900 GB/s', '214 Pb/s' (B/s or b/s with k M G T P)");
}

}  // namespace
}  // namespace wafersim::lpu
