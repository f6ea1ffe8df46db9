#include "models/fabric/cycle_kernel_support.h"

#include <algorithm>
#include <cmath>

namespace wafersim::fabric {

NetworkParams network_params(const CycleParams& p, std::int64_t width, std::int64_t height) {
  NetworkParams n;
  n.width = static_cast<int>(std::max<std::int64_t>(width, 1));
  n.height = static_cast<int>(std::max<std::int64_t>(height, 1));
  n.hop_latency = static_cast<int>(std::llround(p.core.hop_latency));
  n.colors = p.colors;
  n.buffer_flits = p.buffer_flits;
  return n;
}

std::int64_t elements_for(double bytes, double elem_bytes) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(bytes / elem_bytes)));
}

std::uint64_t local_cycles(const wafer::MeshParams& core, double flops, double read_bytes, double write_bytes) {
  const double c = std::max({flops / core.flops, read_bytes / core.sram_read, write_bytes / core.sram_write});
  return static_cast<std::uint64_t>(std::ceil(c));
}

namespace {

LineData make_line(std::vector<int> cores, std::int64_t elems, double elem_bytes, const BufferOf& buf) {
  LineData l;
  l.cores = std::move(cores);
  for (int c : l.cores) l.bufs.push_back(buf(c));
  l.elems = elems;
  l.elem_bytes = elem_bytes;
  return l;
}

}  // namespace

LineData row_line(const FabricSim& sim, int y, int x0, std::int64_t n, std::int64_t elems, double elem_bytes,
                  const BufferOf& buf) {
  std::vector<int> cores;
  for (std::int64_t i = 0; i < n; ++i) cores.push_back(sim.core_at(x0 + static_cast<int>(i), y));
  return make_line(std::move(cores), elems, elem_bytes, buf);
}

LineData column_line(const FabricSim& sim, int x, int y0, std::int64_t n, std::int64_t elems, double elem_bytes,
                     const BufferOf& buf) {
  std::vector<int> cores;
  for (std::int64_t i = 0; i < n; ++i) cores.push_back(sim.core_at(x, y0 + static_cast<int>(i)));
  return make_line(std::move(cores), elems, elem_bytes, buf);
}

Instr activate() {
  Instr in;
  in.kind = InstrKind::Activate;
  in.phase = Phase::Overhead;
  return in;
}

Instr compute(std::uint64_t cycles, std::function<void()> fn) {
  Instr in;
  in.kind = InstrKind::Compute;
  in.phase = Phase::Local;
  in.cycles = cycles;
  in.fn = std::move(fn);
  return in;
}

double max_rel_error(const std::vector<float>& got, const std::vector<float>& ref) {
  double diff = 0, scale = 0;
  const std::size_t n = std::min(got.size(), ref.size());
  for (std::size_t i = 0; i < n; ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(got[i] - ref[i])));
    scale = std::max(scale, static_cast<double>(std::abs(ref[i])));
  }
  if (got.size() != ref.size()) return 1.0;
  return scale > 0 ? diff / scale : diff;
}

KernelRun finish(FabricSim& sim, const CycleParams& p, const std::function<double()>& check) {
  KernelRun r;
  r.cycles = sim.run();
  const std::uint64_t* ph = sim.critical_phases();
  r.cost.overhead = static_cast<double>(ph[static_cast<int>(Phase::Overhead)]);
  r.cost.multicast = static_cast<double>(ph[static_cast<int>(Phase::Multicast)]);
  r.cost.compute = static_cast<double>(ph[static_cast<int>(Phase::Local)]);
  r.cost.reduce = static_cast<double>(ph[static_cast<int>(Phase::Reduce)]);
  const MeshNetwork& net = sim.network();
  r.flits = net.flits_injected();
  r.flit_hops = net.flit_hops();
  r.router_cycles = net.router_cycles();
  r.cost.fabric_byte_hops = static_cast<double>(net.flit_hops()) * p.core.link_bytes;
  if (p.check_numbers && check) r.max_rel_error = check();
  return r;
}

KernelRun does_not_fit(const FabricSim& sim) {
  KernelRun r;
  r.fits = false;
  r.fit_error = sim.fit_error();
  return r;
}

}  // namespace wafersim::fabric
