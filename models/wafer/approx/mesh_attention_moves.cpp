// The layout changes around attention in the mesh family and the
// instruction-level work on the way in. A MeshGEMV leaves q, k and v
// with each head's dims on that head's C/H columns, on every row of the
// region; attention runs on one br × bc block per head (A-54, A-235), so the
// head's q and its new K/V (written where their position lives: shift-KV)
// move from those columns into the block, and the block's output moves back
// to the head's columns and down every row, where o_proj's MeshGEMV needs its
// input. Rotary embedding runs in the GEMV layout before the move: each core
// rotates its slice of q and k, and fetches the pair partners half a head away.
// Leaves out: link sharing between heads moving at once (each head's moves use
// its own columns and rows), and the K/V heads' own columns under GQA (they
// cover the q heads' columns that use them; taken as the same).
// Units: cycles and hops.
#include <algorithm>
#include <cmath>

#include "models/wafer/approx/core_instructions.h"
#include "models/wafer/approx/mesh_kernels.h"

namespace wafersim::wafer {

HeadBlockMoves head_block_moves(std::int64_t heads, std::int64_t rows, std::int64_t cols, const AttentionBlocks& b) {
  HeadBlockMoves mv;
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  heads = std::max<std::int64_t>(heads, 1);
  const std::int64_t per_row = std::max<std::int64_t>(cols / std::max<std::int64_t>(b.bc, 1), 1);
  const std::int64_t per_block = std::max<std::int64_t>(b.heads_per_block, 1);
  for (std::int64_t h = 0; h < heads; ++h) {
    const std::int64_t block = h / per_block;
    const std::int64_t brow = block / per_row, bcol = block % per_row;
    // The head's dims: columns [h·C/H, (h+1)·C/H).
    const std::int64_t lo = h * cols / heads;
    const std::int64_t hi = std::max(lo, ((h + 1) * cols + heads - 1) / heads - 1);
    const std::int64_t blo = bcol * b.bc, bhi = blo + b.bc - 1;
    const std::int64_t gap = lo > bhi ? lo - bhi : (blo > hi ? blo - hi : 0);
    // The output leaves the block's middle row (where its K-tree reduction ends).
    const std::int64_t r0 = std::min(rows - 1, brow * b.br + b.br / 2);
    const std::int64_t down = std::max(r0, rows - 1 - r0);
    mv.in_hops = std::max(mv.in_hops, static_cast<double>(gap));
    mv.out_hops = std::max(mv.out_hops, static_cast<double>(gap + (hi - lo) + down));
  }
  return mv;
}

double MeshKernels::simd_cycles(double elements, double ops) const {
  const double lanes = std::max(1.0, p_.flops / 2);  // an FMAC is 2 FLOP
  return std::ceil(std::max(elements, 0.0) / lanes) * ops;
}

KernelCost MeshKernels::attention_moves(const AttentionShape& s, std::int64_t rows, std::int64_t cols,
                                        const AttentionBlocks& b) const {
  KernelCost c;
  if (!p_.mesh_family || !p_.attention_layout_moves) return c;
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  const HeadBlockMoves mv = head_block_moves(s.heads, rows, cols, b);
  const double m = static_cast<double>(std::max<std::int64_t>(s.m, 1));
  const double d = static_cast<double>(s.head_dim), hpc = static_cast<double>(b.heads_per_block);
  const double heads = static_cast<double>(std::max<std::int64_t>(s.heads, 1));
  // The block's rows take the tokens in parallel (one row for a decode step).
  const double lines = std::min(m, static_cast<double>(std::max<std::int64_t>(b.br, 1)));
  const double q_bytes = hpc * m * d * s.act_bytes, kv_bytes = 2 * hpc * m * d * s.kv_bytes;
  // Rotary: each core holds m × ⌈H·d / C⌉ elements of q (and, bounded by it, of
  // k); its pair partners sit half a head's columns away.
  const double slice = m * std::ceil(heads * d / static_cast<double>(cols));
  const double partner = std::ceil(static_cast<double>(cols) / (2 * heads));
  const double rotary = simd_cycles(2 * slice, instructions::kRotary) + p_.task_overhead + partner * p_.hop_latency +
                        2 * p_.ramp_latency + flits(slice * s.act_bytes);
  const double in =
      p_.task_overhead + mv.in_hops * p_.hop_latency + 2 * p_.ramp_latency + flits((q_bytes + kv_bytes) / lines);
  const double out = p_.task_overhead + mv.out_hops * p_.hop_latency + 2 * p_.ramp_latency + flits(q_bytes / lines);
  c.multicast = in + out;
  c.compute = rotary;
  c.sram = rotary;
  c.hops = mv.in_hops + mv.out_hops;
  const double blocks = heads / hpc;
  c.fabric_byte_hops = blocks * ((q_bytes + kv_bytes) * mv.in_hops + q_bytes * mv.out_hops);
  return c;
}

}  // namespace wafersim::wafer
