// `wafersim eval`, `explain` and `trace`: one evaluation, shown three ways.

#include <fmt/format.h>
#include <map>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/config/unit_parser.h"
#include "sim/report/atomic_file.h"
#include "sim/report/result_json.h"
#include "sim/report/text_table.h"
#include "sim/report/trace_writer.h"

namespace wafersim::cli {
namespace {

std::string bytes_text(double b) { return format_quantity(b, UnitKind::Bytes); }

std::string workload_text(const RunResult& r) {
  const Workload& w = r.workload;
  std::string s = fmt::format("{} · batch {}", phase_name(w.phase), w.batch);
  switch (w.phase) {
    case Phase::Decode: s += fmt::format(" · context {}", w.context); break;
    case Phase::Generate: s += fmt::format(" · prompt {} · output {}", w.prompt, w.output); break;
    default: s += fmt::format(" · prompt {}", w.prompt); break;
  }
  return s + fmt::format(" · {} · {}", dtype_name(w.dtype), fidelity_name(r.fidelity));
}

std::string bound_text(Bound b, const std::string& kind) {
  switch (b) {
    case Bound::Memory: return kind == "gpu" ? "memory (HBM bandwidth)" : "memory (SRAM bandwidth)";
    case Bound::Compute: return "compute";
    case Bound::Fabric: return "fabric (on-chip network)";
    case Bound::Interconnect: return "interconnect (links between devices)";
    case Bound::Latency: return "latency (fixed per-op costs)";
  }
  return "";
}

std::string shares(const TimeBreakdown& t) {
  const double total = t.total();
  if (total <= 0) return "-";
  std::string s;
  for (auto [name, v] : {std::pair{"compute", t.compute}, std::pair{"memory", t.memory}, std::pair{"fabric", t.fabric},
                         std::pair{"interconnect", t.interconnect}, std::pair{"overhead", t.overhead}}) {
    if (v <= 0) continue;
    s += (s.empty() ? "" : " · ") + fmt::format("{} {:.1f}%", name, 100 * v / total);
  }
  return s;
}

/// Energy, power, cost and cooling lines (sim/energy).
void print_energy_summary(std::ostream& out, const RunResult& r) {
  if (!r.energy) return;
  const EnergyReport& e = *r.energy;
  auto line = [&](const std::string& k, const std::string& v) { out << fmt::format("  {:<22}{}\n", k, v); };
  line("energy per token", fmt::format("{:.3g} J ({:.3g} tokens/J)", e.energy_j_per_token, e.tokens_per_joule));
  line("power", fmt::format("{} system, {} per device{}", format_quantity(e.power_w, UnitKind::Watts),
                            format_quantity(e.device_power_w, UnitKind::Watts),
                            e.power_capped ? fmt::format(" (power-capped: {:.2f}x slower)", e.cap_stretch) : ""));
  if (e.cost.capex_usd > 0)
    line("cost", fmt::format("${:.3g} per million tokens (capex ${:.3g} + energy ${:.3g})", e.cost.per_million_tokens,
                             e.cost.capex_per_million, e.cost.energy_per_million));
  else
    line("cost", fmt::format("${:.3g} per million tokens (energy only: this system has no price)",
                             e.cost.per_million_tokens));
  line("cooling", fmt::format("{}: {} · exhaust {:.0f} °C", e.cooling.type, e.cooling.reason, e.cooling.exhaust_c));
}

RunResult evaluate(const Context& ctx, const EvalArgs& args) {
  RequestRunner runner(ctx.registry, ctx.config_root);
  return runner.run(args.request());
}

void print_summary(std::ostream& out, const RunResult& r) {
  out << headline(r) << "\n";
  auto line = [&](const std::string& k, const std::string& v) { out << fmt::format("  {:<22}{}\n", k, v); };
  if (!r.fits) {
    line("fits", "no");
    line("why", r.fit_error);
  } else {
    if (r.tokens_per_s_per_user) line("tokens/s per user", format_count(*r.tokens_per_s_per_user));
    if (r.tokens_per_s) line("tokens/s (all users)", format_count(*r.tokens_per_s));
    if (r.latency_s) line("latency", format_seconds(*r.latency_s));
    if (r.ttft_s) line("time to first token", format_seconds(*r.ttft_s));
    if (r.tpot_s && r.workload.phase == Phase::Generate) line("time per output token", format_seconds(*r.tpot_s));
    // A wafer streaming its weights is held by the store behind its I/O, not by SRAM.
    const bool streamed = r.bound == Bound::Memory && r.layout.find("weight_streaming") != std::string::npos;
    line("bound by", streamed ? "memory (weights streamed in through the wafer I/O)" : bound_text(r.bound, r.device_kind));
    line("time split", shares(r.time));
    if (r.kv_transfer_s > 0)
      line("KV cache transfer", fmt::format("{} ({} between groups)", format_seconds(r.kv_transfer_s),
                                            bytes_text(r.kv_transfer_bytes)));
    if (r.time.interconnect > 0)
      line("on / between devices", fmt::format("{} on the devices · {} on links between them",
                                               format_seconds(r.time.total() - r.time.interconnect),
                                               format_seconds(r.time.interconnect)));
    print_energy_summary(out, r);
  }
  line("memory used", fmt::format("weights {} + KV cache {} + activations {} of {}", bytes_text(r.weights),
                                  bytes_text(r.kv_cache), bytes_text(r.activations), bytes_text(r.capacity)));
  if (r.max_batch) line("max batch (KV fits)", fmt::format("{} at this context", *r.max_batch));
  line("mapping", r.layout);
  if (!r.placement.empty()) line("groups used", r.placement);
}

/// "layers.12.attn.q_proj" → "attn.q_proj": ops summed over layers.
std::string op_family(const std::string& name) {
  if (name.rfind("layers.", 0) == 0) {
    const auto dot = name.find('.', 7);
    if (dot != std::string::npos) return name.substr(dot + 1);
  }
  return name;
}

}  // namespace

std::string headline(const RunResult& r) {
  return fmt::format("{} on {} ({} × {}) · {}", r.model, r.system, r.devices, r.device_kind, workload_text(r));
}

int cmd_eval(const Context& ctx, const EvalArgs& args) {
  const RunResult r = evaluate(ctx, args);
  if (args.json) ctx.out << result_to_json(r).dump(2) << "\n";
  else print_summary(ctx.out, r);
  return r.fits ? kOk : kDoesNotFit;
}

int cmd_explain(const Context& ctx, const EvalArgs& args, bool every_op) {
  const RunResult r = evaluate(ctx, args);
  print_summary(ctx.out, r);
  if (!r.fits) return kDoesNotFit;
  ctx.out << "\n" << (every_op ? "Every op" : "Ops summed over layers")
          << fmt::format(" of one {} step ({} total):\n",
                         r.workload.phase == Phase::Generate ? "decode" : phase_name(r.workload.phase),
                         format_seconds(r.step_latency_s));
  struct Row {
    std::string name;
    int count = 0;
    double time = 0, flops = 0, bytes = 0, energy = 0;
    std::map<Bound, double> by_bound;
    std::string note;  ///< of the first op (engines that fill OpTiming::note)
  };
  bool notes = false;
  std::vector<Row> rows;
  std::map<std::string, std::size_t> index;
  for (const auto& op : r.ops) {
    const std::string key = every_op ? op.name : op_family(op.name);
    auto [it, added] = index.emplace(key, rows.size());
    if (added) rows.push_back(Row{key, 0, 0, 0, 0, 0, {}, op.note});
    notes = notes || !op.note.empty();
    Row& row = rows[it->second];
    row.count++;
    row.time += op.time_s;
    row.flops += op.flops;
    row.bytes += op.bytes;
    row.energy += op.energy_j;
    row.by_bound[op.bound] += op.time_s;
  }
  std::vector<std::string> head{"op", "count", "time", "share", "bound", "FLOPs", "bytes", "FLOP/B", "dyn. energy"};
  std::vector<TextTable::Align> align{TextTable::Align::Left,  TextTable::Align::Right, TextTable::Align::Right,
                                      TextTable::Align::Right, TextTable::Align::Left,  TextTable::Align::Right,
                                      TextTable::Align::Right, TextTable::Align::Right,
                                      TextTable::Align::Right};
  if (notes) {
    head.emplace_back("where (region · hops on the critical path · reduction)");
    align.push_back(TextTable::Align::Left);
  }
  TextTable t(head, align);
  for (const auto& row : rows) {
    Bound b = Bound::Compute;
    double most = -1;
    for (const auto& [bound, time] : row.by_bound)
      if (time > most) { most = time; b = bound; }
    std::vector<std::string> cells{row.name, std::to_string(row.count), format_seconds(row.time),
                                   fmt::format("{:.1f}%", r.step_latency_s > 0 ? 100 * row.time / r.step_latency_s : 0),
                                   std::string(bound_name(b)), format_si(row.flops, "FLOP"), bytes_text(row.bytes),
                                   row.bytes > 0 ? fmt::format("{:.3g}", row.flops / row.bytes) : "-",
                                   r.energy ? format_si(row.energy, "J") : "-"};
    if (notes) cells.push_back(row.note);
    t.add_row(cells);
  }
  ctx.out << t.render();
  return kOk;
}

int cmd_trace(const Context& ctx, const EvalArgs& args, const std::string& out_path) {
  const RunResult r = evaluate(ctx, args);
  if (!r.fits) {
    print_summary(ctx.err, r);
    return kDoesNotFit;
  }
  write_file_atomic(out_path, trace_json(r).dump() + "\n");
  ctx.out << "wrote " << out_path << " (" << r.ops.size() << " ops, " << format_seconds(r.step_latency_s)
          << "); open it in ui.perfetto.dev\n";
  return kOk;
}

}  // namespace wafersim::cli
