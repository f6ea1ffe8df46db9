#pragma once
// Step times of the serving simulation, taken from the timing layer through a
// callback and cached on a grid of (step kind, batch, tokens): batches and
// token counts 1..16 exactly, then 4 points per doubling (8 for prefill tokens); a step between grid points
// is interpolated bilinearly from the four corners. The grid is filled lazily, so a
// run evaluates only the corners it touches. Knows no hardware kind: what a step
// costs is whatever the callback returns. Units: seconds and joules.

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

namespace wafersim::serving {

/// SpeculativeDecode: one speculative step (k draft passes and the target's (k + 1)-token
/// verification) of `batch` sequences; its own table, so it never mixes with plain Decode.
enum class ServeStep { Prefill, Decode, KvTransfer, SpeculativeDecode };

/// What a step costs: time and dynamic energy (static power is charged over the run).
struct StepCost {
  double time_s = 0;
  double energy_j = 0;
};

/// Evaluates one step directly: prefill of `batch` prompts of `tokens` each; decode of
/// `batch` sequences at `tokens` of context; KV transfer of `batch` x `tokens` tokens.
using StepEvaluator = std::function<StepCost(ServeStep kind, std::int64_t batch, std::int64_t tokens)>;

class StepTimeCache {
 public:
  /// `interpolate` false: every distinct (kind, batch, tokens) is evaluated directly
  /// (the reference the interpolation error is measured against; slow).
  explicit StepTimeCache(StepEvaluator evaluate, bool interpolate = true)
      : evaluate_(std::move(evaluate)), interpolate_(interpolate) {}

  /// The interpolated cost of a step (batch >= 1, tokens >= 1).
  [[nodiscard]] StepCost cost(ServeStep kind, std::int64_t batch, std::int64_t tokens);
  /// Grid points evaluated so far (each one call of the evaluator).
  [[nodiscard]] std::size_t evaluations() const { return evaluations_; }

  /// The grid value at index i: 1..16, then 16 x 2^((i - 15) / per_octave), rounded.
  [[nodiscard]] static std::int64_t grid_value(int i, int per_octave = 4);
  /// The largest grid index whose value is <= x.
  [[nodiscard]] static int grid_index(std::int64_t x, int per_octave = 4);
  /// Grid points per doubling of the token count: 8 for prefill, whose time steps with
  /// the GEMM waves of its many tokens; 4 for decode and transfers.
  [[nodiscard]] static int token_points_per_octave(ServeStep kind) { return kind == ServeStep::Prefill ? 8 : 4; }

 private:
  struct Table {
    int rows = 0, cols = 0;
    std::vector<StepCost> values;
    std::vector<char> known;
  };
  const StepCost& corner(ServeStep kind, int bi, int ti);

  StepEvaluator evaluate_;
  bool interpolate_ = true;
  std::map<std::tuple<int, std::int64_t, std::int64_t>, StepCost> exact_;
  Table tables_[4];
  std::size_t evaluations_ = 0;
};

}  // namespace wafersim::serving
