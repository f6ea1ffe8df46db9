#include "sim/serving/serving_report.h"

#include <fmt/format.h>

namespace wafersim::serving {
namespace {

Json dist_json(const Distribution& d) {
  if (d.count == 0) return Json(nullptr);
  return Json{{"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}};
}

Json opt(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

Json metrics_json(const ServeMetrics& m) {
  return Json{{"requests", m.requests},
              {"completed", m.completed},
              {"duration_s", m.duration_s},
              {"request_rate", opt(m.request_rate)},
              {"throughput_requests_per_s", m.throughput_requests_per_s},
              {"throughput_tokens_per_s", m.throughput_tokens_per_s},
              {"ttft_s", dist_json(m.ttft)},
              {"tpot_s", dist_json(m.tpot)},
              {"e2e_s", dist_json(m.e2e)},
              {"mean_batch", m.mean_batch},
              {"max_batch_reached", m.max_batch_reached},
              {"preemptions", m.preemptions},
              {"kv_peak_bytes", m.kv_peak_bytes},
              {"slo_attainment", opt(m.slo_attainment)},
              {"goodput_requests_per_s", opt(m.goodput_requests_per_s)},
              {"mean_in_system", m.mean_in_system},
              {"energy_j_per_token", m.energy_j_per_token},
              {"energy_j", Json{{"prefill", m.energy.prefill},
                                {"decode", m.energy.decode},
                                {"mixed", m.energy.mixed},
                                {"transfer", m.energy.transfer},
                                {"resident", m.energy.resident},
                                {"cooling", m.energy.cooling},
                                {"total", m.energy_j}}},
              {"idle_s", m.idle_s},
              {"idle_energy_j", m.energy.idle},
              {"power_w", m.power_w},
              {"steps", m.steps}};
}

std::vector<std::string> serve_columns() {
  ServeMetrics m;
  m.ttft.count = m.tpot.count = m.e2e.count = 1;
  m.request_rate = m.slo_attainment = m.goodput_requests_per_s = 0.0;
  std::vector<std::string> cols;
  for (const auto& [k, v] : flatten(metrics_json(m))) cols.push_back(k);
  return cols;
}

std::string requests_csv(const ServeOutcome& o, const Slo& slo) {
  std::string out = "id,arrival_s,prompt,output,ttft_s,tpot_s,e2e_s,first_token_s,finish_s,preemptions";
  out += slo.any() ? ",slo_met\n" : "\n";
  for (const auto& r : o.records) {
    out += fmt::format("{},{:.9g},{},{},{:.9g},{},{:.9g},{:.9g},{:.9g},{}", r.request.id, r.request.arrival_s,
                       r.request.prompt, r.request.output, r.ttft_s(),
                       r.request.output > 1 ? fmt::format("{:.9g}", r.tpot_s()) : "", r.e2e_s(), r.first_token_s,
                       r.finish_s, r.preemptions);
    out += slo.any() ? (slo.met_by(r) ? ",1\n" : ",0\n") : "\n";
  }
  return out;
}

Json batches_trace(const ServeOutcome& o, const std::vector<std::string>& group_names) {
  Json events = Json::array();
  for (std::size_t g = 0; g < group_names.size(); ++g)
    events.push_back(
        Json{{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", g}, {"args", Json{{"name", group_names[g]}}}});
  auto name = [](const StepEvent& e) {
    switch (e.kind) {
      case 'p':
        return fmt::format("prefill {} × {} tok", e.sequences, e.tokens);
      case 'm':
        return fmt::format("mixed {} seq, {} tok", e.sequences, e.tokens);
      case 't':
        return fmt::format("KV {} tok", e.tokens);
      default:
        return fmt::format("decode {}", e.sequences);
    }
  };
  for (const auto& e : o.steps) {
    const double ts = e.start_s * 1e6, dur = e.duration_s * 1e6;
    events.push_back(Json{{"name", name(e)},
                          {"cat", std::string(1, e.kind)},
                          {"ph", "X"},
                          {"pid", 1},
                          {"tid", e.group},
                          {"ts", ts},
                          {"dur", dur},
                          {"args", Json{{"sequences", e.sequences}, {"tokens", e.tokens}}}});
    if (e.kind == 't') continue;
    events.push_back(Json{{"name", "batch"},
                          {"ph", "C"},
                          {"pid", 1},
                          {"tid", e.group},
                          {"ts", ts},
                          {"args", Json{{"sequences", e.sequences}}}});
    if (e.group == static_cast<int>(group_names.size()) - 1 || e.kind != 'p')
      events.push_back(Json{
          {"name", "KV blocks used"}, {"ph", "C"}, {"pid", 1}, {"ts", ts}, {"args", Json{{"blocks", e.kv_blocks}}}});
  }
  Json out{{"traceEvents", events}, {"displayTimeUnit", "ms"}};
  if (o.steps_truncated) out["otherData"] = Json{{"note", "only the first steps are shown (the run was longer)"}};
  return out;
}

}  // namespace wafersim::serving
