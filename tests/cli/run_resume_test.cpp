// Interrupts a real `wafersim run` (SIGKILL and SIGTERM) in the middle of a sweep,
// checks that what it left is valid, resumes it with --resume, and checks that the
// resumed run evaluated only the missing points and wrote the same results.csv as a
// run that was never interrupted.

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

#include "tests/support/scenario_fixture.h"

extern char** environ;

namespace fs = std::filesystem;

namespace {

using wafersim::testing::lines_in;
using wafersim::testing::read_file;

/// Starts `wafersim run` in the background (stdout and stderr to `log`).
pid_t start(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> all{WAFERSIM_BINARY, "run"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, WAFERSIM_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int wait_for(pid_t pid, bool* signaled = nullptr) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (signaled != nullptr) *signaled = WIFSIGNALED(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Waits until the journal holds at least `n` lines (or the process ended).
bool wait_for_journal(pid_t pid, const fs::path& journal, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(journal) && lines_in(journal) >= n) return true;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

struct RunResumeTest : wafersim::testing::TempDirTest {
  RunResumeTest() : TempDirTest("wafersim-resume") {
    // 2 × 2 × 4 × 150 = 2,400 points: long enough to interrupt in the middle.
    std::string contexts;
    for (int i = 1; i <= 150; ++i) {
      if (i > 1) contexts += ", ";
      contexts += std::to_string(64 * i);
    }
    std::ofstream(dir / "sweep.yaml") << "kind: scenario\nname: sweep\ngrid:\n"
                                         "  system: [groq-rack, h100-sxm5]\n"
                                         "  model: [llama-3.1-8b, llama-3.1-70b]\n"
                                         "  batch: [1, 4, 16, 64]\n"
                                         "  context: ["
                                      << contexts
                                      << "]\n"
                                         "fixed:\n  fidelity: roofline\n";
  }
  fs::path scenario() const { return dir / "sweep.yaml"; }
  fs::path out(const std::string& name) const { return dir / name; }

  /// Interrupts a run with `sig` once some points are journaled, then resumes it.
  void interrupt_and_resume(int sig) {
    const std::string full = read_file(out("full") / "sweep" / "results.csv");
    ASSERT_FALSE(full.empty());
    const fs::path journal = out("cut") / "sweep" / "journal.jsonl";
    const pid_t pid = start({scenario().string(), "-o", out("cut").string(), "-j", "1", "--quiet"}, dir / "cut.log");
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for_journal(pid, journal, 300)) << read_file(dir / "cut.log");
    ::kill(pid, sig);
    bool signaled = false;
    const int code = wait_for(pid, &signaled);
    if (sig == SIGKILL)
      EXPECT_TRUE(signaled);
    else
      EXPECT_EQ(code, 130) << read_file(dir / "cut.log");  // stopped cleanly, files written

    // What it left is valid: whole journal lines (a torn last line at most), and
    // results files that parse, holding only finished points.
    std::ifstream in(journal);
    std::string line;
    std::size_t whole = 0, torn = 0;
    while (std::getline(in, line)) {
      if (nlohmann::json::accept(line))
        ++whole;
      else
        ++torn;
    }
    EXPECT_LE(torn, 1u);
    EXPECT_GE(whole, 300u);
    EXPECT_LT(whole, 2400u) << "the run finished before it was interrupted: make the sweep longer";
    const fs::path results = out("cut") / "sweep" / "results.json";
    if (sig != SIGKILL) {
      ASSERT_TRUE(fs::exists(results));
    }
    if (fs::exists(results)) {
      const auto parsed = nlohmann::json::parse(read_file(results), nullptr, false);
      ASSERT_FALSE(parsed.is_discarded());
      EXPECT_LT(parsed.size(), 2400u);
    }
    for (const auto& e : fs::directory_iterator(out("cut") / "sweep"))
      EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "temp file left: " << e.path();

    const pid_t again =
        start({scenario().string(), "-o", out("cut").string(), "-j", "2", "--resume"}, dir / "resume.log");
    ASSERT_EQ(wait_for(again), 0) << read_file(dir / "resume.log");
    const std::string log = read_file(dir / "resume.log");
    EXPECT_NE(log.find(std::to_string(whole) + " reused from an earlier run"), std::string::npos) << log;
    EXPECT_EQ(read_file(out("cut") / "sweep" / "results.csv"), full);
  }
};

TEST_F(RunResumeTest, KilledRunResumesToTheSameResults) {
  const pid_t pid = start({scenario().string(), "-o", out("full").string(), "-j", "2", "--quiet"}, dir / "full.log");
  ASSERT_EQ(wait_for(pid), 0) << read_file(dir / "full.log");
  interrupt_and_resume(SIGKILL);
}

TEST_F(RunResumeTest, TerminatedRunStopsCleanlyAndResumes) {
  const pid_t pid = start({scenario().string(), "-o", out("full").string(), "-j", "2", "--quiet"}, dir / "full.log");
  ASSERT_EQ(wait_for(pid), 0) << read_file(dir / "full.log");
  interrupt_and_resume(SIGTERM);
}

}  // namespace
