#pragma once
// The `eval --json` object (CONTRACTS.md) and its flattening into CSV columns.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/timing/run_result.h"

namespace wafersim {

using Json = nlohmann::ordered_json;

/// Every stable field of CONTRACTS.md, in its order, plus `layout`, `device_kind`,
/// `flops`, `bytes`, `kv_transfer_s`, `arithmetic_intensity` (FLOP per byte moved) and
/// `achieved_flops` (FLOP/s per device of the main step, for roofline charts).
[[nodiscard]] Json result_to_json(const RunResult& r);

/// Nested objects flattened with dots ("time_s.compute"), in order.
[[nodiscard]] std::vector<std::pair<std::string, Json>> flatten(const Json& object);

/// A scalar as CSV text: numbers with full precision, null as empty, strings quoted when needed.
[[nodiscard]] std::string csv_cell(const Json& value);

}  // namespace wafersim
