// `wafersim crosscheck [--system S] [--model M] [--set P=V]... [--quick] [--json|--markdown]`:
// a device kind's faster model against its more detailed reference, kernel by
// kernel (Backend::crosscheck) and on whole steps of a model through the
// evaluator (decode at batch 1, prefill of a 64-token prompt). Exit 0 when every
// counted row is within the bound, 4 otherwise (like `anchors`).

#include <fmt/format.h>
#include <future>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/report/atomic_file.h"
#include "sim/report/crosscheck_report.h"

namespace wafersim::cli {
namespace {

/// One step of `model` on `system` at the model's and the reference's levels.
CrosscheckStep step_row(const RequestRunner& runner, const CrosscheckArgs& args, const CrosscheckTable& t,
                        const std::string& phase, const std::string& key, const std::string& value) {
  CrosscheckStep st;
  st.step = phase;
  st.workload = fmt::format("batch 1, {} {}", key, value);
  auto run = [&](Fidelity f) {
    EvalRequest req;
    req.system = args.system;
    req.model = args.model;
    req.set_option("phase", phase, OptionOrigin{"", 0, 0, "crosscheck"});
    req.set_option("batch", "1", OptionOrigin{"", 0, 0, "crosscheck"});
    req.set_option(key, value, OptionOrigin{"", 0, 0, "crosscheck"});
    req.set_option("fidelity", std::string(fidelity_name(f)), OptionOrigin{"", 0, 0, "--system"});
    req.overrides = parse_sets(args.sets);
    return runner.run(req);
  };
  const RunResult model = run(t.model);
  const RunResult reference = run(t.reference);
  st.fits = model.fits && reference.fits;
  st.fit_error = !reference.fits ? reference.fit_error : model.fit_error;
  st.model_s = model.step_latency_s;
  st.reference_s = reference.step_latency_s;
  return st;
}

}  // namespace

int cmd_crosscheck(const Context& ctx, const CrosscheckArgs& args) {
  if (args.json && args.markdown) throw InputError::option("--markdown", "give --json or --markdown, not both");
  RequestRunner runner(ctx.registry, ctx.config_root);
  EvalRequest probe;
  probe.system = args.system;
  probe.model = args.model;
  probe.overrides = parse_sets(args.sets);
  const Backend* backend = nullptr;
  const Device* device = nullptr;
  for (const auto& d : runner.devices(probe)) {
    const Backend& b = ctx.registry.backend(d->kind());
    if (b.crosscheck) {
      backend = &b;
      device = d.get();
      break;
    }
  }
  if (backend == nullptr)
    throw InputError::option("--system", fmt::format("'{}' has no device whose kind has a crosscheck (a faster model "
                                                     "checked against a more detailed one)",
                                                     args.system));
  CrosscheckOptions options;
  options.quick = args.quick;
  if (!args.quick) ctx.err << "crosscheck: running the kernel sweep and two steps at both levels (a minute or two)\n";
  // The steps run beside the kernel sweep (each evaluation is independent; the runner is thread-safe).
  CrosscheckTable levels;  // the levels the steps compare, before the sweep fills the table
  std::vector<std::future<CrosscheckStep>> steps;
  steps.push_back(std::async(std::launch::async, step_row, std::cref(runner), std::cref(args), std::cref(levels),
                             std::string("decode"), std::string("context"), std::string("64")));
  if (!args.quick)
    steps.push_back(std::async(std::launch::async, step_row, std::cref(runner), std::cref(args), std::cref(levels),
                               std::string("prefill"), std::string("prompt"), std::string("64")));
  CrosscheckTable table = backend->crosscheck(*device, options);
  for (auto& f : steps) table.steps.push_back(f.get());
  if (table.model != levels.model || table.reference != levels.reference)  // a kind with other levels
    for (auto& st : table.steps)
      st = step_row(runner, args, table, st.step, st.step == "decode" ? "context" : "prompt", "64");

  std::string text;
  if (args.json) {
    Json j = crosscheck_json(table);
    j["system"] = args.system;
    j["model"] = args.model;
    text = j.dump(2) + "\n";
  } else if (args.markdown) {
    text = crosscheck_markdown(table);
  } else {
    const std::string where =
        table.device == args.system ? table.device : fmt::format("{} (system {})", table.device, args.system);
    text = crosscheck_text(
        table, fmt::format("{} against {} on {}, kernel by kernel and on steps of {}{}", fidelity_name(table.model),
                           fidelity_name(table.reference), where, args.model, args.quick ? " (quick subset)" : ""));
  }
  if (args.output_file.empty())
    ctx.out << text;
  else {
    write_file_atomic(args.output_file, text);
    ctx.out << "wrote " << args.output_file << "\n";
  }
  return summarize(table).all_within() ? kOk : kAnchorsOff;
}

}  // namespace wafersim::cli
