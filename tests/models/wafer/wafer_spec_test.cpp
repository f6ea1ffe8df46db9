// The wafer schema: every key parses with its unit (bits and bytes per cycle kept
// apart), defaults are the documented ones, bad input gives exact messages, and
// the dtype fallback of A-32 picks the next wider listed format.

#include "models/wafer/wafer_spec.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/config/yaml_loader.h"

namespace wafersim::wafer {
namespace {

/// Line numbers matter: the bad-input tests assert file:line:col.
const std::string kMesh =
    "description: test mesh\n"              // 1
    "mesh:\n"                               // 2
    "  width: 100\n"                        // 3
    "  height: 50\n"                        // 4
    "clock: 1 GHz\n"                        // 5
    "core:\n"                               // 6
    "  sram: 48 KiB\n"                      // 7
    "  reserved_sram: 4 KiB\n"              // 8
    "  sram_read_bandwidth: 16 B/cycle\n"   // 9
    "  sram_write_bandwidth: 64 b/cycle\n"  // 10
    "  flops_per_cycle:\n"                  // 11
    "    fp16: 16 FLOP/cycle\n"             // 12
    "    int8: 32 FLOP/cycle\n"             // 13
    "fabric:\n"                             // 14
    "  link_bandwidth: 32 b/cycle\n"        // 15
    "  hop_latency: 1 cycle\n"              // 16
    "io:\n"                                 // 17
    "  bandwidth: 1.2 Tb/s\n"               // 18
    "  latency: 2 us\n";                    // 19

WaferSpec parse(const std::string& yaml, Diagnostics& d) {
  WaferSpec s;
  wafer_schema().parse(YamlLoader::load_string(yaml, "mesh.yaml"), s, d);
  return s;
}

std::vector<std::string> messages(const std::string& yaml) {
  Diagnostics d;
  (void)parse(yaml, d);
  std::vector<std::string> out;
  for (const auto& item : d.items()) out.push_back(item.format());
  return out;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(WaferSpec, ParsesEveryKeyWithItsUnit) {
  Diagnostics d;
  const WaferSpec s = parse(kMesh, d);
  ASSERT_TRUE(d.empty()) << d.items().front().format();
  EXPECT_EQ(s.description, "test mesh");
  EXPECT_EQ(s.mesh.width, 100);
  EXPECT_EQ(s.mesh.height, 50);
  EXPECT_DOUBLE_EQ(s.clock.value(), 1e9);
  EXPECT_EQ(s.core.sram.value(), 48 * 1024);
  EXPECT_EQ(s.core.reserved_sram.value(), 4 * 1024);
  EXPECT_DOUBLE_EQ(s.core.sram_read_bandwidth.value(), 16);
  EXPECT_DOUBLE_EQ(s.core.sram_write_bandwidth.value(), 8);  // 64 bits
  EXPECT_DOUBLE_EQ(s.core.flops_per_cycle.get(DType::Fp16)->value(), 16);
  EXPECT_DOUBLE_EQ(s.fabric.link_bandwidth.value(), 4);  // "32 b/cycle" == 4 B/cycle
  EXPECT_DOUBLE_EQ(s.fabric.hop_latency.value(), 1);
  EXPECT_DOUBLE_EQ(s.io.bandwidth.value(), 150e9);  // 1.2 Tb/s
  EXPECT_DOUBLE_EQ(s.io.latency.value(), 2e-6);
}

TEST(WaferSpec, DefaultsAreTheDocumentedOnes) {
  Diagnostics d;
  const WaferSpec s = parse(kMesh, d);
  ASSERT_TRUE(d.empty());
  EXPECT_DOUBLE_EQ(s.mesh.usable_fraction, 1.0);
  EXPECT_EQ(s.fabric.colors, 24);
  EXPECT_EQ(s.io.external_memory.value(), 0);
  EXPECT_EQ(s.mapping.mode, WaferMapping::Auto);
  EXPECT_EQ(s.effective_mapping(), WaferMapping::LayerPipelined);
  EXPECT_FALSE(s.power.system.has_value());
}

TEST(WaferSpec, DerivedCapacity) {
  Diagnostics d;
  WaferSpec s = parse(kMesh, d);
  EXPECT_EQ(s.usable_cores(), 5000);
  EXPECT_EQ(s.usable_sram().value(), 5000LL * 44 * 1024);
  s.mesh.usable_fraction = 0.9;
  EXPECT_EQ(s.usable_cores(), 4500);
}

TEST(WaferSpec, MappingValuesParse) {
  for (const auto& [text, value] :
       std::vector<std::pair<std::string, WaferMapping>>{{"auto", WaferMapping::Auto},
                                                         {"layer_pipelined", WaferMapping::LayerPipelined},
                                                         {"wafer_parallel", WaferMapping::WaferParallel},
                                                         {"weight_streaming", WaferMapping::WeightStreaming}}) {
    Diagnostics d;
    const WaferSpec s = parse(kMesh + "  external_memory: 1 TB\nmapping:\n  mode: " + text + "\n", d);
    ASSERT_TRUE(d.empty()) << text;
    EXPECT_EQ(s.mapping.mode, value);
    EXPECT_EQ(wafer_mapping_name(value), text);
  }
}

TEST(WaferSpec, DtypeFallsBackToTheNextWiderFormat) {
  Diagnostics d;
  const WaferSpec s = parse(kMesh, d);
  EXPECT_DOUBLE_EQ(s.flops_per_cycle_for(DType::Int4)->value(), 32);  // int8
  EXPECT_DOUBLE_EQ(s.flops_per_cycle_for(DType::Int8)->value(), 32);
  EXPECT_DOUBLE_EQ(s.flops_per_cycle_for(DType::Fp8)->value(), 16);  // fp16, not int8
  EXPECT_DOUBLE_EQ(s.flops_per_cycle_for(DType::Bf16)->value(), 16);
  EXPECT_FALSE(s.flops_per_cycle_for(DType::Fp32).has_value());
}

TEST(WaferSpec, UnknownKeySuggestsTheClosest) {
  // The required key is missing as well; both are reported, at the section and at the typo.
  const std::vector<std::string> want{
      "mesh.yaml:15:3: fabric.link_bandwidth: missing required key (expected a bandwidth per cycle, e.g. "
      "'4 B/cycle', '32 b/cycle')",
      "mesh.yaml:15:3: fabric.link_bandwith: unknown key (did you mean 'link_bandwidth'?) (valid keys: "
      "link_bandwidth, hop_latency, ramp_latency, colors)"};
  EXPECT_EQ(messages(replace(kMesh, "  link_bandwidth:", "  link_bandwith:")), want);
}

TEST(WaferSpec, PerCycleUnitsMustBePerCycle) {
  const auto m = messages(replace(kMesh, "32 b/cycle", "4 GB/s"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "mesh.yaml:15:19: fabric.link_bandwidth: unit 'GB/s' is a bandwidth, not a bandwidth per cycle; "
            "expected a bandwidth per cycle with a unit, e.g. '4 B/cycle', '32 b/cycle'");
}

TEST(WaferSpec, ReservedSramMustLeaveRoom) {
  EXPECT_EQ(messages(replace(kMesh, "reserved_sram: 4 KiB", "reserved_sram: 48 KiB")),
            std::vector<std::string>{
                "mesh.yaml:8:18: core.reserved_sram: reserved SRAM (48 KiB) must be smaller than core.sram (48 KiB)"});
}

TEST(WaferSpec, UsableFractionIsAFraction) {
  EXPECT_EQ(
      messages(replace(kMesh, "  height: 50\n", "  height: 50\n  usable_fraction: 1.5\n")),
      std::vector<std::string>{"mesh.yaml:5:20: mesh.usable_fraction: value '1.5' out of range (expected in (0, 1])"});
}

TEST(WaferSpec, MeshMustHaveCores) {
  EXPECT_EQ(messages(replace(kMesh, "width: 100", "width: 0")),
            std::vector<std::string>{
                "mesh.yaml:3:10: mesh.width: value 0 out of range (expected an integer in [1, 1000000])"});
}

TEST(WaferSpec, UnknownMappingSuggestsTheClosest) {
  const auto m = messages(kMesh + "mapping:\n  mode: wafer_paralel\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(
      m[0],
      "mesh.yaml:21:9: mapping.mode: unknown value 'wafer_paralel' (did you mean 'wafer_parallel'?) (expected one "
      "of: auto, layer_pipelined, wafer_parallel, weight_streaming)");
}

TEST(WaferSpec, ForcedRegionParsesAndBadOnesNameTheKey) {
  Diagnostics d;
  const WaferSpec s = parse(kMesh + "mapping:\n  region: 20x30\n", d);
  ASSERT_TRUE(d.empty());
  ASSERT_TRUE(s.mapping.forced_region().has_value());
  EXPECT_EQ(s.mapping.forced_region()->rows, 20);
  EXPECT_EQ(s.mapping.forced_region()->cols, 30);
  EXPECT_EQ(messages(kMesh + "mapping:\n  region: 20by30\n"),
            std::vector<std::string>{"mesh.yaml:21:11: mapping.region: '20by30' is not a region: write ROWSxCOLS "
                                     "cores, e.g. 420x420"});
  EXPECT_EQ(messages(kMesh + "mapping:\n  region: 51x10\n"),
            std::vector<std::string>{"mesh.yaml:21:11: mapping.region: region 51x10 does not fit the 50x100 mesh "
                                     "(rows x cols = mesh.height x mesh.width)"});
}

TEST(WaferSpec, WeightStreamingNeedsAStore) {
  EXPECT_EQ(messages(kMesh + "mapping:\n  mode: weight_streaming\n"),
            std::vector<std::string>{"mesh.yaml:21:9: mapping.mode: weight_streaming needs an off-wafer weight "
                                     "store: set io.external_memory"});
}

TEST(WaferSpec, DescribeDocumentsEveryKeyTheBriefNames) {
  std::vector<std::string> paths;
  for (const auto& f : wafer_schema().describe()) {
    paths.push_back(f.path);
    EXPECT_FALSE(f.doc.empty()) << f.path;
  }
  for (const char* key :
       {"mesh.width", "mesh.height", "mesh.usable_fraction", "clock", "core.sram", "core.reserved_sram",
        "core.sram_read_bandwidth", "core.sram_write_bandwidth", "core.flops_per_cycle", "fabric.link_bandwidth",
        "fabric.hop_latency", "fabric.colors", "io.bandwidth", "io.latency", "io.external_memory", "mapping.mode",
        "mapping.region", "core.task_overhead", "power.system"})
    EXPECT_NE(std::find(paths.begin(), paths.end(), key), paths.end()) << key;
}

}  // namespace
}  // namespace wafersim::wafer
