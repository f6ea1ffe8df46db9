#include "sim/serving/step_time_cache.h"

#include <cmath>

#include "sim/core/error.h"

namespace wafersim::serving {
namespace {
constexpr int kExact = 16;  ///< values 1..16 are grid points
}  // namespace

std::int64_t StepTimeCache::grid_value(int i, int per) {
  if (i < kExact) return i + 1;
  return std::llround(kExact * std::exp2(static_cast<double>(i - (kExact - 1)) / per));
}

int StepTimeCache::grid_index(std::int64_t x, int per) {
  if (x <= kExact) return static_cast<int>(std::max<std::int64_t>(x, 1) - 1);
  int i = (kExact - 1) + static_cast<int>(std::floor(per * std::log2(static_cast<double>(x) / kExact)));
  while (grid_value(i + 1, per) <= x) ++i;
  while (grid_value(i, per) > x) --i;
  return i;
}

const StepCost& StepTimeCache::corner(ServeStep kind, int bi, int ti) {
  Table& t = tables_[static_cast<int>(kind)];
  if (bi >= t.rows || ti >= t.cols) {
    // Grow to cover the corner, keeping what is known.
    const int rows = std::max(t.rows, bi + 8), cols = std::max(t.cols, ti + 8);
    std::vector<StepCost> values(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
    std::vector<char> known(values.size(), 0);
    for (int r = 0; r < t.rows; ++r)
      for (int c = 0; c < t.cols; ++c) {
        const std::size_t from =
            static_cast<std::size_t>(r) * static_cast<std::size_t>(t.cols) + static_cast<std::size_t>(c);
        const std::size_t to =
            static_cast<std::size_t>(r) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c);
        values[to] = t.values[from];
        known[to] = t.known[from];
      }
    t = Table{rows, cols, std::move(values), std::move(known)};
  }
  const std::size_t k = static_cast<std::size_t>(bi) * static_cast<std::size_t>(t.cols) + static_cast<std::size_t>(ti);
  if (!t.known[k]) {
    t.values[k] = evaluate_(kind, grid_value(bi), grid_value(ti, token_points_per_octave(kind)));
    t.known[k] = 1;
    ++evaluations_;
  }
  return t.values[k];
}

StepCost StepTimeCache::cost(ServeStep kind, std::int64_t batch, std::int64_t tokens) {
  if (batch < 1 || tokens < 1) throw InternalError("step with no batch or no tokens");
  if (!interpolate_) {
    const auto key = std::make_tuple(static_cast<int>(kind), batch, tokens);
    auto it = exact_.find(key);
    if (it == exact_.end()) {
      it = exact_.emplace(key, evaluate_(kind, batch, tokens)).first;
      ++evaluations_;
    }
    return it->second;
  }
  const int per = token_points_per_octave(kind);
  const int b0 = grid_index(batch), t0 = grid_index(tokens, per);
  const std::int64_t bv0 = grid_value(b0), tv0 = grid_value(t0, per);
  const bool b_exact = bv0 == batch, t_exact = tv0 == tokens;
  const double fb = b_exact ? 0 : static_cast<double>(batch - bv0) / static_cast<double>(grid_value(b0 + 1) - bv0);
  const double ft =
      t_exact ? 0 : static_cast<double>(tokens - tv0) / static_cast<double>(grid_value(t0 + 1, per) - tv0);
  StepCost out;
  auto add = [&](int bi, int ti, double w) {
    if (w == 0) return;
    const StepCost& c = corner(kind, bi, ti);
    out.time_s += w * c.time_s;
    out.energy_j += w * c.energy_j;
  };
  add(b0, t0, (1 - fb) * (1 - ft));
  if (!b_exact) add(b0 + 1, t0, fb * (1 - ft));
  if (!t_exact) add(b0, t0 + 1, (1 - fb) * ft);
  if (!b_exact && !t_exact) add(b0 + 1, t0 + 1, fb * ft);
  return out;
}

}  // namespace wafersim::serving
