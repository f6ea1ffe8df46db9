// End-to-end checks of the foundation's "done when" list, in process.

#include <gtest/gtest.h>

#include <cstdlib>

#include "models/register_builtin.h"
#include "sim/report/result_json.h"
#include "sim/scenario/eval_request.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

struct Fixture : ::testing::Test {
  Fixture() { models::register_builtin(registry); }
  RunResult run(const std::string& system, const std::string& model, int batch = 1) {
    EvalRequest r;
    r.system = system;
    r.model = model;
    r.options.workload.batch = batch;
    return RequestRunner(registry, root()).run(r);
  }
  Registry registry;
};

TEST_F(Fixture, H100DecodeIsHeldByTheMemoryWall) {
  const RunResult r = run("h100-sxm5", "llama-3.1-8b");
  ASSERT_TRUE(r.fits);
  EXPECT_EQ(r.bound, Bound::Memory);
  // Between 50% and 100% of HBM bandwidth / weight bytes.
  const double ceiling = 3.35e12 / r.weights;
  EXPECT_GT(*r.tokens_per_s_per_user, 0.5 * ceiling);
  EXPECT_LE(*r.tokens_per_s_per_user, 1.0 * ceiling);
}

TEST_F(Fixture, WaferIsSeveralTimesFasterAndNotHbmBound) {
  const RunResult gpu = run("h100-sxm5", "llama-3.1-8b");
  const RunResult wafer = run("wse3", "llama-3.1-8b");
  ASSERT_TRUE(wafer.fits);
  EXPECT_GT(*wafer.tokens_per_s_per_user, 3 * *gpu.tokens_per_s_per_user);
  EXPECT_NE(wafer.device_kind, "gpu");
}

TEST_F(Fixture, BatchingRaisesThroughputNotPerUserSpeed) {
  const RunResult b1 = run("h100-sxm5", "llama-3.1-8b", 1);
  const RunResult b16 = run("h100-sxm5", "llama-3.1-8b", 16);
  EXPECT_GT(*b16.tokens_per_s, 10 * *b1.tokens_per_s);
  EXPECT_LE(*b16.tokens_per_s_per_user, *b1.tokens_per_s_per_user);
}

TEST_F(Fixture, EverySystemAndModelPresetEvaluatesOrSaysItDoesNotFit) {
  ConfigLibrary library(root());
  library.set_device_kinds(registry.devices().kinds());
  auto systems = library.list(ConfigFolder::Systems);
  for (const auto& d : library.list(ConfigFolder::Devices)) systems.push_back(d);
  int evaluated = 0;
  for (const auto& s : systems) {
    for (const auto& m : library.list(ConfigFolder::Models)) {
      EvalRequest r;
      r.system = s;
      r.model = m;
      const ModelSpec spec = ModelLoader::load(library, m);
      if (spec.architecture == Architecture::Encoder) r.options.workload.phase = Phase::Encode;
      RunResult out;
      ASSERT_NO_THROW(out = RequestRunner(registry, root()).run(r)) << s << " × " << m;
      if (out.fits) {
        EXPECT_GT(*out.latency_s, 0) << s << " × " << m;
        EXPECT_NEAR(out.time.total(), *out.latency_s, 1e-9 * *out.latency_s) << s << " × " << m;
      } else {
        EXPECT_FALSE(out.fit_error.empty()) << s << " × " << m;
      }
      const Json j = result_to_json(out);
      for (const char* field : {"system", "model", "phase", "dtype", "fidelity", "devices", "batch", "prompt_tokens",
                                "context_tokens", "output_tokens", "fits", "latency_s", "ttft_s", "tpot_s",
                                "tokens_per_s", "tokens_per_s_per_user", "bound", "time_s", "memory_bytes"})
        EXPECT_TRUE(j.contains(field)) << field;
      ++evaluated;
    }
  }
  EXPECT_GE(evaluated, 13 * 11);
}

TEST_F(Fixture, GenerateComposesPrefillAndDecode) {
  EvalRequest r;
  r.system = "h100-sxm5";
  r.model = "llama-3.1-8b";
  r.options.workload.phase = Phase::Generate;
  r.options.workload.prompt = 512;
  r.options.workload.output = 200;
  const RunResult g = RequestRunner(registry, root()).run(r);
  ASSERT_TRUE(g.fits);
  EXPECT_NEAR(*g.latency_s, *g.ttft_s - *g.tpot_s + 200 * *g.tpot_s, 0.02 * *g.latency_s);
  EXPECT_NEAR(*g.tokens_per_s_per_user, 1 / *g.tpot_s, 1e-9);
  EXPECT_NEAR(g.time.total(), *g.latency_s, 1e-9 * *g.latency_s);
}

TEST_F(Fixture, MixedRackMovesTheKvCacheBetweenGroups) {
  EvalRequest r;
  r.system = "gpu-lpu-rack";
  r.model = "llama-3.1-8b";
  r.options.workload.phase = Phase::Generate;
  r.options.devices = DeviceCount{DeviceCount::Mode::Auto, 0};
  const RunResult g = RequestRunner(registry, root()).run(r);
  ASSERT_TRUE(g.fits) << g.fit_error;
  // KV = 32 layers × 2 × 8 × 128 × 512 tokens × 2 B = 64 MiB over 900 GB/s. The rack's
  // NVLink has a small BER (A-280..A-282): goodput loss < 0.1% plus at most one replay
  // round trip (2 × 1 us).
  const double clean = 1e-6 + 67108864 / 900e9;
  EXPECT_GE(g.kv_transfer_s, clean - 1e-12);
  EXPECT_LE(g.kv_transfer_s, 1.001 * clean + 2e-6);
}

TEST_F(Fixture, AutoDevicesFindsTheSmallestCountThatFits) {
  EvalRequest r;
  r.system = "h100-sxm5";
  r.model = "llama-3.1-70b";
  const RunResult one = RequestRunner(registry, root()).run(r);
  EXPECT_FALSE(one.fits);
  r.options.devices = DeviceCount{DeviceCount::Mode::Auto, 0};
  const RunResult a = RequestRunner(registry, root()).run(r);
  ASSERT_TRUE(a.fits);
  EXPECT_EQ(a.devices, 2);
}

}  // namespace
}  // namespace wafersim
