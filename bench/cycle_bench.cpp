// Simulator speed of the wafer at cycle fidelity (issue figure: the tiny-llama
// decode step at cycle fidelity in ≤ 30 s), with approx on the same points for
// contrast. Each iteration is one full Evaluator::evaluate on wse-mini (64 x 64
// cores): graph build, mapping, approx's layout search, then the final schedule
// with every distinct kernel run at cycle level (identical layers reuse their
// kernels through OpKernelCoster's cache). Prefill also times the first decode
// step (time to first token), as `eval --phase prefill` does.

#include <benchmark/benchmark.h>

#include "bench/bench_presets.h"

#include "models/register_builtin.h"
#include "sim/config/config_library.h"
#include "sim/hardware/system.h"
#include "sim/timing/evaluator.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

void run_point(benchmark::State& state, Fidelity fidelity, Phase phase, std::int64_t tokens) {
  bench::Presets presets;
  const System system = presets.system("wse-mini");
  const ModelSpec model = presets.model("tiny-llama");
  const Evaluator evaluator(presets.registry);
  EvalOptions o;
  o.workload.phase = phase;
  o.workload.prompt = tokens;
  o.workload.context = tokens;
  o.fidelity = fidelity;
  double latency = 0;
  for (auto _ : state) {
    const RunResult r = evaluator.evaluate(system, model, o);
    latency = r.latency_s.value_or(0);
    benchmark::DoNotOptimize(latency);
  }
  state.counters["predicted_us"] = latency * 1e6;
}

void BM_CycleTinyLlamaDecodeCtx64(benchmark::State& s) { run_point(s, Fidelity::Cycle, Phase::Decode, 64); }
BENCHMARK(BM_CycleTinyLlamaDecodeCtx64)->Unit(benchmark::kSecond)->Iterations(1);

void BM_CycleTinyLlamaDecodeCtx1024(benchmark::State& s) { run_point(s, Fidelity::Cycle, Phase::Decode, 1024); }
BENCHMARK(BM_CycleTinyLlamaDecodeCtx1024)->Unit(benchmark::kSecond)->Iterations(1);

void BM_CycleTinyLlamaPrefill64(benchmark::State& s) { run_point(s, Fidelity::Cycle, Phase::Prefill, 64); }
BENCHMARK(BM_CycleTinyLlamaPrefill64)->Unit(benchmark::kSecond)->Iterations(1);

void BM_ApproxTinyLlamaDecodeCtx64(benchmark::State& s) { run_point(s, Fidelity::Approx, Phase::Decode, 64); }
BENCHMARK(BM_ApproxTinyLlamaDecodeCtx64)->Unit(benchmark::kMillisecond);

void BM_ApproxTinyLlamaPrefill64(benchmark::State& s) { run_point(s, Fidelity::Approx, Phase::Prefill, 64); }
BENCHMARK(BM_ApproxTinyLlamaPrefill64)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wafersim
