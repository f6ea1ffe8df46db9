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

/// Energy, power, cost and cooling (sim/energy, A-110..A-119); null when a device lacks energy figures.
void add_energy_json(Json& j, const RunResult& r) {
  const EnergyReport* e = r.energy ? &*r.energy : nullptr;
  auto num = [&](double v) { return e ? Json(v) : Json(nullptr); };
  j["energy_j_per_token"] = num(e ? e->energy_j_per_token : 0);
  j["power_w"] = num(e ? e->power_w : 0);
  // Objects keep their keys (null values) without figures, so CSV columns stay the same.
  j["energy_j"] = Json{{"compute", num(e ? e->energy_j.compute : 0)},
                       {"sram", num(e ? e->energy_j.sram : 0)},
                       {"hbm", num(e ? e->energy_j.hbm : 0)},
                       {"fabric", num(e ? e->energy_j.fabric : 0)},
                       {"interconnect", num(e ? e->energy_j.interconnect : 0)},
                       {"static", num(e ? e->energy_j.static_j : 0)},
                       {"cooling", num(e ? e->energy_j.cooling : 0)}};
  j["tokens_per_joule"] = num(e ? e->tokens_per_joule : 0);
  j["device_power_w"] = num(e ? e->device_power_w : 0);
  j["rack_power_w"] = num(e ? e->rack_power_w : 0);
  j["power_capped"] = e ? Json(e->power_capped) : Json(nullptr);
  j["power_cap_stretch"] = num(e ? e->cap_stretch : 0);
  j["cost_per_million_tokens"] = num(e ? e->cost.per_million_tokens : 0);
  j["cost_basis"] = e ? Json(e->cost.basis()) : Json(nullptr);  // which costs the figure adds up
  j["cost"] = Json{{"capex_per_million_tokens", num(e ? e->cost.capex_per_million : 0)},
                   {"energy_per_million_tokens", num(e ? e->cost.energy_per_million : 0)},
                   {"capex_usd", num(e ? e->cost.capex_usd : 0)},
                   {"capex_estimated", e ? Json(e->cost.capex_estimated) : Json(nullptr)},
                   {"lifetime_years", num(e ? e->cost.lifetime_years : 0)},
                   {"utilization", num(e ? e->cost.utilization : 0)},
                   {"usd_per_kwh", num(e ? e->cost.usd_per_kwh : 0)},
                   {"pue", num(e ? e->cost.pue : 0)}};
  j["cooling"] = e ? Json(e->cooling.type) : Json(nullptr);
  j["cooling_reason"] = e ? Json(e->cooling.reason) : Json(nullptr);
  j["racks"] = num(e ? e->cooling.racks : 0);
  j["exhaust_temp_c"] = num(e ? e->cooling.exhaust_c : 0);
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
  j["parameters"] = r.parameters;
  j["active_parameters"] = r.active_parameters;
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
  j["devices_policy"] = r.devices_policy;
  j["placement"] = r.placement;
  j["flops"] = r.flops;
  j["bytes"] = r.bytes;
  j["arithmetic_intensity"] = r.bytes > 0 ? Json(r.flops / r.bytes) : Json(nullptr);
  // Per device, so points sit under their own device's roof on a roofline chart.
  j["achieved_flops"] = (r.fits && r.step_latency_s > 0 && r.devices > 0)
                            ? Json(r.flops / r.step_latency_s / r.devices)
                            : Json(nullptr);
  j["kv_transfer_s"] = r.kv_transfer_s;
  j["max_batch"] = r.max_batch ? Json(*r.max_batch) : Json(nullptr);
  j["kv_transfer_bytes"] = r.kv_transfer_bytes;
  if (r.speculative) {
    const SpeculativeResult& s = *r.speculative;
    j["speculative"] = Json{{"method", s.method},           {"draft_model", s.draft_model},
                            {"k", s.k},                     {"acceptance", s.acceptance},
                            {"tokens_per_step", s.tokens_per_step}, {"draft_s", s.draft_s},
                            {"verify_s", s.verify_s},       {"link_s", s.link_s},
                            {"step_s", s.step_s},           {"draft_devices", s.draft_devices},
                            {"plain_tokens_per_s_per_user", s.plain_tokens_per_s_per_user},
                            {"speedup", s.speedup},
                            {"draft_group", s.draft_group}};
  }
  add_energy_json(j, r);
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
