#include "sim/report/trace_writer.h"

namespace wafersim {

Json trace_json(const RunResult& r) {
  Json events = Json::array();
  const std::string process = r.system + " · " + r.model;
  events.push_back(Json{{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", Json{{"name", process}}}});
  int max_stage = 0;
  for (const auto& op : r.ops) max_stage = std::max(max_stage, op.stage);
  for (int s = 0; s <= max_stage; ++s)
    events.push_back(Json{{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", s},
                          {"args", Json{{"name", "stage " + std::to_string(s)}}}});
  double t_us = 0;
  for (const auto& op : r.ops) {
    const double dur = op.time_s * 1e6;
    events.push_back(Json{{"name", op.name},
                          {"cat", std::string(op_kind_name(op.kind))},
                          {"ph", "X"},
                          {"pid", 1},
                          {"tid", op.stage},
                          {"ts", t_us},
                          {"dur", dur},
                          {"args", Json{{"bound", std::string(bound_name(op.bound))},
                                        {"layer", op.layer},
                                        {"flops", op.flops},
                                        {"bytes", op.bytes}}}});
    t_us += dur;
  }
  return Json{{"traceEvents", events}, {"displayTimeUnit", "ns"}, {"metadata", result_to_json(r)}};
}

}  // namespace wafersim
