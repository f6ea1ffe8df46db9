// Scale-out through the command line, as a batch array or an MPI job runs it:
// `run --shard K/N` (also `--shard auto` from Slurm's variables) + `merge` give the
// bytes of one unsharded run; bad shards exit 2 naming the shard; `mpirun -n 2
// wafersim run` gives the same bytes, and a run killed under mpirun resumes.

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "tests/support/run_cli.h"
#include "tests/support/scenario_fixture.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using wafersim::testing::run_cli;

using wafersim::testing::lines_in;
using wafersim::testing::read_file;

#ifdef WAFERSIM_MPIEXEC
/// mpirun as root needs Open MPI's two allow variables; --oversubscribe lets 2 ranks
/// start on a 1-core machine; containers often forbid the shared-memory transport's
/// single-copy mode (ptrace), so it is off. Open MPI keeps its own allocations to
/// the end of the process, so leak checking is off inside the ranks (ASan and UBSan
/// stay on).
std::string mpirun(int ranks) {
  return "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none "
         "ASAN_OPTIONS=detect_leaks=0 " +
         std::string(WAFERSIM_MPIEXEC) + " -n " + std::to_string(ranks) + " --oversubscribe ";
}
#endif

struct ScaleOutCliTest : wafersim::testing::TempDirTest {
  ScaleOutCliTest() : TempDirTest("wafersim-scaleout") {
    // 12 points with a step chart and an ops chart (op rows travel through the shards too).
    std::ofstream(dir / "sweep.yaml") << wafersim::testing::sweep_yaml(
        "",
        "charts:\n"
        "  - {type: bar, x: batch, y: tokens_per_s, series: system, title: \"Tokens/s\"}\n"
        "  - {type: roofline, points: ops, title: \"Ops\"}\n");
  }
  std::string scenario() const { return (dir / "sweep.yaml").string(); }
  /// `wafersim run SCENARIO -o OUT ARGS`, the exit code.
  int run(const std::string& out, const std::string& args, const std::string& env = "") const {
    return std::system((env + " " + WAFERSIM_BINARY + " run " + scenario() + " -o " + (dir / out).string() + " " +
                        args + " --quiet > " + (dir / (out + ".log")).string() + " 2>&1")
                           .c_str()) == 0
               ? 0
               : 1;
  }
  void expect_same_files(const std::string& a, const std::string& b) const {
    for (const char* f : {"results.csv", "results.json", "ops.json", "resolved.yaml"})
      EXPECT_EQ(read_file(dir / a / "sweep" / f), read_file(dir / b / "sweep" / f)) << f << " of " << b;
  }
};

TEST_F(ScaleOutCliTest, ShardsFromArgumentsAndSlurmMergeIntoOneRunsBytes) {
  ASSERT_EQ(run("full", "-j 2"), 0) << read_file(dir / "full.log");
  ASSERT_EQ(run("sharded", "--shard 0/2 -j 1"), 0) << read_file(dir / "sharded.log");
  ASSERT_EQ(
      run("sharded", "--shard auto -j 1", "SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=2"), 0)
      << read_file(dir / "sharded.log");
  EXPECT_TRUE(fs::exists(dir / "sharded" / "sweep" / "shards" / "1-of-2" / "shard.json"));
  EXPECT_FALSE(fs::exists(dir / "sharded" / "sweep" / "results.csv"));  // not before merge
  const auto merged = run_cli("merge " + (dir / "sharded" / "sweep").string(), true);
  ASSERT_EQ(merged.code, 0) << merged.out;
  EXPECT_NE(merged.out.find("12 points from 2 shards"), std::string::npos) << merged.out;
  EXPECT_NE(merged.out.find("tiny"), std::string::npos) << merged.out;  // the summary table
  expect_same_files("full", "sharded");
  std::size_t pngs = 0;
  for (const auto& f : fs::directory_iterator(dir / "sharded" / "sweep" / "charts"))
    pngs += f.path().extension() == ".png" && fs::file_size(f.path()) > 1000;
  EXPECT_EQ(pngs, 2u);
}

TEST_F(ScaleOutCliTest, BadShardsExit2NamingTheShard) {
  auto bad = run_cli("run " + scenario() + " -o " + (dir / "o").string() + " --shard 2/2", true);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("--shard: 2/2: shard index 2 is not below the count 2"), std::string::npos) << bad.out;
  bad = run_cli("run " + scenario() + " -o " + (dir / "o").string() + " --shard auto", true);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("not inside a batch array"), std::string::npos) << bad.out;

  ASSERT_EQ(run("o", "--shard 0/3"), 0);
  ASSERT_EQ(run("o", "--shard 2/3"), 0);
  auto merge = run_cli("merge " + (dir / "o" / "sweep").string(), true);
  EXPECT_EQ(merge.code, 2);
  EXPECT_NE(merge.out.find("shard 1-of-3 is missing; run `wafersim run " + scenario() + " --shard 1/3`"),
            std::string::npos)
      << merge.out;
  // A shard run with another setting is refused, named, and nothing is written.
  ASSERT_EQ(run("o", "--shard 1/3 --set wse3.core.sram=96KiB"), 0);
  merge = run_cli("merge " + (dir / "o" / "sweep").string(), true);
  EXPECT_EQ(merge.code, 2);
  EXPECT_NE(merge.out.find("shard 1-of-3 comes from another scenario or settings"), std::string::npos) << merge.out;
  EXPECT_FALSE(fs::exists(dir / "o" / "sweep" / "results.csv"));
  // A shard from another wafersim build is refused too.
  ASSERT_EQ(run("o", "--shard 1/3"), 0);
  const fs::path manifest = dir / "o" / "sweep" / "shards" / "2-of-3" / "shard.json";
  auto m = nlohmann::json::parse(read_file(manifest));
  m["wafersim"] = "0.0.1 (git 0000000)";
  std::ofstream(manifest) << m.dump(1);
  merge = run_cli("merge " + (dir / "o" / "sweep").string(), true);
  EXPECT_EQ(merge.code, 2);
  EXPECT_NE(merge.out.find("shard 2-of-3 was run by wafersim 0.0.1 (git 0000000)"), std::string::npos) << merge.out;
  EXPECT_EQ(run_cli("merge " + (dir / "nothing").string()).code, 2);
}

TEST_F(ScaleOutCliTest, MpirunWithTwoRanksWritesOneRunsBytes) {
#ifndef WAFERSIM_MPIEXEC
  GTEST_SKIP() << "built without MPI (install libopenmpi-dev openmpi-bin and reconfigure)";
#else
  ASSERT_EQ(run("full", "-j 1"), 0) << read_file(dir / "full.log");
  const std::string cmd =
      mpirun(2) + WAFERSIM_BINARY + " run " + scenario() + " -o " + (dir / "mpi").string() + " -j 1 2>/dev/null";
  const auto [code, out] = wafersim::testing::run_shell(cmd);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("spread over 2 MPI ranks"), std::string::npos) << out;
  // Only rank 0 prints: one summary.
  EXPECT_EQ(out.find("12 points"), out.rfind("12 points")) << out;
  expect_same_files("full", "mpi");
  // MPI and shards together: each shard spread over the ranks, then merged.
  for (int k = 0; k < 2; ++k)
    ASSERT_EQ(std::system((mpirun(2) + WAFERSIM_BINARY + " run " + scenario() + " -o " + (dir / "both").string() +
                           " -j 1 --quiet --shard " + std::to_string(k) + "/2 > /dev/null 2>&1")
                              .c_str()),
              0);
  ASSERT_EQ(run_cli("merge " + (dir / "both" / "sweep").string()).code, 0);
  expect_same_files("full", "both");
#endif
}

TEST_F(ScaleOutCliTest, ARunKilledUnderMpirunResumes) {
#ifndef WAFERSIM_MPIEXEC
  GTEST_SKIP() << "built without MPI";
#else
  // Cycle-level points on the 64 x 64 slice: slow enough to stop in the middle (about
  // 4 s on two ranks; 12 smaller points ran out before mpirun passed the signal on).
  constexpr std::size_t kPoints = 24;
  std::ofstream(dir / "sweep.yaml") << "kind: scenario\nname: sweep\ngrid:\n  batch: [1, 2, 4, 8]\n"
                                       "  context: [64, 128, 256, 512, 1024, 2048]\nfixed:\n  system: wse-mini\n"
                                       "  model: tiny-llama\n  fidelity: cycle\n";
  ASSERT_EQ(run("full", "-j 2"), 0) << read_file(dir / "full.log");
  const fs::path journal = dir / "cut" / "sweep" / "journal.jsonl";
  const std::string cmd = "exec " + mpirun(2) + WAFERSIM_BINARY + " run " + scenario() + " -o " +
                          (dir / "cut").string() + " -j 1 --quiet > " + (dir / "cut.log").string() + " 2>&1";
  std::vector<std::string> args{"/bin/sh", "-c", cmd};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv.data(), environ), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  bool ended = false;
  while (std::chrono::steady_clock::now() < deadline && !(fs::exists(journal) && lines_in(journal) >= 2))
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      break;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  ASSERT_FALSE(ended) << "ended before it could be stopped: " << read_file(dir / "cut.log");
  ::kill(pid, SIGTERM);  // mpirun passes it to every rank; rank 0 writes what is done
  ::waitpid(pid, &status, 0);
  const std::size_t kept = lines_in(journal);
  EXPECT_GE(kept, 2u);
  EXPECT_LT(kept, kPoints) << read_file(dir / "cut.log");
  std::ifstream in(journal);
  std::string line;
  while (std::getline(in, line)) EXPECT_TRUE(nlohmann::json::accept(line)) << line;

  const std::string resume =
      mpirun(2) + WAFERSIM_BINARY + " run " + scenario() + " -o " + (dir / "cut").string() + " -j 1 --resume 2>&1";
  const auto [code, out] = wafersim::testing::run_shell(resume);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find(std::to_string(kPoints) + " points (" + std::to_string(kept) + " reused"), std::string::npos)
      << out;
  EXPECT_EQ(read_file(dir / "full" / "sweep" / "results.csv"), read_file(dir / "cut" / "sweep" / "results.csv"));
#endif
}

}  // namespace
