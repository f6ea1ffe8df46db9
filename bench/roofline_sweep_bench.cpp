// Simulator speed: a 1,000-point sweep (5 systems × 2 models ×
// 10 batch sizes × 10 contexts), end to end through RequestRunner (config loading
// included, as `wafersim run` does it per point) and through the Evaluator alone
// (graph build, mapping, timing), at roofline unless named approx.

#include <benchmark/benchmark.h>

#include "models/register_builtin.h"
#include "sim/hardware/system.h"
#include "sim/scenario/eval_request.h"
#include "sim/workload/graph_builder.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

const char* kSystems[] = {"wse3", "cs3-x4", "h100-sxm5", "dgx-h100", "groq-rack"};
const char* kModels[] = {"llama-3.1-8b", "llama-3.1-70b"};

std::vector<EvalRequest> sweep(Fidelity fidelity) {
  std::vector<EvalRequest> out;
  for (const char* s : kSystems)
    for (const char* m : kModels)
      for (int b = 0; b < 10; ++b)
        for (int c = 0; c < 10; ++c) {
          EvalRequest r;
          r.system = s;
          r.model = m;
          r.options.workload.batch = 1 << b;
          r.options.workload.context = 512 * (c + 1);
          r.options.fidelity = fidelity;
          out.push_back(r);
        }
  return out;
}

void BM_SweepEndToEnd(benchmark::State& state, Fidelity fidelity) {
  Registry registry;
  models::register_builtin(registry);
  const RequestRunner runner(registry, WAFERSIM_CONFIG_ROOT);
  const auto points = sweep(fidelity);
  for (auto _ : state) {
    int fits = 0;
    for (const auto& p : points) fits += runner.run(p).fits;
    benchmark::DoNotOptimize(fits);
  }
  state.counters["points/s"] = benchmark::Counter(
      static_cast<double>(points.size()) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_SweepEndToEnd, roofline, Fidelity::Roofline)->Unit(benchmark::kMillisecond);
// The same 1,000 points at each kind's approx model (wafer mesh engine, GPU waves,
// LPU pipelines).
BENCHMARK_CAPTURE(BM_SweepEndToEnd, approx, Fidelity::Approx)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_SweepEvaluatorOnly(benchmark::State& state) {
  Registry registry;
  models::register_builtin(registry);
  ConfigLibrary library(WAFERSIM_CONFIG_ROOT);
  SystemLoader loader(library, registry.devices());
  std::vector<System> systems;
  for (const char* s : kSystems) systems.push_back(loader.load(s));
  std::vector<ModelSpec> models;
  for (const char* m : kModels) models.push_back(ModelLoader::load(library, m));
  const Evaluator evaluator(registry);
  const auto points = sweep(Fidelity::Roofline);
  for (auto _ : state) {
    int fits = 0;
    for (std::size_t i = 0; i < points.size(); ++i)
      fits += evaluator.evaluate(systems[i / 200], models[(i / 100) % 2], points[i].options).fits;
    benchmark::DoNotOptimize(fits);
  }
  state.counters["points/s"] = benchmark::Counter(
      static_cast<double>(points.size()) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SweepEvaluatorOnly)->Unit(benchmark::kMillisecond);

void BM_BuildDecodeGraph70B(benchmark::State& state) {
  ConfigLibrary library(WAFERSIM_CONFIG_ROOT);
  const ModelSpec m = ModelLoader::load(library, "llama-3.1-70b");
  for (auto _ : state) {
    Graph g = GraphBuilder::build(m, StepShape{StepKind::Decode, 1, 1, 4096, DType::Fp16, DType::Fp16});
    benchmark::DoNotOptimize(g.ops().size());
  }
}
BENCHMARK(BM_BuildDecodeGraph70B)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wafersim
