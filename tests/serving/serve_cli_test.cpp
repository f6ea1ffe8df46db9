// `wafersim serve` end to end: the JSON contract, the files -o writes, exit codes,
// and the comparisons the serving model must get right on the real chat trace.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/run_cli.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;
using Json = nlohmann::json;

const std::string kChat = "--model llama-3.1-70b --trace azure-llm-2023-conv --requests 3000";

Json serve_json(const std::string& args) {
  const auto o = run_cli("serve " + args + " --json");
  EXPECT_EQ(o.code, 0) << o.out;
  return Json::parse(o.out);
}

TEST(ServeCli, JsonHasEveryContractField) {
  const Json j = serve_json(
      "--system dgx-h100 --model llama-3.1-8b --rate 4 --requests 200 --prompt 512 "
      "--output uniform:50:150 --slo-ttft 0.5 --slo-tpot \"30 ms\"");
  for (const char* k :
       {"requests", "completed", "duration_s", "request_rate", "throughput_requests_per_s", "throughput_tokens_per_s",
        "ttft_s", "tpot_s", "e2e_s", "mean_batch", "max_batch_reached", "preemptions", "kv_peak_bytes",
        "slo_attainment", "goodput_requests_per_s", "energy_j_per_token", "fidelity"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"mean", "p50", "p90", "p99"}) EXPECT_TRUE(j["ttft_s"].contains(k)) << k;
  EXPECT_EQ(j["completed"], 200);
  EXPECT_GT(j["energy_j_per_token"].get<double>(), 0);
}

TEST(ServeCli, WritesRequestsCsvAndATraceOfBatches) {
  const fs::path dir = fs::temp_directory_path() / ("wafersim-serve-" + std::to_string(::getpid()));
  const auto o = run_cli(
      "serve --system dgx-h100 --model llama-3.1-8b --arrival offline --requests 50 "
      "--prompt 128 --output 16 --json -o " +
      dir.string());
  ASSERT_EQ(o.code, 0) << o.out;
  std::ifstream csv(dir / "requests.csv");
  std::string line;
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 51);
  std::ifstream trace(dir / "trace.json");
  const Json t = Json::parse(trace);
  EXPECT_GT(t["traceEvents"].size(), 10u);
  fs::remove_all(dir);
}

TEST(ServeCli, ContinuousBatchingBeatsStaticOnTheChatTrace) {
  const Json cont = serve_json("--system dgx-h100 " + kChat + " --scheduler continuous");
  const Json stat = serve_json("--system dgx-h100 " + kChat + " --scheduler static");
  EXPECT_LT(cont["ttft_s"]["p50"].get<double>(), stat["ttft_s"]["p50"].get<double>());
  EXPECT_LT(cont["e2e_s"]["p99"].get<double>(), stat["e2e_s"]["p99"].get<double>());
}

TEST(ServeCli, FindCapacityReturnsARateThatMeetsTheSlo) {
  const Json j = serve_json(
      "--system dgx-h100 --model llama-3.1-70b --trace azure-llm-2023-conv --requests 1500 "
      "--slo-ttft 1 --slo-tpot 0.03 --find-capacity");
  const double cap = j["capacity_requests_per_s"].get<double>();
  ASSERT_GT(cap, 0);
  const Json at = serve_json(
      "--system dgx-h100 --model llama-3.1-70b --trace azure-llm-2023-conv --requests 1500 "
      "--slo-ttft 1 --slo-tpot 0.03 --rate " +
      std::to_string(cap));
  EXPECT_LE(at["ttft_s"]["p99"].get<double>(), 1.0);
  EXPECT_LE(at["tpot_s"]["p99"].get<double>(), 0.03);
  const Json over = serve_json(
      "--system dgx-h100 --model llama-3.1-70b --trace azure-llm-2023-conv "
      "--requests 1500 --slo-ttft 1 --slo-tpot 0.03 --rate " +
      std::to_string(cap * 1.1));
  EXPECT_TRUE(over["ttft_s"]["p99"].get<double>() > 1.0 || over["tpot_s"]["p99"].get<double>() > 0.03);
}

TEST(ServeCli, DisaggregatedRunsOnAMixedRackAndIsRefusedElsewhere) {
  const Json j = serve_json(
      "--system gpu-lpu-rack --devices auto --model llama-3.1-8b --rate 5 --requests 200 "
      "--prompt 1024 --output 64 --scheduler disaggregated");
  EXPECT_EQ(j["completed"], 200);
  const auto o = run_cli(
      "serve --system dgx-h100 --model llama-3.1-8b --rate 5 --requests 20 --prompt 64 "
      "--output 8 --scheduler disaggregated",
      true);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.out.find("'disaggregated' needs a system whose prefill and decode run on different groups"),
            std::string::npos)
      << o.out;
}

TEST(ServeCli, ExitsThreeWhenNotEvenOneRequestFits) {
  const auto o = run_cli(
      "serve --system h100-sxm5 --model llama-3.1-8b --rate 1 --requests 5 --prompt 2000000 "
      "--output 10",
      true);
  EXPECT_EQ(o.code, 3) << o.out;
  EXPECT_NE(o.out.find("fits"), std::string::npos) << o.out;
}

}  // namespace
}  // namespace wafersim
