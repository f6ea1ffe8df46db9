// Fuzzes YAML config loading: any bytes as a device, system or model file. A file
// that `check` accepts is then evaluated, so a valid-looking but absurd config
// (huge counts, zero sizes) must be refused or answered, quickly.
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using wafersim::fuzz::run_cli_checked;
  const std::string path = wafersim::fuzz::write_scratch("config.yaml", data, size);
  if (run_cli_checked({"check", path}) != 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find("kind: model") != std::string::npos) {
    run_cli_checked({"eval", "--system", "h100-sxm5", "--model", path, "--json"});
    run_cli_checked({"eval", "--system", "wse3", "--model", path, "--json"});
  } else if (text.find("kind: scenario") == std::string::npos) {
    run_cli_checked({"eval", "--system", path, "--model", "tiny-llama", "--json"});
  }
  return 0;
}
