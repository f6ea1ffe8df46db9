#include "sim/report/atomic_file.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace wafersim {
namespace {

std::filesystem::path temp_beside(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  AtomicFileStream out(path);
  out.write(content);
  out.commit();
}

AtomicFileStream::AtomicFileStream(std::filesystem::path path) : path_(std::move(path)), tmp_(temp_beside(path_)) {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (file_ == nullptr) throw std::runtime_error("cannot write " + path_.string());
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

AtomicFileStream::~AtomicFileStream() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  std::remove(tmp_.c_str());
}

void AtomicFileStream::write(std::string_view piece) {
  if (ok_ && !piece.empty()) ok_ = std::fwrite(piece.data(), 1, piece.size(), file_) == piece.size();
}

void AtomicFileStream::commit() {
  const bool ok = ok_ && std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed) {
    std::remove(tmp_.c_str());
    throw std::runtime_error("cannot write " + path_.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) {
    std::remove(tmp_.c_str());
    throw std::runtime_error("cannot write " + path_.string() + ": " + ec.message());
  }
}

}  // namespace wafersim
