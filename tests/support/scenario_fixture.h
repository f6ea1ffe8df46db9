#pragma once
// What the scenario and run tests share: the configs folder, reading files back, a
// temp folder per test, and the 12-point sweep most of them run (2 systems × 2
// models × 3 batch sizes, a 2-layer tiny model inline so points stay cheap).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace wafersim::testing {

/// The configs the tests read: $WAFERSIM_CONFIGS, else ./configs.
inline std::filesystem::path config_root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

/// A file's bytes ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Lines in a file (journal entries).
inline std::size_t lines_in(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

/// The 12-point sweep (`name: sweep`); `head` goes before the grid (e.g. "trace: true\n"),
/// `tail` after it (set:, charts:).
inline std::string sweep_yaml(const std::string& head = "", const std::string& tail = "") {
  return "kind: scenario\nname: sweep\n" + head +
         "grid:\n"
         "  system: [h100-sxm5, wse3]\n"
         "  model: [llama-3.1-8b, tiny]\n"
         "  batch: [1, 4, 16]\n"
         "fixed:\n"
         "  context: 2048\n"
         "models:\n"
         "  tiny: {preset: tiny-llama, layers: 2}\n" +
         tail;
}

/// The swept HBM bandwidth that doubles the sweep to 24 points (a `set:` list).
inline const char* kSweptHbm = "set:\n  h100-sxm5.hbm.bandwidth: [3.35 TB/s, 8 TB/s]\n";

/// A fresh folder under the temp directory per test (`prefix`-pid-test name), removed after it.
class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(const std::string& prefix)
      : dir(std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::create_directories(dir);
  }
  ~TempDirTest() override { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

}  // namespace wafersim::testing
