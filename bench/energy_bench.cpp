// What the energy model costs: one Llama 3.1 70B decode step on a DGX H100 timed by
// the pipeline engine alone, then timed and priced (apply_step_energy), the power-cap
// solution, one step added to an EnergyAccount (what a serving run pays per
// step) and the whole-run figures (finish_run_energy: static, cost, cooling).

#include <benchmark/benchmark.h>

#include "models/register_builtin.h"
#include "sim/energy/energy_account.h"
#include "sim/mapping/pipeline_mapper.h"
#include "sim/timing/pipeline_engine.h"
#include "sim/workload/graph_builder.h"
#include "sim/workload/model_loader.h"

namespace wafersim {
namespace {

struct Setup {
  Setup() : library(WAFERSIM_CONFIG_ROOT) {
    models::register_builtin(registry);
    SystemLoader loader(library, registry.devices());
    system.emplace(loader.load("dgx-h100"));
    const ModelSpec model = ModelLoader::load(library, "llama-3.1-70b");
    graph.emplace(GraphBuilder::build(model, StepShape{StepKind::Decode, 16, 1, 4096, DType::Fp16, DType::Fp16}));
    const DeviceGroup& g = system->main_group();
    const Backend& b = registry.backend(g.device->kind());
    plan.emplace(PipelineMapper::map(*graph, g, b.policy(*g.device), g.count));
    cost = b.cost_model(*g.device, Fidelity::Roofline);
  }
  Registry registry;
  ConfigLibrary library;
  std::optional<System> system;
  std::optional<Graph> graph;
  std::optional<Plan> plan;
  std::unique_ptr<OpCostModel> cost;
};

void BM_DecodeStepTimingOnly(benchmark::State& state) {
  Setup s;
  for (auto _ : state) benchmark::DoNotOptimize(PipelineEngine::run(*s.plan, *s.cost).latency_s);
}
BENCHMARK(BM_DecodeStepTimingOnly)->Unit(benchmark::kMicrosecond);

void BM_DecodeStepTimingAndEnergy(benchmark::State& state) {
  Setup s;
  for (auto _ : state) {
    StepResult step = PipelineEngine::run(*s.plan, *s.cost);
    benchmark::DoNotOptimize(apply_step_energy(step, *s.graph, s.system->main_group()).energy.total());
  }
}
BENCHMARK(BM_DecodeStepTimingAndEnergy)->Unit(benchmark::kMicrosecond);

void BM_FinishRunEnergy(benchmark::State& state) {
  Setup s;
  StepResult step = PipelineEngine::run(*s.plan, *s.cost);
  (void)apply_step_energy(step, *s.graph, s.system->main_group());
  const std::vector<StepResult> steps{step};
  EnergyInputs in;
  in.step_weights = {1.0};
  in.tokens = 16;
  for (auto _ : state) {
    RunResult r;
    r.latency_s = step.latency_s;
    r.tokens_per_s = 16 / step.latency_s;
    finish_run_energy(r, *s.system, steps, in);
    benchmark::DoNotOptimize(r.energy->energy_j_per_token);
  }
}
BENCHMARK(BM_FinishRunEnergy)->Unit(benchmark::kMicrosecond);

void BM_PowerCapSolution(benchmark::State& state) {
  // A step far over its cap: the bisection runs its full course.
  for (auto _ : state) benchmark::DoNotOptimize(solve_power_cap(40.0, 5.0, 8, 2e-3, 145, 700).stretch);
}
BENCHMARK(BM_PowerCapSolution)->Unit(benchmark::kMicrosecond);

void BM_AccountAddStep(benchmark::State& state) {
  Setup s;
  StepResult step = PipelineEngine::run(*s.plan, *s.cost);
  (void)apply_step_energy(step, *s.graph, s.system->main_group());
  EnergyAccount account(*s.system);
  const std::string group = s.system->main_group().name;
  for (auto _ : state) account.add_step(step, group);
  benchmark::DoNotOptimize(account.finish(1.0, 1.0, 1.0, &step));
}
BENCHMARK(BM_AccountAddStep)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wafersim
