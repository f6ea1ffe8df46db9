// `--speculative` and its options on eval/explain: the JSON object of CONTRACTS.md,
// the summary lines, and exit code 2 for bad values.

#include "tests/support/run_cli.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

using wafersim::testing::run_cli;

TEST(SpeculativeCli, EvalJsonCarriesTheSpeculativeObject) {
  const auto o = run_cli(
      "eval --system h100-sxm5 --model llama-3.1-8b --speculative draft:llama-3.2-1b "
      "--draft-tokens 3 --acceptance 0.5 --json");
  ASSERT_EQ(o.code, 0) << o.out;
  const auto j = nlohmann::json::parse(o.out);
  const auto& s = j.at("speculative");
  for (const char* key : {"method", "draft_model", "k", "acceptance", "tokens_per_step", "draft_s", "verify_s"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_EQ(s["method"], "draft");
  EXPECT_EQ(s["draft_model"], "llama-3.2-1b");
  EXPECT_EQ(s["k"], 3);
  EXPECT_NEAR(s["tokens_per_step"].get<double>(), 1.875, 1e-12);
  EXPECT_NEAR(j["tpot_s"].get<double>(), s["step_s"].get<double>() / 1.875, 1e-12);
}

TEST(SpeculativeCli, ExplainSplitsDraftAndVerify) {
  const auto o = run_cli("explain --system wse3 --model llama-3.1-8b --speculative mtp:1 --top 3");
  ASSERT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("tokens per step"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("= draft"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("+ verify"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("verification (2-token decode) step"), std::string::npos) << o.out;
}

TEST(SpeculativeCli, BadValuesExitTwoWithAClearMessage) {
  const std::string base = "eval --system h100-sxm5 --model llama-3.1-8b ";
  const std::pair<const char*, const char*> cases[] = {
      {"--speculative draft:llama-3.2-1b --acceptance 1.2", "--acceptance"},
      {"--speculative draft:llama-3.2-1b --acceptance -1", "--acceptance"},
      {"--speculative draft:llama-3.2-1b --draft-tokens 0", "--draft-tokens"},
      {"--speculative draft:no-such-draft", "--speculative"},
      {"--speculative draft:llama-2-7b", "vocabulary"},
      {"--speculative mtp:0", "--speculative"},
      {"--draft-tokens 3", "needs --speculative"},
  };
  for (const auto& [args, words] : cases) {
    const auto o = run_cli(base + args, true);
    EXPECT_EQ(o.code, 2) << args << "\n" << o.out;
    EXPECT_NE(o.out.find(words), std::string::npos) << args << "\n" << o.out;
  }
}

TEST(SpeculativeCli, AnchorsRowsMayCarrySpeculativeColumns) {
  const auto file = std::filesystem::temp_directory_path() / ("spec-anchors-" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream out(file);
    out << "id,system,devices,model,dtype,phase,batch,prompt,context,output,metric,value,tolerance,source,notes,"
           "speculative,acceptance\n"
        << "PLAIN,h100-sxm5,1,llama-3.1-8b,fp16,decode,1,0,1024,1,tokens_per_s_per_user,100,0.5,test,,,\n"
        << "SPEC,h100-sxm5,1,llama-3.1-8b,fp16,decode,1,0,1024,1,tokens_per_s_per_user,100,0.5,test,,"
           "draft:llama-3.2-1b,0.5\n";
  }
  const auto a = run_cli("anchors " + file.string() + " --json");
  const auto e = run_cli(
      "eval --system h100-sxm5 --model llama-3.1-8b --speculative draft:llama-3.2-1b "
      "--acceptance 0.5 --json");
  const auto p = run_cli("eval --system h100-sxm5 --model llama-3.1-8b --json");
  std::filesystem::remove(file);
  ASSERT_EQ(e.code, 0);
  const auto rows = nlohmann::json::parse(a.out);
  ASSERT_EQ(rows.size(), 2u) << a.out;
  EXPECT_DOUBLE_EQ(rows[0]["predicted"].get<double>(),
                   nlohmann::json::parse(p.out)["tokens_per_s_per_user"].get<double>());
  EXPECT_DOUBLE_EQ(rows[1]["predicted"].get<double>(),
                   nlohmann::json::parse(e.out)["tokens_per_s_per_user"].get<double>());
}

}  // namespace
