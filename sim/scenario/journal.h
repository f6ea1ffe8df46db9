#pragma once
// The point-by-point record of a scenario run (journal.jsonl): one JSON line per
// finished point, flushed as it is written, so a killed run loses at most the
// point in flight. `--resume` reads it back; a torn last line is ignored.

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include "sim/report/result_json.h"

namespace wafersim {

class Journal {
 public:
  /// Opens `path`; with `resume`, first reads the rows it holds (by point key),
  /// otherwise starts empty.
  Journal(std::filesystem::path path, bool resume);
  /// Rows finished by an earlier run, by point key.
  [[nodiscard]] const std::map<std::string, Json>& finished() const { return finished_; }
  /// Appends one finished point (thread-safe).
  void append(const std::string& key, const Json& row);

 private:
  std::filesystem::path path_;
  std::map<std::string, Json> finished_;
  std::ofstream out_;
  std::mutex mutex_;
};

}  // namespace wafersim
