#include "models/fabric/line_collectives.h"

#include <algorithm>

namespace wafersim::fabric {
namespace {

Route route_to(const FabricSim& sim, int core, bool along) {
  return Route{core % sim.width(), core / sim.width(), along};
}

Instr send(const FabricSim& sim, const LineData& l, std::size_t from, std::size_t to, std::int64_t offset,
           std::int64_t elems, int color, Phase phase, bool along = false) {
  Instr in;
  in.kind = InstrKind::Send;
  in.phase = phase;
  in.route = route_to(sim, l.cores[to], along);
  in.out_color = color;
  in.buf = l.bufs[from];
  in.offset = offset;
  in.elems = elems;
  in.elem_bytes = l.elem_bytes;
  in.tag = l.tag;
  return in;
}

Instr stream(const LineData& l, std::size_t at, std::int64_t offset, std::int64_t elems, StreamOp op, int color,
             Phase phase) {
  Instr in;
  in.kind = InstrKind::Stream;
  in.phase = phase;
  in.in_color = color;
  in.op = op;
  in.buf = l.bufs[at];
  in.offset = offset;
  in.elems = elems;
  in.elem_bytes = l.elem_bytes;
  in.tag = l.tag;
  return in;
}

}  // namespace

void emit_multicast(FabricSim& sim, const LineData& l, int color, Phase phase) {
  const std::size_t n = l.cores.size();
  if (n <= 1) return;
  sim.emit(l.cores[0], send(sim, l, 0, n - 1, l.offset, l.elems, color, phase, true));
  for (std::size_t i = 1; i < n; ++i) {
    Instr in;
    in.kind = InstrKind::Recv;
    in.phase = phase;
    in.in_color = color;
    in.activate = true;
    in.op = StreamOp::Copy;
    in.buf = l.bufs[i];
    in.offset = l.offset;
    in.elems = l.elems;
    in.elem_bytes = l.elem_bytes;
    in.tag = l.tag;
    sim.emit(l.cores[i], std::move(in));
  }
}

void emit_reduce(FabricSim& sim, const LineData& l, wafer::ReduceAlgo algo, StreamOp op, int color, Phase phase) {
  const std::size_t n = l.cores.size();
  if (n <= 1) return;
  if (algo != wafer::ReduceAlgo::Tree) {
    sim.emit(l.cores[0], send(sim, l, 0, 1, l.offset, l.elems, color, phase));
    for (std::size_t i = 1; i < n; ++i) {
      Instr in = stream(l, i, l.offset, l.elems, op, color, phase);
      if (i + 1 < n) {
        in.forward = true;
        in.route = route_to(sim, l.cores[i + 1], false);
        in.out_color = color;
      }
      sim.emit(l.cores[i], std::move(in));
    }
    return;
  }
  // Tree toward the last core: j counts from the root; at level l a core 2^l
  // past a multiple of 2^(l+1) sends its (whole) sum 2^l cores closer to the root.
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = n - 1 - i;
    for (std::size_t span = 1; span < n; span *= 2) {
      if (j % (2 * span) == span) {
        sim.emit(l.cores[i], send(sim, l, i, i + span, l.offset, l.elems, color, phase));
        break;
      }
      if (j + span < n) sim.emit(l.cores[i], stream(l, i, l.offset, l.elems, op, color, phase));
    }
  }
}

void emit_allreduce(FabricSim& sim, const LineData& l, wafer::ReduceAlgo algo, StreamOp op, int color, Phase phase) {
  const auto n = static_cast<std::int64_t>(l.cores.size());
  if (n <= 1) return;
  if (algo != wafer::ReduceAlgo::Ring) {
    emit_reduce(sim, l, algo, op, color, phase);
    LineData back = l;
    std::reverse(back.cores.begin(), back.cores.end());
    std::reverse(back.bufs.begin(), back.bufs.end());
    emit_multicast(sim, back, color, phase);
    return;
  }
  // The ring visits the even cores left to right, then the odd ones right to left.
  std::vector<std::size_t> ring;
  for (std::int64_t i = 0; i < n; i += 2) ring.push_back(static_cast<std::size_t>(i));
  for (std::int64_t i = (n - 1) % 2 == 1 ? n - 1 : n - 2; i > 0; i -= 2) ring.push_back(static_cast<std::size_t>(i));
  const std::int64_t piece = (l.elems + n - 1) / n;
  auto piece_off = [&](std::int64_t k) { return l.offset + std::min(l.elems, ((k % n + n) % n) * piece); };
  auto piece_len = [&](std::int64_t k) {
    const std::int64_t start = std::min(l.elems, ((k % n + n) % n) * piece);
    return std::min(l.elems, start + piece) - start;
  };
  for (std::int64_t p = 0; p < n; ++p) {
    const std::size_t me = ring[static_cast<std::size_t>(p)];
    const std::size_t succ = ring[static_cast<std::size_t>((p + 1) % n)];
    for (std::int64_t s = 0; s < 2 * (n - 1); ++s) {
      const bool scatter = s < n - 1;
      const std::int64_t t = scatter ? s : s - (n - 1);
      const std::int64_t out = scatter ? p - t : p + 1 - t;
      const std::int64_t in = scatter ? p - t - 1 : p - t;
      sim.emit(l.cores[me], send(sim, l, me, succ, piece_off(out), piece_len(out), color, phase));
      sim.emit(l.cores[me], stream(l, me, piece_off(in), piece_len(in), scatter ? op : StreamOp::Copy, color, phase));
    }
  }
}

}  // namespace wafersim::fabric
