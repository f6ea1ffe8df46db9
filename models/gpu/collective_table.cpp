#include "models/gpu/collective_table.h"

#include <algorithm>
#include <cmath>

namespace wafersim::gpu {
namespace {

constexpr std::pair<std::string_view, CollectiveOp> kOps[] = {{"all_reduce", CollectiveOp::AllReduce},
                                                              {"all_gather", CollectiveOp::AllGather},
                                                              {"reduce_scatter", CollectiveOp::ReduceScatter},
                                                              {"all_to_all", CollectiveOp::AllToAll}};

std::optional<std::vector<double>> parse_list(const ConfigNode* n, UnitKind unit, Diagnostics& d) {
  if (n == nullptr || !n->is_sequence() || n->size() < 1) {
    if (n != nullptr) d.add(n->error("expected a list of at least one value"));
    return std::nullopt;
  }
  std::vector<double> out;
  const std::size_t before = d.size();
  for (std::size_t i = 0; i < n->size(); ++i) {
    if (auto v = schema_detail::parse_unit_value(n->at(i), unit, Range::Positive, d)) out.push_back(*v);
  }
  if (d.size() != before) return std::nullopt;
  return out;
}

std::optional<CollectiveCurve> parse_curve(const ConfigNode& node, Diagnostics& d) {
  if (!node.is_map()) {
    d.add(node.error("expected a section with 'bytes' and 'time'"));
    return std::nullopt;
  }
  const ConfigNode* bytes_node = node.find("bytes");
  const ConfigNode* time_node = node.find("time");
  schema_detail::report_unknown_keys(node, {"bytes", "time"}, d);
  if (bytes_node == nullptr) d.add(node.error_at_key("bytes", "missing required key (expected a list of sizes)"));
  if (time_node == nullptr || !time_node->is_map()) {
    d.add(time_node ? time_node->error("expected a map of GPU count to a list of times")
                    : node.error_at_key("time", "missing required key (expected a map of GPU count to times)"));
    return std::nullopt;
  }
  auto sizes = parse_list(bytes_node, UnitKind::Bytes, d);
  if (!sizes) return std::nullopt;
  for (std::size_t i = 1; i < sizes->size(); ++i)
    if ((*sizes)[i] <= (*sizes)[i - 1]) {
      d.add(bytes_node->at(i).error("sizes must grow from one entry to the next"));
      return std::nullopt;
    }
  std::map<int, std::vector<double>> rows;
  bool ok = true;
  for (std::size_t k = 0; k < time_node->size(); ++k) {
    const std::string& key = time_node->keys()[k];
    const ConfigNode& row_node = time_node->at(k);
    (void)time_node->find(key);  // mark consumed
    int n = 0;
    if (key.empty() || key.size() > 6 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }) || (n = std::stoi(key)) < 2) {
      d.add(time_node->error_at_key_name(key, "'" + key + "' is not a GPU count (an integer of at least 2)"));
      ok = false;
      continue;
    }
    auto row = parse_list(&row_node, UnitKind::Seconds, d);
    if (!row) {
      ok = false;
      continue;
    }
    if (row->size() != sizes->size()) {
      d.add(row_node.error(std::to_string(row->size()) + " times for " + std::to_string(sizes->size()) +
                           " sizes: give one time per size"));
      ok = false;
      continue;
    }
    for (std::size_t i = 1; i < row->size(); ++i)
      if ((*row)[i] < (*row)[i - 1]) {
        d.add(
            row_node.at(i).error("times must not fall as the size grows (A-200: flatten measurement noise to the "
                                 "smaller neighbour and say so in a comment)"));
        ok = false;
        break;
      }
    rows[n] = std::move(*row);
  }
  if (!ok) return std::nullopt;
  if (rows.empty()) {
    d.add(time_node->error("expected at least one GPU count"));
    return std::nullopt;
  }
  return CollectiveCurve(std::move(*sizes), std::move(rows));
}

}  // namespace

std::string_view collective_op_name(CollectiveOp op) {
  for (const auto& [name, o] : kOps)
    if (o == op) return name;
  return "all_reduce";
}

CollectiveCurve::CollectiveCurve(std::vector<double> sizes, std::map<int, std::vector<double>> rows)
    : sizes_(std::move(sizes)), rows_(std::move(rows)) {}

double CollectiveCurve::row_time(const std::vector<double>& row, double bytes) const {
  const std::size_t last = sizes_.size() - 1;
  if (bytes <= sizes_.front()) return row.front();
  if (bytes >= sizes_[last]) {
    // past the table, the time grows at the last segment's bandwidth.
    if (last == 0) return row[0];
    const double slope = (row[last] - row[last - 1]) / (sizes_[last] - sizes_[last - 1]);
    return row[last] + slope * (bytes - sizes_[last]);
  }
  const auto hi = static_cast<std::size_t>(std::upper_bound(sizes_.begin(), sizes_.end(), bytes) - sizes_.begin());
  const std::size_t lo = hi - 1;
  const double t = (std::log(bytes) - std::log(sizes_[lo])) / (std::log(sizes_[hi]) - std::log(sizes_[lo]));
  return row[lo] + t * (row[hi] - row[lo]);
}

double CollectiveCurve::time(double bytes, int n) const {
  if (n <= 1 || bytes <= 0 || rows_.empty()) return 0;
  const auto exact = rows_.find(n);
  if (exact != rows_.end()) return row_time(exact->second, bytes);
  const auto above = rows_.upper_bound(n);
  if (above == rows_.end()) {
    // more GPUs than any row: the largest row scaled up in n−1 (more steps).
    const auto& [count, row] = *rows_.rbegin();
    return row_time(row, bytes) * static_cast<double>(n - 1) / static_cast<double>(count - 1);
  }
  const double upper =
      row_time(above->second, bytes) * static_cast<double>(n - 1) / static_cast<double>(above->first - 1);
  if (above == rows_.begin()) return row_time(above->second, bytes);  // fewer GPUs than any row: the smallest row
  const double lower = row_time(std::prev(above)->second, bytes);
  return std::max(lower, upper);
}

std::optional<CollectiveTable> parse_collective_table(const ConfigNode& node, Diagnostics& d) {
  if (!node.is_map()) {
    d.add(node.error("expected a section of measured collectives (source, all_reduce, all_to_all, ...)"));
    return std::nullopt;
  }
  std::vector<std::string> known{"source"};
  for (const auto& [name, op] : kOps) known.emplace_back(name);
  CollectiveTable t;
  if (const ConfigNode* s = node.find("source"); s != nullptr && s->is_scalar()) t.source = s->scalar();
  const std::size_t before = d.size();
  for (const auto& [name, op] : kOps)
    if (const ConfigNode* c = node.find(name))
      if (auto curve = parse_curve(*c, d)) t.curves[op] = std::move(*curve);
  schema_detail::report_unknown_keys(node, known, d);
  if (d.size() != before) return std::nullopt;
  return t;
}

}  // namespace wafersim::gpu
