// Speed of `wafersim serve` (issue targets: the whole Azure chat trace, 19,366
// requests, for Llama 3.1 70B on dgx-h100 in <= 5 s on one core; one million
// synthetic requests in <= 60 s). Each iteration is a whole serve run from the
// options: trace read, step-time cache filled by the engines, simulation, metrics.

#include <benchmark/benchmark.h>

#include "models/register_builtin.h"
#include "sim/scenario/serve_point.h"

namespace wafersim {
namespace {

using Options = std::map<std::string, std::pair<std::string, OptionOrigin>>;

void run(benchmark::State& state, const std::string& system, const Options& options) {
  Registry registry;
  models::register_builtin(registry);
  EvalRequest base;
  base.system = system;
  base.model = "llama-3.1-70b";
  for (auto _ : state) {
    RequestRunner runner(registry, WAFERSIM_CONFIG_ROOT);  // a fresh step-time cache every run
    const ServeRunResult r = run_serve(runner, base, options, false);
    benchmark::DoNotOptimize(r.json);
    state.counters["requests"] = r.json.value("completed", 0);
    state.counters["steps"] = r.json.value("steps", 0);
    state.counters["step_evaluations"] = r.json.value("step_evaluations", 0);
  }
}

Options opts(std::initializer_list<std::pair<const char*, const char*>> kv) {
  Options o;
  for (const auto& [k, v] : kv) o[k] = {v, OptionOrigin{"", 0, 0, std::string("--") + k}};
  return o;
}

void BM_ChatTraceDgxH100(benchmark::State& state) { run(state, "dgx-h100", opts({{"trace", "azure-llm-2023-conv"}})); }
BENCHMARK(BM_ChatTraceDgxH100)->Unit(benchmark::kSecond)->Iterations(1);

void BM_ChatTraceDgxH100Chunked(benchmark::State& state) {
  run(state, "dgx-h100", opts({{"trace", "azure-llm-2023-conv"}, {"scheduler", "chunked"}}));
}
BENCHMARK(BM_ChatTraceDgxH100Chunked)->Unit(benchmark::kSecond)->Iterations(1);

void BM_MillionSyntheticRequests(benchmark::State& state) {
  run(state, "dgx-h100",
      opts({{"arrival", "poisson"},
            {"rate", "300"},
            {"requests", "1000000"},
            {"prompt", "lognormal:512:0.8"},
            {"output", "lognormal:64:0.8"}}));
}
BENCHMARK(BM_MillionSyntheticRequests)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace wafersim
