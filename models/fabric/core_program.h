#pragma once
// The micro-programs the cores of the cycle-level reference run: a short
// list of instructions per core, executed in order. Instructions model the
// wafer core's task-driven dataflow: a fabric receive lands in SRAM in the
// background and wakes the core's task when it completes (one task activation,
// `task_overhead` cycles); a streaming receive (add, max or copy as the flits
// arrive, optionally forwarding the result) is woken by the first flit and then
// keeps pace with the link; sends are asynchronous (the ramp injects one flit
// per cycle while the core goes on); local work (MACs, scaling) takes its
// cycles at the core's FLOP and SRAM rates and does the real arithmetic.
// Leaves out: instruction issue slots, the SIMD pipeline, and more than one
// task in flight per core.

#include <cstdint>
#include <functional>

#include "models/fabric/mesh_network.h"

namespace wafersim::fabric {

/// What a cycle of a core is spent on, for the kernel's phase breakdown.
enum class Phase : std::uint8_t { Overhead, Multicast, Local, Reduce };
inline constexpr int kPhases = 4;

/// How a streaming receive combines incoming values with the core's own.
enum class StreamOp : std::uint8_t { Copy, Add, Max };

enum class InstrKind : std::uint8_t {
  Activate,  ///< one task activation (`task_overhead` cycles): the kernel's start
  Compute,   ///< `cycles` of local work; `fn` does the arithmetic
  Send,      ///< queue `elems` values of a buffer as a message on `route`
  Recv,      ///< wait for the next message on `in_color`, land it in a buffer
  Stream,    ///< combine the next message on `in_color` flit by flit; forward if `forward`
};

struct Instr {
  InstrKind kind = InstrKind::Activate;
  Phase phase = Phase::Overhead;
  // Send, and Stream with `forward`: where the result goes.
  Route route;
  int out_color = 0;
  bool forward = false;
  bool fan_out = false;  ///< Send: a copy the router fans out beside the core's previous send (A-243)
  // Recv and Stream: what is received; Recv pays an activation on completion if
  // asked; a Stream pays one when its first flit wakes it, unless `activate` is
  // false: a stream op armed before its data comes (a K-tree's add-and-forward,
  // set up at the kernel's start) runs without a task of its own.
  int in_color = 0;
  bool activate = true;
  /// Which step of the kernel a message belongs to: a receive takes the next
  /// message of its colour and tag. In hardware each step would use its own
  /// colour; the tag lets the model reuse a few colours without mixing steps.
  int tag = 0;
  StreamOp op = StreamOp::Copy;
  // The values: `elems` values of buffer `buf` from `offset`, each `elem_bytes` on the wire.
  int buf = -1;
  std::int64_t offset = 0;
  std::int64_t elems = 0;
  double elem_bytes = 4;
  // Compute.
  std::uint64_t cycles = 0;
  std::function<void()> fn;
};

}  // namespace wafersim::fabric
