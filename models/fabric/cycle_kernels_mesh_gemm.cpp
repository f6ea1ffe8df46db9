// MeshGEMM at cycle level: Cannon's algorithm, the program behind
// approx's mesh_gemm, on a square S × S region. Logical core (i, j)
// sits at the physical position of a ring folded onto each line (0, 2, 4, …,
// 5, 3, 1), so its ring neighbours are at most 2 hops away. At step t it holds
// the input tile A(i, k) and the weight tile B(k, j), k = (i + j + t) mod S,
// sends both on (A west along its row ring, B north along its column ring)
// while it multiplies them into its output tile, activates its task for the
// next step and lands the next tiles (double buffered). Weights are placed
// skewed when they are loaded; the input tiles lie where the previous op left
// them, A(i, j) at (i, j), and are aligned once: row i's move i ring places
// west, or S − i east when that is shorter, one ring step at a time.
// Every message pays both ramps. Numbers are checked against Eigen.
#include <Eigen/Dense>
#include <algorithm>

#include "models/fabric/cycle_kernel_support.h"
#include "models/fabric/cycle_kernels.h"
#include "sim/core/error.h"

namespace wafersim::fabric {
namespace {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapF = Eigen::Map<MatrixF>;

/// Physical index of ring position `i` of a ring of `n` folded onto a line.
int folded(std::int64_t i, std::int64_t n) {
  const std::int64_t evens = (n + 1) / 2;
  return static_cast<int>(i < evens ? 2 * i : 2 * (n - 1 - i) + 1);
}

std::int64_t wrap(std::int64_t i, std::int64_t n) { return ((i % n) + n) % n; }

struct Tiles {
  int a[2] = {-1, -1}, b[2] = {-1, -1}, y = -1;
};

Instr send_tile(const FabricSim& sim, int to, int buf, std::int64_t elems, double elem_bytes, int color, int tag) {
  Instr in;
  in.kind = InstrKind::Send;
  in.phase = Phase::Multicast;
  in.route = Route{to % sim.width(), to / sim.width(), false};
  in.out_color = color;
  in.buf = buf;
  in.elems = elems;
  in.elem_bytes = elem_bytes;
  in.tag = tag;
  return in;
}

/// Lands the next tile of `color` and `tag`; the step's task activation is a
/// separate instruction, so the receive itself pays none.
Instr land_tile(int buf, std::int64_t elems, double elem_bytes, int color, int tag) {
  Instr in;
  in.kind = InstrKind::Recv;
  in.phase = Phase::Multicast;
  in.in_color = color;
  in.activate = false;
  in.op = StreamOp::Copy;
  in.buf = buf;
  in.elems = elems;
  in.elem_bytes = elem_bytes;
  in.tag = tag;
  return in;
}

}  // namespace

KernelRun CycleKernels::run_mesh_gemm(const wafer::GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  if (rows != cols || rows < 1) throw InternalError("run_mesh_gemm: Cannon's program needs a square region");
  const std::int64_t S = rows;
  wafer::MeshParams core = p_.core;
  core.mesh_family = true;
  FabricSim sim(network_params(p_, S, S), core, p_.sram_per_core);
  sim.charge_ramps();
  const Split ms(s.m, S), ks(s.k, S), ns(s.n, S);
  const std::int64_t count = std::max<std::int64_t>(s.count, 1);
  const double acc = std::max(s.act_bytes, core.acc_bytes);
  auto id_of = [&](std::int64_t i, std::int64_t j) { return sim.core_at(folded(j, S), folded(i, S)); };
  // Copies (experts) run one after another, each with its own tiles.
  std::vector<std::vector<Tiles>> tiles(static_cast<std::size_t>(count),
                                        std::vector<Tiles>(static_cast<std::size_t>(S * S)));
  for (std::int64_t cp = 0; cp < count; ++cp)
    for (std::int64_t i = 0; i < S; ++i)
      for (std::int64_t j = 0; j < S; ++j) {
        const int id = id_of(i, j);
        Tiles& t = tiles[static_cast<std::size_t>(cp)][static_cast<std::size_t>(i * S + j)];
        for (int h = 0; h < 2; ++h) {
          t.a[h] = sim.alloc(id, ms.chunk * ks.chunk, s.act_bytes, "its input tiles");
          t.b[h] = sim.alloc(id, ks.chunk * ns.chunk, s.weight_bytes, "its weight tiles");
        }
        t.y = sim.alloc(id, ms.chunk * ns.chunk, acc, "its output tile");
      }
  if (!sim.fits()) return does_not_fit(sim);
  RandomValues rnd(p_.seed);
  std::vector<MatrixF> x(static_cast<std::size_t>(count)), w(static_cast<std::size_t>(count));
  for (std::int64_t cp = 0; cp < count; ++cp) {
    x[static_cast<std::size_t>(cp)] = rnd.matrix(s.m, s.k);
    w[static_cast<std::size_t>(cp)] = rnd.matrix(s.k, s.n);
  }
  for (std::int64_t i = 0; i < S; ++i)
    for (std::int64_t j = 0; j < S; ++j) sim.emit(id_of(i, j), activate());
  int tag = 0;
  for (std::int64_t cp = 0; cp < count; ++cp) {
    const MatrixF& xc = x[static_cast<std::size_t>(cp)];
    const MatrixF& wc = w[static_cast<std::size_t>(cp)];
    auto tile_of = [&](std::int64_t i, std::int64_t j) -> Tiles& {
      return tiles[static_cast<std::size_t>(cp)][static_cast<std::size_t>(i * S + j)];
    };
    // Placement: A(i, j) in the second input buffer (it leaves before anything
    // lands there), B((i + j) mod S, j) skewed at load time.
    for (std::int64_t i = 0; i < S; ++i)
      for (std::int64_t j = 0; j < S; ++j) {
        const int id = id_of(i, j);
        const Tiles& t = tile_of(i, j);
        const std::int64_t kb = wrap(i + j, S);
        MapF(sim.buffer(id, t.a[i == 0 ? 0 : 1]).data(), ms.len(i), ks.len(j)) =
            xc.block(ms.start(i), ks.start(j), ms.len(i), ks.len(j));
        MapF(sim.buffer(id, t.b[0]).data(), ks.len(kb), ns.len(j)) =
            wc.block(ks.start(kb), ns.start(j), ks.len(kb), ns.len(j));
      }
    // Alignment: row i's tiles move i ring places west (or S − i east, the
    // shorter way), one ring step at a time, each core forwarding what it got.
    std::vector<int> first(static_cast<std::size_t>(S), 0);  // per row: the buffer step 0 reads
    for (std::int64_t i = 1; i < S; ++i) {
      const bool west = 2 * i <= S;
      const std::int64_t d = west ? i : S - i, dir = west ? 1 : -1;
      for (std::int64_t st = 0; st < d; ++st) {
        const int step_tag = tag + static_cast<int>(st);
        const int src = static_cast<int>((st + 1) % 2), dst = 1 - src;
        for (std::int64_t j = 0; j < S; ++j) {
          const Tiles& tl = tile_of(i, j);
          const std::int64_t held = wrap(j + dir * st, S), next = wrap(j + dir * (st + 1), S);
          sim.emit(id_of(i, j), send_tile(sim, id_of(i, wrap(j - dir, S)), tl.a[src], ms.len(i) * ks.len(held),
                                          s.act_bytes, 2, step_tag));
          sim.emit(id_of(i, j), land_tile(tl.a[dst], ms.len(i) * ks.len(next), s.act_bytes, 2, step_tag));
        }
      }
      first[static_cast<std::size_t>(i)] = static_cast<int>(d % 2 == 1 ? 0 : 1);
    }
    tag += static_cast<int>(S / 2);
    for (std::int64_t t = 0; t < S; ++t) {
      const int step_tag = tag++;
      for (std::int64_t i = 0; i < S; ++i)
        for (std::int64_t j = 0; j < S; ++j) {
          const int cur = static_cast<int>((first[static_cast<std::size_t>(i)] + t) % 2);  // A's buffer
          const int bcur = static_cast<int>(t % 2);                                        // B's
          const int id = id_of(i, j);
          const Tiles tl = tile_of(i, j);
          const std::int64_t kb = wrap(i + j + t, S), kn = wrap(i + j + t + 1, S);
          const std::int64_t mi = ms.len(i), kl = ks.len(kb), nj = ns.len(j);
          if (t + 1 < S) {
            sim.emit(id, send_tile(sim, id_of(i, wrap(j - 1, S)), tl.a[cur], mi * kl, s.act_bytes, 0, step_tag));
            sim.emit(id, send_tile(sim, id_of(wrap(i - 1, S), j), tl.b[bcur], kl * nj, s.weight_bytes, 1, step_tag));
          }
          // The local product at approx's rates: weights and accumulators through
          // the SRAM ports, the FMACs at gemm_efficiency.
          const double macs = static_cast<double>(mi * kl * nj);
          const double reads = macs * (s.weight_bytes + core.acc_bytes) + static_cast<double>(mi * kl) * s.act_bytes;
          const double writes = macs * core.acc_bytes + static_cast<double>(mi * nj) * s.act_bytes;
          const double flops = 2 * macs / std::max(core.gemm_efficiency, 1e-9);
          sim.emit(id, compute(local_cycles(core, flops, reads, writes), [&sim, id, tl, cur, bcur, mi, kl, nj] {
                     MapF(sim.buffer(id, tl.y).data(), mi, nj).noalias() +=
                         MapF(sim.buffer(id, tl.a[cur]).data(), mi, kl) *
                         MapF(sim.buffer(id, tl.b[bcur]).data(), kl, nj);
                   }));
          if (t + 1 < S) {
            sim.emit(id, activate());
            sim.emit(id, land_tile(tl.a[1 - cur], mi * ks.len(kn), s.act_bytes, 0, step_tag));
            sim.emit(id, land_tile(tl.b[1 - bcur], ks.len(kn) * nj, s.weight_bytes, 1, step_tag));
          }
        }
    }
  }
  KernelRun run = finish(sim, p_, [&] {
    double err = 0;
    for (std::int64_t cp = 0; cp < count; ++cp) {
      const MatrixF ref = x[static_cast<std::size_t>(cp)] * w[static_cast<std::size_t>(cp)];
      const float scale = std::max(ref.cwiseAbs().maxCoeff(), 1e-30f);
      for (std::int64_t i = 0; i < S; ++i)
        for (std::int64_t j = 0; j < S; ++j) {
          if (ms.len(i) == 0 || ns.len(j) == 0) continue;
          const int id = id_of(i, j);
          const MatrixF got =
              MapF(sim.buffer(id, tiles[static_cast<std::size_t>(cp)][static_cast<std::size_t>(i * S + j)].y).data(),
                   ms.len(i), ns.len(j));
          const MatrixF want = ref.block(ms.start(i), ns.start(j), ms.len(i), ns.len(j));
          err = std::max(err, static_cast<double>((got - want).cwiseAbs().maxCoeff() / scale));
        }
    }
    return err;
  });
  run.cost.algo = wafer::ReduceAlgo::None;
  run.cost.flops = 2 * static_cast<double>(s.m * s.k * s.n * count);
  return run;
}

}  // namespace wafersim::fabric
