#include "models/fabric/cycle_kernels.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "models/fabric/cycle_kernel_support.h"
#include "models/fabric/line_collectives.h"

namespace wafersim::fabric {

using wafer::GemmShape;
using wafer::KernelCost;
using wafer::ReduceAlgo;
using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapF = Eigen::Map<MatrixF>;

KernelRun CycleKernels::run_multicast(std::int64_t n, double bytes) const {
  n = std::max<std::int64_t>(n, 1);
  FabricSim sim(network_params(p_, n, 1), p_.core, p_.sram_per_core);
  const std::int64_t elems = elements_for(bytes, 4);
  RandomValues rnd(p_.seed);
  LineData line =
      row_line(sim, 0, 0, n, elems, 4, [&](int core) { return sim.alloc(core, elems, 4, "the multicast values"); });
  rnd.fill(sim.buffer(line.cores[0], line.bufs[0]));
  for (int core : line.cores) sim.emit(core, activate());
  if (!sim.fits()) return does_not_fit(sim);
  emit_multicast(sim, line, 0, Phase::Multicast);
  return finish(sim, p_, [&] {
    double err = 0;
    const auto& src = sim.buffer(line.cores[0], line.bufs[0]);
    for (std::size_t i = 1; i < line.cores.size(); ++i)
      err = std::max(err, max_rel_error(sim.buffer(line.cores[i], line.bufs[i]), src));
    return err;
  });
}

namespace {

/// A line of `n` cores, each with `bytes` of random fp32 values, combined into
/// their sum by `emit`; the sum is checked at the last core or, when
/// `everywhere`, at every core.
KernelRun line_sum(const CycleParams& p, std::int64_t n, double bytes, bool everywhere,
                   const std::function<void(FabricSim&, const LineData&)>& emit) {
  n = std::max<std::int64_t>(n, 1);
  FabricSim sim(network_params(p, n, 1), p.core, p.sram_per_core);
  const std::int64_t elems = elements_for(bytes, 4);
  RandomValues rnd(p.seed);
  LineData line = row_line(sim, 0, 0, n, elems, 4, [&](int core) { return sim.alloc(core, elems, 4, "the values"); });
  if (!sim.fits()) return does_not_fit(sim);
  std::vector<float> sum(static_cast<std::size_t>(elems), 0.0f);
  for (std::size_t i = 0; i < line.cores.size(); ++i) {
    auto& b = sim.buffer(line.cores[i], line.bufs[i]);
    rnd.fill(b);
    for (std::size_t j = 0; j < b.size(); ++j) sum[j] += b[j];
    sim.emit(line.cores[i], activate());
  }
  emit(sim, line);
  return finish(sim, p, [&] {
    double err = 0;
    for (std::size_t i = everywhere ? 0 : line.cores.size() - 1; i < line.cores.size(); ++i)
      err = std::max(err, max_rel_error(sim.buffer(line.cores[i], line.bufs[i]), sum));
    return err;
  });
}

}  // namespace

KernelRun CycleKernels::run_reduce(std::int64_t n, double bytes, ReduceAlgo algo) const {
  return line_sum(p_, n, bytes, false, [algo](FabricSim& sim, const LineData& line) {
    emit_reduce(sim, line, algo, StreamOp::Add, 0, Phase::Reduce);
  });
}

KernelRun CycleKernels::run_allreduce(std::int64_t n, double bytes, ReduceAlgo algo) const {
  return line_sum(p_, n, bytes, true, [algo](FabricSim& sim, const LineData& line) {
    emit_allreduce(sim, line, algo, StreamOp::Add, 0, Phase::Reduce);
  });
}

KernelRun CycleKernels::run_gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  rows = std::max<std::int64_t>(rows, 1);
  cols = std::max<std::int64_t>(cols, 1);
  FabricSim sim(network_params(p_, cols, rows), p_.core, p_.sram_per_core);
  const Split ks(s.k, rows), ns(s.n, cols);
  const std::int64_t m = s.m, count = std::max<std::int64_t>(s.count, 1);
  struct Bufs {
    int w, x, y;
  };
  std::vector<Bufs> bufs(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const int core = sim.core_at(static_cast<int>(c), static_cast<int>(r));
      const std::int64_t kr = ks.len(r), nc = ns.len(c);
      Bufs& b = bufs[static_cast<std::size_t>(core)];
      b.w = sim.alloc(core, count * kr * nc, s.weight_bytes, "its weight tile");
      b.x = sim.alloc(core, count * m * kr, s.act_bytes, "its input slice");
      b.y = sim.alloc(core, count * m * nc, s.act_bytes, "its partial sums");
    }
  if (!sim.fits()) return does_not_fit(sim);
  // The whole operands, for the reference: count × (m × K) and count × (K × N).
  RandomValues rnd(p_.seed);
  std::vector<MatrixF> x(static_cast<std::size_t>(count)), w(static_cast<std::size_t>(count));
  for (std::int64_t c = 0; c < count; ++c) {
    x[static_cast<std::size_t>(c)] = rnd.matrix(m, s.k);
    w[static_cast<std::size_t>(c)] = rnd.matrix(s.k, s.n);
  }
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const int core = sim.core_at(static_cast<int>(c), static_cast<int>(r));
      const std::int64_t kr = ks.len(r), nc = ns.len(c);
      const Bufs& b = bufs[static_cast<std::size_t>(core)];
      auto& wb = sim.buffer(core, b.w);
      for (std::int64_t cp = 0; cp < count; ++cp)
        MapF(wb.data() + cp * kr * nc, kr, nc) =
            w[static_cast<std::size_t>(cp)].block(ks.start(r), ns.start(c), kr, nc);
      if (c == 0) {
        auto& xb = sim.buffer(core, b.x);
        for (std::int64_t cp = 0; cp < count; ++cp)
          MapF(xb.data() + cp * m * kr, m, kr) = x[static_cast<std::size_t>(cp)].block(0, ks.start(r), m, kr);
      }
      sim.emit(core, activate());
    }
  // Input slices along each row, from its first core.
  for (std::int64_t r = 0; r < rows && cols > 1; ++r) {
    if (ks.len(r) == 0) continue;
    LineData line = row_line(sim, static_cast<int>(r), 0, cols, count * m * ks.len(r), s.act_bytes,
                             [&](int core) { return bufs[static_cast<std::size_t>(core)].x; });
    emit_multicast(sim, line, 0, Phase::Multicast);
  }
  // Local MACs with the weights read once for all m tokens.
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const int core = sim.core_at(static_cast<int>(c), static_cast<int>(r));
      const std::int64_t kr = ks.len(r), nc = ns.len(c);
      const double macs = static_cast<double>(count * m * kr * nc);
      const double reads = static_cast<double>(count) *
                           (static_cast<double>(kr * nc) * s.weight_bytes + static_cast<double>(m * kr) * s.act_bytes);
      const double writes = static_cast<double>(count * m * nc) * s.act_bytes;
      const Bufs b = bufs[static_cast<std::size_t>(core)];
      sim.emit(core, compute(local_cycles(p_.core, 2 * macs, reads, writes), [&sim, core, b, kr, nc, m, count] {
                 auto& wb = sim.buffer(core, b.w);
                 auto& xb = sim.buffer(core, b.x);
                 auto& yb = sim.buffer(core, b.y);
                 for (std::int64_t cp = 0; cp < count; ++cp)
                   MapF(yb.data() + cp * m * nc, m, nc).noalias() =
                       MapF(xb.data() + cp * m * kr, m, kr) * MapF(wb.data() + cp * kr * nc, kr, nc);
               }));
    }
  // Partial sums down each column to its last core, with approx's algorithm.
  const wafer::MeshKernels approx(p_.core);
  const ReduceAlgo algo = approx.reduce(rows, static_cast<double>(count * m * ns.chunk) * s.act_bytes).algo;
  for (std::int64_t c = 0; c < cols && rows > 1; ++c) {
    if (ns.len(c) == 0) continue;
    LineData line = column_line(sim, static_cast<int>(c), 0, rows, count * m * ns.len(c), s.act_bytes,
                                [&](int core) { return bufs[static_cast<std::size_t>(core)].y; });
    emit_reduce(sim, line, algo, StreamOp::Add, 1, Phase::Reduce);
  }
  KernelRun run = finish(sim, p_, [&] {
    double err = 0;
    for (std::int64_t cp = 0; cp < count; ++cp) {
      const MatrixF ref = x[static_cast<std::size_t>(cp)] * w[static_cast<std::size_t>(cp)];
      MatrixF got(m, s.n);
      for (std::int64_t c = 0; c < cols; ++c) {
        if (ns.len(c) == 0) continue;
        auto& yb =
            sim.buffer(sim.core_at(static_cast<int>(c), static_cast<int>(rows - 1)),
                       bufs[static_cast<std::size_t>(sim.core_at(static_cast<int>(c), static_cast<int>(rows - 1)))].y);
        got.block(0, ns.start(c), m, ns.len(c)) = MapF(yb.data() + cp * m * ns.len(c), m, ns.len(c));
      }
      err = std::max(
          err, static_cast<double>((got - ref).cwiseAbs().maxCoeff() / std::max(ref.cwiseAbs().maxCoeff(), 1e-30f)));
    }
    return err;
  });
  run.cost.algo = rows > 1 ? algo : ReduceAlgo::None;
  run.cost.flops = 2 * static_cast<double>(m * s.k * s.n * count);
  return run;
}

}  // namespace wafersim::fabric
