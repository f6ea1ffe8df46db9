#include "models/wafer/approx/mesh_kernels.h"

#include "models/wafer/approx/core_instructions.h"

#include <algorithm>
#include <cmath>

namespace wafersim::wafer {
namespace {

double ceil_div_d(std::int64_t a, std::int64_t b) {
  return static_cast<double>((a + b - 1) / std::max<std::int64_t>(b, 1));
}

int ceil_log2(std::int64_t n) {
  int levels = 0;
  for (std::int64_t span = 1; span < n; span *= 2) ++levels;
  return levels;
}

/// A 2D collective over a rows × cols block: along the rows first, then the column.
LineCost compose(const LineCost& a, const LineCost& b, std::int64_t lines_of_a) {
  LineCost c;
  c.cycles = a.cycles + b.cycles;
  c.hops = a.hops + b.hops;
  c.byte_hops = a.byte_hops * static_cast<double>(lines_of_a) + b.byte_hops;
  c.algo = b.algo != ReduceAlgo::None ? b.algo : a.algo;
  c.busy = a.busy + b.busy;
  return c;
}

}  // namespace

std::string_view reduce_algo_name(ReduceAlgo a) {
  switch (a) {
    case ReduceAlgo::None:
      return "none";
    case ReduceAlgo::Chain:
      return "chain";
    case ReduceAlgo::Tree:
      return "tree";
    case ReduceAlgo::Ring:
      return "ring";
  }
  return "none";
}

double MeshKernels::flits(double bytes) const { return std::max(1.0, std::ceil(bytes / p_.link_bytes)); }

LineCost MeshKernels::multicast(std::int64_t n, double bytes) const {
  LineCost c;
  if (n <= 1 || bytes <= 0) return c;
  const double span = static_cast<double>(n - 1);
  c.hops = span;
  c.cycles = span * p_.hop_latency + flits(bytes) + p_.task_overhead;
  c.byte_hops = span * bytes;
  return c;
}

LineCost MeshKernels::reduce(std::int64_t n, double bytes) const {
  const LineCost chain = reduce(n, bytes, ReduceAlgo::Chain);
  const LineCost tree = reduce(n, bytes, ReduceAlgo::Tree);
  return tree.cycles < chain.cycles ? tree : chain;
}

LineCost MeshKernels::reduce(std::int64_t n, double bytes, ReduceAlgo algo) const {
  if (n <= 1 || bytes <= 0) return {};
  const double span = static_cast<double>(n - 1);
  const double stream = flits(bytes);
  if (algo != ReduceAlgo::Tree) {
    // Chain: each core adds its partial to the stream from its neighbour and passes
    // it on; wormhole-pipelined, so the bytes cross once and every core reacts once.
    // A forwarding core passes a flit on the cycle after it lands (the cycle
    // reference showed the chain 44% short at α = 0 without that cycle).
    return LineCost{span * (p_.hop_latency + p_.task_overhead) + (span - 1) * kForwardCycles + stream, span,
                    span * bytes, ReduceAlgo::Chain};
  }
  // Tree: level l pairs cores 2^l apart; every level waits for the whole message.
  const int levels = ceil_log2(n);
  double tree_hops = 0, tree_byte_hops = 0;
  std::int64_t alive = n;
  for (int l = 0; l < levels; ++l) {
    const double dist = std::ldexp(1.0, l);
    tree_hops += dist;
    tree_byte_hops += static_cast<double>(alive / 2) * dist * bytes;
    alive = (alive + 1) / 2;
  }
  return LineCost{tree_hops * p_.hop_latency + levels * (p_.task_overhead + stream), tree_hops, tree_byte_hops,
                  ReduceAlgo::Tree};
}

LineCost MeshKernels::allreduce(std::int64_t n, double bytes) const {
  const LineCost two = allreduce(n, bytes, ReduceAlgo::None);
  const LineCost ring = allreduce(n, bytes, ReduceAlgo::Ring);
  return ring.cycles < two.cycles ? ring : two;
}

LineCost MeshKernels::allreduce(std::int64_t n, double bytes, ReduceAlgo algo) const {
  if (n <= 1 || bytes <= 0) return {};
  if (algo == ReduceAlgo::Ring) {
    // Ring on a line folded into a loop: 2(n−1) steps of one piece each
    // (reduce-scatter, then all-gather).
    // A piece is a whole number of the fp32 values being summed, at least one:
    // 64 B over 64 cores is 64 pieces of one 4-byte value, 2 flits each at 2
    // B/cycle, not 1 B in 1 flit (the crosscheck showed the ring 16% short, A-455).
    const double steps = 2.0 * static_cast<double>(n - 1);
    const double piece = std::ceil(std::ceil(bytes / kReduceValueBytes) / static_cast<double>(n)) * kReduceValueBytes;
    // A piece's path is 2(n − 1) consecutive links of the folded ring: n − 2 of its
    // links are 2 hops and the two at the turns 1 hop, so the slowest piece
    // crosses 4(n − 1) − 3 hops (n ≥ 4), not 4(n − 1).
    const double hops = n == 2 ? 2.0 : n == 3 ? 6.0 : 4.0 * static_cast<double>(n - 1) - 3;
    return LineCost{steps * (p_.task_overhead + flits(piece)) + hops * p_.hop_latency, hops,
                    steps * static_cast<double>(n) * piece * 2, ReduceAlgo::Ring};
  }
  // Reduce to one end (the best of chain and tree, or the one asked for), then
  // multicast the sum back along the line.
  const LineCost r = algo == ReduceAlgo::None ? reduce(n, bytes) : reduce(n, bytes, algo);
  const LineCost m = multicast(n, bytes);
  return LineCost{r.cycles + m.cycles, r.hops + m.hops, r.byte_hops + m.byte_hops, r.algo};
}

KernelCost MeshKernels::line_gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  const double m = static_cast<double>(s.m), count = static_cast<double>(s.count);
  const double kt = ceil_div_d(s.k, rows), nt = ceil_div_d(s.n, cols);
  KernelCost c;
  c.overhead = p_.task_overhead;
  // Input slice of K/R elements per token, along each row of C cores.
  const LineCost mc = multicast(cols, m * kt * s.act_bytes * count);
  // Weights read once and reused for all M tokens; inputs read, outputs written.
  const double reads = count * (kt * nt * s.weight_bytes + m * kt * s.act_bytes);
  const double writes = count * m * nt * s.act_bytes;
  c.compute = count * 2 * m * kt * nt / p_.flops;
  c.sram = std::max(reads / p_.sram_read, writes / p_.sram_write);
  // Partial sums of N/C outputs per token, down each column of R cores.
  const double red_bytes = m * nt * s.act_bytes * count;
  const LineCost red = reduce(rows, red_bytes);
  c.multicast = mc.cycles;
  // A row's first core injects the row's inputs and, when its MACs end, its
  // partial sums through one ramp (one flit a cycle, colours taking turns): the
  // multicast flits still queued then go at half rate, and the row's last core
  // (where the last column's reduction starts) waits that much longer.
  if (rows > 1 && cols > 1)
    c.multicast += std::clamp(flits(m * kt * s.act_bytes * count) - c.local(), 0.0, flits(red_bytes));
  c.reduce = red.cycles;
  c.hops = mc.hops + red.hops;
  c.algo = red.algo;
  const double cores = static_cast<double>(rows * cols);
  c.flops = 2 * m * static_cast<double>(s.k) * static_cast<double>(s.n) * count;
  c.sram_bytes = cores * (reads + writes);
  c.fabric_byte_hops = mc.byte_hops * static_cast<double>(rows) + red.byte_hops * static_cast<double>(cols);
  return c;
}

AttentionBlocks attention_blocks(std::int64_t heads, std::int64_t rows, std::int64_t cols) {
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  heads = std::max<std::int64_t>(heads, 1);
  AttentionBlocks b;
  if (heads >= rows * cols) {
    b.blocks = rows * cols;
    b.heads_per_block = (heads + b.blocks - 1) / b.blocks;
    return b;
  }
  // The largest block (then the squarest) of which `heads` fit side by side.
  for (std::int64_t br = 1; br <= rows; ++br) {
    const std::int64_t per_col = rows / br;
    const std::int64_t need = (heads + per_col - 1) / per_col;
    if (need > cols) continue;
    const std::int64_t bc = cols / need;
    const bool larger = br * bc > b.br * b.bc;
    const bool squarer = br * bc == b.br * b.bc && std::abs(br - bc) < std::abs(b.br - b.bc);
    if (larger || squarer) {
      b.br = br;
      b.bc = bc;
    }
  }
  b.blocks = (rows / b.br) * (cols / b.bc);
  return b;
}

KernelCost MeshKernels::attention(const AttentionShape& s, std::int64_t rows, std::int64_t cols) const {
  const AttentionBlocks b = attention_blocks(s.heads, rows, cols);
  const std::int64_t heads = std::max<std::int64_t>(s.heads, 1);
  const std::int64_t bc = b.bc, per_core = b.heads_per_block;
  // Mesh family, several queries (prefill): a 2-D (query × position) block. The
  // block's rows split into `groups` query groups; each group's cores split the
  // positions, and the K/V slices of the other groups' cores reach them along the
  // columns, so no core holds every query. One query: one group.
  const std::int64_t groups = p_.mesh_family ? std::min<std::int64_t>(std::max<std::int64_t>(s.m, 1), b.br) : 1;
  const std::int64_t br = b.br / groups;
  const double block = static_cast<double>(br * bc);
  const double hpc = static_cast<double>(per_core), d = static_cast<double>(s.head_dim);
  const double m = std::ceil(static_cast<double>(std::max<std::int64_t>(s.m, 1)) / static_cast<double>(groups));
  const double positions = std::ceil(static_cast<double>(s.context) / block);
  KernelCost c;
  c.overhead = p_.task_overhead;
  const double q_bytes = hpc * m * d * s.act_bytes;
  LineCost mc = compose(multicast(bc, q_bytes), multicast(br, q_bytes), 1);
  if (groups > 1) {
    const LineCost kv = multicast(b.br, hpc * positions * d * 2 * s.kv_bytes);
    mc = LineCost{mc.cycles + kv.cycles, mc.hops + kv.hops, mc.byte_hops + kv.byte_hops * block, mc.algo};
  }
  // Three local steps the all-reduces separate, each at its slowest unit: scores
  // (a MAC per token, position and dim; K read once), the weighted sum (the same
  // with V; the partial outputs written) and, at the block's last core, the
  // division by the softmax sum. (One max over all of it, as before the cycle
  // reference, was up to 10% short for prefill-sized m.)
  const double qd = hpc * m * d;
  // Mesh family: with several queries the two products are matrix-product steps,
  // at the share of the FMAC rate a measured GEMM sustains.
  const double mac_rate = p_.flops * (p_.mesh_family && s.m > 1 ? p_.gemm_efficiency : 1.0);
  const double scores = std::max(2 * qd * positions / mac_rate, hpc * positions * d * s.kv_bytes / p_.sram_read);
  const double weighted = std::max({2 * qd * positions / mac_rate, hpc * positions * d * s.kv_bytes / p_.sram_read,
                                    2 * qd * s.kv_bytes / p_.sram_write});
  const double divide = std::max({qd / p_.flops, qd * s.act_bytes / p_.sram_read, qd * s.act_bytes / p_.sram_write});
  c.compute = 4 * qd * positions / mac_rate + qd / p_.flops;
  c.sram = scores + weighted + divide > c.compute ? scores + weighted + divide : 0;
  if (p_.mesh_family) {
    // The softmax's exp and bookkeeping per score, and one reciprocal per query,
    // at the instruction level: a step of its own between the products.
    const double softmax =
        simd_cycles(hpc * m * positions, instructions::kSoftmaxScore) + simd_cycles(hpc * m, instructions::kReciprocal);
    c.compute += softmax;
    if (c.sram > 0) c.sram += softmax;
  }
  // Softmax: an all-reduce of the maxima and one of the sums (fp32, one per token),
  // then the partial outputs reduced to one core of the block.
  const double scalar = hpc * m * 4;
  const LineCost mx = compose(family_allreduce(bc, scalar), family_allreduce(br, scalar), br);
  const LineCost out =
      compose(family_reduce(bc, hpc * m * d * s.act_bytes), family_reduce(br, hpc * m * d * s.act_bytes), br);
  // Mesh family: q and the new K/V into the blocks, the output back out.
  const KernelCost moves = attention_moves(s, rows, cols, b);
  c.multicast = mc.cycles + moves.multicast;
  c.compute += moves.compute;
  if (c.sram > 0) c.sram += moves.sram;
  c.reduce = 2 * mx.cycles + out.cycles;
  // The queries reach core (i, j) of a block (i + j) hops after its corner, and
  // the maxima's all-reduce reduces away from the corner (to the last column, then
  // the last row): a chain or tree toward the far end starts at the near end as
  // soon as the data is there, so the multicast's skew is not paid again by the
  // reduction. A ring moves in lockstep and gains nothing.
  if (!p_.mesh_family && groups == 1) {
    const double h = p_.hop_latency;
    if (allreduce(bc, scalar).algo != ReduceAlgo::Ring) c.reduce -= static_cast<double>(bc - 1) * h;
    if (allreduce(br, scalar).algo != ReduceAlgo::Ring) c.reduce -= static_cast<double>(br - 1) * h;
  }
  c.reduce_busy = p_.mesh_family ? 2 * mx.busy + out.busy : 0;
  c.hops = mc.hops + 2 * mx.hops + out.hops + moves.hops;
  c.algo = out.algo;
  const double blocks = static_cast<double>(heads) / hpc * static_cast<double>(groups);
  c.flops = 4 * static_cast<double>(s.m) * static_cast<double>(s.context) * d * static_cast<double>(heads);
  c.sram_bytes =
      static_cast<double>(heads) * (2 * static_cast<double>(s.context) * d * s.kv_bytes * static_cast<double>(groups) +
                                    2 * static_cast<double>(s.m) * d * s.kv_bytes);
  c.fabric_byte_hops = blocks * (mc.byte_hops + 2 * mx.byte_hops + out.byte_hops) + moves.fabric_byte_hops;
  return c;
}

KernelCost MeshKernels::norm(std::int64_t m, std::int64_t width, std::int64_t line, double elem_bytes) const {
  line = std::max<std::int64_t>(line, 1);
  const double per_core = static_cast<double>(m) * ceil_div_d(width, line);
  KernelCost c;
  c.overhead = p_.task_overhead;
  // Sum of squares (2 FLOP and a read per element), then, after the all-reduce,
  // scale (1 FLOP, a read and a write): the two local steps cannot overlap, so
  // each takes its own slowest unit (the cycle reference showed the single max
  // of both steps 15% short on SRAM-bound norms).
  const double sum_step = std::max(2 * per_core / p_.flops, per_core * elem_bytes / p_.sram_read);
  double scale_step =
      std::max({per_core / p_.flops, per_core * elem_bytes / p_.sram_read, per_core * elem_bytes / p_.sram_write});
  c.compute = 3 * per_core / p_.flops;
  if (p_.mesh_family) {
    // At the instruction level: 1/rms per vector (a Newton rsqrt), then
    // x · (1/rms) · gamma per element, gamma read from SRAM.
    const double scale =
        simd_cycles(static_cast<double>(m), instructions::kRsqrt) + simd_cycles(per_core, instructions::kNormScale);
    scale_step = std::max({scale, 2 * per_core * elem_bytes / p_.sram_read, per_core * elem_bytes / p_.sram_write});
    c.compute = 2 * per_core / p_.flops + scale;
  }
  c.sram = sum_step + scale_step > c.compute ? sum_step + scale_step : 0;
  const LineCost ar = family_allreduce(line, static_cast<double>(m) * 4);
  c.reduce = ar.cycles;
  c.reduce_busy = p_.mesh_family ? ar.busy : 0;
  c.hops = ar.hops;
  c.algo = ar.algo;
  c.flops = 3 * static_cast<double>(m * width);
  c.sram_bytes = 3 * static_cast<double>(m * width) * elem_bytes;
  c.fabric_byte_hops = ar.byte_hops;
  return c;
}

KernelCost MeshKernels::elementwise(double elements, std::int64_t line, double elem_bytes, int operands) const {
  line = std::max<std::int64_t>(line, 1);
  const double per_core = std::ceil(elements / static_cast<double>(line));
  KernelCost c;
  c.overhead = p_.task_overhead;
  c.compute = per_core * operands / p_.flops;
  c.sram = std::max(operands * per_core * elem_bytes / p_.sram_read, per_core * elem_bytes / p_.sram_write);
  c.flops = elements * operands;
  c.sram_bytes = elements * elem_bytes * (operands + 1);
  return c;
}

KernelCost MeshKernels::activation(double elements, std::int64_t line, double elem_bytes, int operands,
                                   double ops) const {
  KernelCost c = elementwise(elements, line, elem_bytes, operands);
  if (!p_.mesh_family) return c;
  // exp, reciprocal and multiplies per element on the SIMD lanes.
  c.compute = simd_cycles(std::ceil(elements / static_cast<double>(std::max<std::int64_t>(line, 1))), ops);
  return c;
}

KernelCost MeshKernels::transfer(double bytes, std::int64_t distance, std::int64_t links) const {
  KernelCost c;
  if (bytes <= 0) return c;
  c.overhead = p_.task_overhead;
  const double d = static_cast<double>(std::max<std::int64_t>(distance, 0));
  c.multicast = d * p_.hop_latency + flits(bytes / static_cast<double>(std::max<std::int64_t>(links, 1)));
  c.hops = d;
  c.fabric_byte_hops = bytes * d;
  return c;
}

}  // namespace wafersim::wafer
