#pragma once
// Measured collective times of one implementation (NCCL ring/tree, NCCL NVLS, a
// custom one-/two-shot kernel) on one kind of GPU box: for each GPU count, the time
// of the operation at a few message sizes. Between sizes the time is interpolated
// linearly in log(size), so it is exact at every table point and monotone between
// them; past the largest size it grows at the bandwidth of the last segment;
// below the smallest it is the smallest's time. GPU counts between table rows take
// the larger row's time scaled down linearly in n−1, never less than the smaller row;
// counts past the largest row scale up in n−1. Leaves out contention with
// other traffic and run-to-run variance. Units: bytes per GPU, seconds.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/schema.h"
#include "sim/core/units.h"

namespace wafersim::gpu {

/// The collective operations a table may list.
enum class CollectiveOp { AllReduce, AllGather, ReduceScatter, AllToAll };
[[nodiscard]] std::string_view collective_op_name(CollectiveOp op);

/// One operation's measured times: sizes (ascending) × GPU counts.
class CollectiveCurve {
 public:
  CollectiveCurve() = default;
  /// `sizes` ascending, each row as long as `sizes` and non-decreasing.
  CollectiveCurve(std::vector<double> sizes, std::map<int, std::vector<double>> rows);

  [[nodiscard]] bool empty() const { return rows_.empty(); }
  /// Seconds for `bytes` per GPU over `n` GPUs (n ≥ 2).
  [[nodiscard]] double time(double bytes, int n) const;
  [[nodiscard]] const std::vector<double>& sizes() const { return sizes_; }
  [[nodiscard]] const std::map<int, std::vector<double>>& rows() const { return rows_; }

 private:
  [[nodiscard]] double row_time(const std::vector<double>& row, double bytes) const;

  std::vector<double> sizes_;
  std::map<int, std::vector<double>> rows_;
};

/// The tables of one implementation, one curve per operation it was measured for.
struct CollectiveTable {
  std::string source;  ///< where the figures come from
  std::map<CollectiveOp, CollectiveCurve> curves;
  [[nodiscard]] const CollectiveCurve* find(CollectiveOp op) const {
    auto it = curves.find(op);
    return it == curves.end() ? nullptr : &it->second;
  }
};

/// Parses one implementation's section: `source:` and, per operation (all_reduce,
/// all_gather, reduce_scatter, all_to_all), `{bytes: [sizes], time: {N: [times]}}`.
[[nodiscard]] std::optional<CollectiveTable> parse_collective_table(const ConfigNode& node, Diagnostics& d);

}  // namespace wafersim::gpu
