// The gpu kind as wafersim sees it: registration, every shipped GPU preset and DGX
// system parses, each preset's summary carries the figures its comments cite, every
// key a preset uses is documented, and the mapping policy follows the spec.

#include "models/gpu/gpu_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "models/gpu/gpu_device.h"
#include "models/gpu/gpu_roofline.h"
#include "sim/hardware/system.h"

namespace wafersim::gpu {
namespace {

constexpr std::int64_t kGiB = 1LL << 30;

std::filesystem::path configs_root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env != nullptr ? std::filesystem::path(env) : std::filesystem::path("configs");
}

class GpuPresets : public ::testing::Test {
 protected:
  GpuPresets() : library_(configs_root()) {
    register_gpu(registry_);
    library_.set_device_kinds(registry_.devices().kinds());
  }

  std::shared_ptr<const Device> load(const std::string& name) {
    const LoadedConfig c = library_.load(name, {ConfigFolder::Devices}, "--system");
    EXPECT_EQ(c.kind, "gpu");
    Diagnostics d;
    auto device = registry_.devices().find("gpu")->parse(c.node, c.name, d);
    for (const auto& item : d.items()) ADD_FAILURE() << item.format();
    return device;
  }

  Registry registry_;
  ConfigLibrary library_;
};

struct Expected {
  std::string name;
  std::int64_t usable_gib;  // capacity − 2 GiB reserved
  double bandwidth, fp16, link, power;
  double e_compute, e_memory;
};

const std::vector<Expected>& expected_presets() {
  static const std::vector<Expected> e = {
      {"a100-sxm4-80gb", 78, 2039e9, 312e12, 300e9, 400, 0.755, 0.896},
      {"h100-sxm5", 78, 3.35e12, 989.4e12, 450e9, 700, 0.765, 0.896},
      {"h200-sxm", 139, 4.8e12, 989e12, 450e9, 700, 0.765, 0.896},
      {"b200", 178, 8e12, 2250e12, 900e9, 1000, 0.765, 0.896},
  };
  return e;
}

TEST_F(GpuPresets, RegistersTheGpuKindAtRooflineAndApprox) {
  ASSERT_NE(registry_.devices().find("gpu"), nullptr);
  EXPECT_FALSE(registry_.devices().find("gpu")->doc.empty());
  const Backend& b = registry_.backend("gpu");
  EXPECT_EQ(b.fidelities, (std::vector<Fidelity>{Fidelity::Roofline, Fidelity::Approx}));
  EXPECT_NE(b.cost_model(*load("h100-sxm5"), Fidelity::Approx), nullptr);
}

TEST_F(GpuPresets, EveryPresetParsesWithItsCitedFigures) {
  for (const Expected& e : expected_presets()) {
    SCOPED_TRACE(e.name);
    auto device = load(e.name);
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->kind(), "gpu");
    EXPECT_EQ(device->name(), e.name);
    const DeviceSummary& s = device->summary();
    EXPECT_EQ(s.memory_capacity.value(), e.usable_gib * kGiB);
    EXPECT_DOUBLE_EQ(s.memory_bandwidth.value(), e.bandwidth);
    EXPECT_EQ(s.memory_level, "HBM");
    EXPECT_DOUBLE_EQ(s.peak_flops.get(DType::Fp16)->value(), e.fp16);
    EXPECT_DOUBLE_EQ(s.peak_flops.get(DType::Bf16)->value(), e.fp16);
    EXPECT_DOUBLE_EQ(s.link.bandwidth.value(), e.link);
    EXPECT_EQ(s.link.topology, LinkTopology::Switch);
    EXPECT_EQ(s.max_tensor_parallel, 8);
    EXPECT_DOUBLE_EQ(s.power.value(), e.power);
    const GpuSpec& spec = as_gpu(*device).spec();
    EXPECT_DOUBLE_EQ(spec.efficiency.compute, e.e_compute);
    EXPECT_DOUBLE_EQ(spec.efficiency.memory, e.e_memory);
    EXPECT_FALSE(spec.flops.get(DType::Int4).has_value()) << "int4 falls back (A-20)";
    EXPECT_FALSE(device->describe().empty());
  }
}

TEST_F(GpuPresets, OnlyHopperAndBlackwellHaveFp8) {
  EXPECT_EQ(compute_format(as_gpu(*load("a100-sxm4-80gb")).spec(), DType::Fp8), DType::Fp16);
  for (const char* name : {"h100-sxm5", "h200-sxm", "b200"})
    EXPECT_EQ(compute_format(as_gpu(*load(name)).spec(), DType::Fp8), DType::Fp8) << name;
  for (const auto& e : expected_presets())
    EXPECT_EQ(compute_format(as_gpu(*load(e.name)).spec(), DType::Int4), DType::Int8) << e.name;
}

/// Dotted paths of every key under `node` (dtype keys of `flops` stay with `flops`).
void collect_keys(const ConfigNode& node, const std::string& prefix, std::set<std::string>& out) {
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = prefix.empty() ? node.keys()[i] : prefix + "." + node.keys()[i];
    out.insert(path);
    if (node.at(i).is_map() && path != "flops" && path != "energy.pj_per_flop" && path != "efficiency.quantized")
      collect_keys(node.at(i), path, out);
  }
}

TEST_F(GpuPresets, EveryKeyAPresetUsesIsDocumented) {
  std::set<std::string> documented;
  for (const FieldDoc& f : registry_.devices().find("gpu")->describe()) {
    documented.insert(f.path);
    EXPECT_FALSE(f.doc.empty()) << f.path;
  }
  for (const auto& e : expected_presets()) {
    std::set<std::string> used;
    collect_keys(library_.load(e.name, {ConfigFolder::Devices}, "--system").node, "", used);
    for (const auto& key : used) EXPECT_TRUE(documented.count(key)) << e.name << ": " << key;
  }
}

TEST_F(GpuPresets, PolicySplitsTensorsInsideTheNvlinkDomainFirst) {
  auto device = load("h100-sxm5");
  const MappingPolicy p = registry_.backend("gpu").policy(*device);
  EXPECT_EQ(p.capacity_per_device.value(), 78 * kGiB);
  EXPECT_EQ(p.max_tp, 8);
  EXPECT_TRUE(p.tp_first);
  EXPECT_EQ(p.device_noun, "GPU");
  EXPECT_NE(registry_.backend("gpu").cost_model(*device, Fidelity::Roofline), nullptr);
}

TEST_F(GpuPresets, H100DecodeMatMulIsBoundByMeasuredHbmBandwidth) {
  // One 8192×8192 fp16 weight read once: 128 MiB at 3.35 TB/s × 0.896.
  auto device = load("h100-sxm5");
  Op op;
  op.name = "gemv";
  op.dtype = DType::Fp16;
  op.flops = 2.0 * 8192 * 8192;
  op.bytes.weights = Bytes(2LL * 8192 * 8192);
  const Graph graph("m", StepShape{}, 1, {op});
  DeviceGroup group;
  group.device = device;
  const Plan plan(graph, group);
  const Stage stage;
  const OpCost c = registry_.backend("gpu").cost_model(*device, Fidelity::Roofline)->cost(op, {plan, stage, 1});
  EXPECT_DOUBLE_EQ(c.memory.value(), 2.0 * 8192 * 8192 / (3.35e12 * 0.896));
  EXPECT_DOUBLE_EQ(c.compute.value(), 2.0 * 8192 * 8192 / (989.4e12 * 0.765));
  EXPECT_DOUBLE_EQ(c.traffic.hbm_bytes, 2.0 * 8192 * 8192);
  EXPECT_DOUBLE_EQ(c.traffic.flops, 2.0 * 8192 * 8192);
}

TEST_F(GpuPresets, DgxSystemsAreEightGpusOnNvswitch) {
  struct Dgx {
    const char* system;
    const char* device;
    double nvlink, infiniband;
  };
  SystemLoader loader(library_, registry_.devices());
  for (const Dgx& x : {Dgx{"dgx-a100", "a100-sxm4-80gb", 300e9, 25e9}, Dgx{"dgx-h100", "h100-sxm5", 450e9, 50e9},
                       Dgx{"dgx-h200", "h200-sxm", 450e9, 50e9}, Dgx{"dgx-b200", "b200", 900e9, 50e9}}) {
    SCOPED_TRACE(x.system);
    const System s = loader.load(x.system);
    ASSERT_EQ(s.groups().size(), 1u);
    const DeviceGroup& g = s.main_group();
    EXPECT_EQ(g.name, "gpus");
    EXPECT_EQ(g.device->name(), x.device);
    EXPECT_EQ(g.count, 8);
    EXPECT_EQ(g.domain, 8);
    EXPECT_DOUBLE_EQ(g.link.bandwidth.value(), x.nvlink);
    EXPECT_EQ(g.link.topology, LinkTopology::Switch);
    EXPECT_DOUBLE_EQ(g.scale_out.bandwidth.value(), x.infiniband);
    EXPECT_FALSE(s.description().empty());
  }
}

}  // namespace
}  // namespace wafersim::gpu
