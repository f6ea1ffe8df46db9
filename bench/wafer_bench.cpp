// Simulator speed of the wafer at approx fidelity (issue figures: 70B decode on
// cs3-x4 ≤ 100 ms, 2,048-token prefill ≤ 1 s, 405B decode on the wafers it needs
// ≤ 0.5 s). Each iteration is one full Evaluator::evaluate: graph build, pipeline
// mapping, the region-size search for every layout `auto` tries, and the
// event-engine schedules. Identical transformer layers are priced once per region
// size and reused (OpKernelCoster's cache; results are bit-identical because the
// same closed forms run on the same inputs).

#include <benchmark/benchmark.h>

#include "bench/bench_presets.h"

#include "models/register_builtin.h"
#include "sim/config/config_library.h"
#include "sim/hardware/system.h"
#include "sim/timing/evaluator.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

void run_point(benchmark::State& state, const char* system_name, const char* model_name, Phase phase,
               std::int64_t tokens, DeviceCount devices) {
  bench::Presets presets;
  const System system = presets.system(system_name);
  const ModelSpec model = presets.model(model_name);
  const Evaluator evaluator(presets.registry);
  EvalOptions o;
  o.workload.phase = phase;
  o.workload.prompt = tokens;
  o.workload.context = tokens;
  o.devices = devices;
  double latency = 0;
  int wafers = 0;
  for (auto _ : state) {
    const RunResult r = evaluator.evaluate(system, model, o);
    latency = r.latency_s.value_or(0);
    wafers = r.devices;
    benchmark::DoNotOptimize(latency);
  }
  state.counters["wafers"] = wafers;
  state.counters["predicted_ms"] = latency * 1e3;
}

void BM_Approx70BDecodeCs3x4(benchmark::State& state) {
  run_point(state, "cs3-x4", "llama-3.1-70b", Phase::Decode, 1024, {});
}
BENCHMARK(BM_Approx70BDecodeCs3x4)->Unit(benchmark::kMillisecond);

void BM_Approx70BPrefill2048Cs3x4(benchmark::State& state) {
  run_point(state, "cs3-x4", "llama-3.1-70b", Phase::Prefill, 2048, {});
}
BENCHMARK(BM_Approx70BPrefill2048Cs3x4)->Unit(benchmark::kMillisecond);

void BM_Approx405BDecodeAutoWafers(benchmark::State& state) {
  run_point(state, "wse3", "llama-3.1-405b", Phase::Decode, 1024, DeviceCount{DeviceCount::Mode::Auto, 0});
}
BENCHMARK(BM_Approx405BDecodeAutoWafers)->Unit(benchmark::kMillisecond);

void BM_Approx8BDecodeWse3(benchmark::State& state) {
  run_point(state, "wse3", "llama-3.1-8b", Phase::Decode, 1024, {});
}
BENCHMARK(BM_Approx8BDecodeWse3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wafersim
