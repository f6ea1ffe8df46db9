// Shards and merge through the library: `--shard K/N` parsing (also from Slurm and
// Kubernetes variables), shard runs merged into the same bytes one run writes, and
// every way a merge must refuse (missing, unfinished, other scenario, mixed splits).

#include "sim/scenario/shard_merge.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "models/register_builtin.h"
#include "tests/support/scenario_fixture.h"
#include "sim/core/error.h"
#include "sim/scenario/scenario_runner.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;

using wafersim::testing::config_root;
using wafersim::testing::read_file;

/// The message of the InputError `f` throws ("" when it throws none).
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    std::string all;
    for (const auto& d : e.diagnostics()) all += d.format() + "\n";
    return all;
  }
  return "";
}

TEST(ShardSpecTest, ParsesKOfNAndRefusesWhatIsNot) {
  const std::map<std::string, std::string> none;
  const ShardSpec s = ShardSpec::parse("2/5", none);
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.dir_name(), "2-of-5");
  EXPECT_TRUE(s.holds(7));
  EXPECT_FALSE(s.holds(8));
  EXPECT_EQ(s.size_of(12), 2u);  // 2, 7
  EXPECT_EQ(s.size_of(13), 3u);  // 2, 7, 12
  EXPECT_EQ(s.size_of(2), 0u);
  EXPECT_EQ(ShardSpec::from_dir_name("2-of-5")->count, 5u);
  EXPECT_FALSE(ShardSpec::from_dir_name("5-of-5"));
  EXPECT_FALSE(ShardSpec::from_dir_name("charts"));
  for (const char* bad : {"5/5", "1/0", "1", "a/b", "-1/4", "1/4x", "", "1 /4"})
    EXPECT_NE(input_error([&] { (void)ShardSpec::parse(bad, none); }).find("--shard"), std::string::npos) << bad;
}

TEST(ShardSpecTest, AutoReadsSlurmArraysAndKubernetesIndexedJobs) {
  // --array=1-8: task ids 1..8 are shards 0..7.
  const ShardSpec slurm = ShardSpec::parse(
      "auto", {{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_COUNT", "8"}});
  EXPECT_EQ(slurm.dir_name(), "4-of-8");
  EXPECT_EQ(ShardSpec::parse("auto", {{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "3"}}).dir_name(),
            "0-of-3");
  // --array=0-30:2: ids 0, 2, ..., 30 are shards 0..15.
  EXPECT_EQ(ShardSpec::parse("auto", {{"SLURM_ARRAY_TASK_ID", "30"},
                                      {"SLURM_ARRAY_TASK_MIN", "0"},
                                      {"SLURM_ARRAY_TASK_STEP", "2"},
                                      {"SLURM_ARRAY_TASK_COUNT", "16"}})
                .dir_name(),
            "15-of-16");
  EXPECT_EQ(ShardSpec::parse("auto", {{"JOB_COMPLETION_INDEX", "3"}, {"WAFERSIM_SHARDS", "4"}}).dir_name(), "3-of-4");
  EXPECT_NE(input_error([] {
              (void)ShardSpec::parse("auto", {{"JOB_COMPLETION_INDEX", "3"}});
            }).find("WAFERSIM_SHARDS"),
            std::string::npos);
  EXPECT_NE(input_error([] { (void)ShardSpec::parse("auto", {}); }).find("not inside a batch array"),
            std::string::npos);
  EXPECT_NE(input_error([] {
              (void)ShardSpec::parse("auto", {{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_COUNT", "8"}});
            }).find("not below the count"),
            std::string::npos);
  EXPECT_NE(input_error([] {
              (void)ShardSpec::parse("auto", {{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "8"}});
            }).find("SLURM_ARRAY_TASK_ID='x'"),
            std::string::npos);
}

struct ShardMergeTest : wafersim::testing::TempDirTest {
  ShardMergeTest() : TempDirTest("wafersim-shard") {
    models::register_builtin(registry);
    // 2 x 2 x 3 x 2 = 24 points, traces on: shards must carry them over too.
    std::ofstream(dir / "sweep.yaml") << wafersim::testing::sweep_yaml("trace: true\n", wafersim::testing::kSweptHbm);
  }
  ScenarioOutcome run(const fs::path& out, std::optional<ShardSpec> shard, std::vector<Override> sets = {},
                      const std::atomic<bool>* stop = nullptr, bool resume = false) {
    RunnerOptions o;
    o.out_root = out;
    o.jobs = 2;
    o.shard = shard;
    o.overrides = std::move(sets);
    o.stop = stop;
    o.resume = resume;
    return ScenarioRunner(registry, config_root()).run((dir / "sweep.yaml").string(), o);
  }
  void run_shards(std::size_t n, std::vector<std::size_t> skip = {}) {
    for (std::size_t k = 0; k < n; ++k)
      if (std::find(skip.begin(), skip.end(), k) == skip.end()) run(dir / "sharded", ShardSpec{k, n});
  }
  Registry registry;
};

TEST_F(ShardMergeTest, MergedShardsAreOneRunByteForByte) {
  const ScenarioOutcome full = run(dir / "full", std::nullopt);
  ASSERT_EQ(full.total, 24u);
  const ScenarioOutcome one = run(dir / "sharded", ShardSpec{1, 5});
  EXPECT_EQ(one.total, 5u);  // 1, 6, 11, 16, 21
  EXPECT_EQ(one.dir, dir / "sharded" / "sweep" / "shards" / "1-of-5");
  EXPECT_TRUE(fs::exists(one.dir / "shard.json"));
  run_shards(5, {1});
  const MergeOutcome merged = merge_shards(dir / "sharded" / "sweep", config_root());
  EXPECT_EQ(merged.shards, 5u);
  EXPECT_EQ(merged.rows.size(), 24u);
  EXPECT_EQ(merged.varying, full.varying);
  const fs::path a = dir / "full" / "sweep", b = dir / "sharded" / "sweep";
  for (const char* f : {"results.csv", "results.json", "resolved.yaml"})
    EXPECT_EQ(read_file(a / f), read_file(b / f)) << f;
  std::size_t traces = 0;
  for (const auto& t : fs::directory_iterator(a / "traces")) {
    EXPECT_EQ(read_file(t.path()), read_file(b / "traces" / t.path().filename())) << t.path();
    ++traces;
  }
  EXPECT_GT(traces, 10u);
  // The merged journal makes a later unsharded --resume reuse every point.
  const ScenarioOutcome again = run(dir / "sharded", std::nullopt, {}, nullptr, true);
  EXPECT_EQ(again.reused, 24u);
  EXPECT_EQ(read_file(a / "results.csv"), read_file(b / "results.csv"));
}

TEST_F(ShardMergeTest, MoreShardsThanPointsLeavesSomeEmpty) {
  std::ofstream(dir / "sweep.yaml") << "kind: scenario\nname: sweep\ngrid:\n  batch: [1, 2, 3]\n"
                                       "fixed:\n  system: h100-sxm5\n  model: llama-3.1-8b\n  fidelity: roofline\n";
  run(dir / "full", std::nullopt);
  run_shards(5);
  EXPECT_EQ(merge_shards(dir / "sharded" / "sweep", config_root()).rows.size(), 3u);
  EXPECT_EQ(read_file(dir / "full" / "sweep" / "results.csv"), read_file(dir / "sharded" / "sweep" / "results.csv"));
}

TEST_F(ShardMergeTest, RefusesAMissingShardNamingIt) {
  run_shards(3, {2});
  const std::string e = input_error([&] { (void)merge_shards(dir / "sharded" / "sweep", config_root()); });
  EXPECT_NE(e.find("shard 2-of-3 is missing"), std::string::npos) << e;
  EXPECT_NE(e.find("--shard 2/3"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "sharded" / "sweep" / "results.csv"));
}

TEST_F(ShardMergeTest, RefusesAnUnfinishedShardAndTakesItOnceResumed) {
  run_shards(3, {1});
  const std::atomic<bool> stop{true};  // stopped before its first point
  const ScenarioOutcome cut = run(dir / "sharded", ShardSpec{1, 3}, {}, &stop);
  EXPECT_TRUE(cut.interrupted);
  const std::string e = input_error([&] { (void)merge_shards(dir / "sharded" / "sweep", config_root()); });
  EXPECT_NE(e.find("shard 1-of-3 is incomplete: 0 of 8 points"), std::string::npos) << e;
  EXPECT_NE(e.find("--resume"), std::string::npos) << e;
  run(dir / "sharded", ShardSpec{1, 3}, {}, nullptr, true);
  EXPECT_EQ(merge_shards(dir / "sharded" / "sweep", config_root()).rows.size(), 24u);
}

TEST_F(ShardMergeTest, ARerunShardIsUnfinishedUntilItEnds) {
  run_shards(2);
  ASSERT_TRUE(fs::exists(dir / "sharded" / "sweep" / "shards" / "1-of-2" / "shard.json"));
  // Run again with other settings and stopped at once: the earlier run's manifest
  // must not vouch for the files this one leaves.
  const std::atomic<bool> stop{true};
  run(dir / "sharded", ShardSpec{1, 2}, {Override{"wse3.core.sram", "96 KiB", "--set"}}, &stop);
  const std::string e = input_error([&] { (void)merge_shards(dir / "sharded" / "sweep", config_root()); });
  EXPECT_NE(e.find("shard 1-of-2 is incomplete"), std::string::npos) << e;
}

TEST_F(ShardMergeTest, RefusesAShardFromOtherSettingsNamingItAndTheLine) {
  run_shards(2, {1});
  run(dir / "sharded", ShardSpec{1, 2}, {Override{"wse3.core.sram", "96 KiB", "--set"}});
  const std::string e = input_error([&] { (void)merge_shards(dir / "sharded" / "sweep", config_root()); });
  EXPECT_NE(e.find("shard 1-of-2 comes from another scenario or settings than shard 0-of-2"), std::string::npos) << e;
  EXPECT_NE(e.find("resolved.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("line "), std::string::npos) << e;
}

TEST_F(ShardMergeTest, RefusesShardsOfTwoSplits) {
  run_shards(2);
  run(dir / "sharded", ShardSpec{0, 3});
  const std::string e = input_error([&] { (void)merge_shards(dir / "sharded" / "sweep", config_root()); });
  EXPECT_NE(e.find("shards of different splits (0-of-2, 0-of-3)"), std::string::npos) << e;
}

TEST_F(ShardMergeTest, RefusesAFolderThatIsNotSharded) {
  run(dir / "full", std::nullopt);
  const std::string e = input_error([&] { (void)merge_shards(dir / "full" / "sweep", config_root()); });
  EXPECT_NE(e.find("no shards/ folder"), std::string::npos) << e;
  EXPECT_NE(input_error([&] { (void)merge_shards(dir / "nowhere", config_root()); }), "");
}

}  // namespace
}  // namespace wafersim
