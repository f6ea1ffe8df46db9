#include "sim/scenario/sweep_results.h"

#include "sim/report/atomic_file.h"
#include "sim/scenario/scenario_outputs.h"

namespace wafersim {

void SweepDigest::add(const Json& row) {
  if (rows++ == 0) serve = row.contains("scheduler");
  if (!row.value("fits", false)) return;
  ++fits;
  const Json v = row.value(key(), Json(nullptr));
  if (!v.is_number()) return;
  if (best.is_null() || v.get<double>() > best[key()].get<double>()) best = row;
  if (worst.is_null() || v.get<double>() < worst[key()].get<double>()) worst = row;
}

SweepResults::SweepResults(const std::filesystem::path& dir, std::size_t points, bool resume)
    : journal_(dir / "journal.jsonl", resume), offset_(points, kNone), shape_(points, 0) {}

std::optional<std::pair<std::uint64_t, Journal::Entry>> SweepResults::earlier(const std::string& key) const {
  const auto at = journal_.earlier(key);
  if (!at) return std::nullopt;
  return std::make_pair(*at, journal_.read(*at));
}

void SweepResults::reuse(std::size_t i, std::uint64_t offset, const Json& row) {
  std::lock_guard lock(mutex_);
  mark_done(i, offset, row);
}

void SweepResults::record(std::size_t i, const std::string& key, const Json& row, const Json& ops) {
  const std::uint64_t at = journal_.append(key, row, ops);
  std::lock_guard lock(mutex_);
  mark_done(i, at, row);
}

std::size_t SweepResults::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void SweepResults::mark_done(std::size_t i, std::uint64_t offset, const Json& row) {
  // Rows of one kind share their column list: keep each list once, and its id per point.
  std::string signature;
  std::vector<std::string> names;
  for (const auto& [k, v] : flatten(row)) {
    signature += k;
    signature += '\n';
    names.push_back(k);
  }
  const auto [it, added] = shape_ids_.emplace(signature, static_cast<std::uint32_t>(shapes_.size()));
  if (added) shapes_.push_back(std::move(names));
  if (offset_[i] == kNone) ++done_;
  offset_[i] = offset;
  shape_[i] = it->second;
}

std::vector<std::string> SweepResults::columns() const {
  // First appearance in grid order, as for rows held in memory (rows_to_csv).
  std::vector<std::string> cols;
  std::unordered_map<std::string, bool> seen;
  std::vector<bool> shape_seen(shapes_.size(), false);
  for (std::size_t i = 0; i < offset_.size(); ++i) {
    if (offset_[i] == kNone || shape_seen[shape_[i]]) continue;
    shape_seen[shape_[i]] = true;
    for (const auto& c : shapes_[shape_[i]])
      if (seen.emplace(c, true).second) cols.push_back(c);
  }
  return cols;
}

SweepDigest SweepResults::write_results(const std::filesystem::path& dir, std::size_t keep,
                                        std::vector<Json>* kept) const {
  std::lock_guard lock(mutex_);
  SweepDigest digest;
  ResultsWriter out(dir, columns());
  const bool keep_rows = kept != nullptr && done_ <= keep;
  for (std::size_t i = 0; i < offset_.size(); ++i) {
    if (offset_[i] == kNone) continue;
    Journal::Entry e = journal_.read(offset_[i]);
    out.add(e.row);
    digest.add(e.row);
    if (keep_rows) kept->push_back(std::move(e.row));
  }
  out.commit();
  return digest;
}

void SweepResults::write_ops(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  JsonArrayWriter out(path);
  for (std::size_t i = 0; i < offset_.size(); ++i) {
    if (offset_[i] == kNone) continue;
    const Journal::Entry e = journal_.read(offset_[i]);
    if (e.ops.is_array())
      for (const auto& o : e.ops) out.add(o);
  }
  out.commit();
}

std::vector<Json> SweepResults::ops_by_point() const {
  std::lock_guard lock(mutex_);
  std::vector<Json> ops;
  for (std::size_t i = 0; i < offset_.size(); ++i)
    if (offset_[i] != kNone) ops.push_back(journal_.read(offset_[i]).ops);
  return ops;
}

}  // namespace wafersim
