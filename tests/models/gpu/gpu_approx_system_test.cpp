// The approx GPU model end to end, through the evaluator, against closed forms:
// batch-1 decode = weight bytes ÷ effective bandwidth (+ kernel floors), the batch at
// which decode turns compute-bound ≈ the ridge point, more HBM bandwidth never slows
// a phase, a model too big for one GPU fits the DGX, CUDA graphs matter at batch 1,
// max_batch, expert parallel, and the generate phase's move to compute and KV traffic.

#include <gtest/gtest.h>

#include <cstdlib>

#include "models/register_builtin.h"
#include "sim/scenario/eval_request.h"

namespace wafersim {
namespace {

std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

struct GpuApproxSystem : ::testing::Test {
  GpuApproxSystem() { models::register_builtin(registry); }
  RunResult run(const std::string& system, const std::string& model, std::vector<Override> sets = {},
                std::vector<std::pair<std::string, std::string>> options = {}) {
    EvalRequest r;
    r.system = system;
    r.model = model;
    for (const auto& [k, v] : options) r.set_option(k, v, OptionOrigin{"", 0, 0, k});
    r.overrides = std::move(sets);
    return RequestRunner(registry, root()).run(r);
  }
  static double hbm_bytes(const RunResult& r) {
    double b = 0;
    for (const OpTiming& t : r.ops) b += t.cost.traffic.hbm_bytes;
    return b;
  }
  Registry registry;
};

Override set(std::string path, std::string value) { return Override{std::move(path), std::move(value), "--set"}; }

TEST_F(GpuApproxSystem, BatchOneDecodeIsWeightBytesOverEffectiveBandwidth) {
  // Llama 3.1 70B, fp8, one H200 at context 1024, kernel floors and ramps off: every
  // step reads the weights once at 4.8 TB/s × weights 0.86 × fp8 0.86,
  // plus a KV cache of 1% of that and the stack's 50 us per step.
  const std::vector<Override> off = {set("h200-sxm.kernel_latency", "0 s"),
                                     set("h200-sxm.efficiency.weights_ramp", "0 B"),
                                     set("h200-sxm.efficiency.decode_attention_ramp", "0 B")};
  const RunResult r = run("h200-sxm", "llama-3.1-70b", off, {{"dtype", "fp8"}, {"context", "1024"}});
  ASSERT_TRUE(r.fits);
  EXPECT_EQ(r.fidelity, Fidelity::Approx);
  EXPECT_EQ(r.bound, Bound::Memory);
  EXPECT_NEAR(*r.latency_s, r.weights / (4.8e12 * 0.86 * 0.86), 0.05 * *r.latency_s);
}

TEST_F(GpuApproxSystem, KernelFloorsAddOnTopOfTheWeightStream) {
  const RunResult off = run("h200-sxm", "llama-3.1-70b", {set("h200-sxm.kernel_latency", "0 s")}, {{"dtype", "fp8"}});
  const RunResult on = run("h200-sxm", "llama-3.1-70b", {}, {{"dtype", "fp8"}});
  int kernels = 0;
  for (const OpTiming& t : on.ops) kernels += t.cost.overhead.value() > 0 && t.op >= 0;
  // Full fusion (the default tensorrt-llm stack, A-203): 7 kernels per layer (QKV,
  // attention, O, add+norm, gate/up+act, down, add+norm).
  EXPECT_NEAR(kernels, 7 * 80, 8);
  EXPECT_NEAR(*on.latency_s - *off.latency_s, kernels * 1.3e-6, 1e-9);
}

TEST_F(GpuApproxSystem, DecodeTurnsComputeBoundNearTheRidgePoint) {
  // Ridge of the H100 at 16 bits: 989.4 T × 0.765 / (3.35 T × 0.91) = 248 FLOP/byte
  // (weights stream at efficiency.weights, A-204; tiles' main loops at compute, A-415);
  // a decode step does 2·B FLOPs per 2-byte weight, so it turns at B ≈ 248.
  const double ridge = 989.4e12 * 0.765 / (3.35e12 * 0.91);
  std::int64_t turn = 0;
  for (std::int64_t b = 16; b <= 1024; b += 16) {
    const RunResult r = run("h100-sxm5", "llama-3.1-8b", {}, {{"batch", std::to_string(b)}, {"context", "8"}});
    ASSERT_TRUE(r.fits);
    if (r.time.compute > r.time.memory) {
      turn = b;
      break;
    }
  }
  ASSERT_GT(turn, 0);
  EXPECT_NEAR(static_cast<double>(turn), ridge, 0.2 * ridge);
}

TEST_F(GpuApproxSystem, MoreHbmBandwidthNeverSlowsAPhase) {
  const std::vector<std::vector<std::pair<std::string, std::string>>> phases = {
      {{"phase", "decode"}, {"batch", "1"}},
      {{"phase", "decode"}, {"batch", "64"}, {"context", "4096"}},
      {{"phase", "prefill"}, {"prompt", "2048"}},
      {{"phase", "generate"}, {"prompt", "512"}, {"output", "64"}, {"batch", "16"}}};
  for (const auto& phase : phases) {
    double previous = 1e30;
    for (const char* bw : {"1 TB/s", "2 TB/s", "3.35 TB/s", "5 TB/s", "8 TB/s", "20 TB/s"}) {
      const RunResult r = run("h100-sxm5", "llama-3.1-8b", {set("h100-sxm5.hbm.bandwidth", bw)}, phase);
      ASSERT_TRUE(r.fits);
      EXPECT_LE(*r.latency_s, previous * (1 + 1e-12)) << phase[0].second << " at " << bw;
      previous = *r.latency_s;
    }
  }
}

TEST_F(GpuApproxSystem, SeventyBillionDoesNotFitOneH100ButFitsTheDgx) {
  const RunResult one = run("h100-sxm5", "llama-3.1-70b");
  EXPECT_FALSE(one.fits);
  const RunResult dgx = run("dgx-h100", "llama-3.1-70b");
  ASSERT_TRUE(dgx.fits);
  EXPECT_EQ(dgx.devices, 8);
  // Per GPU: an eighth of 141 GB of weights plus an eighth of the KV cache, under 78 GiB.
  const double per_gpu = (dgx.weights + dgx.kv_cache + dgx.activations) / dgx.devices;
  EXPECT_LT(per_gpu, dgx.capacity / dgx.devices);
  EXPECT_NEAR(dgx.weights / dgx.devices, 70.6e9 * 2 / 8, 0.02 * 70.6e9 * 2 / 8);
  // `--devices auto` picks the smallest power-of-two TP group that holds it.
  const RunResult autosized = run("dgx-h100", "llama-3.1-70b", {}, {{"devices", "auto"}});
  ASSERT_TRUE(autosized.fits);
  EXPECT_EQ(autosized.devices, 2);
}

TEST_F(GpuApproxSystem, WithoutCudaGraphsBatchOneDecodeIsSlowerAndLaunchBound) {
  // vLLM's stack launches through torch (6.8 us per kernel, A-202) when graphs are off.
  const RunResult graphs = run("dgx-h100", "llama-3.1-8b", {set("dgx-h100.software.gpu.profile", "vllm")});
  const RunResult eager = run("dgx-h100", "llama-3.1-8b",
                              {set("dgx-h100.software.gpu.profile", "vllm"), set("h100-sxm5.cuda_graphs", "false")});
  EXPECT_GT(*eager.latency_s, *graphs.latency_s * 1.1);
  EXPECT_EQ(eager.bound, Bound::Latency);
  EXPECT_GT(*run("h100-sxm5", "llama-3.1-8b", {set("h100-sxm5.cuda_graphs", "false")}).latency_s,
            *run("h100-sxm5", "llama-3.1-8b").latency_s);
}

TEST_F(GpuApproxSystem, MaxBatchIsTheLargestBatchWhoseKvCacheFits) {
  const RunResult r = run("h100-sxm5", "llama-3.1-8b", {}, {{"context", "8192"}});
  ASSERT_TRUE(r.max_batch.has_value());
  const std::int64_t b = *r.max_batch;
  // KV cache per sequence: 32 layers × 2 × 8 heads × 128 × 2 B × 8192 = 1 GiB.
  EXPECT_NEAR(static_cast<double>(b), (78.0 * (1LL << 30) - r.weights) / (1LL << 30), 1.5);
  EXPECT_TRUE(run("h100-sxm5", "llama-3.1-8b", {}, {{"context", "8192"}, {"batch", std::to_string(b)}}).fits);
  EXPECT_FALSE(run("h100-sxm5", "llama-3.1-8b", {}, {{"context", "8192"}, {"batch", std::to_string(b + 1)}}).fits);
}

TEST_F(GpuApproxSystem, MixtralOnTheDgxSpreadsExpertsAndPaysAllToAlls) {
  const RunResult r = run("dgx-h100", "mixtral-8x7b", {}, {{"batch", "64"}});
  ASSERT_TRUE(r.fits);
  EXPECT_NE(r.layout.find("expert parallel"), std::string::npos) << r.layout;
  int dispatch = 0, combine = 0;
  for (const OpTiming& t : r.ops) {
    if (t.kind != OpKind::Collective) continue;
    dispatch += t.name.find(".dispatch") != std::string::npos;
    combine += t.name.find(".combine") != std::string::npos;
    EXPECT_GT(t.cost.traffic.interconnect_bytes, 0) << t.name;
  }
  EXPECT_EQ(dispatch, 32);
  EXPECT_EQ(combine, 32);
}

TEST_F(GpuApproxSystem, LargeBatchGenerateIsComputeBoundAndLongContextsAreKvBound) {
  // Batch 512 with short context: the weight stream is shared by 512 sequences.
  const RunResult big = run("h100-sxm5", "llama-3.1-8b", {}, {{"batch", "512"}, {"context", "128"}});
  EXPECT_EQ(big.bound, Bound::Compute);
  // Batch 16 at 16k context: the KV cache (32 GiB) is most of the HBM traffic.
  const RunResult longctx = run("h100-sxm5", "llama-3.1-8b", {}, {{"batch", "16"}, {"context", "16384"}});
  ASSERT_TRUE(longctx.fits);
  double kv = 0;
  for (const OpTiming& t : longctx.ops)
    if (t.kind == OpKind::Attention) kv += t.cost.traffic.hbm_bytes;
  EXPECT_GT(kv, 0.5 * hbm_bytes(longctx));
  EXPECT_EQ(longctx.bound, Bound::Memory);
}

}  // namespace
}  // namespace wafersim
