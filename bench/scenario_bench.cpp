// Scenario-run speed: a whole `ScenarioRunner::run` of a 1,000-point roofline sweep
// (configs loaded once, points on 1 and 2 threads, journal, results.csv/json and
// resolved.yaml written; no charts), and the CSV writer alone on 10,000 rows.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "models/register_builtin.h"
#include "sim/scenario/scenario_outputs.h"
#include "sim/scenario/scenario_runner.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;

fs::path write_scenario(const fs::path& dir) {
  fs::create_directories(dir);
  std::string contexts;
  for (int i = 1; i <= 25; ++i) contexts += (i > 1 ? ", " : "") + std::to_string(256 * i);
  std::ofstream(dir / "bench.yaml") << "kind: scenario\nname: bench\ngrid:\n"
                                       "  system: [wse3, cs3-x4, h100-sxm5, dgx-h100]\n"
                                       "  model: [llama-3.1-8b, llama-3.1-70b]\n"
                                       "  batch: [1, 4, 16, 64, 256]\n"
                                       "  context: ["
                                    << contexts
                                    << "]\n"
                                       "fixed:\n  phase: decode\n  fidelity: roofline\n";
  return dir / "bench.yaml";
}

void BM_ScenarioRun1000(benchmark::State& state) {
  Registry registry;
  models::register_builtin(registry);
  const fs::path dir = fs::temp_directory_path() / ("wafersim-bench-" + std::to_string(::getpid()));
  const fs::path scenario = write_scenario(dir);
  RunnerOptions options;
  options.out_root = dir / "out";
  options.jobs = static_cast<int>(state.range(0));
  std::size_t points = 0;
  for (auto _ : state) {
    const auto outcome = ScenarioRunner(registry, WAFERSIM_CONFIG_ROOT).run(scenario.string(), options);
    points = outcome.total;
    benchmark::DoNotOptimize(outcome.rows.size());
  }
  fs::remove_all(dir);
  state.counters["points/s"] = benchmark::Counter(static_cast<double>(points) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ScenarioRun1000)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ResultsCsv10k(benchmark::State& state) {
  RunResult r;
  r.system = "h100-sxm5";
  r.model = "llama-3.1-8b";
  r.latency_s = 5e-3;
  const Json result = result_to_json(r);
  std::vector<Json> rows;
  for (int i = 0; i < 10'000; ++i) {
    Json row = result;
    row["batch"] = i;
    rows.push_back(std::move(row));
  }
  for (auto _ : state) benchmark::DoNotOptimize(rows_to_csv(rows).size());
}
BENCHMARK(BM_ResultsCsv10k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wafersim
