// The GPU software stack and collective tables: interpolation in log(size) exact at
// table points and monotone between them, GPU counts between rows never cheaper than
// the table, profiles and overrides, a TP-8 batch-1 decode step against its closed
// form, the int4 speedup falling with batch, and the shipped NCCL tables against the
// Vidur all-reduce measurements they were drawn from.

#include "models/gpu/gpu_software.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "models/gpu/gpu_approx_cost.h"
#include "models/register_builtin.h"
#include "sim/config/config_library.h"
#include "sim/config/yaml_loader.h"
#include "sim/hardware/system.h"
#include "sim/mapping/pipeline_mapper.h"
#include "sim/scenario/eval_request.h"
#include "sim/workload/graph_builder.h"
#include "sim/workload/model_loader.h"

namespace wafersim::gpu {
namespace {

std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

CollectiveCurve curve() {
  return CollectiveCurve({512, 4096, 32768, 1 << 20},
                         {{2, {4e-6, 5e-6, 8e-6, 20e-6}}, {8, {6e-6, 7e-6, 12e-6, 34e-6}}});
}

TEST(CollectiveCurve, ExactAtTablePoints) {
  const CollectiveCurve c = curve();
  for (const auto& [n, row] : c.rows())
    for (std::size_t i = 0; i < row.size(); ++i) EXPECT_DOUBLE_EQ(c.time(c.sizes()[i], n), row[i]);
}

TEST(CollectiveCurve, MonotoneBetweenPointsAndLinearInLogSize) {
  const CollectiveCurve c = curve();
  double prev = 0;
  for (double s = 512; s <= (1 << 20); s *= 1.07) {
    const double t = c.time(s, 8);
    EXPECT_GE(t, prev - 1e-15) << s;
    prev = t;
  }
  // Halfway in log(size) between 512 B and 4 KiB is halfway in time.
  EXPECT_NEAR(c.time(std::sqrt(512.0 * 4096.0), 2), 4.5e-6, 1e-12);
  // Below the table: the smallest size's time; past it: the last segment's slope.
  EXPECT_DOUBLE_EQ(c.time(1, 2), 4e-6);
  const double slope = (20e-6 - 8e-6) / ((1 << 20) - 32768.0);
  EXPECT_NEAR(c.time(2.0 * (1 << 20), 2), 20e-6 + slope * (1 << 20), 1e-12);
}

TEST(CollectiveCurve, MoreGpusNeverCheaperThanTheTableSays) {
  const CollectiveCurve c = curve();
  for (double s : {100.0, 512.0, 9000.0, 1e6, 4e6}) {
    double prev = 0;
    for (int n = 2; n <= 16; ++n) {
      const double t = c.time(s, n);
      EXPECT_GE(t, c.time(s, 2)) << n;
      if (n >= 8) {
        EXPECT_GE(t, c.time(s, 8)) << n;
      }
      EXPECT_GE(t, prev - 1e-15) << "n " << n << " size " << s;
      prev = t;
    }
  }
  // Past the largest row: scaled in n−1.
  EXPECT_NEAR(c.time(4096, 15), 7e-6 * 14 / 7, 1e-12);
}

std::shared_ptr<const SoftwareStack> parse(const std::string& yaml, Diagnostics& d) {
  const ConfigNode n = YamlLoader::load_string(yaml, "sw.yaml");
  return parse_gpu_software(&n, d);
}

TEST(GpuSoftware, ProfilesFillEveryKeyAndKeysOverride) {
  Diagnostics d;
  auto vllm = parse("profile: vllm\n", d);
  ASSERT_TRUE(d.empty());
  const GpuSoftware& v = software_of(vllm);
  EXPECT_EQ(v.fusion, Fusion::Standard);
  EXPECT_DOUBLE_EQ(v.step_overhead.value(), 0.4e-3);
  EXPECT_EQ(v.collective, "formula");  // no table listed: the formulas
  auto eager = parse("profile: eager\nstep_overhead: 1 ms\nfusion: standard\n", d);
  ASSERT_TRUE(d.empty());
  const GpuSoftware& e = software_of(eager);
  EXPECT_EQ(e.cuda_graphs, std::optional<bool>(false));
  EXPECT_DOUBLE_EQ(e.step_overhead.value(), 1e-3);
  EXPECT_EQ(e.fusion, Fusion::Standard);
  EXPECT_EQ(software_of(nullptr).profile, "tensorrt-llm");
}

TEST(GpuSoftware, BadKeysNameTheirPlace) {
  Diagnostics d;
  (void)parse("profile: vlm\n", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d.items()[0].message.find("did you mean 'vllm'"), std::string::npos) << d.items()[0].message;
  Diagnostics d2;
  (void)parse("collective: nccl\n", d2);
  ASSERT_EQ(d2.size(), 1u);
  EXPECT_NE(d2.items()[0].message.find("no collective table named 'nccl'"), std::string::npos);
  Diagnostics d3;
  (void)parse(
      "collectives:\n  x:\n    all_reduce:\n      bytes: [1 KiB, 2 KiB]\n      time:\n        8: [5 us, 4 us]\n", d3);
  ASSERT_EQ(d3.size(), 1u);
  EXPECT_NE(d3.items()[0].message.find("must not fall"), std::string::npos);
  EXPECT_EQ(d3.items()[0].line, 6);
}

struct GpuStack : ::testing::Test {
  GpuStack() { models::register_builtin(registry); }
  RunResult run(const std::string& system, const std::string& model, std::vector<Override> sets = {},
                std::vector<std::pair<std::string, std::string>> options = {}) {
    EvalRequest r;
    r.system = system;
    r.model = model;
    for (const auto& [k, v] : options) r.set_option(k, v, OptionOrigin{"", 0, 0, k});
    r.overrides = std::move(sets);
    return RequestRunner(registry, root()).run(r);
  }
  Registry registry;
};

Override set(std::string path, std::string value) { return Override{std::move(path), std::move(value), "--set"}; }

TEST_F(GpuStack, TpEightBatchOneDecodeIsItsClosedForm) {
  // weights/8 ÷ (bandwidth × weights eff) + 2·layers·all-reduce(hidden bytes) +
  // kernels × (floor + ramp) + the host's step, on dgx-h100 with the trtllm table.
  const RunResult r = run("dgx-h100", "llama-3.1-70b", {}, {{"context", "128"}});
  ASSERT_TRUE(r.fits);
  ASSERT_EQ(r.devices, 8);
  const double stream = r.weights / 8 / (3.35e12 * 0.91);
  // 8192 × 2 B = 16 KiB per all-reduce: between the 4 KiB (5.7 us) and 32 KiB (7.8 us) points.
  const double t16k = 5.7e-6 + (7.8e-6 - 5.7e-6) * std::log(16384.0 / 4096) / std::log(32768.0 / 4096);
  const double collectives = 2 * 80 * t16k;
  // Full fusion on 8 GPUs: QKV, attention, O, gate/up, down per layer (the residual adds
  // and norms ride in the fused all-reduce), plus embed, the first norm and the head.
  const double weight_kernels = 4 * 80 + 1, other_kernels = 80 + 2;
  const double ramp = 7.5e6 / (3.35e12 * 0.91), att_ramp = 15e6 / (3.35e12 * 0.56);
  const double kernels = (weight_kernels + other_kernels) * 1.3e-6 + weight_kernels * ramp + 80 * att_ramp;
  const double expected = stream + collectives + kernels + 50e-6;
  EXPECT_NEAR(*r.latency_s, expected, 0.03 * expected);
  double ar = 0;
  for (const OpTiming& t : r.ops)
    if (t.kind == OpKind::Collective) ar += t.time_s;
  EXPECT_NEAR(ar, collectives, 1e-9);
}

TEST_F(GpuStack, SetSwitchesTheCollectiveImplementation) {
  const RunResult custom = run("dgx-h100", "llama-3.1-70b");
  const RunResult nccl = run("dgx-h100", "llama-3.1-70b", {set("dgx-h100.software.gpu.collective", "nccl")});
  const RunResult formula = run("dgx-h100", "llama-3.1-70b", {set("dgx-h100.software.gpu.collective", "formula")});
  EXPECT_GT(nccl.time.interconnect, 2 * custom.time.interconnect);
  EXPECT_LT(formula.time.interconnect, custom.time.interconnect);
}

TEST_F(GpuStack, EagerProfileIsSlowerThanGraphsAtBatchOne) {
  const RunResult trt = run("dgx-h100", "llama-3.1-8b");
  const RunResult eager = run("dgx-h100", "llama-3.1-8b", {set("dgx-h100.software.gpu.profile", "eager")});
  EXPECT_GT(*eager.latency_s, 1.5 * *trt.latency_s);
  int trt_kernels = 0, eager_kernels = 0;
  for (const OpTiming& t : trt.ops) trt_kernels += t.op >= 0 && t.cost.overhead.value() > 0;
  for (const OpTiming& t : eager.ops) eager_kernels += t.op >= 0 && t.cost.overhead.value() > 0;
  EXPECT_GT(eager_kernels, trt_kernels * 3 / 2);
}

TEST_F(GpuStack, Int4SpeedupOverFp16FallsWithBatch) {
  double prev = 1e9;
  for (int b : {1, 16, 32, 64, 128}) {
    const std::vector<std::pair<std::string, std::string>> fp16{{"batch", std::to_string(b)}, {"context", "128"}};
    auto int4 = fp16;
    int4.emplace_back("dtype", "int4");
    const double speedup = *run("a100-sxm4-80gb", "llama-3.1-8b", {}, fp16).latency_s /
                           *run("a100-sxm4-80gb", "llama-3.1-8b", {}, int4).latency_s;
    EXPECT_LT(speedup, prev) << "batch " << b;
    if (b == 1) {
      EXPECT_GT(speedup, 2.0);
    }
    if (b == 128) {
      EXPECT_LT(speedup, 1.3);
    }
    prev = speedup;
  }
}

TEST_F(GpuStack, Int8WeightsAreFasterThanFp16ButFarFromTwice) {
  const double fp16 = *run("a100-sxm4-80gb", "llama-3.1-8b").latency_s;
  const double int8 = *run("a100-sxm4-80gb", "llama-3.1-8b", {}, {{"dtype", "int8"}}).latency_s;
  EXPECT_GT(fp16 / int8, 1.2);
  EXPECT_LT(fp16 / int8, 1.6);
}

TEST_F(GpuStack, DataParallelMlaDropsTheAttentionAllReduceAndSplitsTheLatentCache) {
  // DeepSeek-V3 on 8 B200s, batch 64 at 4k context.
  const std::vector<std::pair<std::string, std::string>> w{{"dtype", "fp8"}, {"batch", "64"}, {"context", "4096"}};
  const RunResult tensor = run("dgx-b200", "deepseek-v3", {}, w);
  const RunResult data = run("dgx-b200", "deepseek-v3", {set("dgx-b200.software.gpu.mla_attention", "data")}, w);
  ASSERT_TRUE(tensor.fits);
  ASSERT_TRUE(data.fits);
  auto sum = [](const RunResult& r, const std::string& part, OpKind kind) {
    double t = 0;
    for (const OpTiming& o : r.ops)
      if (o.kind == kind && o.name.find(part) != std::string::npos) t += o.time_s;
    return t;
  };
  EXPECT_GT(sum(tensor, "attn.o_proj.allreduce", OpKind::Collective), 0);
  EXPECT_EQ(sum(data, "attn.o_proj.allreduce", OpKind::Collective), 0);
  // Every GPU reads the whole latent cache under tensor parallelism, an eighth of it under data.
  double kv_tensor = 0, kv_data = 0;
  for (const OpTiming& o : tensor.ops)
    if (o.kind == OpKind::Attention) kv_tensor += o.cost.traffic.hbm_bytes;
  for (const OpTiming& o : data.ops)
    if (o.kind == OpKind::Attention) kv_data += o.cost.traffic.hbm_bytes;
  EXPECT_GT(kv_tensor, 6 * kv_data);
  // The experts' all-to-alls stay.
  EXPECT_GT(sum(data, ".dispatch", OpKind::Collective), 0);
}

// The shipped NCCL tables against every Vidur all-reduce row of 1 MiB or more (the
// small sizes are noisy): median relative error within 25% per GPU count.
TEST(VidurAllReduce, ShippedNcclTablesFollowTheMeasurements) {
  // ../shared beside the checkout (or beside a folder above it).
  std::filesystem::path data;
  for (auto dir = std::filesystem::absolute(root()); !dir.empty() && dir != dir.parent_path(); dir = dir.parent_path())
    if (std::filesystem::exists(dir / "shared" / "calibration-data")) {
      data = dir / "shared" / "calibration-data" / "vidur-profiling" / "network";
      break;
    }
  if (data.empty()) GTEST_SKIP() << "no ../shared/calibration-data beside the checkout";
  Registry registry;
  models::register_builtin(registry);
  for (const auto& [box, system] : {std::pair{"h100_dgx", "dgx-h100"}, std::pair{"a100_dgx", "dgx-a100"}}) {
    ConfigLibrary lib(root());
    SystemLoader loader(lib, registry.devices());
    const System sys = loader.load(system);
    const GpuSoftware& sw = software_of(sys.main_group().software);
    const CollectiveCurve* nccl = sw.collectives.at("nccl").find(CollectiveOp::AllReduce);
    ASSERT_NE(nccl, nullptr);
    std::ifstream in(data / box / "all_reduce.csv");
    std::string line;
    std::getline(in, line);
    std::map<int, std::vector<double>> errors;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
      const int n = std::stoi(f[7]);
      const double size = std::stod(f[8]);
      if (f[10] != f[7] || size < (1 << 20)) continue;  // one node, large enough
      const double measured = std::stod(f[4]) * 1e-3;
      errors[n].push_back(std::abs(nccl->time(size, n) - measured) / measured);
    }
    ASSERT_EQ(errors.size(), 3u) << box;
    for (auto& [n, e] : errors) {
      std::nth_element(e.begin(), e.begin() + static_cast<long>(e.size() / 2), e.end());
      EXPECT_LT(e[e.size() / 2], 0.25) << box << " n=" << n << " over " << e.size() << " rows";
    }
  }
}

TEST(GpuApproxCollectives, OneModelPricesEachSystemsAllReduceWithItsOwnTable) {
  // The cost model caches the stack's table and interpolated times; a model that
  // times plans of two systems must still read each system's table, as a fresh model does.
  Registry registry;
  models::register_builtin(registry);
  ConfigLibrary library(root()), with_nccl(root());
  with_nccl.add_override(Override{"dgx-h100.software.gpu.collective", "nccl", "--set"});
  const ModelSpec model = ModelLoader::load(library, "llama-3.1-70b");
  const Graph graph = GraphBuilder::build(model, StepShape{StepKind::Decode, 1, 1, 1024, DType::Fp16, DType::Fp16});
  const System custom = SystemLoader(library, registry.devices()).load("dgx-h100");
  const System nccl = SystemLoader(with_nccl, registry.devices()).load("dgx-h100");
  const Backend& backend = registry.backend("gpu");
  auto plan_on = [&](const System& s) {
    const DeviceGroup& g = s.main_group();
    return PipelineMapper::map(graph, g, backend.policy(*g.device), g.count);
  };
  const Plan a = plan_on(custom), b = plan_on(nccl);
  ASSERT_EQ(a.stages.size(), 1u);
  ASSERT_EQ(a.stages[0].tp, 8);
  const Op* row = nullptr;
  for (const Op& op : graph.ops())
    if (op.split == TpSplit::Row) {
      row = &op;
      break;
    }
  ASSERT_NE(row, nullptr);
  auto all_reduce = [&](const OpCostModel& m, const Plan& p) {
    const OpContext ctx{p, p.stages[0], p.stages[0].tp};
    const auto c = m.collective(CollectiveKind::AllReduce, row->bytes.activations_out, 8, *row, ctx);
    EXPECT_TRUE(c.has_value());
    return c ? c->time.value() : -1.0;
  };
  const auto fresh_a = backend.cost_model(*custom.main_group().device, Fidelity::Approx);
  const auto fresh_b = backend.cost_model(*nccl.main_group().device, Fidelity::Approx);
  const double ta = all_reduce(*fresh_a, a), tb = all_reduce(*fresh_b, b);
  EXPECT_GT(tb, 2 * ta);  // NCCL without graphs pays several times the custom kernel
  const auto shared = backend.cost_model(*custom.main_group().device, Fidelity::Approx);
  EXPECT_EQ(all_reduce(*shared, a), ta);
  EXPECT_EQ(all_reduce(*shared, b), tb);
  EXPECT_EQ(all_reduce(*shared, a), ta);
}

}  // namespace
}  // namespace wafersim::gpu
