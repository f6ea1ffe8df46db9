#include "sim/timing/evaluator.h"

#include <algorithm>
#include <fmt/format.h>

#include "sim/config/unit_parser.h"
#include "sim/mapping/batch_capacity.h"
#include "sim/energy/cooling_verdict.h"
#include "sim/energy/energy_account.h"
#include "sim/mapping/pipeline_mapper.h"
#include "sim/timing/phase_steps.h"
#include "sim/timing/pipeline_engine.h"
#include "sim/workload/graph_builder.h"
#include "sim/workload/graph_cache.h"

namespace wafersim {
namespace {

StepShape make_shape(StepKind kind, const Workload& w, std::int64_t new_tokens, std::int64_t context) {
  return StepShape{kind, w.batch, new_tokens, context, w.dtype, w.kv_dtype.value_or(w.dtype)};
}

std::shared_ptr<const Graph> step_graph(const ModelSpec& model, const StepShape& shape, const EvalOptions& options) {
  if (options.graphs != nullptr) return options.graphs->get(model, shape);
  return std::make_shared<const Graph>(GraphBuilder::build(model, shape));
}

}  // namespace

void Evaluator::check_workload(const ModelSpec& model, const Workload& w) {
  const bool encoder = model.architecture == Architecture::Encoder;
  if (encoder && w.phase != Phase::Encode)
    throw InputError::option("--phase", fmt::format("'{}' is an encoder model: it has no {} phase (use --phase encode)",
                                                    model.name, phase_name(w.phase)));
  if (!encoder && w.phase == Phase::Encode)
    throw InputError::option(
        "--phase", fmt::format("'{}' is a decoder model: use prefill, decode or generate, not encode", model.name));
  if (w.batch < 1) throw InputError::option("--batch", "must be at least 1");
  if ((w.phase != Phase::Decode) && w.prompt < 1) throw InputError::option("--prompt", "must be at least 1");
  if (w.phase == Phase::Decode && w.context < 1) throw InputError::option("--context", "must be at least 1");
  if (w.phase == Phase::Generate && w.output < 1) throw InputError::option("--output", "must be at least 1");
  if (model.max_positions > 0 && w.phase != Phase::Decode && w.prompt > model.max_positions)
    throw InputError::option(
        "--prompt", fmt::format("{} tokens exceed {}'s {} positions", w.prompt, model.name, model.max_positions));
  // the last output token comes from the step at position prompt + output - 1.
  if (model.max_positions > 0 && w.phase == Phase::Generate && w.prompt + w.output - 1 > model.max_positions)
    throw InputError::option("--output",
                             fmt::format("a {}-token prompt and {} output tokens need {} positions; {} has "
                                         "{}",
                                         w.prompt, w.output, w.prompt + w.output - 1, model.name, model.max_positions));
}

namespace {

/// The step kind timed for `explain` and `memory_bytes`.
StepKind main_kind(Phase p) {
  switch (p) {
    case Phase::Prefill:
      return StepKind::Prefill;
    case Phase::Encode:
      return StepKind::Encode;
    default:
      return StepKind::Decode;
  }
}

/// A group whose weights live in another group (weights_in): that group's memory must
/// hold them. Marks the plan as not fitting, with the numbers, when it cannot.
void check_weight_holder(const System& system, const DeviceGroup& group, const Graph& graph, Plan& plan) {
  const int hi = system.group_index(group.weights_in);
  if (hi < 0) return;
  const DeviceGroup& holder = system.groups()[static_cast<std::size_t>(hi)];
  Bytes weights{0};
  for (const Op& op : graph.ops()) weights += op.weights_resident;
  const Bytes capacity(checked_mul<std::int64_t>(holder.device->summary().memory_capacity.value(), holder.count));
  if (weights > capacity) {
    plan.fits = false;
    plan.fit_error =
        fmt::format("weights ({}) live in '{}' (weights_in) but its {} x {} hold {}",
                    format_quantity(static_cast<double>(weights.value()), UnitKind::Bytes), holder.name, holder.count,
                    holder.device->name(), format_quantity(static_cast<double>(capacity.value()), UnitKind::Bytes));
  }
}

}  // namespace

Fidelity Evaluator::resolve_fidelity(const System& system, const Workload& w, std::optional<Fidelity> asked) const {
  // The one asked for, or the most detailed up to approx that every group used has.
  std::vector<StepKind> kinds;
  if (w.phase == Phase::Prefill || w.phase == Phase::Generate)
    kinds = {StepKind::Prefill, StepKind::Decode};
  else
    kinds = {main_kind(w.phase)};
  Fidelity fidelity = asked.value_or(Fidelity::Approx);
  for (StepKind k : kinds) {
    const Backend& b = registry_.backend(system.group_for(k).device->kind());
    const bool has = std::find(b.fidelities.begin(), b.fidelities.end(), fidelity) != b.fidelities.end();
    if (asked && !has) {
      std::string avail;
      for (Fidelity f : b.fidelities) avail += (avail.empty() ? "" : ", ") + std::string(fidelity_name(f));
      throw InputError::option("--fidelity", fmt::format("'{}' is not available for {} devices (available: {})",
                                                         fidelity_name(fidelity), b.kind, avail));
    }
    if (!has) {
      Fidelity best = Fidelity::Roofline;
      for (Fidelity f : b.fidelities)
        if (f <= Fidelity::Approx) best = std::max(best, f);
      fidelity = std::min(fidelity, best);
    }
  }
  for (StepKind k : kinds) {
    const DeviceGroup& group = system.group_for(k);
    const Backend& b = registry_.backend(group.device->kind());
    if (b.check_fidelity) b.check_fidelity(*group.device, fidelity);
  }
  return fidelity;
}

namespace {

/// How the main group's count was chosen, in words: a deployment size stated by the
/// user or the system, or the smallest that holds the step.
std::string devices_policy_text(const DeviceCount& devices, bool auto_devices, const System& system) {
  switch (devices.mode) {
    case DeviceCount::Mode::Fixed:
      return fmt::format("as given (--devices {})", devices.count);
    case DeviceCount::Mode::Auto:
      return "smallest count that fits (--devices auto)";
    case DeviceCount::Mode::System:
      return auto_devices ? "smallest count that fits (count: auto)"
                          : fmt::format("as the system sets (count: {})", system.main_group().count);
  }
  return "";
}

/// What the energy account sums: every step once, the group that ran it, the step
/// `explain` shows and the tokens the energy is divided by (sim/energy).
EnergyInputs energy_inputs(const System& system, const Workload& w, const PhaseSteps& phase, std::size_t timed) {
  EnergyInputs in;
  in.step_weights.assign(timed, 0.0);
  in.step_weights[0] = 1;
  for (std::size_t i = 0; i < timed; ++i) in.step_groups.push_back(system.group_for(phase.steps[i].kind).name);
  in.main_step = w.phase == Phase::Generate ? static_cast<int>(timed) - 1 : 0;
  in.tokens = static_cast<double>(w.batch) * static_cast<double>(w.phase == Phase::Decode     ? 1
                                                                 : w.phase == Phase::Generate ? w.output
                                                                                              : w.prompt);
  return in;
}

/// The KV cache moves from the prefill group to the decode group when they differ.
void add_kv_transfer(const System& system, const ModelSpec& model, const Workload& w, RunResult& r,
                     EnergyInputs& energy_in) {
  if (w.phase != Phase::Generate && w.phase != Phase::Prefill) return;
  const DeviceGroup& pg = system.group_for(StepKind::Prefill);
  const DeviceGroup& dg = system.group_for(StepKind::Decode);
  if (pg.name == dg.name) return;
  auto link = system.link_between(pg.name, dg.name);
  if (!link)
    throw InputError(
        Diagnostic{system.name(), 0, 0, "links",
                   "prefill runs on '" + pg.name + "' and decode on '" + dg.name + "' but no link joins them"});
  const Bytes kv =
      dtype_bytes(w.kv_dtype.value_or(w.dtype), checked_mul(model.kv_elements_per_sequence(w.prompt), w.batch));
  r.kv_transfer_s = link_transfer_time(*link, kv).value();
  r.kv_transfer_bytes = static_cast<double>(kv.value());
  if (w.phase == Phase::Generate) {
    energy_in.kv_transfer_bytes = r.kv_transfer_bytes;
    energy_in.kv_from_group = pg.name;
  }
}

}  // namespace

System Evaluator::size_main_group(const System& system, const ModelSpec& model, const EvalOptions& options,
                                  const std::vector<PhaseStep>& steps) const {
  // Size the main group for its most demanding steps: the decode step with the
  // largest context if it decodes (the KV cache only grows), and its pass (a long
  // prompt's activations); the larger count. A pass that fits the decode count
  // needs no more, so this only turns a pass that did not fit into one that does.
  const std::string& main_name = system.main_group().name;
  const PhaseStep* sizing = nullptr;
  const PhaseStep* pass = nullptr;
  for (const auto& s : steps) {
    if (system.group_for(s.kind).name != main_name) continue;
    if (sizing == nullptr || s.kind == StepKind::Decode) sizing = &s;
    if (pass == nullptr && s.kind != StepKind::Decode) pass = &s;
  }
  int need = system.main_group().count;
  const DeviceGroup& group = system.main_group();
  const MappingPolicy policy = registry_.backend(group.device->kind()).policy(*group.device);
  auto need_for = [&](const PhaseStep& sp) {
    const auto g_held = step_graph(model, make_shape(sp.kind, options.workload, sp.new_tokens, sp.context), options);
    return PipelineMapper::map_auto(*g_held, group, policy).devices;
  };
  if (sizing != nullptr) need = need_for(*sizing);
  if (pass != nullptr && pass != sizing) need = std::max(need, need_for(*pass));
  return system.with_main_count(need);
}

std::vector<StepResult> Evaluator::run_steps(const System& system, const ModelSpec& model, const EvalOptions& options,
                                             Fidelity fidelity, const PhaseSteps& phase, RunResult& r) const {
  // Time every step; a step that does not fit ends the evaluation with the numbers.
  const Workload& w = options.workload;
  const std::string main_name = system.main_group().name;
  int main_step_devices = 0;
  std::vector<StepResult> results;
  for (std::size_t i = 0; i < phase.steps.size(); ++i) {
    const PhaseStep& s = phase.steps[i];
    const auto graph_held = step_graph(model, make_shape(s.kind, w, s.new_tokens, s.context), options);
    const Graph& graph = *graph_held;
    const DeviceGroup& group = system.group_for(s.kind);
    const Backend& backend = registry_.backend(group.device->kind());
    const MappingPolicy policy = backend.policy(*group.device);
    Plan plan = PipelineMapper::map(graph, group, policy, group.count);
    const bool is_main = phase.is_main(i, w.phase);
    if (group.name == main_name) r.devices = std::max(r.devices, plan.devices);
    // Which group ran each step kind, for mixed systems ("prefill: gpus 8 × b200").
    const std::string used =
        fmt::format("{}: {} {} × {}", step_kind_name(s.kind), group.name, plan.devices, group.device->name());
    if (system.groups().size() > 1 && r.placement.find(std::string(step_kind_name(s.kind)) + ":") == std::string::npos)
      r.placement += (r.placement.empty() ? "" : " · ") + used;
    if (is_main) {
      main_step_devices = plan.devices;
      describe_main_step(r, plan, graph, group, policy);
    }
    // The first step that does not fit names the reason; later steps are still mapped
    // (for the memory figures) but not timed.
    auto does_not_fit = [&](const std::string& why) {
      if (r.fits) r.fit_error = fmt::format("{} on {}: {}", step_kind_name(s.kind), group.device->name(), why);
      r.fits = false;
    };
    if (plan.fits && !group.weights_in.empty()) check_weight_holder(system, group, graph, plan);
    if (!plan.fits) {
      does_not_fit(plan.fit_error);
      continue;
    }
    if (!r.fits) continue;
    std::optional<StepResult> own =
        backend.step_model ? backend.step_model(plan, *group.device, fidelity) : std::nullopt;
    if (own && !own->fit_error.empty()) {
      does_not_fit(own->fit_error);
      continue;
    }
    if (own && is_main && !own->layout.empty()) r.layout += "; " + own->layout;
    if (own && is_main && own->weights_streamed) r.weight_stream_path = policy.weight_stream_path;
    results.push_back(own ? std::move(*own) : PipelineEngine::run(plan, *backend.cost_model(*group.device, fidelity)));
    apply_step_energy(results.back(), graph, group);  // prices traffic; a capped device clocks down
    if (is_main) {
      r.ops = std::move(results.back().ops);  // only the step's totals are read below
      r.step_latency_s = results.back().latency_s;
    }
  }
  // The main group idle (a phase placed elsewhere): report the devices that ran the step.
  if (r.devices == 0) r.devices = main_step_devices;
  return results;
}

void Evaluator::describe_main_step(RunResult& r, const Plan& plan, const Graph& graph, const DeviceGroup& group,
                                   const MappingPolicy& policy) {
  r.layout = plan.layout;
  r.device_kind = std::string(group.device->kind());
  r.weight_memory = policy.weight_memory_name;
  if (policy.weight_store_per_device.value() > 0) r.weight_stream_path = policy.weight_stream_path;
  r.op_note_header = policy.op_note_header;
  r.weights = static_cast<double>(plan.memory.weights.value());
  r.kv_cache = static_cast<double>(plan.memory.kv_cache.value());
  r.activations = static_cast<double>(plan.memory.activations.value());
  r.capacity = static_cast<double>(plan.memory.capacity.value());
  r.flops = graph.total_flops();
  r.bytes = static_cast<double>(graph.total_bytes().total().value());
  if (plan.devices > 0)
    r.max_batch = max_batch_that_fits(plan, r.workload.batch, Bytes(plan.memory.capacity.value() / plan.devices));
}

RunResult Evaluator::evaluate(const System& system_in, const ModelSpec& model, const EvalOptions& options) const {
  const Workload& w = options.workload;
  check_workload(model, w);

  System system = system_in;
  if (options.devices.mode == DeviceCount::Mode::Fixed) system = system_in.with_main_count(options.devices.count);
  const Fidelity fidelity = resolve_fidelity(system, w, options.fidelity);

  RunResult r;
  r.system = system.name();
  r.model = model.name;
  r.workload = w;
  r.fidelity = fidelity;
  const ParameterCount params = count_parameters(model);
  r.parameters = params.total;
  r.active_parameters = params.active;

  // 1. Plan the steps of the phase.
  const PhaseSteps phase = plan_phase_steps(model, w, options.decode_tokens);
  // 2. Size the devices: `--devices auto` (or `count: auto`) takes the smallest main group that holds the steps.
  const bool auto_devices = options.devices.mode == DeviceCount::Mode::Auto ||
                            (options.devices.mode == DeviceCount::Mode::System && system.main_group().auto_count);
  if (auto_devices) system = size_main_group(system, model, options, phase.steps);
  r.devices_policy = devices_policy_text(options.devices, auto_devices, system);
  // Links without their own operating temperature run at the rack's exhaust.
  system = system.with_link_temperature(rated_exhaust_c(system));
  // 3. Run the steps; one that does not fit ends the evaluation with the numbers.
  const std::vector<StepResult> results = run_steps(system, model, options, fidelity, phase, r);
  if (!r.fits) return r;
  // 4. Combine them: the KV cache between groups, latency, throughput, time split.
  EnergyInputs energy_in = energy_inputs(system, w, phase, results.size());
  add_kv_transfer(system, model, w, r, energy_in);
  combine_steps(r, w, phase, results, energy_in);
  // 5. Energy, power, cost and cooling (sim/energy).
  finish_run_energy(r, system, results, energy_in);
  return r;
}

}  // namespace wafersim
