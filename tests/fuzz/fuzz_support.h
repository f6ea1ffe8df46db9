#pragma once
// Shared pieces of the libFuzzer targets: running the CLI in-process on a file the
// fuzzer wrote, and the rule every target enforces — an input gets exit 0, 2 or 3
// (success, bad input, does not fit), never 1 (an internal error) or a crash.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/cli/cli_app.h"

namespace wafersim::fuzz {

/// A per-process scratch folder for the files the targets hand to the CLI.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("wafersim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

/// Writes `data` to `scratch/NAME` and returns the path.
inline std::string write_scratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const auto path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path.string();
}

/// `wafersim ARGS...` in this process; aborts (a finding) on exit code 1 or anything outside 0..3.
inline int run_cli_checked(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"wafersim"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int code = wafersim::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  if (code != 0 && code != 2 && code != 3) {
    std::fprintf(stderr, "wafersim fuzz: exit %d (only 0, 2 and 3 are allowed)\nargs:", code);
    for (const auto& a : args) std::fprintf(stderr, " '%s'", a.c_str());
    std::fprintf(stderr, "\nstderr: %s\n", err.str().c_str());
    std::abort();
  }
  return code;
}

}  // namespace wafersim::fuzz
