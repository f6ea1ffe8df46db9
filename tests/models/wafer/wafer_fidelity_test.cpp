// The wafer's mesh kernels against WaferLLM's kernel rows and trends
// (calibration-public.md §I), the region search as a search (never slower with
// better hardware, never slower than a region it evaluated), the dataflow
// overlap inside a layer, and the production stack section (A-230..A-239).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "models/register_builtin.h"
#include "models/wafer/approx/op_kernel_coster.h"
#include "sim/scenario/eval_request.h"
#include "tests/models/wafer/wafer_test_support.h"

namespace wafersim::wafer {
namespace {

/// A wafer-like core and fabric: 1-cycle hops, 2-cycle ramps, 40-cycle task
/// activation (α), 4-byte flits, WaferLLM's kernels.
MeshParams waferllm_params() {
  MeshParams p;
  p.hop_latency = 1;
  p.ramp_latency = 2;
  p.task_overhead = 40;
  p.link_bytes = 4;
  p.mesh_family = true;
  return p;
}

/// A decoder with the given shapes, written once to a temporary folder.
std::string model_file(const std::string& name, int layers, int hidden, int heads, int kv_heads, int ffn) {
  const auto dir = std::filesystem::temp_directory_path() / "wafersim_fidelity_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / (name + ".yaml");
  std::ofstream(path) << "kind: model\ndescription: test shapes\narchitecture: decoder\nlayers: " << layers
                      << "\nhidden: " << hidden << "\nheads: " << heads << "\nkv_heads: " << kv_heads
                      << "\nhead_dim: 128\nffn: " << ffn
                      << "\nffn_kind: swiglu\nnorm: rmsnorm\nvocab: 32000\ntied_embeddings: false\nbias: false\n"
                         "max_positions: 0\n";
  return path.string();
}

struct Point {
  std::string system = "wse3", model = "llama-3.1-8b";
  Phase phase = Phase::Decode;
  std::int64_t prompt = 512, context = 1024, batch = 1;
  std::vector<std::pair<std::string, std::string>> set;
};

RunResult eval(const Point& p) {
  static const Registry registry = [] {
    Registry r;
    models::register_builtin(r);
    return r;
  }();
  const RequestRunner runner(registry, testing::configs_root());
  EvalRequest req;
  req.system = p.system;
  req.model = p.model;
  req.options.workload.phase = p.phase;
  req.options.workload.prompt = p.prompt;
  req.options.workload.context = p.context;
  req.options.workload.batch = p.batch;
  for (const auto& [k, v] : p.set) req.overrides.push_back(Override{k, v, "--set"});
  return runner.run(req);
}

double step_s(const Point& p) {
  const RunResult r = eval(p);
  EXPECT_TRUE(r.fits) << r.fit_error;
  return r.fits ? *r.latency_s : 0;
}

/// The q_proj op of a one-layer model of `hidden` on wse2's 720 × 720 (WL-GEMV rows).
double gemv_us(int hidden) {
  Point p;
  p.system = "wse2";
  p.model = model_file("gemv" + std::to_string(hidden), 1, hidden, hidden / 128, hidden / 128, hidden);
  p.set = {{"wse2.mapping.mode", "wafer_parallel"}, {"wse2.mapping.region", "720x720"}};
  const RunResult r = eval(p);
  double t = 0;
  for (const auto& op : r.ops)
    if (op.name == "layers.0.attn.q_proj" || op.name == "layers.0.attn.q_proj.reduce") t += op.time_s;
  return t * 1e6;
}

TEST(WaferFidelity, MeshGemvLandsOnWaferLlmsKernelRows) {
  // WL-GEMV-16K 1.20 us (the calibration row of task_overhead), WL-GEMV-32K 2.03 us.
  EXPECT_NEAR(gemv_us(16384), 1.20, 0.5 * 1.20);
  EXPECT_NEAR(gemv_us(32768), 2.03, 0.5 * 2.03);
  EXPECT_GT(gemv_us(32768), gemv_us(16384));
}

TEST(WaferFidelity, KTreeAllReduceBeatsAFullLineAndGrowsWithTheLine) {
  const MeshKernels k(waferllm_params());
  // A chain over the whole line pays 2 ramps at each of n−1 cores; the K-tree only
  // at O(levels · n^(1/levels)) of them.
  const LineCost tree = k.ktree_allreduce(720, 46);
  EXPECT_LT(tree.cycles, 719.0 * (1 + 2 * 2));
  EXPECT_GE(tree.hops, 360);  // the multicast back crosses half the line at least
  EXPECT_LT(k.ktree_allreduce(420, 46).cycles, tree.cycles);
  // Closed form for 2 cores: one step of 1 hop + 2 ramps, one activation, one stream;
  // then the multicast: 1 hop + 2 ramps + the stream + an activation.
  EXPECT_DOUBLE_EQ(k.ktree_allreduce(2, 8).cycles, (1 + 4 + 40 + 2) + (1 + 4 + 2 + 40));
}

TEST(WaferFidelity, AttentionOperandsCrossFromTheGemvLayoutToTheHeadBlocks) {
  // 4 heads on 8 × 8: 2 × 2 blocks of 4 × 4; head h's dims on columns 2h, 2h+1.
  const AttentionBlocks b = attention_blocks(4, 8, 8);
  ASSERT_EQ(b.br, 4);
  ASSERT_EQ(b.bc, 4);
  const HeadBlockMoves mv = head_block_moves(4, 8, 8, b);
  EXPECT_DOUBLE_EQ(mv.in_hops, 1);   // heads 1 and 2: one column off their block
  EXPECT_DOUBLE_EQ(mv.out_hops, 8);  // head 2: 1 across, 1 along its columns, 6 down from row 6
  // Decode on the mesh family pays them; the line family (the cycle reference's) does not.
  MeshParams p;
  p.hop_latency = 1;
  p.ramp_latency = 2;
  p.task_overhead = 40;
  p.link_bytes = 4;
  p.flops = 8;
  AttentionShape s;
  s.m = 1;
  s.heads = 64;
  s.context = 4096;
  p.mesh_family = true;
  const MeshKernels mesh(p);
  const AttentionBlocks b420 = attention_blocks(64, 420, 420);
  const HeadBlockMoves mv420 = head_block_moves(64, 420, 420, b420);
  EXPECT_GE(mesh.attention(s, 420, 420).hops, mv420.in_hops + mv420.out_hops);
  EXPECT_GT(mv420.out_hops, 400);  // down every row of the region
}

TEST(WaferFidelity, NonMatrixWorkIsPricedAtItsInstructionCount) {
  MeshParams p;
  p.flops = 8;  // 4 fp16 lanes
  p.sram_read = 16;
  p.sram_write = 8;
  const MeshKernels line(p);
  // The line family prices an activation as a plain elementwise op.
  EXPECT_DOUBLE_EQ(line.activation(4000, 10, 2, 2, 20).total(), line.elementwise(4000, 10, 2, 2).total());
  p.mesh_family = true;
  const MeshKernels mesh(p);
  // 400 elements a core, 4 lanes, 20 instructions each (SiLU·mul, A-436).
  EXPECT_DOUBLE_EQ(mesh.activation(4000, 10, 2, 2, 20).compute, 100.0 * 20);
  // RMSNorm of one token, 20 elements a core: the sum of squares (5 cycles), an
  // rsqrt (10) and x · (1/rms) · gamma (2 instructions on 5 vectors).
  EXPECT_DOUBLE_EQ(mesh.norm(1, 8192, 420, 2).compute, 5 + 10 + 10);
}

TEST(WaferFidelity, MeshGemmPaysCannonsAlignmentOncePerProduct) {
  MeshParams p = waferllm_params();
  p.flops = 8;
  p.acc_bytes = 4;
  p.gemm_efficiency = 0.28;
  const MeshKernels k(p);
  GemmShape s;
  s.m = 4096;
  s.k = 8192;
  s.n = 8192;
  // 480 × 480: A tiles of 9 × 18 fp16 = 324 B = 81 flits; the shifts hide behind
  // the MACs, so the fabric time is the alignment: each row moves the shorter way
  // round its folded ring, ⌊480/2⌋ ring steps of 81 flits + 2h + 2ρ.
  const KernelCost c = k.mesh_gemm(s, 480, 480);
  EXPECT_DOUBLE_EQ(c.multicast, 240.0 * (81 + 2 + 4));
  // One task activation for every step but the last.
  EXPECT_DOUBLE_EQ(c.compute, 480.0 * (2.0 * 9 * 18 * 18 / (8 * 0.28)) + 479 * 40);
}

TEST(WaferFidelity, LargerGridSlowsBatchOneDecodeAndSpeedsUpLongPrefill) {
  // WaferLLM's CodeLlama-34B rows (§I): decode 420² faster than 660², prefill
  // of 4,096 tokens 720² faster than 480². SRAM raised so a 48-layer model fits
  // one region (the rows scale a measured subset of layers).
  const std::string cl34 = model_file("cl34", 4, 8192, 64, 8, 22016);
  auto at = [&](int side, Phase phase) {
    Point p;
    p.system = "wse2";
    p.model = cl34;
    p.phase = phase;
    p.context = 4096;
    p.prompt = 4096;
    p.set = {{"wse2.mapping.mode", "wafer_parallel"},
             {"wse2.mapping.region", std::to_string(side) + "x" + std::to_string(side)}};
    return step_s(p);
  };
  EXPECT_GT(at(660, Phase::Decode), at(420, Phase::Decode));
  EXPECT_LT(at(720, Phase::Prefill), at(480, Phase::Prefill));
}

TEST(WaferFidelity, AutoNeverSlowsWithBetterHardware) {
  // At batch 1 and with micro-batches in flight.
  for (std::int64_t batch : {1, 4, 16}) {
    auto decode = [batch](const std::string& key, const std::string& value) {
      Point p;
      p.batch = batch;
      p.set = {{key, value}};
      return step_s(p);
    };
    double last = 1e9;
    for (const char* sram : {"48 KiB", "64 KiB", "96 KiB", "192 KiB"}) {
      const double t = decode("wse3.core.sram", sram);
      EXPECT_LE(t, last * (1 + 1e-9)) << sram << " batch " << batch;
      last = t;
    }
    last = 1e9;
    for (const char* link : {"2 B/cycle", "4 B/cycle", "8 B/cycle"}) {
      const double t = decode("wse3.fabric.link_bandwidth", link);
      EXPECT_LE(t, last * (1 + 1e-9)) << link << " batch " << batch;
      last = t;
    }
    last = 1e9;
    for (const char* hop : {"4 cycle", "2 cycle", "1 cycle"}) {
      const double t = decode("wse3.fabric.hop_latency", hop);
      EXPECT_LE(t, last * (1 + 1e-9)) << hop << " batch " << batch;
      last = t;
    }
  }
}

TEST(WaferFidelity, SearchedRegionIsNeverSlowerThanAnyForcedOne) {
  for (const char* mode : {"wafer_parallel", "layer_pipelined"}) {
    Point p;
    p.set = {{"wse3.mapping.mode", mode}};
    const double searched = step_s(p);
    for (const char* region : {"60x240", "94x232", "185x568", "363x762", "568x710"}) {
      Point f = p;
      f.set.emplace_back("wse3.mapping.region", region);
      const RunResult r = eval(f);
      if (!r.fits) continue;
      EXPECT_LE(searched, *r.latency_s * (1 + 1e-6)) << mode << " " << region;
    }
  }
}

TEST(WaferFidelity, ReductionsOverlapTheNextOpsLocalWork) {
  Point dataflow;
  dataflow.set = {{"wse3.mapping.schedule", "dataflow"}};
  const RunResult r = eval(dataflow);
  ASSERT_TRUE(r.fits);
  const OpTiming *q_reduce = nullptr, *k_local = nullptr;
  for (const auto& op : r.ops) {
    if (op.name == "layers.0.attn.q_proj.reduce") q_reduce = &op;
    if (op.name == "layers.0.attn.k_proj") k_local = &op;
  }
  ASSERT_TRUE(q_reduce != nullptr && k_local != nullptr);
  // k's MACs start while q's partial sums are still travelling.
  EXPECT_LT(k_local->start_s, q_reduce->start_s + q_reduce->time_s);
  // One op at a time is slower.
  Point seq;
  seq.set = {{"wse3.mapping.schedule", "sequential"}};
  EXPECT_GT(step_s(seq), *r.latency_s);
}

TEST(WaferFidelity, SystemSoftwareSectionOverridesTheDevicesStack) {
  Point p;
  p.system = "cs3-x4";
  const double with_stack = step_s(p);
  // The system's software.wafer wins over the device's stack: section.
  p.set = {{"wse3.stack.layer_overhead", "0 s"}};
  EXPECT_DOUBLE_EQ(step_s(p), with_stack);
  p.set = {{"cs3-x4.software.wafer.layer_overhead", "0 s"}};
  EXPECT_NEAR(with_stack - step_s(p), 32 * 6.59e-6, 1e-9);  // llama-3.1-8b: 32 layers
}

TEST(WaferFidelity, StackStepOverheadAddsOncePerStep) {
  Point bare;
  bare.set = {{"wse3.stack.step_overhead", "0 s"}};
  Point stack = bare;
  stack.set = {{"wse3.stack.step_overhead", "100 us"}};
  EXPECT_NEAR(step_s(stack) - step_s(bare), 100e-6, 1e-9);
}

}  // namespace
}  // namespace wafersim::wafer
