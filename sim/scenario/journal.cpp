#include "sim/scenario/journal.h"

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

}  // namespace

Journal::Journal(std::filesystem::path path, bool resume) : path_(std::move(path)) {
  if (resume) {
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      Json entry = Json::parse(line, nullptr, false);
      if (entry.is_discarded() || !entry.is_object() || !entry.contains("key") || !entry.contains("row") ||
          !entry["key"].is_string() || !entry["row"].is_object())
        continue;
      finished_[entry["key"].get<std::string>()] = Entry{entry["row"], entry.value("ops", Json(nullptr))};
    }
  }
  // Rewrite the journal with what survives (atomically), so a torn line never stays in the middle.
  std::string kept;
  for (const auto& [key, e] : finished_) kept += line_of(key, e.row, e.ops);
  write_file_atomic(path_, kept);
  out_ = std::fopen(path_.c_str(), "ab");
  if (out_ == nullptr) throw std::runtime_error("cannot write " + path_.string());
}

Journal::~Journal() {
  if (out_ != nullptr) std::fclose(out_);
}

void Journal::append(const std::string& key, const Json& row, const Json& ops) {
  const std::string line = line_of(key, row, ops);
  std::lock_guard lock(mutex_);
  // One write per line: a kill leaves whole lines and at most one torn last line.
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace wafersim
