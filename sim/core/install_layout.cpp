#include "sim/core/install_layout.h"

namespace fs = std::filesystem;

namespace wafersim {

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::optional<fs::path> data_root_holding(const fs::path& marker) {
  const fs::path bin = executable_dir();
  if (bin.empty()) return std::nullopt;
  std::error_code ec;
  const fs::path installed = bin.parent_path() / "share" / "wafersim";
  if (fs::exists(installed / marker, ec)) return installed;
  for (fs::path dir = bin; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / marker, ec)) return dir;
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

}  // namespace wafersim
