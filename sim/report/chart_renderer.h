#pragma once
// Hands chart specs to the matplotlib renderer (charts/render.py, run with the
// Debian python3 that has python3-matplotlib) and reports its failure as text.

#include <filesystem>
#include <string>

#include "sim/report/result_json.h"

namespace wafersim {

class ChartRenderer {
 public:
  /// Finds charts/render.py beside the configs root, else beside the binary (install_layout.h).
  explicit ChartRenderer(const std::filesystem::path& config_root);
  /// Renders every chart of `spec` from `results_json` into `out_dir`; returns ""
  /// on success, else the renderer's message.
  [[nodiscard]] std::string render(const Json& spec, const std::filesystem::path& results_json,
                                   const std::filesystem::path& out_dir) const;

 private:
  std::filesystem::path script_;
};

}  // namespace wafersim
