#include "sim/scenario/journal.h"

#include <stdexcept>

namespace wafersim {

Journal::Journal(std::filesystem::path path, bool resume) : path_(std::move(path)) {
  if (resume) {
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      Json entry = Json::parse(line, nullptr, false);
      if (entry.is_discarded() || !entry.is_object() || !entry.contains("key") || !entry.contains("row")) continue;
      finished_[entry["key"].get<std::string>()] = entry["row"];
    }
  }
  // Rewrite the journal with what survives, so a torn line never stays in the middle.
  std::ofstream fresh(path_, std::ios::trunc);
  for (const auto& [key, row] : finished_) fresh << Json{{"key", key}, {"row", row}}.dump() << "\n";
  fresh.close();
  out_.open(path_, std::ios::app);
  if (!out_) throw std::runtime_error("cannot write " + path_.string());
}

void Journal::append(const std::string& key, const Json& row) {
  const std::string line = Json{{"key", key}, {"row", row}}.dump() + "\n";
  std::lock_guard lock(mutex_);
  out_ << line;
  out_.flush();
}

}  // namespace wafersim
