#pragma once
// Runs the wafersim binary the way a user or a script does and collects its exit
// code and output (stdout only, or stdout and stderr together).

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace wafersim::testing {

struct CliOutcome {
  int code = -1;
  std::string out;
};

/// A shell command line (its own redirections included): exit code and stdout.
inline CliOutcome run_shell(const std::string& cmd) {
  CliOutcome o;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) o.out.append(buf.data(), n);
  const int status = ::pclose(p);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

/// `wafersim ARGS` through the shell; stderr is dropped unless `with_stderr`.
inline CliOutcome run_cli(const std::string& args, bool with_stderr = false) {
  return run_shell(std::string(WAFERSIM_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

}  // namespace wafersim::testing
