#include "sim/report/chart_renderer.h"

#include <array>
#include <cstdio>
#include <sys/wait.h>

#include "sim/report/atomic_file.h"
#include "sim/report/result_fields.h"
#include "sim/core/install_layout.h"

namespace fs = std::filesystem;

namespace wafersim {
namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

/// The python with matplotlib: Debian's first (a pyenv python on PATH may lack it).
std::string python() {
  std::error_code ec;
  if (fs::exists("/usr/bin/python3", ec)) return "/usr/bin/python3";
  return "python3";
}

}  // namespace

ChartRenderer::ChartRenderer(const fs::path& config_root) {
  const fs::path beside = config_root.parent_path() / "charts" / "render.py";
  std::error_code ec;
  if (fs::exists(beside, ec)) {
    script_ = beside;
  } else {
    const auto root = data_root_holding(fs::path("charts") / "render.py");
    script_ = (root ? *root : fs::path()) / "charts" / "render.py";
  }
}

std::string ChartRenderer::render(const Json& spec, const fs::path& results_json, const fs::path& out_dir) const {
  fs::create_directories(out_dir);
  const fs::path spec_path = out_dir / "spec.json";
  // The result-field table gives the renderer its axis labels and time-split legend.
  Json with_fields = spec;
  with_fields["result_fields"] = result_fields_json();
  write_file_atomic(spec_path, with_fields.dump(2) + "\n");
  const std::string cmd = python() + " " + shell_quote(script_.string()) + " --spec " +
                          shell_quote(spec_path.string()) + " --results " + shell_quote(results_json.string()) +
                          " --out-dir " + shell_quote(out_dir.string()) + " 2>&1";
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "cannot start the chart renderer (" + cmd + ")";
  std::string output;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (status != 0) {
    if (output.find("No module named 'matplotlib'") != std::string::npos)
      return "matplotlib is missing: install python3-matplotlib (make deps does)";
    return "chart renderer failed (" + script_.string() + "):\n" + output;
  }
  return "";
}

}  // namespace wafersim
