// The cycle-level kernels: outputs equal Eigen's on random inputs (1e-4), closed
// forms where the cycle model has one, approx within 10% on representative
// shapes (the full sweep is `wafersim crosscheck`), and SRAM enforced per core.
#include <gtest/gtest.h>

#include "models/fabric/cycle_kernels.h"

namespace wafersim::fabric {
namespace {

using wafer::AttentionShape;
using wafer::GemmShape;
using wafer::MeshKernels;
using wafer::ReduceAlgo;

/// The wse3 core and fabric (configs/devices/wse3.yaml): 4 B/cycle links, 1-cycle
/// hops, 16/8 B/cycle SRAM ports, 16 FLOP/cycle, 97-cycle task activation, 44 KiB usable.
CycleParams wse3_like() {
  CycleParams p;
  p.core.hop_latency = 1;
  p.core.link_bytes = 4;
  p.core.sram_read = 16;
  p.core.sram_write = 8;
  p.core.flops = 16;
  p.core.task_overhead = 97;
  p.sram_per_core = 44 * 1024;
  p.check_numbers = true;
  return p;
}

double rel(double approx, double cycle) { return (approx - cycle) / cycle; }

TEST(CycleKernels, MulticastMatchesItsClosedFormExactly) {
  const CycleParams p = wse3_like();
  const CycleKernels k(p);
  const MeshKernels a(p.core);
  for (std::int64_t n : {2, 5, 16, 64})
    for (double bytes : {4.0, 256.0, 4096.0}) {
      const KernelRun r = k.run_multicast(n, bytes);
      ASSERT_TRUE(r.fits);
      // The kernel's own activation, then (n−1) hops + bytes/link + the receivers' activation.
      EXPECT_EQ(static_cast<double>(r.cycles), p.core.task_overhead + a.multicast(n, bytes).cycles)
          << n << " " << bytes;
      EXPECT_EQ(r.max_rel_error, 0.0);
      EXPECT_EQ(r.flit_hops, static_cast<std::uint64_t>((n - 1) * bytes / 4));
    }
}

TEST(CycleKernels, ReductionsAddUpAndTrackApprox) {
  const CycleParams p = wse3_like();
  const CycleKernels k(p);
  const MeshKernels a(p.core);
  for (ReduceAlgo algo : {ReduceAlgo::Chain, ReduceAlgo::Tree})
    for (std::int64_t n : {2, 7, 16, 64})
      for (double bytes : {64.0, 2048.0}) {
        const KernelRun r = k.run_reduce(n, bytes, algo);
        ASSERT_TRUE(r.fits);
        EXPECT_LT(r.max_rel_error, 1e-5);
        const double approx = p.core.task_overhead + a.reduce(n, bytes, algo).cycles;
        EXPECT_LT(std::abs(rel(approx, static_cast<double>(r.cycles))), 0.10)
            << wafer::reduce_algo_name(algo) << " n=" << n << " bytes=" << bytes << " cycle=" << r.cycles;
      }
}

TEST(CycleKernels, AllReducesLeaveTheSumEverywhere) {
  const CycleParams p = wse3_like();
  const CycleKernels k(p);
  const MeshKernels a(p.core);
  for (ReduceAlgo algo : {ReduceAlgo::Ring, ReduceAlgo::Chain, ReduceAlgo::Tree})
    for (std::int64_t n : {2, 5, 16})
      for (double bytes : {64.0, 1024.0}) {
        const KernelRun r = k.run_allreduce(n, bytes, algo);
        ASSERT_TRUE(r.fits);
        EXPECT_LT(r.max_rel_error, 1e-5) << wafer::reduce_algo_name(algo) << " n=" << n;
        const double approx = p.core.task_overhead + a.allreduce(n, bytes, algo).cycles;
        EXPECT_LT(std::abs(rel(approx, static_cast<double>(r.cycles))), 0.10)
            << wafer::reduce_algo_name(algo) << " n=" << n << " bytes=" << bytes << " cycle=" << r.cycles;
      }
}

TEST(CycleKernels, GemmEqualsEigenOnShapesThatDoNotDivideTheRegion) {
  const CycleKernels k(wse3_like());
  struct Case {
    std::int64_t m, kk, n, count, rows, cols;
  };
  for (const Case& c : {Case{1, 64, 64, 1, 4, 4}, Case{4, 100, 70, 1, 8, 8}, Case{1, 5, 9, 1, 8, 8},
                        Case{16, 256, 128, 1, 4, 8}, Case{2, 96, 40, 3, 3, 5}, Case{1, 1000, 1408, 1, 8, 8}}) {
    GemmShape s;
    s.m = c.m;
    s.k = c.kk;
    s.n = c.n;
    s.count = c.count;
    const KernelRun r = k.run_gemm(s, c.rows, c.cols);
    ASSERT_TRUE(r.fits) << r.fit_error;
    EXPECT_LT(r.max_rel_error, 1e-4) << c.kk << "x" << c.n << " on " << c.rows << "x" << c.cols;
    EXPECT_EQ(r.cost.total(), static_cast<double>(r.cycles));
  }
}

TEST(CycleKernels, GemvTracksApproxWithinTenPercent) {
  const CycleParams p = wse3_like();
  const CycleKernels k(p);
  const MeshKernels a(p.core);
  for (std::int64_t side : {4, 16, 32})
    for (std::int64_t n : {64, 512, 2048})
      for (std::int64_t m : {1, 4}) {
        GemmShape s;
        s.m = m;
        s.k = n;
        s.n = n;
        const KernelRun r = k.run_gemm(s, side, side);
        if (!r.fits) continue;
        const double approx = a.gemm(s, side, side).total();
        EXPECT_LT(std::abs(rel(approx, static_cast<double>(r.cycles))), 0.10)
            << n << " on " << side << "x" << side << " m=" << m << ": approx " << approx << " cycle " << r.cycles;
      }
}

TEST(CycleKernels, AttentionEqualsEigen) {
  const CycleKernels k(wse3_like());
  struct Case {
    std::int64_t m, d, ctx, heads, rows, cols;
  };
  for (const Case& c : {Case{1, 64, 64, 1, 4, 4}, Case{1, 64, 100, 8, 8, 8}, Case{4, 32, 96, 3, 8, 8},
                        Case{2, 16, 40, 40, 4, 4}, Case{1, 64, 512, 2, 16, 16}}) {
    AttentionShape s;
    s.m = c.m;
    s.head_dim = c.d;
    s.context = c.ctx;
    s.heads = c.heads;
    const KernelRun r = k.run_attention(s, c.rows, c.cols);
    ASSERT_TRUE(r.fits) << r.fit_error;
    EXPECT_LT(r.max_rel_error, 1e-4) << c.heads << " heads, context " << c.ctx;
  }
}

TEST(CycleKernels, NormElementwiseAndTransferEqualEigen) {
  const CycleKernels k(wse3_like());
  for (std::int64_t line : {1, 4, 7}) {
    const KernelRun n = k.run_norm(3, 100, line, 2);
    ASSERT_TRUE(n.fits);
    EXPECT_LT(n.max_rel_error, 1e-4);
    const KernelRun e = k.run_elementwise(1000, line, 2, 2);
    EXPECT_LT(e.max_rel_error, 1e-6);
  }
  const KernelRun t = k.run_transfer(4096, 9, 4);
  EXPECT_EQ(t.max_rel_error, 0.0);
  // One activation, 9 hops, 1 KiB per link at 4 B/cycle.
  EXPECT_EQ(t.cycles, 97u + 9u + 256u);
}

TEST(CycleKernels, SramIsEnforcedPerCore) {
  const CycleKernels k(wse3_like());
  GemmShape s;
  s.k = 4096;
  s.n = 4096;
  // 4096 × 4096 × 2 B over 16 cores is 2 MiB per core against 44 KiB.
  const KernelRun r = k.run_gemm(s, 4, 4);
  EXPECT_FALSE(r.fits);
  EXPECT_NE(r.fit_error.find("needs"), std::string::npos);
  EXPECT_THROW((void)k.gemm(s, 4, 4), DoesNotFit);
}

}  // namespace
}  // namespace wafersim::fabric
