#include "sim/report/op_table.h"

#include <algorithm>
#include <map>

namespace wafersim {
namespace {

/// "layers.12.attn.q_proj" → "attn.q_proj": ops summed over layers.
std::string op_family(const std::string& name) {
  if (name.rfind("layers.", 0) == 0) {
    const auto dot = name.find('.', 7);
    if (dot != std::string::npos) return name.substr(dot + 1);
  }
  return name;
}

}  // namespace

std::vector<OpRow> op_rows(const RunResult& r, bool every_op) {
  std::vector<OpRow> rows;
  std::vector<std::map<Bound, double>> by_bound;
  std::map<std::string, std::size_t> index;
  for (const auto& op : r.ops) {
    const std::string key = every_op ? op.name : op_family(op.name);
    auto [it, added] = index.emplace(key, rows.size());
    if (added) {
      OpRow row;
      row.name = key;
      row.kind = std::string(op_kind_name(op.kind));
      row.note = op.note;
      rows.push_back(std::move(row));
      by_bound.emplace_back();
    }
    OpRow& row = rows[it->second];
    row.count++;
    row.time_s += op.time_s;
    row.flops += op.flops;
    row.bytes += op.bytes;
    row.energy_j += op.energy_j;
    by_bound[it->second][op.bound] += op.time_s;
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    double most = -1;
    for (const auto& [bound, time] : by_bound[i])
      if (time > most) {
        most = time;
        rows[i].bound = bound;
      }
    rows[i].share = r.step_latency_s > 0 ? rows[i].time_s / r.step_latency_s : 0;
  }
  std::stable_sort(rows.begin(), rows.end(), [](const OpRow& a, const OpRow& b) { return a.time_s > b.time_s; });
  return rows;
}

Json op_row_json(const OpRow& row, const RunResult& r) {
  const double devices = std::max(1, r.devices);
  return Json{
      {"op", row.name},
      {"kind", row.kind},
      {"count", row.count},
      {"time_s", row.time_s},
      {"share", row.share},
      {"flops", row.flops},
      {"bytes", row.bytes},
      {"arithmetic_intensity", row.bytes > 0 ? Json(row.intensity()) : Json(nullptr)},
      {"achieved_flops", row.time_s > 0 && row.flops > 0 ? Json(row.flops / row.time_s / devices) : Json(nullptr)},
      {"bound", std::string(bound_name(row.bound))},
      {"energy_j", r.energy ? Json(row.energy_j) : Json(nullptr)},
      {"where", row.note.empty() ? Json(nullptr) : Json(row.note)}};
}

}  // namespace wafersim
