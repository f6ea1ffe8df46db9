// What `wafersim eval` and `anchors` tell a new user: the parameter count, one
// definition of per-user and aggregate tokens/s, a prompt that fills the
// position table, the caveat on a preset whose calibration row is off, and
// the fitted rows of the anchors table.

#include <gtest/gtest.h>
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
  // CAL-LPU-GROQ is far outside its tolerance (docs/validation.md); CAL-GPU-DEC-H200 is within.
  const auto lpu = run_cli("eval --system groq-rack --model llama-2-7b --dtype int8");
  EXPECT_NE(lpu.out.find("caveat: groq-rack's calibration row CAL-LPU-GROQ is "), std::string::npos) << lpu.out;
  const auto gpu = run_cli("eval --system h200-sxm --model llama-3.1-8b");
  EXPECT_EQ(gpu.out.find("caveat:"), std::string::npos) << gpu.out;
}

TEST(EvalOutput, AnchorsMarkFittedRows) {
  const auto o = run_cli("anchors --json");
  const json rows = json::parse(o.out);
  int fitted = 0;
  for (const auto& r : rows) {
    if (!r["fitted"].get<bool>()) continue;
    ++fitted;
    EXPECT_EQ(r["id"], "CAL-WAFER-WSE3");
  }
  EXPECT_EQ(fitted, 1);
}

}  // namespace
