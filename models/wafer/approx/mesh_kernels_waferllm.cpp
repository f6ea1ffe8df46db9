// The mesh family of MeshKernels (A-230..A-235): WaferLLM's kernels (He et al.,
// OSDI 2025) priced from physical counts. MeshGEMV leaves its input where the
// previous op's all-reduce left it and reduces its partial sums with a two-way
// K-tree over short segments, so no full-grid crossing but the final multicast
// is on its critical path; MeshGEMM shifts tiles between neighbours while the
// cores multiply (Cannon). A core that adds a stream pays the router ramp twice
// (in and out) per K-tree step: the HPDC'24 wafer-reduce model's (2·T_R + 1) per
// hop with T_R the ramp and 1 the hop (calibration-public.md §H).
#include <algorithm>
#include <cmath>

#include "models/wafer/approx/mesh_kernels.h"

namespace wafersim::wafer {
namespace {

double ceil_div_d(std::int64_t a, std::int64_t b) {
  return static_cast<double>((a + b - 1) / std::max<std::int64_t>(b, 1));
}

/// Smallest g with g^levels ≥ n.
std::int64_t group_size(std::int64_t n, int levels) {
  auto g = static_cast<std::int64_t>(std::ceil(std::pow(static_cast<double>(n), 1.0 / levels) - 1e-9));
  g = std::max<std::int64_t>(g, 2);
  auto covers = [&](std::int64_t v) {
    double p = 1;
    for (int l = 0; l < levels; ++l) p *= static_cast<double>(v);
    return p >= static_cast<double>(n);
  };
  while (!covers(g)) ++g;
  while (g > 2 && covers(g - 1)) --g;
  return g;
}

}  // namespace

LineCost MeshKernels::ktree_reduce(std::int64_t n, double bytes) const {
  if (n <= 1 || bytes <= 0) return {};
  const double stream = flits(bytes);
  LineCost best;
  best.cycles = -1;
  for (int levels = 1; levels <= 4; ++levels) {
    const std::int64_t g = group_size(n, levels);
    LineCost c;
    c.algo = ReduceAlgo::Tree;
    c.group = g;
    std::int64_t spacing = 1, alive = n;
    for (int l = 0; l < levels && alive > 1; ++l) {
      // Groups of up to g survivors spaced `spacing` apart; both halves of a group
      // stream toward its middle member, which takes two streams in.
      const std::int64_t members = std::min(g, alive);
      const std::int64_t groups = (alive + g - 1) / g;
      const double steps = static_cast<double>(members / 2);
      const double sp = static_cast<double>(spacing);
      // With an even group the right half's chain is a step shorter, so its
      // stream starts one step earlier and the two overlap at the middle: the
      // level ends when the later stream has arrived or when the middle has taken
      // both, whichever is later (A-244; found by the crosscheck).
      const double step = sp * p_.hop_latency + 2 * p_.ramp_latency;
      const double streams = members > 2 ? 2 * stream : stream;
      const double arrive = members > 2 && members % 2 == 0
                                ? std::max((steps - 1) * step + streams, steps * step + stream)
                                : steps * step + streams;
      c.cycles += arrive + p_.task_overhead;
      c.hops += steps * sp;
      c.busy += p_.task_overhead + (members > 2 ? 2 : 1) * stream;
      c.byte_hops += static_cast<double>(groups * (members - 1)) * sp * bytes;
      alive = groups;
      spacing *= g;
    }
    if (best.cycles < 0 || c.cycles < best.cycles) best = c;
    if (g == 2) break;
  }
  return best;
}

LineCost MeshKernels::ktree_allreduce(std::int64_t n, double bytes) const {
  if (n <= 1 || bytes <= 0) return {};
  LineCost r = ktree_reduce(n, bytes);
  // The sum multicast from the middle core to both ends: it leaves and enters a
  // core once each (2 ramps), crosses half the line and activates the receivers.
  const double half = static_cast<double>(n / 2);
  r.cycles += half * p_.hop_latency + 2 * p_.ramp_latency + flits(bytes) + p_.task_overhead;
  r.hops += half;
  r.busy += p_.task_overhead + flits(bytes);
  r.byte_hops += static_cast<double>(n - 1) * bytes;
  return r;
}

LineCost MeshKernels::family_allreduce(std::int64_t n, double bytes) const {
  return p_.mesh_family ? ktree_allreduce(n, bytes) : allreduce(n, bytes);
}

LineCost MeshKernels::family_reduce(std::int64_t n, double bytes) const {
  return p_.mesh_family ? ktree_reduce(n, bytes) : reduce(n, bytes);
}

double MeshKernels::local_matmul(double m, double k, double n, const GemmShape& s) const {
  const double macs = m * k * n;
  // Each MAC reads its weight (weights are not kept in registers across tokens)
  // and, with SRAM accumulators, reads and writes its partial sum; inputs are read
  // once per (token, k), outputs written once per (token, n) in the op's format.
  const double acc = p_.acc_bytes;
  const double reads = macs * (s.weight_bytes + acc) + m * k * s.act_bytes;
  const double writes = macs * acc + m * n * s.act_bytes;
  return std::max({2 * macs / p_.flops, reads / p_.sram_read, writes / p_.sram_write});
}

KernelCost MeshKernels::gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  if (!p_.mesh_family) return line_gemm(s, rows, cols);
  const KernelCost v = mesh_gemv(s, rows, cols);
  if (s.m <= 1) return v;
  const KernelCost g = mesh_gemm(s, rows, cols);
  // MeshGEMV keeps every token's input slice and partial sums on each core: with
  // many tokens (prefill) they outgrow its SRAM and MeshGEMM is the only choice.
  const double kt = ceil_div_d(s.k, std::max<std::int64_t>(rows, 1)),
               nt = ceil_div_d(s.n, std::max<std::int64_t>(cols, 1));
  const double m = static_cast<double>(s.m);
  const double gemv_bytes =
      kt * nt * s.weight_bytes + m * kt * s.act_bytes + m * nt * std::max(s.act_bytes, p_.acc_bytes);
  if (p_.sram_bytes > 0 && gemv_bytes * static_cast<double>(s.count) > p_.sram_bytes) return g;
  return g.total() < v.total() ? g : v;
}

KernelCost MeshKernels::mesh_gemv(const GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  const double m = static_cast<double>(s.m), count = static_cast<double>(s.count);
  const double kt = ceil_div_d(s.k, rows), nt = ceil_div_d(s.n, cols);
  KernelCost c;
  c.overhead = p_.task_overhead;
  c.compute = count * 2 * m * kt * nt / p_.flops;
  c.sram = count * local_matmul(m, kt, nt, s);
  // The outputs of column j (N/C per token) summed over its R cores and left on
  // all of them: where the next op's input must be.
  const LineCost red = ktree_allreduce(rows, m * nt * s.act_bytes * count);
  c.reduce = red.cycles;
  c.reduce_busy = red.busy;
  c.hops = red.hops;
  c.algo = red.algo;
  const double cores = static_cast<double>(rows * cols);
  c.flops = 2 * m * static_cast<double>(s.k) * static_cast<double>(s.n) * count;
  c.sram_bytes = cores * count * (m * kt * nt * (s.weight_bytes + 2 * p_.acc_bytes) + m * (kt + nt) * s.act_bytes);
  c.fabric_byte_hops = red.byte_hops * static_cast<double>(cols);
  return c;
}

KernelCost MeshKernels::mesh_gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  const double count = static_cast<double>(s.count);
  const std::int64_t steps = std::max(rows, cols);
  const double mt = ceil_div_d(s.m, rows), nt = ceil_div_d(s.n, cols), ks = ceil_div_d(s.k, steps);
  KernelCost c;
  c.overhead = p_.task_overhead;
  // Per step: the local product of an mt × ks input tile and a ks × nt weight
  // tile, while the next tiles shift in (double buffered); the step ends when
  // both are done. The counts below follow the cycle-level program (A-459, which
  // replaces A-437's three activations a step and A-438's skew). The FMACs run at
  // the measured share of their rate inside a GEMM step.
  const double flop_cycles = 2 * mt * ks * nt / (p_.flops * p_.gemm_efficiency);
  const double ports = local_matmul(mt, ks, nt, s);
  const double local = std::max(ports, flop_cycles) + p_.task_overhead;
  const double shift_a = flits(mt * ks * s.act_bytes), shift_b = flits(ks * nt * s.weight_bytes);
  // Both tiles leave through the core's one ramp (a flit a cycle) to ring
  // neighbours up to 2 hops away on the folded rings.
  const double shift = shift_a + shift_b + 2 * p_.hop_latency + 2 * p_.ramp_latency;
  const double n_steps = static_cast<double>(steps) * count;
  // Every step but the last activates the task of the next one.
  const double activations = static_cast<double>(steps - 1) * count * p_.task_overhead;
  c.compute = n_steps * flop_cycles + activations;
  c.sram = n_steps * ports + activations;
  // Shifts not hidden behind the MACs are fabric time. The initial alignment
  // (Cannon's skew) moves row i's input tiles i ring places, the shorter way
  // round: the busiest ring link carries ⌊S/2⌋ of them, one ring step each.
  const double align = static_cast<double>(steps / 2) * (shift_a + 2 * p_.hop_latency + 2 * p_.ramp_latency);
  // S steps need S − 1 shifts: the last step's tiles stay.
  c.multicast = static_cast<double>(steps - 1) * count * std::max(0.0, shift - local) + count * align;
  c.hops = static_cast<double>(std::max(rows, cols) / 2) + n_steps;
  c.algo = ReduceAlgo::None;
  const double cores = static_cast<double>(rows * cols);
  c.flops = 2 * static_cast<double>(s.m) * static_cast<double>(s.k) * static_cast<double>(s.n) * count;
  c.sram_bytes = cores * n_steps * (mt * ks * nt * (s.weight_bytes + 2 * p_.acc_bytes) + (mt * ks + ks * nt) * 2);
  c.fabric_byte_hops = cores * n_steps * (mt * ks * s.act_bytes + ks * nt * s.weight_bytes);
  return c;
}

}  // namespace wafersim::wafer
