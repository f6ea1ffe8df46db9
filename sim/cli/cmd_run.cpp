// `wafersim run SCENARIO` (also one shard of it, or under mpirun): progress on
// stderr, a summary table on stdout.

#include <atomic>
#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <optional>
#include <ostream>
#include <thread>
#include <unistd.h>

#include "sim/cli/cli_common.h"
#include "sim/report/text_table.h"
#include "sim/core/process_memory.h"
#include "sim/scenario/mpi_pool.h"
#include "sim/scenario/scenario_runner.h"

namespace fs = std::filesystem;

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

namespace {

/// Rows past this many are summarised, not listed: results.csv has every one.
constexpr std::size_t kMaxSummaryRows = 40;

/// The headline cells of one row: eval points, or serving figures for `phase: serve` points.
std::vector<std::string> figures(const Json& row, bool serve) {
  if (serve) {
    auto p99 = [&](const char* k) {
      const Json d = row.value(k, Json(nullptr));
      return d.is_object() ? format_seconds(d["p99"].get<double>()) : std::string("-");
    };
    const Json slo = row.value("slo_attainment", Json(nullptr));
    return {cell(row.value("fits", Json(false))),
            cell(row.value("devices", Json(nullptr))),
            cell(row.value("throughput_tokens_per_s", Json(nullptr))),
            p99("ttft_s"),
            p99("tpot_s"),
            slo.is_number() ? fmt::format("{:.1f}%", 100 * slo.get<double>()) : "-"};
  }
  const Json lat = row.value("latency_s", Json(nullptr));
  return {cell(row.value("fits", Json(false))),
          cell(row.value("devices", Json(nullptr))),
          cell(row.value("tokens_per_s_per_user", Json(nullptr))),
          cell(row.value("tokens_per_s", Json(nullptr))),
          lat.is_number() ? format_seconds(lat.get<double>()) : "-",
          cell(row.value("bound", Json(nullptr)))};
}

/// A big sweep in a few lines: how many points fit, and the best and worst of its headline figure.
void print_sweep_digest(const Context& ctx, const SweepDigest& digest, const std::vector<std::string>& varying) {
  const char* key = digest.key();
  ctx.out << fmt::format("{} points ({} fit); the table is too long to print: results.csv has every row.\n",
                         digest.rows, digest.fits);
  auto where = [&](const Json& row) {
    std::string out;
    for (const auto& c : varying) out += (out.empty() ? "" : ", ") + c + " " + (row.contains(c) ? cell(row[c]) : "-");
    return out;
  };
  if (!digest.best.is_null())
    ctx.out << fmt::format("  highest {}: {} ({})\n", key, cell(digest.best[key]), where(digest.best));
  if (!digest.worst.is_null())
    ctx.out << fmt::format("  lowest {}: {} ({})\n", key, cell(digest.worst[key]), where(digest.worst));
}

}  // namespace

void print_sweep_summary(const Context& ctx, const std::vector<Json>& rows, const std::vector<std::string>& varying) {
  SweepDigest digest;
  for (const auto& row : rows) digest.add(row);
  print_sweep_summary(ctx, rows, digest, varying);
}

void print_sweep_summary(const Context& ctx, const std::vector<Json>& rows, const SweepDigest& digest,
                         const std::vector<std::string>& varying) {
  if (digest.rows > kMaxSummaryRows || rows.size() < digest.rows) return print_sweep_digest(ctx, digest, varying);
  // phase: serve points (sim/serving) show serving figures instead.
  const bool serve = digest.serve;
  // The swept parameters, then what a reader looks for first.
  std::vector<std::string> header = varying;
  if (serve)
    for (const char* h : {"fits", "devices", "output tok/s", "p99 TTFT", "p99 TPOT", "SLO met"}) header.push_back(h);
  else
    for (const char* h : {"fits", "devices", "tokens/s/user", "tokens/s", "latency", "bound"}) header.push_back(h);
  std::vector<TextTable::Align> align(varying.size(), TextTable::Align::Left);
  for (auto a : {TextTable::Align::Left, TextTable::Align::Right, TextTable::Align::Right, TextTable::Align::Right,
                 TextTable::Align::Right, TextTable::Align::Left})
    align.push_back(a);
  TextTable table(header, align);
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& c : varying)
      cells.push_back(row.contains(c)                                       ? cell(row[c])
                      : c == "devices" && row.contains("devices_requested") ? cell(row["devices_requested"])
                                                                            : "-");
    for (auto& f : figures(row, serve)) cells.push_back(std::move(f));
    table.add_row(cells);
  }
  ctx.out << table.render();
}

int cmd_run(const Context& ctx, const RunArgs& args) {
  // An MPI launch (mpirun -n N): rank 0 runs the sweep, the other ranks evaluate
  // points for it and print nothing; each rank's threads share its machine's cores.
  std::optional<MpiSession> mpi;
  if (MpiSession::launched()) {
    if (!MpiSession::built())
      throw InputError::option("run",
                               "started by mpirun with several ranks, but this wafersim was built without "
                               "MPI: every rank would run the whole sweep (see docs/scale-out.md)");
    mpi.emplace(nullptr, nullptr);
  }
  const bool worker = mpi && mpi->rank() > 0;
  const int local_ranks = mpi ? std::max(1, mpi->local_size()) : 1;
  RunnerOptions options;
  options.out_root = args.out_dir;
  options.jobs =
      args.jobs > 0 ? args.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / local_ranks);
  options.resume = args.resume;
  options.mpi = mpi ? &*mpi : nullptr;
  const bool quiet = args.quiet || worker;
  const std::string& scenario = args.scenario;
  try {
    options.overrides = parse_sets(args.sets);
    if (!args.shard.empty()) options.shard = ShardSpec::parse(args.shard, ShardSpec::environment());
  } catch (...) {
    if (worker) return kBadInput;  // rank 0 says it
    throw;
  }
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
  ScenarioOutcome outcome;
  try {
    outcome = runner.run(scenario, options);
  } catch (const InputError&) {
    if (worker) return kBadInput;  // rank 0 reports it (every rank reads the same input)
    throw;
  } catch (const std::exception&) {
    if (worker) return kFailure;  // sent to rank 0, which reports it
    throw;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (tty && !quiet && outcome.interrupted) ctx.err << "\n";  // end the progress bar's line

  if (outcome.worker) return kOk;
  if (quiet) {  // nothing but errors (and the exit code)
    if (outcome.interrupted)
      ctx.err << fmt::format("interrupted: {} of {} points done; run again with --resume to finish\n", outcome.done,
                             outcome.total);
    return outcome.interrupted ? kInterrupted : kOk;
  }
  print_sweep_summary(ctx, outcome.rows, outcome.digest, outcome.varying);
  ctx.out << fmt::format(
      "\n{} points{} ({} reused from an earlier run) → {}/\n", outcome.total,
      outcome.shard ? fmt::format(" of shard {}/{}", outcome.shard->index, outcome.shard->count) : "", outcome.reused,
      outcome.dir.string());
  if (mpi)
    ctx.out << fmt::format("  spread over {} MPI ranks ({} evaluation thread{} on rank 0)\n", mpi->size(), options.jobs,
                           options.jobs == 1 ? "" : "s");
  for (const auto& c : outcome.charts)
    if (c.size() > 4 && c.substr(c.size() - 4) == ".png") ctx.out << "  chart: " << c << "\n";
  if (outcome.interrupted) {
    ctx.err << fmt::format("interrupted: {} of {} points done; run again with --resume to finish\n", outcome.done,
                           outcome.total);
    return kInterrupted;
  }
  if (outcome.shard)
    ctx.out << fmt::format("  when all {} shards are done: wafersim merge {}\n", outcome.shard->count,
                           (fs::path(args.out_dir) / outcome.dir.parent_path().parent_path().filename()).string());
  return kOk;
}

}  // namespace wafersim::cli
