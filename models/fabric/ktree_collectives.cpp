// WaferLLM's two-way K-tree reduction and all-reduce along a line of cores at
// cycle level: the programs behind approx's ktree_reduce and
// ktree_allreduce (mesh_kernels_waferllm.cpp).
#include <algorithm>

#include "models/fabric/line_collectives.h"

namespace wafersim::fabric {
namespace {

Instr send_to(const FabricSim& sim, const LineData& l, std::size_t from, std::size_t to, int color, int tag,
              Phase phase, bool along) {
  Instr in;
  in.kind = InstrKind::Send;
  in.phase = phase;
  in.route = Route{l.cores[to] % sim.width(), l.cores[to] / sim.width(), along};
  in.out_color = color;
  in.buf = l.bufs[from];
  in.offset = l.offset;
  in.elems = l.elems;
  in.elem_bytes = l.elem_bytes;
  in.tag = tag;
  return in;
}

/// An add of the next stream of `tag` into the core's values, armed before the
/// data comes (no task activation of its own), forwarding the sum to `to` if set.
Instr armed_add(const FabricSim& sim, const LineData& l, std::size_t at, const std::size_t* to, int color, int tag,
                Phase phase, StreamOp op) {
  Instr in;
  in.kind = InstrKind::Stream;
  in.phase = phase;
  in.in_color = color;
  in.activate = false;
  in.op = op;
  in.buf = l.bufs[at];
  in.offset = l.offset;
  in.elems = l.elems;
  in.elem_bytes = l.elem_bytes;
  in.tag = tag;
  if (to != nullptr) {
    in.forward = true;
    in.route = Route{l.cores[*to] % sim.width(), l.cores[*to] / sim.width(), false};
    in.out_color = color;
  }
  return in;
}

}  // namespace

std::size_t emit_ktree_reduce(FabricSim& sim, const LineData& l, std::int64_t group, int color, Phase phase,
                              StreamOp op) {
  const std::size_t n = l.cores.size();
  if (n <= 1) return 0;
  const auto g = static_cast<std::size_t>(std::max<std::int64_t>(group, 2));
  std::vector<std::size_t> alive(n);
  for (std::size_t i = 0; i < n; ++i) alive[i] = i;
  for (int level = 0; alive.size() > 1; ++level) {
    const int tag = l.tag + level;
    std::vector<std::size_t> next;
    for (std::size_t first = 0; first < alive.size(); first += g) {
      const std::size_t k = std::min(g, alive.size() - first);
      const std::size_t* m = alive.data() + first;
      const std::size_t h = k / 2;  // the middle member: ⌊k/2⌋ steps from the left end
      next.push_back(m[h]);
      if (k == 1) continue;
      // The left half streams east to the middle, the right half west; a chain's
      // end sends its own values, the members between add and forward.
      sim.emit(l.cores[m[0]], send_to(sim, l, m[0], m[1], color, tag, phase, false));
      for (std::size_t i = 1; i < h; ++i)
        sim.emit(l.cores[m[i]], armed_add(sim, l, m[i], &m[i + 1], color, tag, phase, op));
      if (h + 1 < k) {
        sim.emit(l.cores[m[k - 1]], send_to(sim, l, m[k - 1], m[k - 2], color, tag, phase, false));
        for (std::size_t i = k - 2; i > h; --i)
          sim.emit(l.cores[m[i]], armed_add(sim, l, m[i], &m[i - 1], color, tag, phase, op));
      }
      // The middle adds the streams from both sides (in whichever order they
      // come), then its task activates to take part in the next level.
      sim.emit(l.cores[m[h]], armed_add(sim, l, m[h], nullptr, color, tag, phase, op));
      if (h + 1 < k) sim.emit(l.cores[m[h]], armed_add(sim, l, m[h], nullptr, color, tag, phase, op));
      Instr act;
      act.kind = InstrKind::Activate;
      act.phase = phase;
      sim.emit(l.cores[m[h]], std::move(act));
    }
    alive = std::move(next);
  }
  return alive.front();
}

void emit_ktree_allreduce(FabricSim& sim, const LineData& l, std::int64_t group, int color, Phase phase, StreamOp op) {
  const std::size_t n = l.cores.size();
  if (n <= 1) return;
  const std::size_t root = emit_ktree_reduce(sim, l, group, color, phase, op);
  int levels = 0;
  for (std::size_t alive = n, g = static_cast<std::size_t>(std::max<std::int64_t>(group, 2)); alive > 1;
       alive = (alive + g - 1) / g)
    ++levels;
  const int tag = l.tag + levels;
  // One multicast toward each end; every other core lands the sum and wakes.
  if (root + 1 < n) sim.emit(l.cores[root], send_to(sim, l, root, n - 1, color, tag, phase, true));
  // The router fans each flit out to both outputs: the west copy rides
  // on the next colour and injects beside the east one.
  const bool fan = root > 0 && root + 1 < n && color + 1 < sim.network().params().colors;
  if (root > 0) {
    Instr west = send_to(sim, l, root, 0, fan ? color + 1 : color, tag, phase, true);
    west.fan_out = fan;
    sim.emit(l.cores[root], std::move(west));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (i == root) continue;
    Instr in;
    in.kind = InstrKind::Recv;
    in.phase = phase;
    in.in_color = fan && i < root ? color + 1 : color;
    in.activate = true;
    in.op = StreamOp::Copy;
    in.buf = l.bufs[i];
    in.offset = l.offset;
    in.elems = l.elems;
    in.elem_bytes = l.elem_bytes;
    in.tag = tag;
    sim.emit(l.cores[i], std::move(in));
  }
}

}  // namespace wafersim::fabric
