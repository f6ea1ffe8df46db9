// Scenario outputs beyond results.csv: traces written as points finish (and
// rewritten on --resume only where missing), op rows for `points: ops` charts,
// and chart columns checked before any work.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <unistd.h>

#include "models/register_builtin.h"
#include "tests/support/scenario_fixture.h"
#include "sim/scenario/scenario_outputs.h"
#include "sim/scenario/scenario_runner.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;

using wafersim::testing::config_root;
using wafersim::testing::read_file;

struct OutputsTest : wafersim::testing::TempDirTest {
  OutputsTest() : TempDirTest("wafersim-outputs") { models::register_builtin(registry); }
  ScenarioOutcome run(const std::string& yaml, bool resume = false) {
    std::ofstream(dir / "s.yaml") << yaml;
    RunnerOptions o;
    o.out_root = dir / "out";
    o.jobs = 2;
    o.resume = resume;
    return ScenarioRunner(registry, config_root()).run((dir / "s.yaml").string(), o);
  }
  Registry registry;
};

constexpr const char* kTraced = R"(kind: scenario
name: traced
trace: true
grid:
  system: [h100-sxm5, wse3]
  model: [llama-3.1-8b, llama-3.1-70b]
fixed:
  fidelity: roofline
)";

TEST_F(OutputsTest, TracesForEveryFittingPointAndOnlyMissingOnesOnResume) {
  const auto out = run(kTraced);
  ASSERT_EQ(out.rows.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const fs::path t = out.dir / "traces" / ("000" + std::to_string(i) + ".json");
    EXPECT_EQ(fs::exists(t), out.rows[i]["fits"].get<bool>()) << t;
  }
  fs::remove(out.dir / "traces" / "0000.json");
  const auto again = run(kTraced, true);
  EXPECT_EQ(again.reused, 3u);  // only the point whose trace went missing ran again
  EXPECT_TRUE(fs::exists(out.dir / "traces" / "0000.json"));
}

TEST_F(OutputsTest, OpRowsForOpsChartsCarryThePointAndSumToTheStep) {
  const auto out = run(R"(kind: scenario
name: ops
grid:
  phase: [decode, prefill]
fixed:
  system: h100-sxm5
  model: llama-3.1-8b
  fidelity: roofline
charts:
  - {name: ops, type: roofline, points: ops, series: phase, label: op}
)");
  std::ifstream in(out.dir / "ops.json");
  const Json ops = Json::parse(in);
  ASSERT_GT(ops.size(), 10u);
  double decode_flops = 0;
  for (const auto& o : ops) {
    EXPECT_TRUE(o.contains("system") && o.contains("phase") && o.contains("op") && o.contains("arithmetic_intensity"));
    if (o["phase"] == "decode") decode_flops += o["flops"].get<double>();
  }
  EXPECT_NEAR(decode_flops, out.rows[0]["flops"].get<double>(), 1e-6 * decode_flops);
  EXPECT_TRUE(fs::exists(out.dir / "charts" / "ops.png"));
}

TEST_F(OutputsTest, AChartNamingAMissingOpColumnFailsBeforeAnyWork) {
  try {
    (void)run(R"(kind: scenario
name: bad
fixed: {system: h100-sxm5, model: llama-3.1-8b}
charts:
  - {type: roofline, points: ops, label: opp}
)");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown column 'opp'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "out" / "bad"));
}

TEST(ScenarioOutputs, CsvHasOneColumnPerFieldInFirstAppearanceOrder) {
  const std::vector<Json> rows{Json{{"a", 1}, {"t", Json{{"x", 2.5}}}}, Json{{"a", 2}, {"b", "q,r"}}};
  EXPECT_EQ(rows_to_csv(rows), "a,t.x,b\n1,2.5,\n2,,\"q,r\"\n");
}

}  // namespace
}  // namespace wafersim
