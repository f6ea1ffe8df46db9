#include "sim/scenario/journal.h"

#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include "sim/report/atomic_file.h"

namespace wafersim {
namespace {

std::string line_of(const std::string& key, const Json& row, const Json& ops) {
  Json j{{"key", key}, {"row", row}};
  if (!ops.is_null()) j["ops"] = ops;
  return j.dump() + "\n";
}

std::uint64_t key_hash(const std::string& key) { return std::hash<std::string>{}(key); }

}  // namespace

Journal::Journal(std::filesystem::path path, bool resume) : path_(std::move(path)) {
  {
    // Rewrite the journal with the whole lines that survive (atomically, line by
    // line), so a torn line never stays in the middle; a later duplicate wins.
    AtomicFileStream kept(path_);
    if (resume) {
      std::ifstream in(path_);
      std::string line;
      while (std::getline(in, line)) {
        const Json entry = Json::parse(line, nullptr, false);
        if (entry.is_discarded() || !entry.is_object() || !entry.contains("key") || !entry.contains("row") ||
            !entry["key"].is_string() || !entry["row"].is_object())
          continue;
        earlier_[key_hash(entry["key"].get<std::string>())] = end_;
        line += '\n';
        kept.write(line);
        end_ += line.size();
      }
    }
    kept.commit();
  }
  out_ = std::fopen(path_.c_str(), "ab");
  in_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (out_ == nullptr || in_ < 0) throw std::runtime_error("cannot write " + path_.string());
}

Journal::~Journal() {
  if (out_ != nullptr) std::fclose(out_);
  if (in_ >= 0) ::close(in_);
}

std::optional<std::uint64_t> Journal::earlier(const std::string& key) const {
  const auto it = earlier_.find(key_hash(key));
  if (it == earlier_.end()) return std::nullopt;
  // Two keys with one hash: the other's entry is not this point's, which then runs again.
  if (read(it->second).key != key) return std::nullopt;
  return it->second;
}

std::uint64_t Journal::append(const std::string& key, const Json& row, const Json& ops) {
  const std::string line = line_of(key, row, ops);
  std::lock_guard lock(mutex_);
  // One write per line: a kill leaves whole lines and at most one torn last line.
  const bool ok = std::fwrite(line.data(), 1, line.size(), out_) == line.size() && std::fflush(out_) == 0;
  if (!ok) throw std::runtime_error("cannot write " + path_.string());
  const std::uint64_t at = end_;
  end_ += line.size();
  return at;
}

Journal::Entry Journal::read(std::uint64_t offset) const {
  std::string line;
  char buf[4096];  // most lines fit one page; a longer one takes more reads
  for (;;) {
    const ssize_t n = ::pread(in_, buf, sizeof buf, static_cast<off_t>(offset + line.size()));
    if (n <= 0) break;
    const std::string_view got(buf, static_cast<std::size_t>(n));
    const auto nl = got.find('\n');
    line.append(got.substr(0, nl));
    if (nl != std::string_view::npos) break;
  }
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("key") || !j.contains("row"))
    throw std::runtime_error("journal " + path_.string() + ": no entry at byte " + std::to_string(offset));
  return Entry{j["key"].get<std::string>(), std::move(j["row"]), j.value("ops", Json(nullptr))};
}

}  // namespace wafersim
