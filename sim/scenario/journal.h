#pragma once
// The point-by-point record of a scenario run (journal.jsonl): one JSON line per
// finished point (its result row, and its op rows when a chart plots ops), written
// with one write() call and flushed as it is written, so a killed run (even
// kill -9) loses at most the points in flight. `--resume` reads it back; a torn
// last line is ignored.

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "sim/report/result_json.h"

namespace wafersim {

class Journal {
 public:
  struct Entry {
    Json row;
    Json ops;  ///< null when not recorded
  };
  /// Opens `path`; with `resume`, first reads the entries it holds (by point key),
  /// otherwise starts empty.
  Journal(std::filesystem::path path, bool resume);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  /// Entries finished by an earlier run, by point key.
  [[nodiscard]] const std::map<std::string, Entry>& finished() const { return finished_; }
  /// Appends one finished point (thread-safe).
  void append(const std::string& key, const Json& row, const Json& ops = nullptr);

 private:
  std::filesystem::path path_;
  std::map<std::string, Entry> finished_;
  std::FILE* out_ = nullptr;
  std::mutex mutex_;
};

}  // namespace wafersim
