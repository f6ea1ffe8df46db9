// Mesh kernels against their closed forms (A-51..A-54): each term is hops × hop
// latency, bytes / link bandwidth, MACs / FMAC rate, bytes / SRAM port, plus one
// task activation per step. These are the numbers the cycle-level reference of
// the next issue must reproduce within 10%.

#include "models/wafer/approx/mesh_kernels.h"

#include <gtest/gtest.h>

#include <cmath>

namespace wafersim::wafer {
namespace {

MeshParams wse3_like() {
  MeshParams p;
  p.hop_latency = 1;
  p.link_bytes = 4;
  p.sram_read = 16;
  p.sram_write = 8;
  p.flops = 16;
  p.task_overhead = 97;
  return p;
}

TEST(MeshKernels, SingleGemvOnARegionMatchesItsClosedForm) {
  const MeshKernels k(wse3_like());
  for (auto [rows, cols] : {std::pair{64, 64}, std::pair{60, 240}, std::pair{128, 32}, std::pair{7, 300}}) {
    GemmShape s;
    s.m = 1;
    s.k = 4096;
    s.n = 4096;
    const KernelCost c = k.gemm(s, rows, cols);
    const double kt = std::ceil(4096.0 / rows), nt = std::ceil(4096.0 / cols);
    const double multicast = (cols - 1) * 1.0 + kt * 2 / 4 + 97;                   // (C−1)h + bytes/L + task
    const double local = std::max(2 * kt * nt / 16, (kt * nt * 2 + kt * 2) / 16);  // FMAC vs SRAM read
    const double s_red = nt * 2;
    const double chain = (rows - 1) * (1.0 + 97) + s_red / 4;
    const double levels = std::ceil(std::log2(rows));
    double tree_hops = 0;
    for (int l = 0; l < levels; ++l) tree_hops += std::ldexp(1.0, l);
    const double tree = tree_hops * 1.0 + levels * (97 + s_red / 4);
    const double closed = 97 + multicast + local + std::min(chain, tree);
    EXPECT_NEAR(c.total(), closed, 0.01 * closed) << rows << "x" << cols;
    EXPECT_DOUBLE_EQ(c.flops, 2.0 * 4096 * 4096);
  }
}

TEST(MeshKernels, ReductionPicksChainForBigMessagesAndTreeForSmallOnes) {
  MeshParams p = wse3_like();
  const MeshKernels k(p);
  EXPECT_EQ(k.reduce(64, 8).algo, ReduceAlgo::Tree);        // latency-bound: 6 activations, not 63
  EXPECT_EQ(k.reduce(4, 1 << 20).algo, ReduceAlgo::Chain);  // bandwidth-bound: one pass of the bytes
  // Chain closed form.
  p.task_overhead = 0;
  const MeshKernels k0(p);
  // 9 hops, 8 forwarding cores one cycle each, 100 flits.
  EXPECT_DOUBLE_EQ(k0.reduce(10, 400).cycles, 9 * 1.0 + 8 * kForwardCycles + 400 / 4.0);
  EXPECT_DOUBLE_EQ(k0.reduce(1, 400).cycles, 0);
}

TEST(MeshKernels, TransferIsDistanceTimesHopPlusBytesOverBoundaryLinks) {
  MeshParams p = wse3_like();
  p.hop_latency = 2;
  const MeshKernels k(p);
  const KernelCost c = k.transfer(8192, 100, 64);
  EXPECT_DOUBLE_EQ(c.total(), 97 + 100 * 2 + 8192 / (64 * 4.0));
  EXPECT_DOUBLE_EQ(c.fabric_byte_hops, 8192.0 * 100);
}

TEST(MeshKernels, SpreadingAGemvOverMoreCoresFirstHelpsThenHurts) {
  const MeshKernels k(wse3_like());
  GemmShape s;
  s.k = 8192;
  s.n = 8192;
  std::vector<double> t;
  for (int side : {16, 32, 64, 128, 256, 512}) t.push_back(k.gemm(s, side, side).total());
  EXPECT_LT(t[2], t[0]);      // local work shrinks with the square of the side
  EXPECT_GT(t.back(), t[3]);  // hops and reduction steps grow with it
}

TEST(MeshKernels, AttentionAndNormCostMostlyHopsAtBatchOne) {
  const MeshKernels k(wse3_like());
  AttentionShape a;
  a.head_dim = 128;
  a.context = 1024;
  a.heads = 32;
  const KernelCost c = k.attention(a, 100, 100);
  EXPECT_GT(c.fabric(), c.local());
  EXPECT_DOUBLE_EQ(c.flops, 4.0 * 1024 * 128 * 32);
  const KernelCost n = k.norm(1, 4096, 240, 2);
  EXPECT_GT(n.fabric(), 10 * n.local());
}

TEST(MeshKernels, MoreLinkBandwidthNeverSlowerMoreHopLatencyNeverFaster) {
  MeshParams p = wse3_like();
  const MeshKernels base(p);
  p.link_bytes *= 2;
  const MeshKernels wide(p);
  p = wse3_like();
  p.hop_latency *= 3;
  const MeshKernels slow(p);
  GemmShape s;
  s.m = 16;
  s.k = 4096;
  s.n = 14336;
  for (int side : {8, 50, 200}) {
    EXPECT_LE(wide.gemm(s, side, side).total(), base.gemm(s, side, side).total());
    EXPECT_GE(slow.gemm(s, side, side).total(), base.gemm(s, side, side).total());
  }
}

}  // namespace
}  // namespace wafersim::wafer
