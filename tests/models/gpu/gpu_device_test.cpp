// GpuDevice: the summary sim/ sees is derived from the spec (usable HBM = capacity −
// reserved; the NVLink domain bounds tensor parallelism), and describe() is one line.

#include "models/gpu/gpu_device.h"

#include <gtest/gtest.h>

#include "tests/models/gpu/gpu_test_spec.h"

namespace wafersim::gpu {
namespace {

GpuDevice test_device() {
  Diagnostics d;
  const std::string yaml = testing::test_gpu_yaml_with("  bandwidth: 2 TB/s", "  bandwidth: 2 TB/s\n  reserved: 4 GiB");
  GpuSpec s = testing::parse_test_gpu(yaml, d);
  d.throw_if_any();
  return GpuDevice("test-gpu", s);
}

TEST(GpuDevice, SummaryComesFromTheSpec) {
  const GpuDevice g = test_device();
  const DeviceSummary& s = g.summary();
  EXPECT_EQ(g.kind(), "gpu");
  EXPECT_EQ(s.memory_capacity.value(), 76LL << 30);
  EXPECT_DOUBLE_EQ(s.memory_bandwidth.value(), 2e12);
  EXPECT_EQ(s.memory_level, "HBM");
  EXPECT_DOUBLE_EQ(s.peak_flops.get(DType::Fp16)->value(), 1000e12);
  EXPECT_DOUBLE_EQ(s.peak_flops.get(DType::Int8)->value(), 2000e12);
  EXPECT_FALSE(s.peak_flops.get(DType::Fp8).has_value());
  EXPECT_DOUBLE_EQ(s.link.bandwidth.value(), 300e9);
  EXPECT_DOUBLE_EQ(s.link.latency.value(), 1e-6);
  EXPECT_EQ(s.link.topology, LinkTopology::Switch);
  EXPECT_EQ(s.max_tensor_parallel, 8);
  EXPECT_DOUBLE_EQ(s.power.value(), 400);
}

TEST(GpuDevice, DescribeIsOneLine) {
  const std::string text = test_device().describe();
  EXPECT_EQ(text,
            "test-gpu: 100 SMs, 76 GiB usable HBM at 2 TB/s, 1 PFLOP/s fp16 dense, NVLink 300 GB/s per "
            "direction, up to 8 GPUs");
}

TEST(GpuDevice, AsGpuRejectsOtherKinds) {
  class Other final : public Device {
   public:
    const std::string& name() const override { return name_; }
    std::string_view kind() const override { return "wafer"; }
    const DeviceSummary& summary() const override { return summary_; }
    std::string describe() const override { return ""; }

   private:
    std::string name_ = "w";
    DeviceSummary summary_;
  };
  const Other other;
  EXPECT_THROW((void)as_gpu(other), InternalError);
  const GpuDevice g = test_device();
  EXPECT_EQ(&as_gpu(g), &g);
}

}  // namespace
}  // namespace wafersim::gpu
