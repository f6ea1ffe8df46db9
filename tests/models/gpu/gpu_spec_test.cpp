// The gpu schema: a valid description parses into the right numbers, every
// documented key has a doc, bad input gives exact messages, and the dtype fallback
// of A-20 picks the next wider listed format.

#include "models/gpu/gpu_spec.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/models/gpu/gpu_test_spec.h"

namespace wafersim::gpu {
namespace {

using testing::kTestGpuYaml;
using testing::parse_test_gpu;
using testing::test_gpu_yaml_with;

std::vector<std::string> messages(const std::string& yaml) {
  Diagnostics d;
  parse_test_gpu(yaml, d);
  std::vector<std::string> out;
  for (const auto& item : d.items()) out.push_back(item.format());
  return out;
}

TEST(GpuSpec, ParsesEveryKeyWithItsUnit) {
  Diagnostics d;
  const GpuSpec s = parse_test_gpu(kTestGpuYaml, d);
  ASSERT_TRUE(d.empty()) << d.items().front().format();
  EXPECT_EQ(s.description, "test GPU");
  EXPECT_EQ(s.sms, 100);
  EXPECT_DOUBLE_EQ(s.clock.value(), 1.5e9);
  EXPECT_DOUBLE_EQ(s.flops.get(DType::Fp16)->value(), 1000e12);
  EXPECT_DOUBLE_EQ(s.flops.get(DType::Int8)->value(), 2000e12);
  EXPECT_FALSE(s.flops.get(DType::Fp8).has_value());
  EXPECT_DOUBLE_EQ(s.vector_flops.value(), 50e12);
  EXPECT_EQ(s.hbm.capacity.value(), 80LL << 30);
  EXPECT_DOUBLE_EQ(s.hbm.bandwidth.value(), 2e12);
  EXPECT_EQ(s.l2.size.value(), 40LL << 20);
  EXPECT_FALSE(s.l2.bandwidth.has_value());
  EXPECT_DOUBLE_EQ(s.nvlink.bandwidth.value(), 300e9);
  EXPECT_DOUBLE_EQ(s.nvlink.latency.value(), 1e-6);
  EXPECT_DOUBLE_EQ(s.scale_out.bandwidth.value(), 25e9);
  EXPECT_DOUBLE_EQ(s.scale_out.latency.value(), 5e-6);
  EXPECT_DOUBLE_EQ(s.pcie.bandwidth.value(), 32e9);
  EXPECT_DOUBLE_EQ(s.power.tdp.value(), 400);
  EXPECT_DOUBLE_EQ(s.efficiency.compute, 0.8);
  EXPECT_DOUBLE_EQ(s.efficiency.memory, 0.9);
}

TEST(GpuSpec, DefaultsAreTheDocumentedOnes) {
  Diagnostics d;
  const GpuSpec s = parse_test_gpu(kTestGpuYaml, d);
  ASSERT_TRUE(d.empty());
  EXPECT_EQ(s.hbm.reserved.value(), 2LL << 30);
  EXPECT_EQ(s.usable_memory().value(), 78LL << 30);
  EXPECT_DOUBLE_EQ(s.launch_overhead.value(), 4e-6);
  EXPECT_DOUBLE_EQ(s.kernel_latency.value(), 2e-6);
  EXPECT_DOUBLE_EQ(s.efficiency.elementwise, 0.9);
  EXPECT_DOUBLE_EQ(s.efficiency.attention, 0.75);
  EXPECT_TRUE(s.cuda_graphs);
  EXPECT_EQ(s.nvlink.domain, 8);
}

TEST(GpuSpec, DescribeListsEveryKeyWithADoc) {
  const auto docs = gpu_schema().describe();
  const std::vector<std::string> expected = {"name",
                                             "description",
                                             "sms",
                                             "clock",
                                             "flops",
                                             "vector_flops",
                                             "hbm",
                                             "hbm.capacity",
                                             "hbm.bandwidth",
                                             "hbm.reserved",
                                             "l2",
                                             "l2.size",
                                             "l2.bandwidth",
                                             "launch_overhead",
                                             "kernel_latency",
                                             "cuda_graphs",
                                             "nvlink",
                                             "nvlink.bandwidth",
                                             "nvlink.latency",
                                             "nvlink.domain",
                                             "scale_out",
                                             "scale_out.bandwidth",
                                             "scale_out.latency",
                                             "pcie",
                                             "pcie.bandwidth",
                                             "power",
                                             "power.tdp",
                                             "power.idle",
                                             "power.static",
                                             "power.cap",
                                             "power.boost_voltage",
                                             "efficiency",
                                             "efficiency.compute",
                                             "efficiency.gemm_tile_overhead",
                                             "efficiency.memory",
                                             "efficiency.elementwise",
                                             "efficiency.attention",
                                             "efficiency.weights",
                                             "efficiency.weights_ramp",
                                             "efficiency.quantized",
                                             "efficiency.decode_attention",
                                             "efficiency.decode_attention_ramp",
                                             "efficiency.mla_decode",
                                             "energy",
                                             "energy.pj_per_flop",
                                             "energy.pj_per_bit",
                                             "energy.pj_per_bit.sram",
                                             "energy.pj_per_bit.hbm",
                                             "energy.pj_per_bit.fabric",
                                             "energy.pj_per_bit.interconnect",
                                             "energy.pj_per_bit.io",
                                             "price",
                                             "price.usd",
                                             "price.estimated",
                                             "cooling",
                                             "cooling.type",
                                             "cooling.reason",
                                             "cooling.share",
                                             "cooling.per_rack"};
  std::vector<std::string> paths;
  for (const auto& f : docs) {
    paths.push_back(f.path);
    EXPECT_FALSE(f.doc.empty()) << f.path;
    EXPECT_FALSE(f.type.empty()) << f.path;
  }
  EXPECT_EQ(paths, expected);
  auto unit_of = [&](const std::string& path) {
    return std::find_if(docs.begin(), docs.end(), [&](const FieldDoc& f) { return f.path == path; })->unit;
  };
  EXPECT_EQ(unit_of("hbm.bandwidth"), "B/s");
  EXPECT_EQ(unit_of("flops"), "FLOP/s");
  EXPECT_EQ(unit_of("nvlink.latency"), "s");
}

TEST(GpuSpec, UnknownKeySuggestsTheClosestOne) {
  const auto m = messages(test_gpu_yaml_with("  bandwidth: 2 TB/s", "  bandwith: 2 TB/s"));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0],
            "gpu.yaml:10:3: hbm.bandwidth: missing required key (expected a bandwidth, e.g. '3.35 TB/s', "
            "'900 GB/s', '214 Pb/s' (B/s or b/s with k M G T P))");
  EXPECT_EQ(m[1],
            "gpu.yaml:11:3: hbm.bandwith: unknown key (did you mean 'bandwidth'?) (valid keys: capacity, "
            "bandwidth, reserved)");
}

TEST(GpuSpec, UnknownTopLevelKeyListsTheValidOnes) {
  const auto m = messages(test_gpu_yaml_with("sms: 100", "sms: 100\nvector_flop: 3 TFLOP/s"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(
      m[0],
      "gpu.yaml:3:1: vector_flop: unknown key (did you mean 'vector_flops'?) (valid keys: name, "
      "description, sms, clock, flops, vector_flops, hbm, l2, launch_overhead, kernel_latency, cuda_graphs, nvlink, "
      "scale_out, pcie, power, efficiency, energy, price, cooling)");
}

TEST(GpuSpec, NumberWithoutUnitIsAnError) {
  const auto m = messages(test_gpu_yaml_with("  bandwidth: 2 TB/s", "  bandwidth: 3.35"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "gpu.yaml:11:14: hbm.bandwidth: '3.35' has no unit; expected a bandwidth with a unit, e.g. "
            "'3.35 TB/s', '900 GB/s', '214 Pb/s' (B/s or b/s with k M G T P)");
}

TEST(GpuSpec, UnitOfAnotherDimensionIsAnError) {
  const auto m = messages(test_gpu_yaml_with("  bandwidth: 2 TB/s", "  bandwidth: 3.35 GHz"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "gpu.yaml:11:14: hbm.bandwidth: unit 'GHz' is a frequency, not a bandwidth; expected a bandwidth "
            "with a unit, e.g. '3.35 TB/s', '900 GB/s', '214 Pb/s' (B/s or b/s with k M G T P)");
}

TEST(GpuSpec, NegativeValueIsOutOfRange) {
  const auto m = messages(test_gpu_yaml_with("  capacity: 80 GiB", "  capacity: -80 GiB"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "gpu.yaml:10:13: hbm.capacity: value '-80 GiB' out of range (expected > 0)");
}

TEST(GpuSpec, EfficiencyAboveOneIsOutOfRange) {
  const auto m = messages(test_gpu_yaml_with("  compute: 0.8", "  compute: 1.2"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "gpu.yaml:25:12: efficiency.compute: value '1.2' out of range (expected in (0, 1])");
}

TEST(GpuSpec, MissingEfficiencyIsAnError) {
  const auto m = messages(test_gpu_yaml_with("  memory: 0.9\n", ""));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "gpu.yaml:25:3: efficiency.memory: missing required key (expected a number)");
}

TEST(GpuSpec, ReservedMustLeaveRoom) {
  const auto m = messages(test_gpu_yaml_with("  capacity: 80 GiB", "  capacity: 80 GiB\n  reserved: 90 GiB"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "gpu.yaml:11:13: hbm.reserved: reserved HBM (90 GiB) must be less than hbm.capacity (80 GiB)");
}

TEST(GpuSpec, NeedsASixteenBitRate) {
  const auto m = messages(test_gpu_yaml_with("  fp16: 1000 TFLOP/s\n  bf16: 1000 TFLOP/s\n", ""));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "gpu.yaml:5:3: flops: needs a rate for fp16 or bf16 (formats without a rate fall back to them, A-20)");
}

TEST(GpuSpec, EveryErrorOfAFileIsReported) {
  const std::string yaml = test_gpu_yaml_with("sms: 100", "sms: -1");
  const auto m =
      messages(yaml.substr(0, yaml.find("  tdp: 400 W")) + "  tdp: 400" + yaml.substr(yaml.find("  tdp: 400 W") + 12));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], "gpu.yaml:2:6: sms: value -1 out of range (expected an integer >= 1)");
  EXPECT_EQ(m[1].substr(0, 36), "gpu.yaml:23:8: power.tdp: '400' has ");
}

TEST(GpuSpec, ComputeFormatFallsBackToTheNextWiderListedFormat) {
  Diagnostics d;
  GpuSpec s = parse_test_gpu(kTestGpuYaml, d);  // fp16, bf16, int8; no fp8, int4, fp32
  ASSERT_TRUE(d.empty());
  EXPECT_EQ(compute_format(s, DType::Fp16), DType::Fp16);
  EXPECT_EQ(compute_format(s, DType::Int8), DType::Int8);
  EXPECT_EQ(compute_format(s, DType::Int4), DType::Int8);
  EXPECT_EQ(compute_format(s, DType::Fp8), DType::Fp16);
  EXPECT_EQ(compute_format(s, DType::Fp32), std::nullopt);

  s.flops.values = {};
  s.flops.set(DType::Bf16, FlopsPerSecond(1e15));
  EXPECT_EQ(compute_format(s, DType::Int4), DType::Bf16);
  EXPECT_EQ(compute_format(s, DType::Fp16), DType::Bf16);
}

}  // namespace
}  // namespace wafersim::gpu
