#pragma once
// The results of one scenario run while it runs: which grid points are finished and
// where their rows are. Rows live in the journal on disk, not in memory:
// per point this keeps a journal offset and the id of its column list, so a
// million-point sweep needs about 12 bytes a point. results.csv/json (and ops.json)
// are streamed from the journal in grid order, the same bytes whatever the thread
// count and whether points were reused by `--resume`.

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/scenario/journal.h"

namespace wafersim {

/// A sweep in a few figures, for the summary printed after a big run: how many rows,
/// how many fit, and the rows with the highest and lowest headline figure
/// (tokens_per_s_per_user, or throughput_tokens_per_s for `phase: serve` points).
struct SweepDigest {
  std::size_t rows = 0, fits = 0;
  bool serve = false;  ///< decided by the first row
  Json best, worst;    ///< null when no fitting row has the figure
  void add(const Json& row);
  [[nodiscard]] const char* key() const { return serve ? "throughput_tokens_per_s" : "tokens_per_s_per_user"; }
};

class SweepResults {
 public:
  /// `points` grid points; the journal at dir/journal.jsonl (read back with `resume`).
  SweepResults(const std::filesystem::path& dir, std::size_t points, bool resume);

  /// What an earlier run journaled for the point with key `key`: its line offset and entry.
  [[nodiscard]] std::optional<std::pair<std::uint64_t, Journal::Entry>> earlier(const std::string& key) const;
  /// Counts point `i` as done with the journal line an earlier run left at `offset`.
  void reuse(std::size_t i, std::uint64_t offset, const Json& row);
  /// Journals a newly finished point and counts it as done (thread-safe).
  void record(std::size_t i, const std::string& key, const Json& row, const Json& ops);
  /// Points done so far (thread-safe).
  [[nodiscard]] std::size_t done() const;
  /// Whether point `i` is done (call when no record() runs).
  [[nodiscard]] bool is_done(std::size_t i) const { return offset_[i] != kNone; }

  /// Rewrites results.csv and results.json from the points done so far (record() waits
  /// meanwhile); returns the digest of the rows written and, when there are at most
  /// `keep` of them, puts the rows in `kept`, in grid order.
  SweepDigest write_results(const std::filesystem::path& dir, std::size_t keep = 0,
                            std::vector<Json>* kept = nullptr) const;
  /// Writes ops.json: the op rows of the points done, in grid order.
  void write_ops(const std::filesystem::path& path) const;
  /// The op rows of the points done, one array per point, in grid order (shards).
  [[nodiscard]] std::vector<Json> ops_by_point() const;

 private:
  static constexpr std::uint64_t kNone = ~std::uint64_t{0};
  void mark_done(std::size_t i, std::uint64_t offset, const Json& row);  // under mutex_
  [[nodiscard]] std::vector<std::string> columns() const;

  mutable Journal journal_;
  std::vector<std::uint64_t> offset_;  ///< journal line of each grid point; kNone until done
  std::vector<std::uint32_t> shape_;   ///< index into shapes_ of each done point's column list
  std::vector<std::vector<std::string>> shapes_;
  std::unordered_map<std::string, std::uint32_t> shape_ids_;
  std::size_t done_ = 0;
  mutable std::mutex mutex_;
};

}  // namespace wafersim
