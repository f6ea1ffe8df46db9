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

void print_sweep_summary(const Context& ctx, const std::vector<Json>& rows, const std::vector<std::string>& varying) {
  // The swept parameters, then what a reader looks for first.
  std::vector<std::string> header = varying;
  for (const char* h : {"fits", "devices", "tokens/s/user", "tokens/s", "latency", "bound"}) header.push_back(h);
  std::vector<TextTable::Align> align(varying.size(), TextTable::Align::Left);
  for (auto a : {TextTable::Align::Left, TextTable::Align::Right, TextTable::Align::Right, TextTable::Align::Right,
                 TextTable::Align::Right, TextTable::Align::Left})
    align.push_back(a);
  TextTable table(header, align);
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& c : varying) cells.push_back(row.contains(c) ? cell(row[c]) : c == "devices" && row.contains("devices_requested") ? cell(row["devices_requested"]) : "-");
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
}

int cmd_run(const Context& ctx, const RunArgs& args) {
  // An MPI launch (mpirun -n N): rank 0 runs the sweep, the other ranks evaluate
  // points for it and print nothing; each rank's threads share its machine's cores.
  std::optional<MpiSession> mpi;
  if (MpiSession::launched()) {
    if (!MpiSession::built())
      throw InputError::option("run", "started by mpirun with several ranks, but this wafersim was built without "
                                      "MPI: every rank would run the whole sweep (see docs/scale-out.md)");
    mpi.emplace(nullptr, nullptr);
  }
  const bool worker = mpi && mpi->rank() > 0;
  const int local_ranks = mpi ? std::max(1, mpi->local_size()) : 1;
  RunnerOptions options;
  options.out_root = args.out_dir;
  options.jobs = args.jobs > 0 ? args.jobs
                               : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / local_ranks);
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
  print_sweep_summary(ctx, outcome.rows, outcome.varying);
  ctx.out << fmt::format("\n{} points{} ({} reused from an earlier run) → {}/\n", outcome.total,
                         outcome.shard ? fmt::format(" of shard {}/{}", outcome.shard->index, outcome.shard->count) : "",
                         outcome.reused, outcome.dir.string());
  if (mpi)
    ctx.out << fmt::format("  spread over {} MPI ranks ({} evaluation thread{} on rank 0)\n", mpi->size(), options.jobs,
                           options.jobs == 1 ? "" : "s");
  for (const auto& c : outcome.charts)
    if (c.size() > 4 && c.substr(c.size() - 4) == ".png") ctx.out << "  chart: " << c << "\n";
  if (outcome.interrupted) {
    ctx.err << fmt::format("interrupted: {} of {} points done; run again with --resume to finish\n",
                           outcome.rows.size(), outcome.total);
    return kInterrupted;
  }
  if (outcome.shard)
    ctx.out << fmt::format("  when all {} shards are done: wafersim merge {}\n", outcome.shard->count,
                           (fs::path(args.out_dir) / outcome.dir.parent_path().parent_path().filename()).string());
  return kOk;
}

}  // namespace wafersim::cli
