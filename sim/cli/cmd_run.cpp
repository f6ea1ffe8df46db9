// `wafersim run SCENARIO`: progress on stderr, a summary table on stdout.

#include <atomic>
#include <chrono>
#include <csignal>
#include <fmt/format.h>
#ifdef __GLIBC__
#endif
#include <ostream>
#include <unistd.h>

#include "sim/cli/cli_common.h"
#include "sim/report/text_table.h"
#include "sim/core/process_memory.h"
#include "sim/scenario/scenario_runner.h"

namespace wafersim::cli {
namespace {

std::atomic<bool> g_stop{false};  // set from the SIGINT/SIGTERM handler only
extern "C" void on_signal(int) { g_stop.store(true); }

std::string cell(const Json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  return format_count(v.get<double>());
}

}  // namespace

int cmd_run(const Context& ctx, const std::string& scenario, const std::string& out_dir, int jobs,
            const std::vector<std::string>& sets, bool resume, bool quiet) {
  RunnerOptions options;
  options.out_root = out_dir;
  options.jobs = jobs;
  options.resume = resume;
  options.overrides = parse_sets(sets);
  options.stop = &g_stop;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  if (!quiet) {
    options.progress = [&](std::size_t done, std::size_t total, std::size_t reused) {
      const auto now = std::chrono::steady_clock::now();
      const double elapsed = std::chrono::duration<double>(now - start).count();
      const double rate = elapsed > 0 ? static_cast<double>(done - reused) / elapsed : 0;
      const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
      if (tty) {
        if (done != total && now - last < std::chrono::milliseconds(100)) return;  // redraw 10 times a second
        last = now;
        const int width = 30;
        const int filled = static_cast<int>(width * done / std::max<std::size_t>(total, 1));
        ctx.err << fmt::format("\r[{}{}] {}/{} points  {:.0f}/s  ETA {:.0f} s ", std::string(filled, '#'),
                               std::string(width - filled, '.'), done, total, rate, eta)
                << (done == total ? "\n" : "") << std::flush;
      } else if (done == total || now - last > std::chrono::seconds(5)) {
        ctx.err << fmt::format("{}/{} points done ({:.0f}/s, ETA {:.0f} s)\n", done, total, rate, eta);
        last = now;
      }
    };
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  keep_freed_memory();
  ScenarioRunner runner(ctx.registry, ctx.config_root);
  const ScenarioOutcome outcome = runner.run(scenario, options);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (tty && !quiet && outcome.interrupted) ctx.err << "\n";  // end the progress bar's line

  // Summary: the swept parameters, then what a reader looks for first.
  std::vector<std::string> cols = outcome.varying;
  std::vector<std::string> header = cols;
  for (const char* h : {"fits", "devices", "tokens/s/user", "tokens/s", "latency", "bound"}) header.push_back(h);
  std::vector<TextTable::Align> align(cols.size(), TextTable::Align::Left);
  for (auto a : {TextTable::Align::Left, TextTable::Align::Right, TextTable::Align::Right, TextTable::Align::Right,
                 TextTable::Align::Right, TextTable::Align::Left})
    align.push_back(a);
  // phase: serve points (sim/serving) show serving figures instead.
  const bool serve = !outcome.rows.empty() && outcome.rows.front().contains("scheduler");
  if (serve)
    std::copy_n(std::begin({"fits", "devices", "output tok/s", "p99 TTFT", "p99 TPOT", "SLO met"}), 6,
                header.end() - 6);
  TextTable table(header, align);
  for (const auto& row : outcome.rows) {
    if (serve) {
      std::vector<std::string> cells;
      for (const auto& c : cols) cells.push_back(row.contains(c) ? cell(row[c]) : "-");
      auto p99 = [&](const char* k) {
        const Json d = row.value(k, Json(nullptr));
        return d.is_object() ? format_seconds(d["p99"].get<double>()) : std::string("-");
      };
      const Json slo = row.value("slo_attainment", Json(nullptr));
      cells.insert(cells.end(), {cell(row.value("fits", Json(false))), cell(row.value("devices", Json(nullptr))),
                                 cell(row.value("throughput_tokens_per_s", Json(nullptr))), p99("ttft_s"), p99("tpot_s"),
                                 slo.is_number() ? fmt::format("{:.1f}%", 100 * slo.get<double>()) : "-"});
      table.add_row(cells);
      continue;
    }
    std::vector<std::string> cells;
    for (const auto& c : cols) cells.push_back(row.contains(c) ? cell(row[c]) : c == "devices" && row.contains("devices_requested") ? cell(row["devices_requested"]) : "-");
    cells.push_back(cell(row.value("fits", Json(false))));
    cells.push_back(cell(row.value("devices", Json(nullptr))));
    cells.push_back(cell(row.value("tokens_per_s_per_user", Json(nullptr))));
    cells.push_back(cell(row.value("tokens_per_s", Json(nullptr))));
    const Json lat = row.value("latency_s", Json(nullptr));
    cells.push_back(lat.is_number() ? format_seconds(lat.get<double>()) : "-");
    cells.push_back(cell(row.value("bound", Json(nullptr))));
    table.add_row(cells);
  }
  ctx.out << table.render();
  ctx.out << fmt::format("\n{} points ({} reused from an earlier run) → {}/\n", outcome.total, outcome.reused,
                         outcome.dir.string());
  for (const auto& c : outcome.charts)
    if (c.size() > 4 && c.substr(c.size() - 4) == ".png") ctx.out << "  chart: " << c << "\n";
  if (outcome.interrupted) {
    ctx.err << fmt::format("interrupted: {} of {} points done; run again with --resume to finish\n",
                           outcome.rows.size(), outcome.total);
    return kInterrupted;
  }
  return kOk;
}

}  // namespace wafersim::cli
