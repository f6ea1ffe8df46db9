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
#include "sim/timing/time_parts.h"

namespace wafersim::cli {
namespace {

std::string bytes_text(double b) { return format_quantity(b, UnitKind::Bytes); }

std::string workload_text(const RunResult& r) {
  const Workload& w = r.workload;
  std::string s = fmt::format("{} · batch {}", phase_name(w.phase), w.batch);
  switch (w.phase) {
    case Phase::Decode:
      s += fmt::format(" · context {}", w.context);
      break;
    case Phase::Generate:
      s += fmt::format(" · prompt {} · output {}", w.prompt, w.output);
      break;
    default:
      s += fmt::format(" · prompt {}", w.prompt);
      break;
  }
  return s + fmt::format(" · {} · {}", dtype_name(w.dtype), fidelity_name(r.fidelity));
}

/// What bound the step, in words; memory names the level the weights are read from.
std::string bound_text(const RunResult& r) {
  if (r.bound != Bound::Memory) return std::string(time_part(r.bound).meaning);
  // Streamed weights are held by the store behind the device's I/O, not by its memory.
  if (!r.weight_stream_path.empty()) return "memory (weights streamed in through " + r.weight_stream_path + ")";
  return r.weight_memory.empty() ? "memory" : "memory (" + r.weight_memory + " bandwidth)";
}

std::string shares(const TimeBreakdown& t) {
  const double total = t.total();
  if (total <= 0) return "-";
  std::string s;
  for (const TimePart& p : time_parts()) {
    const double v = t.*p.seconds;
    if (v <= 0) continue;
    s += (s.empty() ? "" : " · ") + fmt::format("{} {:.1f}%", p.name, 100 * v / total);
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
                            e.power_capped ? fmt::format(" (power-capped: clock at {:.0f}%, {:.2f}x slower)",
                                                         100 / e.cap_stretch, e.cap_stretch)
                                           : ""));
  if (e.cost.capex_usd > 0) {
    const double usd = e.cost.capex_usd;
    const std::string price = usd >= 1e6 ? fmt::format("${:.3g}M", usd / 1e6) : fmt::format("${:.3g}k", usd / 1e3);
    line("cost", fmt::format("${:.3g} per million tokens: capex ${:.3g} + energy ${:.3g} ({} over {:g} years{})",
                             e.cost.per_million_tokens, e.cost.capex_per_million, e.cost.energy_per_million, price,
                             e.cost.lifetime_years, e.cost.capex_estimated ? "; estimated price" : ""));
  } else {
    line("cost",
         fmt::format("${:.3g} per million tokens: energy only (this system has no price)", e.cost.per_million_tokens));
  }
  line("cooling", fmt::format("{}: {} · exhaust {:.0f} °C", e.cooling.type, e.cooling.reason, e.cooling.exhaust_c));
}

RunResult evaluate(const Context& ctx, const EvalArgs& args) {
  RequestRunner runner(ctx.registry, ctx.config_root);
  return runner.run(args.request());
}

// "8.03 billion" / "46.7 billion, 12.9 billion active per token".
std::string parameters_text(const RunResult& r) {
  auto words = [](double n) {
    if (n >= 1e9) return fmt::format("{:.3g} billion", n / 1e9);
    if (n >= 1e6) return fmt::format("{:.3g} million", n / 1e6);
    return format_count(n);
  };
  if (r.active_parameters > 0 && r.active_parameters < r.parameters)
    return words(r.parameters) + ", " + words(r.active_parameters) + " active per token";
  return words(r.parameters);
}

/// Speculative decoding: tokens per step, and the step split into draft and verify.
void print_speculative(std::ostream& out, const RunResult& r) {
  if (!r.speculative || !r.fits) return;
  const SpeculativeResult& s = *r.speculative;
  auto line = [&](const std::string& k, const std::string& v) { out << fmt::format("  {:<22}{}\n", k, v); };
  const double step = s.step_s > 0 ? s.step_s : 1;
  line("speculative", fmt::format("{} · k = {} draft tokens · acceptance {:.3g} per token",
                                  s.method == "mtp" ? fmt::format("{} MTP module(s) of the target", s.k)
                                                    : "draft model " + s.draft_model,
                                  s.k, s.acceptance));
  line("tokens per step", fmt::format("{:.3g} (of at most {}: the accepted draft tokens plus the target's own)",
                                      s.tokens_per_step, s.k + 1));
  line("one step",
       fmt::format(
           "{} = draft {} ({} × {}, {:.0f}%) + verify {} ({:.0f}%){}", format_seconds(s.step_s),
           format_seconds(s.draft_s), s.k, format_seconds(s.draft_pass_s), 100 * s.draft_s / step,
           format_seconds(s.verify_s), 100 * s.verify_s / step,
           s.link_s > 0 ? fmt::format(" + links {} ({:.0f}%)", format_seconds(s.link_s), 100 * s.link_s / step) : ""));
  if (s.speedup > 0)
    line("speed-up", fmt::format("{:.2f}x over plain decoding ({} tokens/s per user)", s.speedup,
                                 format_count(s.plain_tokens_per_s_per_user)));
  line("draft runs on", fmt::format("{} × {} of group '{}'", s.draft_devices, s.draft_device, s.draft_group));
}

void print_summary(std::ostream& out, const RunResult& r) {
  out << headline(r) << "\n";
  auto line = [&](const std::string& k, const std::string& v) { out << fmt::format("  {:<22}{}\n", k, v); };
  line("parameters", parameters_text(r));
  if (!r.fits) {
    line("fits", "no");
    line("why", r.fit_error);
  } else {
    // per user = 1 / time per output token; all users = batch x per user
    // (prefill, encode: prompt tokens processed per second).
    if (r.tokens_per_s_per_user) line("tokens/s per user", format_count(*r.tokens_per_s_per_user));
    if (r.tokens_per_s)
      line(r.tokens_per_s_per_user ? "tokens/s (all users)" : "tokens/s (processed)", format_count(*r.tokens_per_s));
    if (r.latency_s) line("latency", format_seconds(*r.latency_s));
    if (r.ttft_s) line("time to first token", format_seconds(*r.ttft_s));
    if (r.tpot_s && (r.workload.phase == Phase::Generate || r.speculative))
      line("time per output token", format_seconds(*r.tpot_s));
    print_speculative(out, r);
    line("bound by", bound_text(r));
    line("time split", shares(r.time));
    if (r.kv_transfer_s > 0)
      line("KV cache transfer",
           fmt::format("{} ({} between groups)", format_seconds(r.kv_transfer_s), bytes_text(r.kv_transfer_bytes)));
    if (r.time.interconnect > 0)
      line("on / between devices",
           fmt::format("{} on the devices · {} on links between them",
                       format_seconds(r.time.total() - r.time.interconnect), format_seconds(r.time.interconnect)));
    print_energy_summary(out, r);
  }
  line("memory used", fmt::format("weights {} + KV cache {} + activations {} of {}", bytes_text(r.weights),
                                  bytes_text(r.kv_cache), bytes_text(r.activations), bytes_text(r.capacity)));
  if (r.max_batch && r.fits) line("max batch (KV fits)", fmt::format("{} at this context", *r.max_batch));
  line("mapping", r.layout);
  if (!r.devices_policy.empty()) line("device count", fmt::format("{}: {}", r.devices, r.devices_policy));
  if (!r.placement.empty()) line("groups used", r.placement);
}

/// The per-op table of `explain`; `all` is the row count before --top cut it.
void print_op_table(std::ostream& out, const std::vector<OpRow>& rows, std::size_t all, const RunResult& r) {
  const bool notes = std::any_of(rows.begin(), rows.end(), [](const OpRow& row) { return !row.note.empty(); });
  std::vector<std::string> head{"op", "count", "time", "share", "bound", "FLOPs", "bytes", "FLOP/byte", "dyn. energy"};
  std::vector<TextTable::Align> align{TextTable::Align::Left,  TextTable::Align::Right, TextTable::Align::Right,
                                      TextTable::Align::Right, TextTable::Align::Left,  TextTable::Align::Right,
                                      TextTable::Align::Right, TextTable::Align::Right, TextTable::Align::Right};
  if (notes) {
    head.emplace_back(r.op_note_header);
    align.push_back(TextTable::Align::Left);
  }
  TextTable t(head, align);
  double shown = 0;
  for (const auto& row : rows) {
    shown += row.time_s;
    std::vector<std::string> cells{row.name,
                                   std::to_string(row.count),
                                   format_seconds(row.time_s),
                                   fmt::format("{:.1f}%", 100 * row.share),
                                   std::string(bound_name(row.bound)),
                                   format_si(row.flops, "FLOP"),
                                   bytes_text(row.bytes),
                                   row.bytes > 0 ? fmt::format("{:.3g}", row.intensity()) : "-",
                                   r.energy ? format_si(row.energy_j, "J") : "-"};
    if (notes) cells.push_back(row.note);
    t.add_row(cells);
  }
  out << t.render();
  if (rows.size() < all)
    out << fmt::format("({} more rows: {} of the step; --top 0 shows all)\n", all - rows.size(),
                       format_seconds(std::max(0.0, r.step_latency_s - shown)));
}

}  // namespace

std::string headline(const RunResult& r) {
  return fmt::format("{} on {} ({} × {}) · {}", r.model, r.system, r.devices, r.device_kind, workload_text(r));
}

static void print_caveats(const Context& ctx, const RunResult& r) {
  for (const std::string& c : calibration_caveats(ctx, r)) ctx.out << "  caveat: " << c << "\n";
}

int cmd_eval(const Context& ctx, const EvalArgs& args) {
  const RunResult r = evaluate(ctx, args);
  if (args.json) {
    ctx.out << result_to_json(r).dump(2) << "\n";
  } else {
    print_summary(ctx.out, r);
    print_caveats(ctx, r);
  }
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
  print_caveats(ctx, r);
  if (!r.fits) return kDoesNotFit;
  const std::string step_name =
      r.speculative ? fmt::format("verification ({}-token decode)", r.speculative->k + 1)
                    : std::string(r.workload.phase == Phase::Generate ? "decode" : phase_name(r.workload.phase));
  ctx.out << "\n"
          << (every_op ? "Every op" : "Ops summed over layers")
          << fmt::format(" of one {} step ({} total), longest first", step_name, format_seconds(r.step_latency_s))
          << (rows.size() < all ? fmt::format(" (top {} of {})", rows.size(), all) : "") << ":\n";
  print_op_table(ctx.out, rows, all, r);
  if (r.speculative && !r.speculative->draft_ops.empty()) {
    // The draft's share of the step, op by op.
    const SpeculativeResult& s = *r.speculative;
    RunResult draft = r;
    draft.ops = s.draft_ops;
    draft.step_latency_s = s.draft_pass_s;
    auto draft_rows = op_rows(draft, every_op);
    const std::size_t draft_all = draft_rows.size();
    if (top > 0 && draft_rows.size() > static_cast<std::size_t>(top)) draft_rows.resize(static_cast<std::size_t>(top));
    ctx.out << fmt::format(
        "\nOne draft pass of {} ({}; {} per step), longest first{}:\n", s.draft_model, format_seconds(s.draft_pass_s),
        s.k, draft_rows.size() < draft_all ? fmt::format(" (top {} of {})", draft_rows.size(), draft_all) : "");
    print_op_table(ctx.out, draft_rows, draft_all, draft);
  }
  ctx.out << "bound: the resource that limited the op (memory = bytes / bandwidth of the level the weights live in;"
             "\n  compute = FLOPs / peak rate; fabric, interconnect = network transfers; latency = fixed per-op costs)."
             "\n  count: ops summed into the row (one per layer). Ops of one shape can take different times: one"
             "\n  fused into its neighbour's kernel has no launch of its own (the last column says so)."
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
