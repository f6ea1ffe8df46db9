// Attention at cycle level: each head-sequence on a block of br × bc
// cores laid out as approx lays them (wafer::attention_blocks), the KV cache
// split by position over the block. The block's corner multicasts the queries
// along its first row and every core of that row down its column; each core
// scores its positions; an all-reduce of the maxima (rows, then columns); each
// core exponentiates, sums and weights its values; an all-reduce of the sums;
// the weighted values reduced to the block's last core, which divides.
// The mesh family's attention of one query (decode, A-235 with one query group)
// is the same program with WaferLLM's K-tree all-reduces and reductions to the
// middle of each line, ramps charged; with several queries the mesh
// family's 2-D blocks are not a program yet and the line family's runs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "models/fabric/cycle_kernel_support.h"
#include "models/fabric/cycle_kernels.h"

namespace wafersim::fabric {
namespace {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapF = Eigen::Map<MatrixF>;

struct CoreBufs {
  int q = -1, k = -1, v = -1, s = -1, mx = -1, l = -1, o = -1;
  std::int64_t heads = 0, p0 = 0, np = 0;
};

}  // namespace

KernelRun CycleKernels::run_attention(const wafer::AttentionShape& sh, std::int64_t rows, std::int64_t cols) const {
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  const wafer::AttentionBlocks bl = wafer::attention_blocks(sh.heads, rows, cols);
  const std::int64_t H = std::max<std::int64_t>(sh.heads, 1), m = std::max<std::int64_t>(sh.m, 1);
  const std::int64_t d = std::max<std::int64_t>(sh.head_dim, 1), T = std::max<std::int64_t>(sh.context, 1);
  const std::int64_t br = bl.br, bc = bl.bc, hpb = bl.heads_per_block, per_row = cols / bc;
  const Split pos(T, br * bc);
  FabricSim sim(network_params(p_, cols, rows), p_.core, p_.sram_per_core);
  const bool ktree = p_.core.mesh_family && m == 1;
  if (ktree) sim.charge_ramps();
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::vector<CoreBufs> cb(static_cast<std::size_t>(rows * cols));
  const std::int64_t blocks = (H + hpb - 1) / hpb;
  auto core_of = [&](std::int64_t b, std::int64_t i, std::int64_t j) {
    return sim.core_at(static_cast<int>((b % per_row) * bc + j), static_cast<int>((b / per_row) * br + i));
  };
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t h0 = b * hpb, nh = std::min(H, h0 + hpb) - h0;
    for (std::int64_t i = 0; i < br; ++i)
      for (std::int64_t j = 0; j < bc; ++j) {
        const int core = core_of(b, i, j);
        CoreBufs& c = cb[static_cast<std::size_t>(core)];
        c.heads = nh;
        c.p0 = pos.start(i * bc + j);
        c.np = pos.len(i * bc + j);
        c.q = sim.alloc(core, nh * m * d, sh.act_bytes, "the queries");
        c.k = sim.alloc(core, nh * c.np * d, sh.kv_bytes, "its keys");
        c.v = sim.alloc(core, nh * c.np * d, sh.kv_bytes, "its values");
        c.s = sim.alloc(core, nh * m * c.np, sh.act_bytes, "its scores");
        c.mx = sim.alloc(core, nh * m, 4, "the running maxima");
        c.l = sim.alloc(core, nh * m, 4, "the running sums");
        c.o = sim.alloc(core, nh * m * d, sh.act_bytes, "its weighted values");
      }
  }
  if (!sim.fits()) return does_not_fit(sim);
  RandomValues rnd(p_.seed);
  std::vector<MatrixF> q(static_cast<std::size_t>(H)), k(static_cast<std::size_t>(H)), v(static_cast<std::size_t>(H));
  for (std::int64_t h = 0; h < H; ++h) {
    q[static_cast<std::size_t>(h)] = rnd.matrix(m, d);
    k[static_cast<std::size_t>(h)] = rnd.matrix(T, d);
    v[static_cast<std::size_t>(h)] = rnd.matrix(T, d);
  }
  for (std::int64_t b = 0; b < blocks; ++b)
    for (std::int64_t i = 0; i < br; ++i)
      for (std::int64_t j = 0; j < bc; ++j) {
        const int core = core_of(b, i, j);
        const CoreBufs& c = cb[static_cast<std::size_t>(core)];
        for (std::int64_t h = 0; h < c.heads; ++h) {
          const auto hs = static_cast<std::size_t>(b * hpb + h);
          MapF(sim.buffer(core, c.k).data() + h * c.np * d, c.np, d) = k[hs].block(c.p0, 0, c.np, d);
          MapF(sim.buffer(core, c.v).data() + h * c.np * d, c.np, d) = v[hs].block(c.p0, 0, c.np, d);
          if (i == 0 && j == 0) MapF(sim.buffer(core, c.q).data() + h * m * d, m, d) = q[hs];
        }
        sim.emit(core, activate());
      }

  const wafer::MeshKernels approx(p_.core);
  // Tags 8 apart: a K-tree uses one per level and one for its multicast back.
  auto allreduce = [&](const LineData& l, std::int64_t n, double bytes, wafer::ReduceAlgo algo, StreamOp op,
                       int color) {
    if (ktree)
      emit_ktree_allreduce(sim, l, approx.ktree_reduce(n, bytes).group, color, Phase::Reduce, op);
    else
      emit_allreduce(sim, l, algo, op, color, Phase::Reduce);
  };
  std::vector<int> roots(static_cast<std::size_t>(blocks));
  auto block_rows = [&](std::int64_t b, int CoreBufs::*field, std::int64_t elems, double eb, int tag) {
    std::vector<LineData> lines;
    for (std::int64_t i = 0; i < br; ++i) {
      std::vector<int> cores;
      for (std::int64_t j = 0; j < bc; ++j) cores.push_back(core_of(b, i, j));
      LineData l;
      l.cores = cores;
      for (int c : cores) l.bufs.push_back(cb[static_cast<std::size_t>(c)].*field);
      l.elems = elems;
      l.elem_bytes = eb;
      l.tag = tag;
      lines.push_back(std::move(l));
    }
    return lines;
  };
  auto block_cols = [&](std::int64_t b, int CoreBufs::*field, std::int64_t elems, double eb, int tag, std::int64_t j0,
                        std::int64_t j1) {
    std::vector<LineData> lines;
    for (std::int64_t j = j0; j < j1; ++j) {
      LineData l;
      for (std::int64_t i = 0; i < br; ++i) l.cores.push_back(core_of(b, i, j));
      for (int c : l.cores) l.bufs.push_back(cb[static_cast<std::size_t>(c)].*field);
      l.elems = elems;
      l.elem_bytes = eb;
      l.tag = tag;
      lines.push_back(std::move(l));
    }
    return lines;
  };
  constexpr auto kQ = &CoreBufs::q, kMx = &CoreBufs::mx, kL = &CoreBufs::l, kO = &CoreBufs::o;
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t nh = cb[static_cast<std::size_t>(core_of(b, 0, 0))].heads;
    const double qb = static_cast<double>(nh * m * d);
    // 1. The queries: along the block's first row, then down every column.
    emit_multicast(sim, block_rows(b, kQ, nh * m * d, sh.act_bytes, 0)[0], 0, Phase::Multicast);
    for (const LineData& l : block_cols(b, kQ, nh * m * d, sh.act_bytes, 8, 0, bc))
      emit_multicast(sim, l, 0, Phase::Multicast);
    // 2. Scores of the core's positions and their maximum.
    for (std::int64_t i = 0; i < br; ++i)
      for (std::int64_t j = 0; j < bc; ++j) {
        const int core = core_of(b, i, j);
        const CoreBufs c = cb[static_cast<std::size_t>(core)];
        const double np = static_cast<double>(c.np);
        sim.emit(core, compute(local_cycles(p_.core, 2 * qb * np,
                                            static_cast<double>(nh) * np * static_cast<double>(d) * sh.kv_bytes, 0),
                               [&sim, core, c, m, d, scale] {
                                 for (std::int64_t h = 0; h < c.heads; ++h) {
                                   MapF s(sim.buffer(core, c.s).data() + h * m * c.np, m, c.np);
                                   s.noalias() =
                                       MapF(sim.buffer(core, c.q).data() + h * m * d, m, d) *
                                       MapF(sim.buffer(core, c.k).data() + h * c.np * d, c.np, d).transpose() * scale;
                                   for (std::int64_t t = 0; t < m; ++t)
                                     sim.buffer(core, c.mx)[static_cast<std::size_t>(h * m + t)] =
                                         c.np > 0 ? s.row(t).maxCoeff() : -std::numeric_limits<float>::infinity();
                                 }
                               }));
      }
    // 3. The block's maximum, then exponentials, their sum and the weighted values.
    const double scalar = static_cast<double>(nh * m) * 4;
    const auto row_algo = approx.allreduce(bc, scalar).algo, col_algo = approx.allreduce(br, scalar).algo;
    for (const LineData& l : block_rows(b, kMx, nh * m, 4, 16)) allreduce(l, bc, scalar, row_algo, StreamOp::Max, 1);
    for (const LineData& l : block_cols(b, kMx, nh * m, 4, 24, 0, bc))
      allreduce(l, br, scalar, col_algo, StreamOp::Max, 2);
    for (std::int64_t i = 0; i < br; ++i)
      for (std::int64_t j = 0; j < bc; ++j) {
        const int core = core_of(b, i, j);
        const CoreBufs c = cb[static_cast<std::size_t>(core)];
        const double np = static_cast<double>(c.np);
        sim.emit(core, compute(local_cycles(p_.core, 2 * qb * np,
                                            static_cast<double>(nh) * np * static_cast<double>(d) * sh.kv_bytes,
                                            2 * qb * sh.kv_bytes),
                               [&sim, core, c, m, d] {
                                 for (std::int64_t h = 0; h < c.heads; ++h) {
                                   MapF s(sim.buffer(core, c.s).data() + h * m * c.np, m, c.np);
                                   MapF o(sim.buffer(core, c.o).data() + h * m * d, m, d);
                                   for (std::int64_t t = 0; t < m; ++t) {
                                     const float mx = sim.buffer(core, c.mx)[static_cast<std::size_t>(h * m + t)];
                                     s.row(t) = (s.row(t).array() - mx).exp().matrix();
                                     sim.buffer(core, c.l)[static_cast<std::size_t>(h * m + t)] = s.row(t).sum();
                                   }
                                   o.noalias() = s * MapF(sim.buffer(core, c.v).data() + h * c.np * d, c.np, d);
                                 }
                               }));
      }
    for (const LineData& l : block_rows(b, kL, nh * m, 4, 32)) allreduce(l, bc, scalar, row_algo, StreamOp::Add, 1);
    for (const LineData& l : block_cols(b, kL, nh * m, 4, 40, 0, bc))
      allreduce(l, br, scalar, col_algo, StreamOp::Add, 2);
    // 4. The weighted values to the block's last core (the K-tree's: its middle
    // column's middle row), which divides by the sum.
    const double ob = qb * sh.act_bytes;
    std::int64_t ir = br - 1, jr = bc - 1;
    if (ktree) {
      for (const LineData& l : block_rows(b, kO, nh * m * d, sh.act_bytes, 48))
        jr = static_cast<std::int64_t>(
            emit_ktree_reduce(sim, l, approx.ktree_reduce(bc, ob).group, 1, Phase::Reduce, StreamOp::Add));
      if (br > 1)
        for (const LineData& l : block_cols(b, kO, nh * m * d, sh.act_bytes, 56, jr, jr + 1))
          ir = static_cast<std::int64_t>(
              emit_ktree_reduce(sim, l, approx.ktree_reduce(br, ob).group, 2, Phase::Reduce, StreamOp::Add));
      if (bc == 1) jr = 0;
      if (br == 1) ir = 0;
    } else {
      for (const LineData& l : block_rows(b, kO, nh * m * d, sh.act_bytes, 48))
        emit_reduce(sim, l, approx.reduce(bc, ob).algo, StreamOp::Add, 1, Phase::Reduce);
      for (const LineData& l : block_cols(b, kO, nh * m * d, sh.act_bytes, 56, bc - 1, bc))
        emit_reduce(sim, l, approx.reduce(br, ob).algo, StreamOp::Add, 2, Phase::Reduce);
    }
    const int root = core_of(b, ir, jr);
    roots[static_cast<std::size_t>(b)] = root;
    const CoreBufs rc = cb[static_cast<std::size_t>(root)];
    sim.emit(root, compute(local_cycles(p_.core, qb, qb * sh.act_bytes, qb * sh.act_bytes), [&sim, root, rc, m, d] {
               for (std::int64_t h = 0; h < rc.heads; ++h)
                 for (std::int64_t t = 0; t < m; ++t) {
                   const float l = sim.buffer(root, rc.l)[static_cast<std::size_t>(h * m + t)];
                   for (std::int64_t e = 0; e < d; ++e)
                     sim.buffer(root, rc.o)[static_cast<std::size_t>((h * m + t) * d + e)] /= l;
                 }
             }));
  }
  KernelRun run = finish(sim, p_, [&] {
    double err = 0;
    for (std::int64_t h = 0; h < H; ++h) {
      const auto hs = static_cast<std::size_t>(h);
      MatrixF s = q[hs] * k[hs].transpose() * scale;
      for (Eigen::Index t = 0; t < s.rows(); ++t) {
        s.row(t) = (s.row(t).array() - s.row(t).maxCoeff()).exp().matrix();
        s.row(t) /= s.row(t).sum();
      }
      const MatrixF ref = s * v[hs];
      const std::int64_t b = h / hpb;
      const int root = roots[static_cast<std::size_t>(b)];
      const MatrixF got =
          MapF(sim.buffer(root, cb[static_cast<std::size_t>(root)].o).data() + (h - b * hpb) * m * d, m, d);
      err = std::max(
          err, static_cast<double>((got - ref).cwiseAbs().maxCoeff() / std::max(ref.cwiseAbs().maxCoeff(), 1e-30f)));
    }
    return err;
  });
  run.cost.flops = 4 * static_cast<double>(m * T * d * H);
  return run;
}

}  // namespace wafersim::fabric
