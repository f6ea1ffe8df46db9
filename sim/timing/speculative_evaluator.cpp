#include "sim/timing/speculative_evaluator.h"

#include <algorithm>
#include <fmt/format.h>

#include "sim/config/unit_parser.h"
#include "sim/hardware/system.h"
#include "sim/workload/graph_builder.h"

namespace wafersim {
namespace {

constexpr std::int64_t kTokenIdBytes = 4;  // int32 token ids cross between draft and target groups
constexpr double kJoulesPerKwh = 3.6e6;

/// Devices of the target's decode group the evaluation used.
int decode_devices(const System& system, const RunResult& r) {
  const DeviceGroup& g = system.group_for(StepKind::Decode);
  return g.name == system.main_group().name ? r.devices : g.count;
}

/// Weights the K MTP modules hold beside the target: K × one layer's weights.
Bytes mtp_layer_weights(const ModelSpec& module, const Workload& w) {
  const Graph g =
      GraphBuilder::build(module, StepShape{StepKind::Decode, w.batch, 1, std::max<std::int64_t>(1, w.context), w.dtype,
                                            w.kv_dtype.value_or(w.dtype)});
  Bytes b{0};
  for (const Op& op : g.ops())
    if (op.layer == 0) b += op.weights_resident;
  return b;
}

/// Evaluation time in the first part (prefill, with any KV transfer) of a decode/generate run.
double prefill_part(const RunResult& r) {
  if (r.workload.phase != Phase::Generate) return 0;
  return std::max(0.0, *r.latency_s - *r.tpot_s * static_cast<double>(r.workload.output));
}

TimeBreakdown scaled_to(const TimeBreakdown& t, double seconds) {
  const double total = t.total();
  return total > 0 ? t.scaled(seconds / total) : t;
}

/// The target's figures before speculation rewrites them (for the energy).
struct PlainFigures {
  std::optional<EnergyReport> energy;
  double latency_s = 0, tokens_per_s = 0;
};

/// Energy of the speculative run from the target's and the draft's, each in proportion
/// to the time it runs.
void combine_energy(RunResult& r, const PlainFigures& target, double target_s, const RunResult& draft, double draft_s,
                    double tokens) {
  if (!target.energy || !draft.energy || !r.latency_s || !r.tokens_per_s || target.latency_s <= 0) return;
  EnergyReport e = *target.energy;
  e.device_power_w =
      (target.energy->device_power_w * target_s + draft.energy->device_power_w * draft_s) / (target_s + draft_s);
  e.energy_j = target.energy->energy_j.scaled(target_s / target.latency_s);
  e.energy_j += draft.energy->energy_j.scaled(draft_s / *draft.latency_s);
  const double total = e.energy_j.total();
  e.tokens = tokens;
  e.energy_j_per_token = total / tokens;
  e.tokens_per_joule = total > 0 ? tokens / total : 0;
  e.power_w = total / *r.latency_s;
  e.rack_power_w = e.power_w / e.cooling.racks;
  CostReport& c = e.cost;
  if (*r.tokens_per_s > 0) c.capex_per_million *= target.tokens_per_s / *r.tokens_per_s;
  c.energy_per_million = 1e6 * e.energy_j_per_token * c.pue / kJoulesPerKwh * c.usd_per_kwh;
  c.per_million_tokens = c.capex_per_million + c.energy_per_million;
  r.energy = e;
}

}  // namespace

void SpeculativeEvaluator::check(const ModelSpec& target, const ModelSpec* draft, const Workload& w,
                                 const SpeculativeSpec& spec) {
  if (w.phase != Phase::Decode && w.phase != Phase::Generate)
    throw InputError::option("--speculative", fmt::format("speculative decoding speeds up decode and generate, not {} "
                                                          "(use --phase decode or generate)",
                                                          phase_name(w.phase)));
  if (target.architecture != Architecture::Decoder)
    throw InputError::option("--speculative", fmt::format("'{}' is an encoder: it does not decode", target.name));
  if (spec.method == SpeculativeMethod::Draft) {
    if (draft == nullptr) throw InputError::option("--speculative", "draft:MODEL names no model");
    check_draft_model(target, *draft);
  }
  (void)spec.acceptance_model();  // range checks of p, k and the mean
}

RunResult SpeculativeEvaluator::evaluate(const System& system, const ModelSpec& target, const ModelSpec* draft,
                                         const EvalOptions& options, const SpeculativeSpec& spec) const {
  const Workload& w = options.workload;
  check(target, draft, w, spec);
  const AcceptanceModel acc = spec.acceptance_model();
  const int k = acc.draft_tokens();
  const double tokens_per_step = acc.tokens_per_step();
  const Evaluator evaluator(registry_);

  // The target verifies k drafted tokens plus its own in one decode step.
  EvalOptions verify_options = options;
  verify_options.decode_tokens = k + 1;
  RunResult r = evaluator.evaluate(system, target, verify_options);

  SpeculativeResult s;
  s.method = std::string(speculative_method_name(spec.method));
  s.k = k;
  s.acceptance = acc.acceptance();
  s.tokens_per_step = tokens_per_step;
  const ModelSpec module = mtp_module_spec(target);
  const ModelSpec& drafter = spec.method == SpeculativeMethod::Mtp ? module : *draft;
  s.draft_model = spec.method == SpeculativeMethod::Mtp ? fmt::format("{} (MTP module)", target.name) : draft->name;
  if (!r.fits) {
    r.speculative = s;
    return r;
  }

  // The draft: on as few of the target's decode devices as hold it, or on its own group.
  const System draft_system = system.for_draft();
  const DeviceGroup& target_group = system.group_for(StepKind::Decode);
  const bool own_group = system.draft_group().name != target_group.name;
  s.draft_group = system.draft_group().name;
  s.draft_device = system.draft_group().device->name();
  EvalOptions draft_options = options;
  draft_options.decode_tokens = 1;
  // The graph cache is keyed by model address: the MTP module here is a temporary.
  if (spec.method == SpeculativeMethod::Mtp) draft_options.graphs = nullptr;
  draft_options.devices = own_group ? DeviceCount{} : DeviceCount{DeviceCount::Mode::Auto, 0};
  RunResult d = evaluator.evaluate(draft_system, drafter, draft_options);
  const int target_devices = decode_devices(system, r);
  // On shared devices the draft takes the faster of: as few devices as hold it, or
  // all the target's (as vLLM lets a draft run at its own tensor-parallel size).
  if (!own_group && (!d.fits || d.devices != target_devices)) {
    draft_options.devices = DeviceCount{DeviceCount::Mode::Fixed, target_devices};
    RunResult all = evaluator.evaluate(draft_system, drafter, draft_options);
    if (!d.fits || d.devices > target_devices || (all.fits && *all.tpot_s < *d.tpot_s)) d = std::move(all);
  }
  s.draft_devices = d.devices;
  if (!d.fits) {
    r.fits = false;
    r.fit_error = fmt::format("draft {}: {}", drafter.name, d.fit_error);
    r.speculative = s;
    return r;
  }

  // On shared devices the draft's weights and KV cache sit beside the target's.
  if (!own_group) {
    const int modules = spec.method == SpeculativeMethod::Mtp ? k : 1;
    const double extra_weights = spec.method == SpeculativeMethod::Mtp
                                     ? static_cast<double>(mtp_layer_weights(module, w).value()) * modules
                                     : d.weights;
    const double extra_kv = d.kv_cache * modules;
    r.weights += extra_weights;
    r.kv_cache += extra_kv;
    if (r.weights + r.kv_cache + r.activations > r.capacity) {
      r.fits = false;
      r.fit_error = fmt::format(
          "target and draft together need weights {} + KV cache {} + activations {} but the "
          "{} devices hold {}",
          format_quantity(r.weights, UnitKind::Bytes), format_quantity(r.kv_cache, UnitKind::Bytes),
          format_quantity(r.activations, UnitKind::Bytes), target_devices,
          format_quantity(r.capacity, UnitKind::Bytes));
      r.speculative = s;
      return r;
    }
  }

  // Token ids cross to the target and the accepted ones come back.
  if (own_group) {
    const auto link = system.link_between(s.draft_group, target_group.name);
    if (!link)
      throw InputError(Diagnostic{system.name(), 0, 0, "placement.draft",
                                  fmt::format("the draft runs on '{}' and decode on '{}' but no link joins them",
                                              s.draft_group, target_group.name)});
    const std::int64_t b = w.batch;
    s.link_s = link_transfer_time(*link, Bytes(kTokenIdBytes * b * k)).value() +
               link_transfer_time(*link, Bytes(kTokenIdBytes * b * (k + 1))).value();
  }

  s.draft_pass_s = *d.tpot_s;
  s.draft_s = k * *d.tpot_s;
  s.verify_s = *r.tpot_s;
  s.step_s = s.draft_s + s.verify_s + s.link_s;
  s.draft_ops = d.ops;

  const double batch = static_cast<double>(w.batch);
  const PlainFigures plain{r.energy, *r.latency_s, r.tokens_per_s.value_or(0)};
  const double steps = w.phase == Phase::Generate ? static_cast<double>(w.output) / tokens_per_step : 1.0;
  const double prefill_t = prefill_part(r), prefill_d = prefill_part(d);
  // The draft reads the prompt after the target on shared devices, beside it on its own group.
  const double prefill = own_group ? std::max(prefill_t, prefill_d) : prefill_t + prefill_d;
  const double target_s = prefill_t + steps * s.verify_s;
  const double draft_s = prefill_d + steps * s.draft_s;
  // The time split follows the critical path: a draft prefill beside the target's adds only its excess.
  TimeBreakdown time = scaled_to(r.time, target_s);
  time += scaled_to(d.time, (prefill - prefill_t) + steps * s.draft_s);
  time.interconnect += steps * s.link_s;
  r.time = time;
  r.bound = time.dominant();
  r.tpot_s = s.step_s / tokens_per_step;
  r.tokens_per_s_per_user = tokens_per_step / s.step_s;
  if (w.phase == Phase::Decode) {
    r.latency_s = s.step_s;  // one speculative step (draft + verify) for the batch
    r.tokens_per_s = batch * tokens_per_step / s.step_s;
  } else {
    r.ttft_s = prefill + s.step_s;
    r.latency_s = prefill + steps * s.step_s;
    r.tokens_per_s = batch * static_cast<double>(w.output) / *r.latency_s;
  }
  const double tokens = batch * (w.phase == Phase::Generate ? static_cast<double>(w.output) : tokens_per_step);
  combine_energy(r, plain, target_s, d, draft_s, tokens);
  // The same request decoded one token per step, for the speed-up.
  const RunResult one = evaluator.evaluate(system, target, options);
  if (one.fits && one.tokens_per_s_per_user) {
    s.plain_tokens_per_s_per_user = *one.tokens_per_s_per_user;
    s.speedup = *r.tokens_per_s_per_user / *one.tokens_per_s_per_user;
  }
  r.speculative = std::move(s);
  return r;
}

}  // namespace wafersim
