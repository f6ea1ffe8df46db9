// Fuzzes the Hugging Face config.json import: any bytes as config.json; an import
// that succeeds is evaluated on one GPU and on a wafer.
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = wafersim::fuzz::write_scratch("config.json", data, size);
  using wafersim::fuzz::run_cli_checked;
  if (run_cli_checked({"eval", "--system", "h100-sxm5", "--model", path, "--json"}) == 0)
    run_cli_checked({"eval", "--system", "wse3", "--model", path, "--json"});
  return 0;
}
