// Simulator speed of the wafer at cycle fidelity (issue 22's figure: the
// tiny-llama decode step at cycle fidelity in ≤ 1 s), with approx on the same
// points for contrast, and one MeshGEMM kernel at cycle level. Each iteration is one full Evaluator::evaluate on
// wse-mini (64 x 64 cores): graph build, mapping, approx's layout search, then the final schedule with every distinct
// kernel run at cycle level (identical layers reuse their kernels through OpKernelCoster's cache). Prefill also times
// the first decode step (time to first token), as `eval --phase prefill` does.

#include <benchmark/benchmark.h>

#include "bench/bench_presets.h"

#include "models/fabric/cycle_kernels.h"

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
// One MeshGEMM (Cannon's shifts, A-458) at cycle level on a 32 x 32 region of
// wse-mini's cores: a prefill-sized product of 256 tokens by a 1024 x 1024 weight.
void BM_CycleMeshGemm256x1024On32x32(benchmark::State& s) {
  fabric::CycleParams p;
  p.core.hop_latency = 1;
  p.core.link_bytes = 4;
  p.core.sram_read = 16;
  p.core.sram_write = 8;
  p.core.flops = 16;
  p.core.task_overhead = 40;
  p.core.ramp_latency = 2;
  p.core.acc_bytes = 4;
  p.core.gemm_efficiency = 0.28;
  p.sram_per_core = 44 * 1024;
  wafer::GemmShape g;
  g.m = 256;
  g.k = 1024;
  g.n = 1024;
  std::uint64_t cycles = 0;
  for (auto _ : s) {
    cycles = fabric::CycleKernels(p).run_mesh_gemm(g, 32, 32).cycles;
    benchmark::DoNotOptimize(cycles);
  }
  s.counters["cycles"] = static_cast<double>(cycles);
}
BENCHMARK(BM_CycleMeshGemm256x1024On32x32)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace wafersim
