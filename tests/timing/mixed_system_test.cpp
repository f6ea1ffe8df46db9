// Mixed systems (A-95..A-98): the KV cache crossing between groups has the closed-form
// size layers × 2 × KV heads × head dim × prompt × dtype bytes × batch; with an
// infinitely fast link a mixed system's time to first token is the sum of its phases
// run on each group alone; a group whose weights live elsewhere (weights_in) is
// bound by the link that streams them; a phase placed on a group that cannot hold
// the model exits 3 with the numbers.

#include "tests/support/run_cli.h"
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

#include "models/register_builtin.h"
#include "sim/scenario/eval_request.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;

fs::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

struct Mixed : ::testing::Test {
  Mixed() { models::register_builtin(registry); }
  RunResult run(const std::string& system, const std::string& model, Phase phase, std::int64_t batch,
                std::int64_t prompt, std::optional<Fidelity> fidelity = std::nullopt,
                const std::vector<std::pair<std::string, std::string>>& sets = {}) {
    EvalRequest r;
    for (const auto& [path, value] : sets) r.overrides.push_back(Override{path, value, "--set"});
    r.system = system;
    r.model = model;
    r.options.workload.phase = phase;
    r.options.workload.batch = batch;
    r.options.workload.prompt = prompt;
    r.options.workload.context = prompt + 1;
    r.options.workload.output = 1;
    r.options.fidelity = fidelity;
    return RequestRunner(registry, root()).run(r);
  }
  /// Writes a system file into the test's temp folder and returns its path.
  std::string write(const std::string& name, const std::string& yaml) {
    const fs::path dir = fs::temp_directory_path() / "wafersim-mixed-test";
    fs::create_directories(dir);
    const fs::path p = dir / (name + ".yaml");
    std::ofstream(p) << yaml;
    return p.string();
  }
  Registry registry;
};

TEST_F(Mixed, KvTransferSizeIsTheClosedForm) {
  // tiny-llama: 4 layers, 2 KV heads of 64; fp16 KV.
  for (std::int64_t batch : {1, 3, 16}) {
    for (std::int64_t prompt : {7, 128, 1000}) {
      const RunResult r = run("gpu-lpu-rack", "tiny-llama", Phase::Prefill, batch, prompt);
      ASSERT_TRUE(r.fits) << r.fit_error;
      const double bytes = 4.0 * 2 * 2 * 64 * static_cast<double>(prompt) * 2 * static_cast<double>(batch);
      EXPECT_DOUBLE_EQ(r.kv_transfer_bytes, bytes);
      // The rack's NVLink has BER 1e-12 at 25 C (A-280..A-282): replays add < 0.1%.
      EXPECT_NEAR(r.kv_transfer_s, 1e-6 + bytes / 900e9, 1e-3 * (1e-6 + bytes / 900e9));
      EXPECT_GE(r.kv_transfer_s, 1e-6 + bytes / 900e9);
    }
  }
}

TEST_F(Mixed, InfinitelyFastLinkEqualsTheSumOfThePhases) {
  const std::string gpus =
      "  - name: gpus\n    device: b200\n    count: 8\n    domain: 8\n"
      "    link: {bandwidth: 900 GB/s, topology: switch}\n";
  const std::string lpus = "  - name: lpus\n    device: groq-lpu\n    count: 4\n";
  const std::string mixed = write("mixed-inf", "kind: system\ngroups:\n" + gpus + lpus +
                                                   "links:\n  - between: [gpus, lpus]\n    bandwidth: 1e30 B/s\n"
                                                   "    latency: 0 s\nplacement: {prefill: gpus, decode: lpus}\n"
                                                   "main_group: lpus\n");
  const std::string gpu_only = write("gpus-only", "kind: system\ngroups:\n" + gpus);
  const std::string lpu_only = write("lpus-only", "kind: system\ngroups:\n" + lpus);
  for (std::int64_t batch : {1, 8}) {
    const RunResult m = run(mixed, "tiny-llama", Phase::Prefill, batch, 256, Fidelity::Roofline);
    const RunResult p = run(gpu_only, "tiny-llama", Phase::Prefill, batch, 256, Fidelity::Roofline);
    const RunResult d = run(lpu_only, "tiny-llama", Phase::Decode, batch, 256, Fidelity::Roofline);
    ASSERT_TRUE(m.fits && p.fits && d.fits);
    EXPECT_LT(m.kv_transfer_s, 1e-15);
    EXPECT_NEAR(*m.ttft_s, *p.latency_s + *d.latency_s, 1e-12 * *m.ttft_s);
    // The same link at the note's 900 GB/s adds exactly the transfer.
    const RunResult rack = run("gpu-lpu-rack", "tiny-llama", Phase::Prefill, batch, 256, Fidelity::Roofline);
    EXPECT_NEAR(*rack.ttft_s, *p.latency_s + rack.kv_transfer_s + *d.latency_s, 1e-12 * *rack.ttft_s);
  }
}

TEST_F(Mixed, SharedWeightCacheIsBoundByTheLink) {
  // Without the per-layer schedule latency, which would hide the link for so small a model.
  const RunResult shared = run("gpu-lpu-rack-shared-weights", "tiny-llama", Phase::Decode, 1, 128, std::nullopt,
                               {{"groq-lpu.layer_latency", "0 s"}});
  const RunResult resident =
      run("gpu-lpu-rack", "tiny-llama", Phase::Decode, 1, 128, std::nullopt, {{"groq-lpu.layer_latency", "0 s"}});
  ASSERT_TRUE(shared.fits && resident.fits);
  EXPECT_EQ(shared.weights, 0);  // nothing of the weights in LPU SRAM
  EXPECT_GT(resident.weights, 0);
  EXPECT_EQ(shared.bound, Bound::Interconnect);
  // Every weight byte crosses the 900 GB/s link once per step.
  EXPECT_GE(*shared.latency_s, resident.weights / 900e9);
  EXPECT_GT(*shared.latency_s, *resident.latency_s);
}

TEST_F(Mixed, LinkErrorsSlowTheKvHandOverAndTheSharedWeights) {
  // A-280..A-282: the rack's NVLink at BER b, at 55 C (the note's exhaust).
  auto at = [&](const std::string& system, Phase phase, const std::string& ber) {
    return run(system, "tiny-llama", phase, 8, 1024, std::nullopt,
               {{system + ".links.0.reliability.ber", ber},
                {system + ".links.0.reliability.temperature", "55"},
                {system + ".links.0.reliability.reference_temperature", "55"}});
  };
  double last_kv = 0, last_shared = 0;
  for (const std::string ber : {"0", "1e-9", "1e-6", "1e-5", "1e-4"}) {
    const RunResult kv = at("gpu-lpu-rack", Phase::Prefill, ber);
    const RunResult shared = at("gpu-lpu-rack-shared-weights", Phase::Decode, ber);
    ASSERT_TRUE(kv.fits && shared.fits) << kv.fit_error << shared.fit_error;
    EXPECT_GE(kv.kv_transfer_s, last_kv) << ber;
    EXPECT_GE(*shared.latency_s, last_shared) << ber;
    if (ber == "0") {
      // BER 0 is today's link: latency + bytes / bandwidth.
      EXPECT_NEAR(kv.kv_transfer_s, 1e-6 + kv.kv_transfer_bytes / 900e9, 1e-15);
    }
    last_kv = kv.kv_transfer_s;
    last_shared = *shared.latency_s;
  }
  // At 1e-4 a 256 B frame fails 19% of the time: the hand-over is > 20% slower than error-free.
  const RunResult clean = at("gpu-lpu-rack", Phase::Prefill, "0");
  EXPECT_GT(last_kv, 1.2 * (clean.kv_transfer_s - 1e-6));
  // The rack's shipped BER (1e-12 at 25 C) at its exhaust changes nothing visible.
  const RunResult shipped = run("gpu-lpu-rack", "tiny-llama", Phase::Prefill, 8, 1024);
  EXPECT_NEAR(shipped.kv_transfer_s, clean.kv_transfer_s, 1e-3 * clean.kv_transfer_s);
}

TEST_F(Mixed, SharedWeightCacheNeedsTheHolderToHoldTheWeights) {
  const std::string sys = write(
      "tiny-holder",
      "kind: system\ngroups:\n  - name: small\n    device: groq-lpu\n    count: 1\n"
      "  - name: lpus\n    device: groq-lpu\n    count: 2\n    weights_in: small\n"
      "links:\n  - between: [small, lpus]\n    bandwidth: 100 GB/s\nplacement: {decode: lpus}\nmain_group: lpus\n");
  const RunResult r = run(sys, "llama-2-7b", Phase::Decode, 1, 128);
  EXPECT_FALSE(r.fits);
  EXPECT_NE(r.fit_error.find("live in 'small'"), std::string::npos) << r.fit_error;
  EXPECT_NE(r.fit_error.find("209 MiB"), std::string::npos) << r.fit_error;
}

using Outcome = wafersim::testing::CliOutcome;

TEST_F(Mixed, TheRacksGpusTimeExactlyAsTheDgxB200) {
  // docs/gpu-lpu-rack.md compares the rack's GPUs with dgx-b200 as one machine: both
  // presets carry the same serving stack and measured collective tables, so a phase
  // placed on the rack's GPUs takes the dgx-b200 time to the last digit.
  for (const Phase phase : {Phase::Prefill, Phase::Decode}) {
    const RunResult dgx = run("dgx-b200", "llama-3.1-8b", phase, 4, 1024);
    for (const std::string rack : {"gpu-lpu-rack", "gpu-lpu-rack-shared-weights"}) {
      const RunResult on_gpus = run(rack, "llama-3.1-8b", phase, 4, 1024, std::nullopt,
                                    {{rack + ".placement.prefill", "gpus"}, {rack + ".placement.decode", "gpus"}});
      ASSERT_TRUE(dgx.fits && on_gpus.fits && dgx.latency_s && on_gpus.latency_s) << rack;
      EXPECT_DOUBLE_EQ(*on_gpus.latency_s, *dgx.latency_s) << rack;
    }
  }
}

Outcome run_binary(const std::string& args) { return wafersim::testing::run_cli(args, true); }

TEST(MixedPlacement, PhaseOnAGroupThatCannotHoldTheModelExitsThreeWithTheNumbers) {
  // Decode of a 70B model placed on the rack's 4 LPUs (4 × 209 MiB usable).
  const Outcome o = run_binary("eval --system gpu-lpu-rack --model llama-2-70b --phase decode");
  EXPECT_EQ(o.code, 3) << o.out;
  EXPECT_NE(o.out.find("decode on groq-lpu"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("on 4 chip(s) needs 32.2 GiB per chip"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("one chip holds 209 MiB"), std::string::npos) << o.out;
  // Moving the phase to the GPUs with --set makes it fit.
  const Outcome moved = run_binary(
      "eval --system gpu-lpu-rack --model llama-2-70b --phase decode --set gpu-lpu-rack.placement.decode=gpus");
  EXPECT_EQ(moved.code, 0) << moved.out;
  EXPECT_NE(moved.out.find("decode: gpus 8 × b200"), std::string::npos) << moved.out;
}

}  // namespace
}  // namespace wafersim
