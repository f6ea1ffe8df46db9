#pragma once
// Micro-programs for collectives along a straight line of cores (a row or a
// column segment of the region), the building blocks of the cycle-level
// kernels, one per approx formula in mesh_kernels.h:
//  - multicast: the first core sends once with deliver_along; the others land
//    the values in SRAM and wake (one task activation on completion);
//  - chain reduce: toward the last core, each core adds its values to the
//    stream from its neighbour and forwards it as it arrives;
//  - tree reduce: level l pairs cores 2^l apart; a receiver adds the stream as
//    it arrives and sends its sum on only when it is whole;
//  - ring all-reduce: the line folded into a loop (neighbours 2 hops apart),
//    n−1 reduce-scatter steps then n−1 all-gather steps of 1/n of the values;
//  - chain/tree all-reduce: reduce to the last core, then multicast back.
// Every call emits instructions on the cores of the line and uses one colour.

#include <cstdint>
#include <vector>

#include "models/fabric/fabric_sim.h"
#include "models/wafer/approx/mesh_kernels.h"

namespace wafersim::fabric {

/// A line of cores, in order (consecutive cores are neighbours), and for each
/// the buffer and offset of its `elems` values.
struct LineData {
  std::vector<int> cores;
  std::vector<int> bufs;
  std::int64_t offset = 0;
  std::int64_t elems = 0;
  double elem_bytes = 4;  ///< bytes per value on the wire
  int tag = 0;            ///< the kernel step its messages belong to (core_program.h)
};

void emit_multicast(FabricSim& sim, const LineData& line, int color, Phase phase);
/// WaferLLM's two-way K-tree, the tree approx's ktree_reduce
/// prices: level by level, groups of `group` surviving cores reduce toward their
/// middle member, each half a pre-armed add-and-forward chain; the middle adds
/// both streams, then one task activation ends the level. The sum ends at the
/// root, whose index in the line is returned. Uses tags line.tag .. line.tag + levels.
/// `op` combines the streams (Add for sums, Max for attention's maxima).
std::size_t emit_ktree_reduce(FabricSim& sim, const LineData& line, std::int64_t group, int color, Phase phase,
                              StreamOp op = StreamOp::Add);
/// The K-tree reduction, then the root multicasts the result to both ends.
void emit_ktree_allreduce(FabricSim& sim, const LineData& line, std::int64_t group, int color, Phase phase,
                          StreamOp op = StreamOp::Add);
void emit_reduce(FabricSim& sim, const LineData& line, wafer::ReduceAlgo algo, StreamOp op, int color, Phase phase);
void emit_allreduce(FabricSim& sim, const LineData& line, wafer::ReduceAlgo algo, StreamOp op, int color, Phase phase);

}  // namespace wafersim::fabric
