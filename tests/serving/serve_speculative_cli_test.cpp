// `wafersim serve --speculative ...` end to end: the contract's `speculative` object,
// the plain run's token counts at acceptance 0, k + 1 tokens per step at acceptance 1,
// the same JSON for the same seed, requests.csv unchanged in format, exit 2 for bad values.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "tests/support/run_cli.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;
using Json = nlohmann::json;

const std::string kRun =
    "serve --system h100-sxm5 --model llama-3.1-8b --rate 4 --requests 120 --prompt lognormal:400:0.5 "
    "--output lognormal:80:0.5";
const std::string kDraft = " --speculative draft:llama-3.2-1b";

Json serve_json(const std::string& args) {
  const auto o = run_cli(args + " --json");
  EXPECT_EQ(o.code, 0) << o.out;
  return o.code == 0 ? Json::parse(o.out) : Json::object();
}

TEST(ServeSpeculativeCli, JsonCarriesTheSpeculativeObject) {
  const Json j = serve_json(kRun + kDraft + " --draft-tokens 3 --acceptance 0.6");
  ASSERT_TRUE(j.contains("speculative")) << j.dump(2);
  const Json& s = j["speculative"];
  for (const char* key : {"method", "draft_model", "k", "acceptance", "tokens_per_step", "draft_s", "verify_s"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_EQ(s["method"], "draft");
  EXPECT_EQ(s["draft_model"], "llama-3.2-1b");
  EXPECT_EQ(s["k"], 3);
  EXPECT_NEAR(s["tokens_per_step_expected"].get<double>(), (1 - 0.6 * 0.6 * 0.6 * 0.6) / 0.4, 1e-9);
  const double drawn = s["tokens_per_step"].get<double>();
  EXPECT_GE(drawn, 1.0);
  EXPECT_LE(drawn, 4.0);
  EXPECT_GT(s["draft_s"].get<double>(), 0);
  EXPECT_GT(s["verify_s"].get<double>(), 0);
  EXPECT_EQ(j["completed"], 120);
  EXPECT_FALSE(serve_json(kRun).contains("speculative"));
}

TEST(ServeSpeculativeCli, AcceptanceZeroNeverBeatsPlainTpotAndAcceptanceOneGivesKPlusOne) {
  const Json plain = serve_json(kRun);
  const Json zero = serve_json(kRun + kDraft + " --acceptance 0");
  const Json one = serve_json(kRun + kDraft + " --acceptance 1 --draft-tokens 3");
  EXPECT_EQ(zero["speculative"]["tokens_per_step"].get<double>(), 1.0);
  EXPECT_EQ(one["speculative"]["tokens_per_step"].get<double>(), 4.0);
  for (const char* q : {"mean", "p50", "p99"})
    EXPECT_GT(zero["tpot_s"][q].get<double>(), plain["tpot_s"][q].get<double>()) << q;
  EXPECT_LT(one["tpot_s"]["p50"].get<double>(), plain["tpot_s"]["p50"].get<double>());
  EXPECT_EQ(zero["completed"], plain["completed"]);
}

TEST(ServeSpeculativeCli, SameSeedGivesTheSameJson) {
  const std::string args = kRun + " --speculative mtp:2 --seed 5";
  const Json a = serve_json(args), b = serve_json(args);
  EXPECT_EQ(a.dump(), b.dump());
  const Json c = serve_json(kRun + " --speculative mtp:2 --seed 6");
  EXPECT_NE(a["speculative"]["tokens_per_step"], c["speculative"]["tokens_per_step"]);
}

TEST(ServeSpeculativeCli, RequestsCsvKeepsItsFormat) {
  const fs::path dir = fs::temp_directory_path() / ("wafersim-serve-spec-" + std::to_string(::getpid()));
  auto header = [&](const std::string& extra) {
    const auto o = run_cli(kRun + extra + " --json -o " + dir.string());
    EXPECT_EQ(o.code, 0) << o.out;
    std::ifstream csv(dir / "requests.csv");
    std::string line;
    std::getline(csv, line);
    int rows = 1;
    for (std::string l; std::getline(csv, l);) ++rows;
    EXPECT_EQ(rows, 121);
    return line;
  };
  EXPECT_EQ(header(""), header(kDraft));
  fs::remove_all(dir);
}

TEST(ServeSpeculativeCli, BadValuesExitTwoNamingTheOption) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {kDraft + " --acceptance 1.5", "--acceptance"},
      {kDraft + " --draft-tokens 0", "--draft-tokens"},
      {kDraft + " --draft-tokens 4 --accepted-per-step 6", "--accepted-per-step"},
      {" --speculative draft:no-such-model", "--speculative"},
      {" --speculative guess:3", "--speculative"},
      {" --acceptance 0.5", "--acceptance"},
  };
  for (const auto& [args, option] : bad) {
    const auto o = run_cli(kRun + args, true);
    EXPECT_EQ(o.code, 2) << args << "\n" << o.out;
    EXPECT_NE(o.out.find(option), std::string::npos) << args << "\n" << o.out;
  }
}

TEST(ServeSpeculativeCli, ScenarioServePointsTakeTheSpeculativeKeys) {
  const fs::path dir = fs::temp_directory_path() / ("wafersim-serve-spec-scn-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "spec.yaml");
    f << "kind: scenario\nname: spec-serve\ngrid:\n  acceptance: [0, 1]\n"
         "fixed:\n  phase: serve\n  system: h100-sxm5\n  model: llama-3.1-8b\n  speculative: draft:llama-3.2-1b\n"
         "  draft_tokens: 2\n  rate: 2\n  requests: 40\n  prompt: 256\n  output: 32\n";
  }
  const auto o = run_cli("run " + (dir / "spec.yaml").string() + " -o " + (dir / "out").string() + " --quiet", true);
  EXPECT_EQ(o.code, 0) << o.out;
  std::ifstream f(dir / "out" / "spec-serve" / "results.json");
  ASSERT_TRUE(f.good());
  const Json rows = Json::parse(f);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["speculative"]["tokens_per_step"].get<double>(), 1.0);  // acceptance 0
  EXPECT_EQ(rows[1]["speculative"]["tokens_per_step"].get<double>(), 3.0);  // acceptance 1, k = 2
  EXPECT_LT(rows[1]["tpot_s"]["p50"].get<double>(), rows[0]["tpot_s"]["p50"].get<double>());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace wafersim
