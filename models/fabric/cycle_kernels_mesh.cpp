// The mesh family of kernels at cycle level: WaferLLM's K-tree
// reduction and all-reduce along a line, and MeshGEMV on a region, run on the
// same routers and micro-programs as the line family, with the ramp between
// core and router charged per message. Numbers are checked against Eigen.
#include <Eigen/Dense>
#include <algorithm>

#include "models/fabric/cycle_kernel_support.h"
#include "models/fabric/cycle_kernels.h"
#include "models/fabric/line_collectives.h"

namespace wafersim::fabric {
namespace {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapF = Eigen::Map<MatrixF>;

/// The mesh family's parameters: ramps charged as approx's mesh kernels do.
wafer::MeshParams mesh_core(wafer::MeshParams core) {
  core.mesh_family = true;
  return core;
}

/// A line of `n` cores with random values summed by the K-tree; checked at the
/// root (reduce) or everywhere (all-reduce).
KernelRun ktree_sum(const CycleParams& p, std::int64_t n, double bytes, bool everywhere) {
  n = std::max<std::int64_t>(n, 1);
  const wafer::MeshParams core = mesh_core(p.core);
  FabricSim sim(network_params(p, n, 1), core, p.sram_per_core);
  sim.charge_ramps();
  const std::int64_t elems = elements_for(bytes, 4);
  RandomValues rnd(p.seed);
  LineData line = row_line(sim, 0, 0, n, elems, 4, [&](int c) { return sim.alloc(c, elems, 4, "the values"); });
  if (!sim.fits()) return does_not_fit(sim);
  std::vector<float> sum(static_cast<std::size_t>(elems), 0.0f);
  for (std::size_t i = 0; i < line.cores.size(); ++i) {
    auto& b = sim.buffer(line.cores[i], line.bufs[i]);
    rnd.fill(b);
    for (std::size_t j = 0; j < b.size(); ++j) sum[j] += b[j];
    sim.emit(line.cores[i], activate());
  }
  const std::int64_t group = wafer::MeshKernels(core).ktree_reduce(n, bytes).group;
  std::size_t root = 0;
  if (everywhere)
    emit_ktree_allreduce(sim, line, group, 0, Phase::Reduce);
  else
    root = emit_ktree_reduce(sim, line, group, 0, Phase::Reduce);
  return finish(sim, p, [&] {
    double err = 0;
    for (std::size_t i = 0; i < line.cores.size(); ++i)
      if (everywhere || i == root) err = std::max(err, max_rel_error(sim.buffer(line.cores[i], line.bufs[i]), sum));
    return err;
  });
}

}  // namespace

KernelRun CycleKernels::run_ktree_reduce(std::int64_t n, double bytes) const { return ktree_sum(p_, n, bytes, false); }

KernelRun CycleKernels::run_ktree_allreduce(std::int64_t n, double bytes) const {
  return ktree_sum(p_, n, bytes, true);
}

KernelRun CycleKernels::run_mesh_gemv(const wafer::GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  const wafer::MeshParams core = mesh_core(p_.core);
  FabricSim sim(network_params(p_, cols, rows), core, p_.sram_per_core);
  sim.charge_ramps();
  const Split ks(s.k, rows), ns(s.n, cols);
  const std::int64_t m = s.m, count = std::max<std::int64_t>(s.count, 1);
  struct Bufs {
    int w, x, y;
  };
  // Core (c, r) holds the K/R × N/C weight tile and the input slice K/R the
  // previous op's all-reduce left on it, and gets the N/C outputs.
  std::vector<Bufs> bufs(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const int id = sim.core_at(static_cast<int>(c), static_cast<int>(r));
      Bufs& b = bufs[static_cast<std::size_t>(id)];
      b.w = sim.alloc(id, count * ks.len(r) * ns.len(c), s.weight_bytes, "its weight tile");
      b.x = sim.alloc(id, count * m * ks.len(r), s.act_bytes, "its input slice");
      b.y = sim.alloc(id, count * m * ns.len(c), std::max(s.act_bytes, core.acc_bytes), "its partial sums");
    }
  if (!sim.fits()) return does_not_fit(sim);
  RandomValues rnd(p_.seed);
  std::vector<MatrixF> x(static_cast<std::size_t>(count)), w(static_cast<std::size_t>(count));
  for (std::int64_t cp = 0; cp < count; ++cp) {
    x[static_cast<std::size_t>(cp)] = rnd.matrix(m, s.k);
    w[static_cast<std::size_t>(cp)] = rnd.matrix(s.k, s.n);
  }
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const int id = sim.core_at(static_cast<int>(c), static_cast<int>(r));
      const std::int64_t kr = ks.len(r), nc = ns.len(c);
      const Bufs b = bufs[static_cast<std::size_t>(id)];
      for (std::int64_t cp = 0; cp < count; ++cp) {
        MapF(sim.buffer(id, b.w).data() + cp * kr * nc, kr, nc) =
            w[static_cast<std::size_t>(cp)].block(ks.start(r), ns.start(c), kr, nc);
        MapF(sim.buffer(id, b.x).data() + cp * m * kr, m, kr) =
            x[static_cast<std::size_t>(cp)].block(0, ks.start(r), m, kr);
      }
      sim.emit(id, activate());
      // Local MACs priced as approx's local_matmul: weights and accumulators
      // through the SRAM ports.
      const double macs = static_cast<double>(count * m * kr * nc);
      const double reads = macs * (s.weight_bytes + core.acc_bytes) + static_cast<double>(count * m * kr) * s.act_bytes;
      const double writes = macs * core.acc_bytes + static_cast<double>(count * m * nc) * s.act_bytes;
      sim.emit(id, compute(local_cycles(core, 2 * macs, reads, writes), [&sim, id, b, kr, nc, m, count] {
                 for (std::int64_t cp = 0; cp < count; ++cp)
                   MapF(sim.buffer(id, b.y).data() + cp * m * nc, m, nc).noalias() =
                       MapF(sim.buffer(id, b.x).data() + cp * m * kr, m, kr) *
                       MapF(sim.buffer(id, b.w).data() + cp * kr * nc, kr, nc);
               }));
    }
  // The N/C outputs of each column summed over its R cores by the K-tree and
  // left on all of them.
  const wafer::MeshKernels approx(core);
  const std::int64_t group = approx.ktree_reduce(rows, static_cast<double>(count * m * ns.chunk) * s.act_bytes).group;
  for (std::int64_t c = 0; c < cols && rows > 1; ++c) {
    if (ns.len(c) == 0) continue;
    LineData line = column_line(sim, static_cast<int>(c), 0, rows, count * m * ns.len(c), s.act_bytes,
                                [&](int id) { return bufs[static_cast<std::size_t>(id)].y; });
    emit_ktree_allreduce(sim, line, group, 0, Phase::Reduce);
  }
  KernelRun run = finish(sim, p_, [&] {
    double err = 0;
    for (std::int64_t cp = 0; cp < count; ++cp) {
      const MatrixF ref = x[static_cast<std::size_t>(cp)] * w[static_cast<std::size_t>(cp)];
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
          const std::int64_t nc = ns.len(c);
          if (nc == 0) continue;
          const int id = sim.core_at(static_cast<int>(c), static_cast<int>(r));
          const MatrixF got = MapF(sim.buffer(id, bufs[static_cast<std::size_t>(id)].y).data() + cp * m * nc, m, nc);
          const MatrixF want = ref.block(0, ns.start(c), m, nc);
          err = std::max(err, static_cast<double>((got - want).cwiseAbs().maxCoeff() /
                                                  std::max(ref.cwiseAbs().maxCoeff(), 1e-30f)));
        }
    }
    return err;
  });
  run.cost.algo = rows > 1 ? wafer::ReduceAlgo::Tree : wafer::ReduceAlgo::None;
  run.cost.flops = 2 * static_cast<double>(m * s.k * s.n * count);
  return run;
}

}  // namespace wafersim::fabric
