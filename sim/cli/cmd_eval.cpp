// `wafersim eval`, `explain` and `trace`: one evaluation, shown three ways.

#include <fmt/format.h>
#include <algorithm>
#include <map>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/config/unit_parser.h"
#include "sim/report/atomic_file.h"
#include "sim/report/op_table.h"
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
    const bool streamed = r.bound == Bound::Memory && r.layout.find("weight_streaming,") != std::string::npos;
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
  if (r.max_batch && r.fits) line("max batch (KV fits)", fmt::format("{} at this context", *r.max_batch));
  line("mapping", r.layout);
  if (!r.placement.empty()) line("groups used", r.placement);
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

int cmd_explain(const Context& ctx, const EvalArgs& args, bool every_op, int top) {
  const RunResult r = evaluate(ctx, args);
  auto rows = r.fits ? op_rows(r, every_op) : std::vector<OpRow>{};
  const std::size_t all = rows.size();
  if (top > 0 && rows.size() > static_cast<std::size_t>(top)) rows.resize(static_cast<std::size_t>(top));
  if (args.json) {
    Json j = result_to_json(r);
    Json ops = Json::array();
    for (const auto& row : rows) ops.push_back(op_row_json(row, r));
    j["step_latency_s"] = r.step_latency_s;
    j["ops_grouping"] = every_op ? "every op" : "summed over layers";
    j["ops_total"] = all;
    j["ops"] = ops;
    ctx.out << j.dump(2) << "\n";
    return r.fits ? kOk : kDoesNotFit;
  }
  print_summary(ctx.out, r);
  if (!r.fits) return kDoesNotFit;
  ctx.out << "\n" << (every_op ? "Every op" : "Ops summed over layers")
          << fmt::format(" of one {} step ({} total), longest first", 
                         r.workload.phase == Phase::Generate ? "decode" : phase_name(r.workload.phase),
                         format_seconds(r.step_latency_s))
          << (rows.size() < all ? fmt::format(" (top {} of {})", rows.size(), all) : "") << ":\n";
  const bool notes = std::any_of(rows.begin(), rows.end(), [](const OpRow& row) { return !row.note.empty(); });
  std::vector<std::string> head{"op", "count", "time", "share", "bound", "FLOPs", "bytes", "FLOP/byte", "dyn. energy"};
  std::vector<TextTable::Align> align{TextTable::Align::Left,  TextTable::Align::Right, TextTable::Align::Right,
                                      TextTable::Align::Right, TextTable::Align::Left,  TextTable::Align::Right,
                                      TextTable::Align::Right, TextTable::Align::Right, TextTable::Align::Right};
  if (notes) {
    head.emplace_back("where (region · hops on the critical path · reduction)");
    align.push_back(TextTable::Align::Left);
  }
  TextTable t(head, align);
  double shown = 0;
  for (const auto& row : rows) {
    shown += row.time_s;
    std::vector<std::string> cells{row.name, std::to_string(row.count), format_seconds(row.time_s),
                                   fmt::format("{:.1f}%", 100 * row.share), std::string(bound_name(row.bound)),
                                   format_si(row.flops, "FLOP"), bytes_text(row.bytes),
                                   row.bytes > 0 ? fmt::format("{:.3g}", row.intensity()) : "-",
                                   r.energy ? format_si(row.energy_j, "J") : "-"};
    if (notes) cells.push_back(row.note);
    t.add_row(cells);
  }
  ctx.out << t.render();
  if (rows.size() < all)
    ctx.out << fmt::format("({} more rows: {} of the step; --top 0 shows all)\n", all - rows.size(),
                           format_seconds(std::max(0.0, r.step_latency_s - shown)));
  ctx.out << "bound: the resource that limited the op (memory = bytes / bandwidth of the level the weights live in;"
             "\n  compute = FLOPs / peak rate; fabric, interconnect = network transfers; latency = fixed per-op costs)."
             "\n  FLOP/byte: arithmetic intensity; below the device's ridge point (peak FLOP/s / bandwidth) an op is"
             " memory-bound.\n";
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
