#include "sim/report/trace_writer.h"

#include <algorithm>

namespace wafersim {

Json trace_json(const RunResult& r) {
  Json events = Json::array();
  const std::string process = r.system + " · " + r.model;
  events.push_back(Json{{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", Json{{"name", process}}}});
  // One track per distinct name, in order of first appearance.
  std::vector<std::string> tracks;
  auto track_of = [&](const OpTiming& op) {
    const std::string name = op.track.empty() ? "stage " + std::to_string(op.stage) : op.track;
    auto it = std::find(tracks.begin(), tracks.end(), name);
    if (it != tracks.end()) return static_cast<int>(it - tracks.begin());
    tracks.push_back(name);
    return static_cast<int>(tracks.size() - 1);
  };
  for (const auto& op : r.ops) (void)track_of(op);
  for (std::size_t t = 0; t < tracks.size(); ++t)
    events.push_back(
        Json{{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", t}, {"args", Json{{"name", tracks[t]}}}});
  double t_us = 0;
  for (const auto& op : r.ops) {
    const double dur = op.time_s * 1e6;
    if (op.start_s >= 0) t_us = op.start_s * 1e6;
    events.push_back(Json{{"name", op.name},
                          {"cat", std::string(op_kind_name(op.kind))},
                          {"ph", "X"},
                          {"pid", 1},
                          {"tid", track_of(op)},
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
