#include "sim/report/result_fields.h"

#include "sim/timing/time_parts.h"

namespace wafersim {
namespace {

using Read = std::function<Json(const RunResult&)>;

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

/// An energy figure (sim/energy, A-110..A-119); null when the device lacks energy figures,
/// the key kept so CSV columns stay the same.
Read energy(std::function<Json(const EnergyReport&)> f) {
  return [f = std::move(f)](const RunResult& r) { return r.energy ? f(*r.energy) : Json(nullptr); };
}

Read speculative(std::function<Json(const SpeculativeResult&)> f) {
  return [f = std::move(f)](const RunResult& r) { return r.speculative ? f(*r.speculative) : Json(nullptr); };
}

std::vector<ResultField> make_fields() {
  std::vector<ResultField> v;
  auto add = [&](std::string name, std::string unit, std::string meaning, std::string label, Read read) {
    v.push_back(
        ResultField{std::move(name), std::move(unit), std::move(meaning), std::move(label), false, std::move(read)});
  };
  auto add_spec = [&](std::string name, std::string unit, std::string meaning,
                      std::function<Json(const SpeculativeResult&)> f) {
    v.push_back(
        ResultField{"speculative." + name, std::move(unit), std::move(meaning), "", true, speculative(std::move(f))});
  };
  add("system", "", "system or device preset evaluated", "", [](auto& r) { return Json(r.system); });
  add("model", "", "model evaluated", "", [](auto& r) { return Json(r.model); });
  add("phase", "", "prefill | decode | encode | generate", "",
      [](auto& r) { return Json(std::string(phase_name(r.workload.phase))); });
  add("dtype", "", "weight and activation format", "data type",
      [](auto& r) { return Json(std::string(dtype_name(r.workload.dtype))); });
  add("fidelity", "", "roofline | approx | cycle, the level that ran", "fidelity",
      [](auto& r) { return Json(std::string(fidelity_name(r.fidelity))); });
  add("devices", "", "devices used in the main group", "devices", [](auto& r) { return Json(r.devices); });
  add("batch", "", "sequences per step", "batch size", [](auto& r) { return Json(r.workload.batch); });
  add("prompt_tokens", "tokens", "prompt tokens (0 for decode)", "",
      [](auto& r) { return Json(r.workload.phase == Phase::Decode ? 0 : r.workload.prompt); });
  add("context_tokens", "tokens", "tokens in the KV cache at the end of the step", "", [](auto& r) {
    const Workload& w = r.workload;
    return Json(w.phase == Phase::Decode ? w.context : w.phase == Phase::Generate ? w.prompt + w.output : w.prompt);
  });
  add("output_tokens", "tokens", "tokens generated per sequence", "", [](auto& r) {
    const Workload& w = r.workload;
    return Json(w.phase == Phase::Decode ? 1 : w.phase == Phase::Generate ? w.output : 0);
  });
  add("parameters", "", "the model's parameters (weights, in elements)", "",
      [](auto& r) { return Json(r.parameters); });
  add("active_parameters", "", "parameters one token uses (MoE: shared + routed experts taken)", "",
      [](auto& r) { return Json(r.active_parameters); });
  add("fits", "", "whether weights, KV cache and activations fit the devices", "",
      [](auto& r) { return Json(r.fits); });
  add("fit_error", "", "why it does not fit, in words and numbers (null when it fits)", "",
      [](auto& r) { return r.fits ? Json(nullptr) : Json(r.fit_error); });
  add("latency_s", "s", "one step: prefill/encode the whole pass, decode one token step, generate end to end",
      "end-to-end latency", [](auto& r) { return optional_number(r.latency_s); });
  add("ttft_s", "s", "time to first token (prefill + first decode step)", "time to first token",
      [](auto& r) { return optional_number(r.ttft_s); });
  add("tpot_s", "s", "time per output token (mean over decode steps)", "time per output token",
      [](auto& r) { return optional_number(r.tpot_s); });
  add("tokens_per_s", "tokens/s", "output tokens/s of all users (prefill/encode: processed tokens/s)",
      "throughput (tokens/s)", [](auto& r) { return optional_number(r.tokens_per_s); });
  add("tokens_per_s_per_user", "tokens/s", "decode/generate: 1 / tpot_s", "tokens/s per user",
      [](auto& r) { return optional_number(r.tokens_per_s_per_user); });
  add("bound", "", "the resource that bounds the step: compute | memory | fabric | interconnect | latency", "",
      [](auto& r) { return r.fits ? Json(std::string(bound_name(r.bound))) : Json(nullptr); });
  for (const TimePart& p : time_parts())
    add("time_s." + std::string(p.key), "s", "time attributed to " + std::string(p.meaning), "",
        [m = p.seconds](auto& r) { return Json(r.time.*m); });
  add("memory_bytes.weights", "B", "weights held on the devices used", "", [](auto& r) { return Json(r.weights); });
  add("memory_bytes.kv_cache", "B", "KV cache of the batch", "", [](auto& r) { return Json(r.kv_cache); });
  add("memory_bytes.activations", "B", "activations live at once", "", [](auto& r) { return Json(r.activations); });
  add("memory_bytes.capacity", "B", "memory of the devices used", "", [](auto& r) { return Json(r.capacity); });
  add("device_kind", "", "kind of the device that ran the main step (wafer, gpu, lpu, ...)", "",
      [](auto& r) { return Json(r.device_kind); });
  add("layout", "", "the mapping, in words", "", [](auto& r) { return Json(r.layout); });
  add("devices_policy", "", "how the device count was chosen, in words (A-275)", "",
      [](auto& r) { return Json(r.devices_policy); });
  add("placement", "", "mixed systems: which group ran each step kind", "", [](auto& r) { return Json(r.placement); });
  add("flops", "FLOP", "floating-point operations of the main step", "", [](auto& r) { return Json(r.flops); });
  add("bytes", "B", "bytes the main step moved (all memory levels)", "", [](auto& r) { return Json(r.bytes); });
  add("arithmetic_intensity", "FLOP/B", "flops / bytes of the main step", "arithmetic intensity (FLOP/byte)",
      [](auto& r) { return r.bytes > 0 ? Json(r.flops / r.bytes) : Json(nullptr); });
  // Per device, so points sit under their own device's roof on a roofline chart.
  add("achieved_flops", "FLOP/s", "FLOP/s per device over the main step", "attained FLOP/s per device", [](auto& r) {
    return (r.fits && r.step_latency_s > 0 && r.devices > 0) ? Json(r.flops / r.step_latency_s / r.devices)
                                                             : Json(nullptr);
  });
  add("kv_transfer_s", "s", "KV cache transfer from the prefill group to the decode group", "",
      [](auto& r) { return Json(r.kv_transfer_s); });
  add("max_batch", "", "largest batch whose KV cache fits beside the weights at this context", "",
      [](auto& r) { return r.max_batch ? Json(*r.max_batch) : Json(nullptr); });
  add("kv_transfer_bytes", "B", "KV cache bytes that crossed between groups", "",
      [](auto& r) { return Json(r.kv_transfer_bytes); });
  add_spec("method", "", "draft (a separate model) or mtp (prediction modules of the target)",
           [](auto& s) { return Json(s.method); });
  add_spec("draft_model", "", "the draft model (mtp: the target's MTP module)",
           [](auto& s) { return Json(s.draft_model); });
  add_spec("k", "tokens", "draft tokens proposed per step", [](auto& s) { return Json(s.k); });
  add_spec("acceptance", "", "per-token acceptance probability", [](auto& s) { return Json(s.acceptance); });
  add_spec("tokens_per_step", "tokens", "mean tokens one step yields per sequence",
           [](auto& s) { return Json(s.tokens_per_step); });
  add_spec("draft_s", "s", "k draft passes per step", [](auto& s) { return Json(s.draft_s); });
  add_spec("verify_s", "s", "one (k + 1)-token verification step of the target",
           [](auto& s) { return Json(s.verify_s); });
  add_spec("link_s", "s", "token ids between a separate draft group and the target",
           [](auto& s) { return Json(s.link_s); });
  add_spec("step_s", "s", "draft_s + verify_s + link_s", [](auto& s) { return Json(s.step_s); });
  add_spec("draft_devices", "", "devices the draft ran on", [](auto& s) { return Json(s.draft_devices); });
  add_spec("plain_tokens_per_s_per_user", "tokens/s", "the same request without speculation",
           [](auto& s) { return Json(s.plain_tokens_per_s_per_user); });
  add_spec("speedup", "", "tokens_per_s_per_user over the plain figure", [](auto& s) { return Json(s.speedup); });
  add_spec("draft_group", "", "the group the draft ran on", [](auto& s) { return Json(s.draft_group); });
  add("energy_j_per_token", "J", "energy per output token (prefill/encode: per processed token)",
      "energy per token (J)", energy([](auto& e) { return Json(e.energy_j_per_token); }));
  add("power_w", "W", "mean wall power of the system over the evaluation", "system power (W)",
      energy([](auto& e) { return Json(e.power_w); }));
  for (auto [key, meaning, member] :
       {std::tuple{"compute", "dynamic energy of the arithmetic, whole evaluation", &EnergyBreakdown::compute},
        std::tuple{"sram", "dynamic energy of SRAM reads and writes", &EnergyBreakdown::sram},
        std::tuple{"hbm", "dynamic energy of HBM reads and writes", &EnergyBreakdown::hbm},
        std::tuple{"fabric", "dynamic energy of the on-chip network", &EnergyBreakdown::fabric},
        std::tuple{"interconnect", "dynamic energy of links between devices", &EnergyBreakdown::interconnect},
        std::tuple{"static", "resident (or idle) power x time: devices, host, network", &EnergyBreakdown::static_j},
        std::tuple{"cooling", "fans and pumps inside devices that carry their own (A-297)", &EnergyBreakdown::cooling}})
    add(std::string("energy_j.") + key, "J", meaning, "",
        energy([m = member](auto& e) { return Json(e.energy_j.*m); }));
  add("tokens_per_joule", "tokens/J", "output tokens per joule", "tokens per joule",
      energy([](auto& e) { return Json(e.tokens_per_joule); }));
  add("device_power_w", "W", "mean power of one device of the main step's group", "power per device (W)",
      energy([](auto& e) { return Json(e.device_power_w); }));
  add("rack_power_w", "W", "power_w / racks", "rack power (W)", energy([](auto& e) { return Json(e.rack_power_w); }));
  add("power_capped", "", "whether the power cap slowed the clock", "",
      energy([](auto& e) { return Json(e.power_capped); }));
  add("power_cap_stretch", "", "how much slower the power cap made the run (1 = not capped)", "",
      energy([](auto& e) { return Json(e.cap_stretch); }));
  add("cost_per_million_tokens", "USD", "cost of a million output tokens (capex + energy)",
      "cost per million tokens (US$)", energy([](auto& e) { return Json(e.cost.per_million_tokens); }));
  add("cost_basis", "", "which costs the figure adds up (A-298)", "",
      energy([](auto& e) { return Json(e.cost.basis()); }));
  add("cost.capex_per_million_tokens", "USD", "purchase price spread over the tokens of its lifetime", "",
      energy([](auto& e) { return Json(e.cost.capex_per_million); }));
  add("cost.energy_per_million_tokens", "USD", "electricity of a million tokens", "",
      energy([](auto& e) { return Json(e.cost.energy_per_million); }));
  add("cost.capex_usd", "USD", "purchase price of the devices used", "",
      energy([](auto& e) { return Json(e.cost.capex_usd); }));
  add("cost.capex_estimated", "", "whether the price is an estimate", "",
      energy([](auto& e) { return Json(e.cost.capex_estimated); }));
  add("cost.lifetime_years", "years", "years the price is spread over", "",
      energy([](auto& e) { return Json(e.cost.lifetime_years); }));
  add("cost.utilization", "", "share of the lifetime spent serving", "",
      energy([](auto& e) { return Json(e.cost.utilization); }));
  add("cost.usd_per_kwh", "USD/kWh", "electricity price", "", energy([](auto& e) { return Json(e.cost.usd_per_kwh); }));
  add("cost.pue", "", "power usage effectiveness of the facility", "",
      energy([](auto& e) { return Json(e.cost.pue); }));
  add("cooling", "", "air or liquid: the cooling the racks need", "",
      energy([](auto& e) { return Json(e.cooling.type); }));
  add("cooling_reason", "", "why that cooling", "", energy([](auto& e) { return Json(e.cooling.reason); }));
  add("racks", "", "racks the system fills", "", energy([](auto& e) { return Json(e.cooling.racks); }));
  add("exhaust_temp_c", "°C", "exhaust air temperature", "exhaust air temperature (°C)",
      energy([](auto& e) { return Json(e.cooling.exhaust_c); }));
  return v;
}

}  // namespace

const std::vector<ResultField>& result_fields() {
  static const std::vector<ResultField> fields = make_fields();
  return fields;
}

Json result_fields_json() {
  Json fields = Json::array();
  for (const ResultField& f : result_fields())
    fields.push_back(Json{{"name", f.name},
                          {"unit", f.unit},
                          {"meaning", f.meaning},
                          {"label", f.label},
                          {"when", f.speculative_only ? "with --speculative" : "always"}});
  Json parts = Json::array();
  for (const TimePart& p : time_parts())
    parts.push_back(
        Json{{"key", std::string(p.key)}, {"name", std::string(p.name)}, {"meaning", std::string(p.meaning)}});
  return Json{{"fields", fields}, {"time_parts", parts}};
}

}  // namespace wafersim
