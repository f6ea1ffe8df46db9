// Simulator speed of the GPU approx model: one llama-3.1-70b decode step on dgx-h100
// (8 GPUs, tensor parallel) through the Evaluator (graph build, mapping, approx
// timing of ~1,300 ops and 160 all-reduces), end to end through RequestRunner
// (configs and the step graph cached, as `wafersim run` does), and the plan timing
// alone, and with the step's energy priced. Issue 6 asks ≤ 1 ms per step, issue 21
// ≤ 150 µs CPU including energy (EndToEnd: RequestRunner prices every step's energy).
// The Evaluator variant rebuilds the 80-layer graph every iteration, and that build
// (~1.3 ms, BM_BuildDecodeGraph70B) is most of its time; the timing itself is the
// TimingOnly figure, TimingAndEnergy adds apply_step_energy.

#include <benchmark/benchmark.h>

#include "bench/bench_presets.h"

#include "models/register_builtin.h"
#include "sim/energy/energy_model.h"
#include "sim/hardware/system.h"
#include "sim/mapping/pipeline_mapper.h"
#include "sim/scenario/eval_request.h"
#include "sim/timing/pipeline_engine.h"
#include "sim/workload/graph_builder.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

EvalOptions decode_options(std::optional<Fidelity> fidelity) {
  EvalOptions o;
  o.workload.batch = 1;
  o.workload.context = 4096;
  o.fidelity = fidelity;
  return o;
}

void BM_Gpu70BDecodeStepEvaluator(benchmark::State& state) {
  bench::Presets presets;
  const System system = presets.system("dgx-h100");
  const ModelSpec model = presets.model("llama-3.1-70b");
  const Evaluator evaluator(presets.registry);
  const EvalOptions options = decode_options(Fidelity::Approx);
  for (auto _ : state) {
    const RunResult r = evaluator.evaluate(system, model, options);
    benchmark::DoNotOptimize(r.latency_s);
  }
}
BENCHMARK(BM_Gpu70BDecodeStepEvaluator)->Unit(benchmark::kMicrosecond);

void BM_Gpu70BDecodeStepEndToEnd(benchmark::State& state) {
  Registry registry;
  models::register_builtin(registry);
  const RequestRunner runner(registry, WAFERSIM_CONFIG_ROOT);
  EvalRequest request;
  request.system = "dgx-h100";
  request.model = "llama-3.1-70b";
  request.options = decode_options(Fidelity::Approx);
  for (auto _ : state) {
    const RunResult r = runner.run(request);
    benchmark::DoNotOptimize(r.latency_s);
  }
}
BENCHMARK(BM_Gpu70BDecodeStepEndToEnd)->Unit(benchmark::kMicrosecond);

void BM_Gpu70BDecodeStepTimingOnly(benchmark::State& state) {
  bench::Presets presets;
  const System system = presets.system("dgx-h100");
  const ModelSpec model = presets.model("llama-3.1-70b");
  const Graph graph = GraphBuilder::build(model, StepShape{StepKind::Decode, 1, 1, 4096, DType::Fp16, DType::Fp16});
  const DeviceGroup& group = system.main_group();
  const Backend& backend = presets.registry.backend("gpu");
  const Plan plan = PipelineMapper::map(graph, group, backend.policy(*group.device), group.count);
  const auto costs = backend.cost_model(*group.device, Fidelity::Approx);
  for (auto _ : state) {
    const StepResult r = PipelineEngine::run(plan, *costs);
    benchmark::DoNotOptimize(r.latency_s);
  }
}
BENCHMARK(BM_Gpu70BDecodeStepTimingOnly)->Unit(benchmark::kMicrosecond);

void BM_Gpu70BDecodeStepTimingAndEnergy(benchmark::State& state) {
  bench::Presets presets;
  const System system = presets.system("dgx-h100");
  const ModelSpec model = presets.model("llama-3.1-70b");
  const Graph graph = GraphBuilder::build(model, StepShape{StepKind::Decode, 1, 1, 4096, DType::Fp16, DType::Fp16});
  const DeviceGroup& group = system.main_group();
  const Backend& backend = presets.registry.backend("gpu");
  const Plan plan = PipelineMapper::map(graph, group, backend.policy(*group.device), group.count);
  const auto costs = backend.cost_model(*group.device, Fidelity::Approx);
  for (auto _ : state) {
    StepResult r = PipelineEngine::run(plan, *costs);
    const StepEnergy e = apply_step_energy(r, graph, group);
    benchmark::DoNotOptimize(e.energy.total());
  }
}
BENCHMARK(BM_Gpu70BDecodeStepTimingAndEnergy)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wafersim
