#pragma once
// Writes files so a reader never sees a half-written one: write a temp file in the
// same folder, flush it, then rename over the target (atomic on POSIX).

#include <cstdio>
#include <filesystem>
#include <string_view>

namespace wafersim {

/// Throws std::runtime_error (with the path) when the file cannot be written.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

/// The same for a file too big to hold in memory: written piece by piece into the
/// temp file, renamed over the target by commit(); dropped (temp removed) if never
/// committed. Throws std::runtime_error (with the path) when it cannot be written.
class AtomicFileStream {
 public:
  explicit AtomicFileStream(std::filesystem::path path);
  ~AtomicFileStream();
  AtomicFileStream(const AtomicFileStream&) = delete;
  AtomicFileStream& operator=(const AtomicFileStream&) = delete;
  void write(std::string_view piece);
  void commit();

 private:
  std::filesystem::path path_, tmp_;
  std::FILE* file_ = nullptr;
  bool ok_ = true;
};

}  // namespace wafersim
