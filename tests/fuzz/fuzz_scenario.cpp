// Fuzzes scenario parsing: grid expansion, inline definitions, set overrides and
// chart specs, through `wafersim check` (which resolves every point without running it).
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = wafersim::fuzz::write_scratch("scenario.yaml", data, size);
  wafersim::fuzz::run_cli_checked({"check", path});
  return 0;
}
