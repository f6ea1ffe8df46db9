#include "sim/scenario/scenario_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "models/register_builtin.h"
#include "tests/support/scenario_fixture.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;

using wafersim::testing::config_root;
using wafersim::testing::read_file;

struct ScenarioTest : wafersim::testing::TempDirTest {
  ScenarioTest() : TempDirTest("wafersim-test") {
    models::register_builtin(registry);
    std::ofstream(dir / "sweep.yaml") << wafersim::testing::sweep_yaml("", wafersim::testing::kSweptHbm);
  }
  ScenarioOutcome run(int jobs, bool resume = false, const std::atomic<bool>* stop = nullptr) {
    RunnerOptions o;
    o.out_root = dir / "out";
    o.jobs = jobs;
    o.resume = resume;
    o.stop = stop;
    return ScenarioRunner(registry, config_root()).run((dir / "sweep.yaml").string(), o);
  }
  Registry registry;
};

TEST_F(ScenarioTest, ExpandsTheGridInOrderWithSweptOverrides) {
  const auto out = run(1);
  EXPECT_EQ(out.total, 2u * 2 * 3 * 2);
  ASSERT_EQ(out.rows.size(), out.total);
  EXPECT_EQ(out.rows[0]["system"], "h100-sxm5");
  EXPECT_EQ(out.rows[0]["model"], "llama-3.1-8b");
  EXPECT_EQ(out.rows[1]["set.h100-sxm5.hbm.bandwidth"], "8 TB/s");
  // More HBM bandwidth, faster decode on the GPU; the wafer ignores the override.
  EXPECT_GT(out.rows[1]["tokens_per_s"].get<double>(), 2 * out.rows[0]["tokens_per_s"].get<double>());
  EXPECT_DOUBLE_EQ(out.rows[12]["tokens_per_s"].get<double>(), out.rows[13]["tokens_per_s"].get<double>());
  EXPECT_TRUE(fs::exists(out.dir / "results.csv"));
  EXPECT_TRUE(fs::exists(out.dir / "results.json"));
  const std::string resolved = read_file(out.dir / "resolved.yaml");
  EXPECT_NE(resolved.find("version:"), std::string::npos);
  EXPECT_NE(resolved.find("bandwidth: 8 TB/s"), std::string::npos);
}

TEST_F(ScenarioTest, ResultsAreIdenticalWhateverTheThreadCount) {
  // -j 1, 2 and 8, and the same thread count twice: the same bytes every time.
  const auto one = read_file(run(1).dir / "results.csv");
  for (int jobs : {2, 8, 8}) EXPECT_EQ(read_file(run(jobs).dir / "results.csv"), one) << "-j " << jobs;
}

TEST_F(ScenarioTest, ResumeFinishesOnlyMissingPointsAndEndsTheSame) {
  const std::string full = read_file(run(2).dir / "results.csv");
  // Simulate an interrupted run: keep the first 5 journal lines, tear the 6th.
  const fs::path journal = dir / "out" / "sweep" / "journal.jsonl";
  std::istringstream lines(read_file(journal));
  std::string line, kept;
  for (int i = 0; i < 5 && std::getline(lines, line); ++i) kept += line + "\n";
  std::getline(lines, line);
  kept += line.substr(0, line.size() / 2);
  std::ofstream(journal, std::ios::trunc) << kept;
  fs::remove(dir / "out" / "sweep" / "results.csv");
  const auto resumed = run(2, true);
  EXPECT_EQ(resumed.reused, 5u);
  EXPECT_EQ(read_file(resumed.dir / "results.csv"), full);
}

TEST_F(ScenarioTest, StopLeavesValidPartialFiles) {
  std::atomic<bool> stop{true};
  const auto out = run(1, false, &stop);
  EXPECT_TRUE(out.interrupted);
  EXPECT_TRUE(fs::exists(out.dir / "results.csv"));
  const auto resumed = run(1, true);
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(resumed.rows.size(), resumed.total);
}

}  // namespace
}  // namespace wafersim
