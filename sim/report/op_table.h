#pragma once
// The ops of one timed step as rows for people: summed over layers by default
// ("attn.q_proj" over every layer), or one row per op. Each row carries its time,
// FLOPs, bytes, arithmetic intensity, attained FLOP/s per device and the resource
// that bounded most of its time. Used by `explain` (table and --json) and by
// scenario roofline charts that plot ops as points (ops.json).

#include <string>
#include <vector>

#include "sim/report/result_json.h"

namespace wafersim {

struct OpRow {
  std::string name;   ///< op family ("attn.q_proj") or op name ("layers.3.attn.q_proj")
  std::string kind;   ///< op kind of its first op ("matmul")
  int count = 0;      ///< ops summed into the row
  double time_s = 0;  ///< seconds on the step's critical path
  double share = 0;   ///< time_s / step latency (0..1)
  double flops = 0, bytes = 0;
  Bound bound = Bound::Memory;  ///< the resource that bounded most of its time
  double energy_j = 0;          ///< dynamic energy (sim/energy), summed
  std::string note;             ///< where it ran, from engines that say (OpTiming::note of its first op)
  [[nodiscard]] double intensity() const { return bytes > 0 ? flops / bytes : 0; }
};

/// Rows sorted by time, longest first (ties keep execution order).
[[nodiscard]] std::vector<OpRow> op_rows(const RunResult& r, bool every_op);

/// One row as JSON: op, kind, count, time_s, share, flops, bytes,
/// arithmetic_intensity (FLOP/byte), achieved_flops, bound. achieved_flops is the
/// op's FLOPs / its time / all devices used: exact on one device or under tensor
/// parallelism; under a pipeline an op runs on one stage's devices only, so this
/// understates its per-device rate by the number of stages.
[[nodiscard]] Json op_row_json(const OpRow& row, const RunResult& r);

}  // namespace wafersim
