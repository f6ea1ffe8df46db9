// What `wafersim eval` and `anchors` tell a new user: the parameter count, one
// definition of per-user and aggregate tokens/s, a prompt that fills the
// position table, the caveat on a preset whose calibration row is off, and
// the fitted rows of the anchors table.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>
#include <nlohmann/json.hpp>

#include "tests/support/run_cli.h"

namespace {

using nlohmann::json;
using wafersim::testing::run_cli;

TEST(EvalOutput, JsonCarriesParameterCounts) {
  const auto o = run_cli("eval --system h100-sxm5 --model mixtral-8x7b --devices auto --json");
  ASSERT_EQ(o.code, 0) << o.out;
  const json j = json::parse(o.out);
  EXPECT_NEAR(j["parameters"].get<double>() / 46.7e9, 1, 0.01);
  EXPECT_NEAR(j["active_parameters"].get<double>() / 12.9e9, 1, 0.01);
  const auto text = run_cli("eval --system h100-sxm5 --model mixtral-8x7b --devices auto");
  EXPECT_NE(text.out.find("parameters            46.7 billion, 12.9 billion active per token"), std::string::npos)
      << text.out;
}

TEST(EvalOutput, AggregateIsBatchTimesPerUserForEveryDecodingPhase) {
  for (const char* phase : {"decode", "generate"}) {
    for (int batch : {1, 8}) {
      SCOPED_TRACE(std::string(phase) + " batch " + std::to_string(batch));
      const auto o = run_cli(std::string("eval --system h100-sxm5 --model llama-3.1-8b --json --output 16 --phase ") +
                             phase + " --batch " + std::to_string(batch));
      ASSERT_EQ(o.code, 0) << o.out;
      const json j = json::parse(o.out);
      EXPECT_DOUBLE_EQ(j["tokens_per_s_per_user"].get<double>(), 1.0 / j["tpot_s"].get<double>());
      EXPECT_DOUBLE_EQ(j["tokens_per_s"].get<double>(), batch * j["tokens_per_s_per_user"].get<double>());
    }
  }
}

TEST(EvalOutput, APromptMayFillThePositionTable) {
  const auto o = run_cli("eval --system dgx-h100 --model gpt-3-175b --phase prefill --prompt 2048 --json");
  ASSERT_EQ(o.code, 0) << o.out;
  EXPECT_GT(json::parse(o.out)["ttft_s"].get<double>(), 0);
  EXPECT_EQ(run_cli("eval --system dgx-h100 --model gpt-3-175b --phase prefill --prompt 2049").code, 2);
}

TEST(EvalOutput, CaveatWhenThePresetsCalibrationRowIsOutsideTolerance) {
  // Whichever rows of configs/anchors.csv are outside tolerance today: a preset with one gets the
  // caveat naming it, a preset whose rows are all within gets none.
  const json rows = json::parse(run_cli("anchors --json").out);
  std::map<std::string, std::vector<std::string>> off, on;  // system -> row ids
  for (const auto& r : rows) {
    (r["within_tolerance"].get<bool>() ? on : off)[r["system"].get<std::string>()].push_back(r["id"]);
  }
  ASSERT_FALSE(on.empty());
  for (const auto& [system, ids] : off) {
    const auto o = run_cli("eval --system " + system + " --model llama-3.1-8b --devices auto");
    for (const auto& id : ids)
      EXPECT_NE(o.out.find("caveat: " + system + "'s calibration row " + id + " is "), std::string::npos) << o.out;
  }
  for (const auto& [system, ids] : on) {
    if (off.count(system)) continue;
    const auto o = run_cli("eval --system " + system + " --model llama-3.1-8b --devices auto");
    EXPECT_EQ(o.out.find("caveat:"), std::string::npos) << o.out;
  }
}

TEST(EvalOutput, AnchorsMarkFittedRows) {
  const auto o = run_cli("anchors --json");
  const json rows = json::parse(o.out);
  std::set<std::string> fitted;
  for (const auto& r : rows)
    if (r["fitted"].get<bool>()) fitted.insert(r["id"].get<std::string>());
  // The wafer's production stack and the LPU's layer latency are fitted (docs/validation.md).
  EXPECT_EQ(fitted, (std::set<std::string>{"CAL-WAFER-WSE3", "CAL-LPU-GROQ"}));
}

}  // namespace
