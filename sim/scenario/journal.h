#pragma once
// The point-by-point record of a scenario run (journal.jsonl): one JSON line per
// finished point (its result row, and its op rows when a chart plots ops), written
// with one write() call and flushed as it is written, so a killed run (even
// kill -9) loses at most the points in flight. `--resume` reads it back; a torn
// last line is ignored.
//
// The journal is also where a run's rows live: the runner keeps only each point's
// line offset and reads the row back when it writes results.csv/json, so a
// million-point sweep's memory stays bounded. Entries are found by a 64-bit
// hash of the point key and checked against the key on reading.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "sim/report/result_json.h"

namespace wafersim {

class Journal {
 public:
  struct Entry {
    std::string key;
    Json row;
    Json ops;  ///< null when not recorded
  };
  /// Opens `path`; with `resume`, first keeps the whole entries it holds (a torn or
  /// unreadable line is dropped), otherwise starts empty.
  Journal(std::filesystem::path path, bool resume);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  /// The line offset of the entry an earlier run finished for `key`, if any.
  [[nodiscard]] std::optional<std::uint64_t> earlier(const std::string& key) const;
  /// Number of entries an earlier run left.
  [[nodiscard]] std::size_t earlier_count() const { return earlier_.size(); }
  /// Appends one finished point; returns its line offset (thread-safe).
  std::uint64_t append(const std::string& key, const Json& row, const Json& ops = nullptr);
  /// Reads back the entry at `offset` (thread-safe; throws std::runtime_error if it is not one).
  [[nodiscard]] Entry read(std::uint64_t offset) const;

 private:
  std::filesystem::path path_;
  std::unordered_map<std::uint64_t, std::uint64_t> earlier_;  ///< key hash → line offset
  std::FILE* out_ = nullptr;
  int in_ = -1;  ///< a second descriptor for reading lines back
  std::uint64_t end_ = 0;
  std::mutex mutex_;
};

}  // namespace wafersim
