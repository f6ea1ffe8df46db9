#include "sim/report/result_json.h"

#include <fmt/format.h>

namespace wafersim {
namespace {

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

void flatten_into(const std::string& prefix, const Json& v, std::vector<std::pair<std::string, Json>>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      flatten_into(prefix.empty() ? it.key() : prefix + "." + it.key(), it.value(), out);
  } else {
    out.emplace_back(prefix, v);
  }
}

}  // namespace

Json result_to_json(const RunResult& r) {
  const Workload& w = r.workload;
  Json j;
  j["system"] = r.system;
  j["model"] = r.model;
  j["phase"] = std::string(phase_name(w.phase));
  j["dtype"] = std::string(dtype_name(w.dtype));
  j["fidelity"] = std::string(fidelity_name(r.fidelity));
  j["devices"] = r.devices;
  j["batch"] = w.batch;
  j["prompt_tokens"] = (w.phase == Phase::Decode) ? 0 : w.prompt;
  j["context_tokens"] = (w.phase == Phase::Decode) ? w.context
                        : (w.phase == Phase::Generate) ? w.prompt + w.output
                                                        : w.prompt;
  j["output_tokens"] = (w.phase == Phase::Decode) ? 1 : (w.phase == Phase::Generate) ? w.output : 0;
  j["fits"] = r.fits;
  j["fit_error"] = r.fits ? Json(nullptr) : Json(r.fit_error);
  j["latency_s"] = optional_number(r.latency_s);
  j["ttft_s"] = optional_number(r.ttft_s);
  j["tpot_s"] = optional_number(r.tpot_s);
  j["tokens_per_s"] = optional_number(r.tokens_per_s);
  j["tokens_per_s_per_user"] = optional_number(r.tokens_per_s_per_user);
  j["bound"] = r.fits ? Json(std::string(bound_name(r.bound))) : Json(nullptr);
  j["time_s"] = Json{{"compute", r.time.compute},
                     {"memory", r.time.memory},
                     {"fabric", r.time.fabric},
                     {"interconnect", r.time.interconnect},
                     {"overhead", r.time.overhead}};
  j["memory_bytes"] = Json{{"weights", r.weights},
                           {"kv_cache", r.kv_cache},
                           {"activations", r.activations},
                           {"capacity", r.capacity}};
  j["device_kind"] = r.device_kind;
  j["layout"] = r.layout;
  j["placement"] = r.placement;
  j["flops"] = r.flops;
  j["bytes"] = r.bytes;
  j["arithmetic_intensity"] = r.bytes > 0 ? Json(r.flops / r.bytes) : Json(nullptr);
  // Per device, so points sit under their own device's roof on a roofline chart.
  j["achieved_flops"] = (r.fits && r.step_latency_s > 0 && r.devices > 0)
                            ? Json(r.flops / r.step_latency_s / r.devices)
                            : Json(nullptr);
  j["kv_transfer_s"] = r.kv_transfer_s;
  j["kv_transfer_bytes"] = r.kv_transfer_bytes;
  return j;
}

std::vector<std::pair<std::string, Json>> flatten(const Json& object) {
  std::vector<std::pair<std::string, Json>> out;
  flatten_into("", object, out);
  return out;
}

std::string csv_cell(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) return fmt::format("{:.10g}", v.get<double>());
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace wafersim
