// The mesh family at cycle level: the K-tree reduction and
// all-reduce and MeshGEMV give Eigen's numbers, track approx's mesh formulas
// within 10% (at α = 40 and at α = 0 with 2-cycle hops and 2 B links), and the
// router-to-core ramp is charged per message.
#include <gtest/gtest.h>

#include "models/fabric/cycle_kernels.h"
#include "sim/core/error.h"

namespace wafersim::fabric {
namespace {

using wafer::AttentionShape;
using wafer::GemmShape;
using wafer::MeshKernels;

/// wse3's core and fabric with the mesh family (configs/devices/wse3.yaml):
/// 1-cycle hops, 2-cycle ramps, 40-cycle task activation, 4 B SRAM accumulators.
CycleParams wse3_mesh(double hop = 1, double link = 4, double task = 40) {
  CycleParams p;
  p.core.hop_latency = hop;
  p.core.link_bytes = link;
  p.core.sram_read = 16;
  p.core.sram_write = 8;
  p.core.flops = 16;
  p.core.task_overhead = task;
  p.core.ramp_latency = 2;
  p.core.acc_bytes = 4;
  p.core.mesh_family = true;
  p.sram_per_core = 44 * 1024;
  p.check_numbers = true;
  return p;
}

double rel(double approx, double cycle) { return (approx - cycle) / cycle; }

TEST(CycleMeshKernels, KTreeSumsAndTracksApprox) {
  const CycleParams calibrated = wse3_mesh(), fast = wse3_mesh(2, 2, 0);
  for (const CycleParams* p : {&calibrated, &fast}) {
    const CycleKernels k(*p);
    const MeshKernels a(p->core);
    for (std::int64_t n : {2, 5, 16, 64})
      for (double bytes : {64.0, 2048.0}) {
        const KernelRun red = k.run_ktree_reduce(n, bytes);
        const KernelRun all = k.run_ktree_allreduce(n, bytes);
        ASSERT_TRUE(red.fits && all.fits);
        EXPECT_LT(red.max_rel_error, 1e-5);
        EXPECT_LT(all.max_rel_error, 1e-5);
        EXPECT_GT(all.cycles, red.cycles);
        const double t = p->core.task_overhead;
        EXPECT_LT(std::abs(rel(t + a.ktree_reduce(n, bytes).cycles, static_cast<double>(red.cycles))), 0.10)
            << "reduce n=" << n << " bytes=" << bytes << " cycle=" << red.cycles;
        // The return multicast leaves the root both ways at once.
        EXPECT_LT(std::abs(rel(t + a.ktree_allreduce(n, bytes).cycles, static_cast<double>(all.cycles))), 0.10)
            << "all-reduce n=" << n << " bytes=" << bytes << " cycle=" << all.cycles;
      }
  }
}

TEST(CycleMeshKernels, RampsAreChargedPerMessage) {
  // Two cores, one flit: the sender's activation, then hop + ramp out + ramp in,
  // then the receiver's activation for the all-reduce's return trip.
  CycleParams p = wse3_mesh();
  const KernelRun with = CycleKernels(p).run_ktree_reduce(2, 4);
  p.core.ramp_latency = 0;
  const KernelRun without = CycleKernels(p).run_ktree_reduce(2, 4);
  EXPECT_EQ(with.cycles, without.cycles + 4);
}

TEST(CycleMeshKernels, MeshGemvEqualsEigenAndTracksApprox) {
  for (const CycleParams& p : {wse3_mesh(), wse3_mesh(2, 2, 0)}) {
    const CycleKernels k(p);
    const MeshKernels a(p.core);
    for (auto [m, kk, n, rows, cols] : {std::tuple<int, int, int, int, int>{1, 256, 256, 4, 4},
                                        {1, 1000, 1408, 16, 16},
                                        {4, 1024, 1024, 16, 16},
                                        {1, 1000, 1408, 24, 40}}) {
      GemmShape s;
      s.m = m;
      s.k = kk;
      s.n = n;
      const KernelRun r = k.run_mesh_gemv(s, rows, cols);
      ASSERT_TRUE(r.fits) << r.fit_error;
      EXPECT_LT(r.max_rel_error, 1e-4);
      const double approx = a.mesh_gemv(s, rows, cols).total();
      EXPECT_LT(std::abs(rel(approx, static_cast<double>(r.cycles))), 0.10)
          << "M=" << m << " K=" << kk << " N=" << n << " " << rows << "x" << cols << " cycle=" << r.cycles
          << " approx=" << approx;
    }
  }
}

TEST(CycleMeshKernels, MeshGemmEqualsEigenAndTracksApprox) {
  // Cannon's shifts over folded rings against approx's mesh_gemm with its
  // one-ramp shifts, S − 1 shifts and the alignment's ⌊S/2⌋ ring steps.
  for (const CycleParams& p : {wse3_mesh(), wse3_mesh(2, 2, 0)}) {
    const CycleKernels k(p);
    const MeshKernels a(p.core);
    for (auto [m, kk, n, side] : {std::tuple<int, int, int, int>{16, 256, 256, 4},
                                  {64, 256, 256, 8},
                                  {4, 64, 64, 8},
                                  {100, 1000, 1408, 16},
                                  {3, 40, 24, 5}}) {
      GemmShape s;
      s.m = m;
      s.k = kk;
      s.n = n;
      const KernelRun r = k.run_mesh_gemm(s, side, side);
      ASSERT_TRUE(r.fits) << r.fit_error;
      EXPECT_LT(r.max_rel_error, 1e-4) << "M=" << m << " K=" << kk << " N=" << n << " on " << side;
      EXPECT_EQ(r.cost.total(), static_cast<double>(r.cycles));
      const double approx = a.mesh_gemm(s, side, side).total();
      EXPECT_LT(std::abs(rel(approx, static_cast<double>(r.cycles))), 0.05)
          << "M=" << m << " K=" << kk << " N=" << n << " " << side << "x" << side << " cycle=" << r.cycles
          << " approx=" << approx;
    }
  }
}

TEST(CycleMeshKernels, DecodeAttentionWithKTreesEqualsEigenAndTracksApprox) {
  // One query: the line family's program with K-tree all-reduces and reductions
  // to the middle, ramps charged, against approx's mesh-family attention.
  for (const CycleParams& p : {wse3_mesh(), wse3_mesh(2, 2, 0)}) {
    CycleParams mesh = p;
    mesh.core.mesh_family = true;
    mesh.core.attention_layout_moves = false;  // the program starts in the block layout
    const CycleKernels k(mesh);
    const MeshKernels a(mesh.core);
    for (auto [heads, ctx, side] :
         {std::tuple<int, int, int>{1, 64, 8}, {8, 512, 32}, {1, 100, 16}, {32, 64, 8}, {3, 96, 5}}) {
      AttentionShape s;
      s.m = 1;
      s.head_dim = 64;
      s.context = ctx;
      s.heads = heads;
      const KernelRun r = k.run_attention(s, side, side);
      ASSERT_TRUE(r.fits) << r.fit_error;
      EXPECT_LT(r.max_rel_error, 1e-4) << heads << " heads on " << side;
      const double approx = a.attention(s, side, side).total();
      EXPECT_LT(std::abs(rel(approx, static_cast<double>(r.cycles))), 0.10)
          << heads << " heads, ctx " << ctx << " on " << side << "x" << side << " cycle=" << r.cycles
          << " approx=" << approx;
    }
  }
}

TEST(CycleMeshKernels, MeshGemmNeedsASquareRegion) {
  GemmShape s;
  s.m = 16;
  EXPECT_THROW((void)CycleKernels(wse3_mesh()).run_mesh_gemm(s, 4, 8), InternalError);
}

}  // namespace
}  // namespace wafersim::fabric
