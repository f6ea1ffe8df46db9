// Fuzzes the command line: the input, split at newlines, is the argument list of
// `eval`, `explain`, `describe`, `list` or `anchors` (picked by the first byte). No
// subcommand that writes files is reachable, so the fuzzer touches nothing on disk.
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;
  static const char* kCommands[] = {"eval", "explain", "describe", "list", "eval"};
  std::vector<std::string> args{kCommands[data[0] % 5]};
  std::string current;
  for (std::size_t i = 1; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\n') {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  args.push_back(current);
  for (const auto& a : args)
    if (a == "-o" || a.rfind("--output-dir", 0) == 0 || a.rfind("-o", 0) == 0) return 0;
  if (args.size() > 32) return 0;
  wafersim::fuzz::run_cli_checked(args);
  return 0;
}
