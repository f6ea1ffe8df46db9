#pragma once
// Writes files so a reader never sees a half-written one: write a temp file in the
// same folder, flush it, then rename over the target (atomic on POSIX).

#include <filesystem>
#include <string_view>

namespace wafersim {

/// Throws std::runtime_error (with the path) when the file cannot be written.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace wafersim
