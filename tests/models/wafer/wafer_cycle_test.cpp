// The wafer at `--fidelity cycle`: the glue from a preset to the cycle kernels,
// the step model pricing only its final schedule with them (layouts from approx),
// a kernel that does not fit a core becoming the step's fit_error, the mesh
// limits, and a tiny-llama decode step on wse-mini through the evaluator.

#include <gtest/gtest.h>

#include "models/fabric/cycle_params_from_spec.h"
#include "models/register_builtin.h"
#include "models/wafer/approx/wafer_step_model.h"
#include "models/wafer/wafer_device.h"
#include "sim/mapping/pipeline_mapper.h"
#include "sim/scenario/eval_request.h"
#include "sim/workload/graph_builder.h"
#include "sim/workload/model_loader.h"
#include "tests/models/wafer/wafer_test_support.h"

namespace wafersim::wafer {
namespace {

const WaferSpec& spec_of(const System& s) { return dynamic_cast<const WaferDevice&>(*s.main_group().device).spec(); }

/// Delegates to approx's kernels and counts the calls; or throws DoesNotFit from gemm.
class ProbeKernels final : public KernelModel {
 public:
  ProbeKernels(MeshParams p, int* calls, bool too_big) : k_(p), calls_(calls), too_big_(too_big) {}
  KernelCost gemm(const GemmShape& s, std::int64_t r, std::int64_t c) const override {
    ++*calls_;
    if (too_big_) throw fabric::DoesNotFit{"core (0, 0) needs 50000 B of SRAM and has 45056 B"};
    return k_.gemm(s, r, c);
  }
  KernelCost attention(const AttentionShape& s, std::int64_t r, std::int64_t c) const override {
    ++*calls_;
    return k_.attention(s, r, c);
  }
  KernelCost norm(std::int64_t m, std::int64_t w, std::int64_t l, double e) const override {
    ++*calls_;
    return k_.norm(m, w, l, e);
  }
  KernelCost elementwise(double n, std::int64_t l, double e, int o) const override {
    ++*calls_;
    return k_.elementwise(n, l, e, o);
  }
  KernelCost transfer(double b, std::int64_t d, std::int64_t l) const override {
    ++*calls_;
    return k_.transfer(b, d, l);
  }

 private:
  MeshKernels k_;
  int* calls_;
  bool too_big_;
};

struct Step {
  System system = testing::load_system("wse-mini");
  ModelSpec model = [] {
    ConfigLibrary library(testing::configs_root());
    return ModelLoader::load(library, "tiny-llama");
  }();
  Graph graph = GraphBuilder::build(model, StepShape{StepKind::Decode, 1, 1, 64, DType::Fp16, DType::Fp16});
  Plan plan = PipelineMapper::map(graph, system.main_group(), wafer_policy(*system.main_group().device), 1);
};

TEST(WaferCycle, ParamsAreApproxsPerCycleFiguresWithTheUsableSram) {
  const System s = testing::load_system("wse-mini");
  const WaferSpec& spec = spec_of(s);
  const MeshParams core = OpKernelCoster(spec, "wse-mini", DType::Fp16).params(DType::Fp16);
  const fabric::CycleParams p = fabric::cycle_params(spec, core);
  EXPECT_EQ(p.sram_per_core, 44 * 1024);  // 48 KiB - 4 KiB reserved
  EXPECT_EQ(p.colors, 4);                 // min(4, 24)
  EXPECT_DOUBLE_EQ(p.core.link_bytes, 4);
  EXPECT_DOUBLE_EQ(p.core.hop_latency, 1);
  EXPECT_DOUBLE_EQ(p.core.flops, 16);
  EXPECT_DOUBLE_EQ(p.core.task_overhead, spec.core.task_overhead.value());  // 100 cycles, as wse3
}

TEST(WaferCycle, FinalKernelsPriceOnlyTheScheduleOnApproxsLayout) {
  const Step st;
  int calls = 0;
  const WaferSpec& spec = spec_of(st.system);
  const StepResult approx = WaferStepModel("wse-mini", spec).run(st.plan);
  const StepResult probed = WaferStepModel("wse-mini", spec, [&](const MeshParams& p) {
                              return std::make_unique<ProbeKernels>(p, &calls, false);
                            }).run(st.plan);
  // The same kernels in the final schedule give the same step, bit for bit.
  EXPECT_GT(calls, 0);
  EXPECT_EQ(probed.latency_s, approx.latency_s);
  ASSERT_TRUE(probed.fit_error.empty());
  EXPECT_NE(probed.layout.find("auto chose it at approx"), std::string::npos) << probed.layout;
  // The layout string's mapping part (mode and region) is approx's.
  EXPECT_EQ(probed.layout.substr(0, probed.layout.find('(')), approx.layout.substr(0, approx.layout.find('(')));
}

TEST(WaferCycle, AKernelThatDoesNotFitACoreIsTheStepsFitError) {
  const Step st;
  int calls = 0;
  const StepResult r = fabric::cycle_step("wse-mini", spec_of(st.system), st.plan, [&](const MeshParams& p) {
    return std::make_unique<ProbeKernels>(p, &calls, true);
  });
  EXPECT_EQ(r.fit_error, "at cycle fidelity, core (0, 0) needs 50000 B of SRAM and has 45056 B");
}

TEST(WaferCycle, MeshLimitsAreInputErrors) {
  EXPECT_THROW(fabric::check_cycle_mesh("wse3", spec_of(testing::load_system("wse3"))), InputError);
  EXPECT_NO_THROW(fabric::check_cycle_mesh("wse-mini", spec_of(testing::load_system("wse-mini"))));
  const System edge =
      testing::load_inline_device("edge", "kind: wafer\npreset: wse-mini\nmesh:\n  width: 128\n  height: 128\n");
  EXPECT_NO_THROW(fabric::check_cycle_mesh("edge", spec_of(edge)));
  const System wide = testing::load_inline_device("wide", "kind: wafer\npreset: wse-mini\nmesh:\n  width: 129\n");
  try {
    fabric::check_cycle_mesh("wide", spec_of(wide));
    FAIL() << "a 129-wide mesh passed";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--fidelity: cycle simulates meshes up to 128x128 cores; wide's mesh is 129x64 "
              "(use --fidelity approx, or the wse-mini preset)");
  }
}

TEST(WaferCycle, TinyLlamaDecodeOnWseMiniAtCycleTracksApprox) {
  static const Registry registry = [] {
    Registry r;
    models::register_builtin(r);
    return r;
  }();
  const RequestRunner runner(registry, testing::configs_root());
  auto run = [&](Fidelity f) {
    EvalRequest req;
    req.system = "wse-mini";
    req.model = "tiny-llama";
    req.options.workload.phase = Phase::Decode;
    req.options.workload.context = 64;
    req.options.fidelity = f;
    return runner.run(req);
  };
  const RunResult approx = run(Fidelity::Approx), cycle = run(Fidelity::Cycle);
  ASSERT_TRUE(cycle.fits) << cycle.fit_error;
  EXPECT_EQ(cycle.fidelity, Fidelity::Cycle);
  ASSERT_TRUE(approx.latency_s && cycle.latency_s);
  EXPECT_NEAR(*approx.latency_s / *cycle.latency_s, 1.0, 0.10);
  EXPECT_TRUE(cycle.energy.has_value());
  EXPECT_FALSE(cycle.ops.empty());
}

}  // namespace
}  // namespace wafersim::wafer
