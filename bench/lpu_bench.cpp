// Simulator speed of the LPU approx model: Llama-2-70B decode on a groq-rack sized
// `auto` (hundreds of chips, the mapper's chip-count search included), and a mixed
// gpu-lpu generate (GPU prefill, KV transfer, 33 sampled LPU decode steps).

#include <benchmark/benchmark.h>

#include "models/register_builtin.h"
#include "sim/scenario/eval_request.h"

namespace wafersim {
namespace {

void run_request(benchmark::State& state, const EvalRequest& r) {
  Registry registry;
  models::register_builtin(registry);
  const RequestRunner runner(registry, WAFERSIM_CONFIG_ROOT);
  for (auto _ : state) {
    const RunResult out = runner.run(r);
    benchmark::DoNotOptimize(out.latency_s);
  }
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Lpu70bDecodeAuto(benchmark::State& state) {
  EvalRequest r;
  r.system = "groq-rack";
  r.model = "llama-2-70b";
  r.options.workload.batch = state.range(0);
  r.options.fidelity = Fidelity::Approx;
  run_request(state, r);
}
BENCHMARK(BM_Lpu70bDecodeAuto)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond);

void BM_GpuLpuRackGenerate(benchmark::State& state) {
  EvalRequest r;
  r.system = "gpu-lpu-rack";
  r.model = "llama-2-70b";
  r.options.devices = DeviceCount{DeviceCount::Mode::Auto, 0};
  r.options.workload.phase = Phase::Generate;
  r.options.workload.prompt = 1024;
  r.options.workload.output = 128;
  run_request(state, r);
}
BENCHMARK(BM_GpuLpuRackGenerate)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wafersim
