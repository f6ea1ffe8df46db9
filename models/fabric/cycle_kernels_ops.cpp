// Norms, elementwise ops and region-to-region transfers at cycle level, and the
// KernelModel interface the wafer step model prices ops through.
#include <algorithm>
#include <cmath>

#include "models/fabric/cycle_kernel_support.h"
#include "models/fabric/cycle_kernels.h"
#include "models/wafer/approx/core_instructions.h"

namespace wafersim::fabric {

using wafer::KernelCost;

KernelRun CycleKernels::run_norm(std::int64_t m, std::int64_t width, std::int64_t line, double elem_bytes) const {
  line = std::max<std::int64_t>(line, 1);
  m = std::max<std::int64_t>(m, 1);
  FabricSim sim(network_params(p_, line, 1), p_.core, p_.sram_per_core);
  // The mesh family sums with a K-tree all-reduce and pays the ramps.
  if (p_.core.mesh_family) sim.charge_ramps();
  const Split ws(width, line);
  RandomValues rnd(p_.seed);
  const auto x = rnd.matrix(m, width);
  std::vector<int> xb(static_cast<std::size_t>(line)), sb(static_cast<std::size_t>(line));
  for (std::int64_t i = 0; i < line; ++i) {
    const int core = static_cast<int>(i);
    xb[static_cast<std::size_t>(i)] = sim.alloc(core, m * ws.len(i), elem_bytes, "its slice of the vectors");
    sb[static_cast<std::size_t>(i)] = sim.alloc(core, m, 4, "its sums of squares");
    auto& b = sim.buffer(core, xb[static_cast<std::size_t>(i)]);
    for (std::int64_t t = 0; t < m; ++t)
      for (std::int64_t j = 0; j < ws.len(i); ++j)
        b[static_cast<std::size_t>(t * ws.len(i) + j)] = x(t, ws.start(i) + j);
    sim.emit(core, activate());
  }
  if (!sim.fits()) return does_not_fit(sim);
  // Sum of squares (2 FLOP and one read per element), all-reduce of one value per
  // vector, then scale (1 FLOP, a read and a write per element).
  for (std::int64_t i = 0; i < line; ++i) {
    const double e = static_cast<double>(m * ws.len(i));
    const int core = static_cast<int>(i);
    const std::int64_t len = ws.len(i);
    const int xi = xb[static_cast<std::size_t>(i)], si = sb[static_cast<std::size_t>(i)];
    sim.emit(core, compute(local_cycles(p_.core, 2 * e, e * elem_bytes, 0), [&sim, core, xi, si, m, len] {
               auto& xv = sim.buffer(core, xi);
               auto& sv = sim.buffer(core, si);
               for (std::int64_t t = 0; t < m; ++t) {
                 float acc = 0;
                 for (std::int64_t j = 0; j < len; ++j)
                   acc += xv[static_cast<std::size_t>(t * len + j)] * xv[static_cast<std::size_t>(t * len + j)];
                 sv[static_cast<std::size_t>(t)] = acc;
               }
             }));
  }
  const wafer::MeshKernels approx(p_.core);
  const wafer::ReduceAlgo algo =
      p_.core.mesh_family ? wafer::ReduceAlgo::Tree : approx.allreduce(line, static_cast<double>(m) * 4).algo;
  const LineData sums = row_line(sim, 0, 0, line, m, 4, [&](int core) { return sb[static_cast<std::size_t>(core)]; });
  if (p_.core.mesh_family)
    emit_ktree_allreduce(sim, sums, approx.ktree_reduce(line, static_cast<double>(m) * 4).group, 0, Phase::Reduce);
  else
    emit_allreduce(sim, sums, algo, StreamOp::Add, 0, Phase::Reduce);
  for (std::int64_t i = 0; i < line; ++i) {
    const double e = static_cast<double>(m * ws.len(i));
    const int core = static_cast<int>(i);
    const std::int64_t len = ws.len(i);
    const int xi = xb[static_cast<std::size_t>(i)], si = sb[static_cast<std::size_t>(i)];
    // Mesh family: the scale at the instruction level, as approx counts it:
    // a Newton rsqrt per vector, then x · (1/rms) · gamma per element, gamma read too.
    const std::uint64_t cycles =
        p_.core.mesh_family ? std::max(local_cycles(p_.core, e, 2 * e * elem_bytes, e * elem_bytes),
                                       static_cast<std::uint64_t>(std::ceil(
                                           approx.simd_cycles(static_cast<double>(m), wafer::instructions::kRsqrt) +
                                           approx.simd_cycles(e, wafer::instructions::kNormScale))))
                            : local_cycles(p_.core, e, e * elem_bytes, e * elem_bytes);
    sim.emit(core, compute(cycles, [&sim, core, xi, si, m, len, width] {
               auto& xv = sim.buffer(core, xi);
               auto& sv = sim.buffer(core, si);
               for (std::int64_t t = 0; t < m; ++t) {
                 const float scale =
                     1.0f / std::sqrt(sv[static_cast<std::size_t>(t)] / static_cast<float>(width) + 1e-6f);
                 for (std::int64_t j = 0; j < len; ++j) xv[static_cast<std::size_t>(t * len + j)] *= scale;
               }
             }));
  }
  KernelRun run = finish(sim, p_, [&] {
    std::vector<float> got, ref;
    for (std::int64_t t = 0; t < m; ++t) {
      const float scale = 1.0f / std::sqrt(x.row(t).squaredNorm() / static_cast<float>(width) + 1e-6f);
      for (std::int64_t i = 0; i < line; ++i)
        for (std::int64_t j = 0; j < ws.len(i); ++j) {
          got.push_back(sim.buffer(static_cast<int>(i),
                                   xb[static_cast<std::size_t>(i)])[static_cast<std::size_t>(t * ws.len(i) + j)]);
          ref.push_back(x(t, ws.start(i) + j) * scale);
        }
    }
    return max_rel_error(got, ref);
  });
  run.cost.algo = line > 1 ? algo : wafer::ReduceAlgo::None;
  run.cost.flops = 3 * static_cast<double>(m * width);
  run.cost.sram_bytes = 3 * static_cast<double>(m * width) * elem_bytes;
  return run;
}

KernelRun CycleKernels::run_elementwise(double elements, std::int64_t line, double elem_bytes, int operands) const {
  line = std::max<std::int64_t>(line, 1);
  operands = std::max(operands, 1);
  FabricSim sim(network_params(p_, line, 1), p_.core, p_.sram_per_core);
  const Split es(static_cast<std::int64_t>(std::ceil(elements)), line);
  RandomValues rnd(p_.seed);
  std::vector<std::vector<float>> in(static_cast<std::size_t>(operands),
                                     std::vector<float>(static_cast<std::size_t>(es.total)));
  for (auto& v : in) rnd.fill(v);
  std::vector<int> ob(static_cast<std::size_t>(line));
  for (std::int64_t i = 0; i < line; ++i) {
    const int core = static_cast<int>(i);
    const std::int64_t len = es.len(i), start = es.start(i);
    std::vector<int> ib;
    for (int o = 0; o < operands; ++o) {
      ib.push_back(sim.alloc(core, len, elem_bytes, "an operand"));
      auto& b = sim.buffer(core, ib.back());
      std::copy_n(in[static_cast<std::size_t>(o)].begin() + start, len, b.begin());
    }
    ob[static_cast<std::size_t>(i)] = sim.alloc(core, len, elem_bytes, "the result");
    const double e = static_cast<double>(len);
    const int out = ob[static_cast<std::size_t>(i)];
    sim.emit(core, activate());
    sim.emit(core, compute(local_cycles(p_.core, operands * e, operands * e * elem_bytes, e * elem_bytes),
                           [&sim, core, ib, out] {
                             auto& o = sim.buffer(core, out);
                             for (int b : ib) {
                               const auto& v = sim.buffer(core, b);
                               for (std::size_t j = 0; j < o.size(); ++j) o[j] += v[j];
                             }
                           }));
  }
  if (!sim.fits()) return does_not_fit(sim);
  KernelRun run = finish(sim, p_, [&] {
    std::vector<float> got, ref(static_cast<std::size_t>(es.total), 0.0f);
    for (const auto& v : in)
      for (std::size_t j = 0; j < ref.size(); ++j) ref[j] += v[j];
    for (std::int64_t i = 0; i < line; ++i) {
      const auto& b = sim.buffer(static_cast<int>(i), ob[static_cast<std::size_t>(i)]);
      got.insert(got.end(), b.begin(), b.end());
    }
    return max_rel_error(got, ref);
  });
  run.cost.flops = elements * operands;
  run.cost.sram_bytes = elements * elem_bytes * (operands + 1);
  return run;
}

KernelRun CycleKernels::run_transfer(double bytes, std::int64_t distance, std::int64_t links) const {
  if (bytes <= 0) return {};
  links = std::max<std::int64_t>(links, 1);
  distance = std::max<std::int64_t>(distance, 0);
  FabricSim sim(network_params(p_, distance + 1, links), p_.core, p_.sram_per_core);
  const Split es(elements_for(bytes, 4), links);
  RandomValues rnd(p_.seed);
  std::vector<int> src(static_cast<std::size_t>(links)), dst(static_cast<std::size_t>(links));
  for (std::int64_t r = 0; r < links; ++r) {
    const int a = sim.core_at(0, static_cast<int>(r)), b = sim.core_at(static_cast<int>(distance), static_cast<int>(r));
    src[static_cast<std::size_t>(r)] = sim.alloc(a, es.len(r), 4, "the values it sends");
    dst[static_cast<std::size_t>(r)] = sim.alloc(b, es.len(r), 4, "the values it receives");
    rnd.fill(sim.buffer(a, src[static_cast<std::size_t>(r)]));
  }
  if (!sim.fits()) return does_not_fit(sim);
  // One stream per link across the boundary; the receiving op's own task
  // activation is its kernel's overhead, so the landing wakes nothing here.
  for (std::int64_t r = 0; r < links; ++r) {
    if (es.len(r) == 0) continue;
    const int a = sim.core_at(0, static_cast<int>(r)), b = sim.core_at(static_cast<int>(distance), static_cast<int>(r));
    sim.emit(a, activate());
    Instr s;
    s.kind = InstrKind::Send;
    s.phase = Phase::Multicast;
    s.route = Route{static_cast<int>(distance), static_cast<int>(r), false};
    s.buf = src[static_cast<std::size_t>(r)];
    s.elems = es.len(r);
    s.elem_bytes = 4;
    sim.emit(a, s);
    Instr v;
    v.kind = InstrKind::Recv;
    v.phase = Phase::Multicast;
    v.activate = false;
    v.buf = dst[static_cast<std::size_t>(r)];
    v.elems = es.len(r);
    v.elem_bytes = 4;
    sim.emit(b, v);
  }
  KernelRun run = finish(sim, p_, [&] {
    double err = 0;
    for (std::int64_t r = 0; r < links; ++r)
      err = std::max(err,
                     max_rel_error(sim.buffer(sim.core_at(static_cast<int>(distance), static_cast<int>(r)),
                                              dst[static_cast<std::size_t>(r)]),
                                   sim.buffer(sim.core_at(0, static_cast<int>(r)), src[static_cast<std::size_t>(r)])));
    return err;
  });
  run.cost.hops = static_cast<double>(distance);
  return run;
}

namespace {

/// The measured cycles with the counts approx derives from the same routes and
/// tiles: hops on the critical path, FLOPs, SRAM bytes; local work is shown as
/// SRAM time where the tile is SRAM-bound (for explain's time split).
KernelCost measured(const KernelRun& r, const KernelCost& approx) {
  if (!r.fits) throw DoesNotFit{r.fit_error};
  KernelCost c = r.cost;
  c.hops = approx.hops;
  if (c.algo == wafer::ReduceAlgo::None) c.algo = approx.algo;
  c.flops = approx.flops;
  c.sram_bytes = approx.sram_bytes;
  if (approx.sram > approx.compute && c.sram == 0) {
    c.sram = c.compute;
    c.compute = c.sram * approx.compute / approx.sram;
  }
  return c;
}

}  // namespace

KernelCost CycleKernels::gemm(const wafer::GemmShape& s, std::int64_t rows, std::int64_t cols) const {
  const wafer::MeshKernels approx(p_.core);
  const KernelCost a = approx.gemm(s, rows, cols);
  // The mesh family runs MeshGEMV or MeshGEMM where approx chose it; MeshGEMM's
  // program needs a square region, so on others those ops run the line
  // family's GEMM.
  if (p_.core.mesh_family && a.total() == approx.mesh_gemv(s, rows, cols).total())
    return measured(run_mesh_gemv(s, rows, cols), a);
  if (p_.core.mesh_family && rows == cols && s.m > 1 && a.total() == approx.mesh_gemm(s, rows, cols).total())
    return measured(run_mesh_gemm(s, rows, cols), a);
  return measured(run_gemm(s, rows, cols), a);
}
KernelCost CycleKernels::attention(const wafer::AttentionShape& s, std::int64_t rows, std::int64_t cols) const {
  return measured(run_attention(s, rows, cols), wafer::MeshKernels(p_.core).attention(s, rows, cols));
}
KernelCost CycleKernels::norm(std::int64_t m, std::int64_t width, std::int64_t line, double elem_bytes) const {
  return measured(run_norm(m, width, line, elem_bytes), wafer::MeshKernels(p_.core).norm(m, width, line, elem_bytes));
}
KernelCost CycleKernels::elementwise(double elements, std::int64_t line, double elem_bytes, int operands) const {
  return measured(run_elementwise(elements, line, elem_bytes, operands),
                  wafer::MeshKernels(p_.core).elementwise(elements, line, elem_bytes, operands));
}
KernelCost CycleKernels::transfer(double bytes, std::int64_t distance, std::int64_t links) const {
  return measured(run_transfer(bytes, distance, links), wafer::MeshKernels(p_.core).transfer(bytes, distance, links));
}

}  // namespace wafersim::fabric
