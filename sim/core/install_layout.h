#pragma once
// Where wafersim finds its data folders (configs/, charts/) with no source path
// compiled into the binary: beside the binary, as `make install` lays them out
// (PREFIX/bin/wafersim, PREFIX/share/wafersim/{configs,charts}), or in the nearest
// folder above the binary that holds them (a build folder inside a checkout).

#include <filesystem>
#include <optional>

namespace wafersim {

/// The folder of the running executable (/proc/self/exe); empty when unknown.
[[nodiscard]] std::filesystem::path executable_dir();

/// The first of PREFIX/share/wafersim (the binary in PREFIX/bin) and the binary's folder
/// and its ancestors that holds `marker` (a relative path such as "charts/render.py").
[[nodiscard]] std::optional<std::filesystem::path> data_root_holding(const std::filesystem::path& marker);

}  // namespace wafersim
