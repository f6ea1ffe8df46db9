#pragma once
// The cycle-level reference of a region of wafer cores: a MeshNetwork of
// routers plus one core per router, each with its own SRAM (capacity enforced:
// buffers are allocated against `sram_per_core` and a kernel that needs more
// does not fit) and a micro-program (core_program.h). Values are real fp32
// numbers; every message's values are kept once, in a table indexed by message
// id, and reach a core's SRAM when the message's flits have arrived there.
// The loop is event-driven on the cores' side (a core busy for N cycles, or
// waiting on a message, costs nothing until it wakes) and cycle-stepped on the
// network's side (only active routers step); when the network is idle the
// clock jumps to the next core that wakes.
// With the mesh kernels (WaferLLM's, charge_ramps), a flit reaches the receiving core's task
// 2 × `ramp_latency` cycles after the router delivers it: the source's ramp out
// and the receiver's ramp in; the line family folds the ramps into its
// other figures, as approx does.
// Leaves out: what approx and this model both leave out (core_program.h).
// Units: cycles, bytes; values are float.

#include <cstdint>
#include <deque>
#include <utility>
#include <string>
#include <vector>

#include "models/fabric/core_program.h"
#include "models/fabric/mesh_network.h"
#include "models/wafer/approx/mesh_kernels.h"

namespace wafersim::fabric {

class FabricSim {
 public:
  FabricSim(NetworkParams net, const wafer::MeshParams& core, std::int64_t sram_per_core);

  [[nodiscard]] int width() const { return net_.params().width; }
  [[nodiscard]] int height() const { return net_.params().height; }
  [[nodiscard]] int core_at(int x, int y) const { return y * width() + x; }
  [[nodiscard]] const wafer::MeshParams& core_params() const { return core_; }

  /// A buffer of `elems` values in `core`'s SRAM, `elem_bytes` each; returns its
  /// id on that core. Past the core's capacity the allocation still succeeds (so
  /// a program can be built) but `fits()` turns false and says why.
  int alloc(int core, std::int64_t elems, double elem_bytes, const char* what);
  [[nodiscard]] std::vector<float>& buffer(int core, int id) {
    return cores_[static_cast<std::size_t>(core)].buffers[static_cast<std::size_t>(id)];
  }
  [[nodiscard]] bool fits() const { return fit_error_.empty(); }
  [[nodiscard]] const std::string& fit_error() const { return fit_error_; }

  /// From now on a message reaches its receiver's task 2 × ramp_latency cycles
  /// after the router delivers it (the mesh family's kernels, A-241).
  void charge_ramps();

  /// Appends an instruction to `core`'s program.
  void emit(int core, Instr instr);
  /// Flits a message of `elems` values of `elem_bytes` takes (at least one).
  [[nodiscard]] std::uint32_t flits_for(std::int64_t elems, double elem_bytes) const;

  /// Runs every program to its end; returns the cycle the last core finished.
  /// Throws InternalError when nothing moves for `stall_limit` cycles while work
  /// is left (a deadlock or a program waiting on a message never sent).
  std::uint64_t run(std::uint64_t stall_limit = 1'000'000);

  /// Cycles the last-finishing core spent in each phase (they add up to its finish).
  [[nodiscard]] const std::uint64_t* critical_phases() const { return critical_phases_; }
  [[nodiscard]] const MeshNetwork& network() const { return net_; }

 private:
  struct Inbound {
    MessageId msg = 0;
    int color = 0;
    int tag = 0;
    std::uint32_t arrived = 0;
    bool taken = false;
    std::uint64_t first_at = 0;  ///< cycle its first flit reached the core
  };
  struct Core {
    std::vector<Instr> program;
    std::size_t pc = 0;
    std::uint64_t busy_until = 0;
    int stage = 0;                               ///< progress inside a Recv or Stream
    int inbound = -1;                            ///< the message a Recv or Stream is consuming
    MessageId out = 0;                           ///< the message a forwarding Stream produces
    std::uint64_t stream_start = 0;              ///< cycle a Stream's task became active
    std::uint64_t timer_at = ~std::uint64_t{0};  ///< its pending wake-up, if any
    std::uint64_t phase_start = 0;
    std::uint64_t phases[kPhases] = {0, 0, 0, 0};
    std::uint64_t finished = 0;
    bool done = false;
    std::vector<std::vector<float>> buffers;
    std::int64_t sram_used = 0;
    std::vector<Inbound> inbox;
  };

  void advance(int core, std::uint64_t now);
  void finish_instr(Core& c, std::uint64_t end);
  int find_inbound(Core& c, int color, int tag) const;
  void deliver(const Delivery& d);
  void wake_at(int core, std::uint64_t cycle);
  void record(MessageId m, int tag);

  MeshNetwork net_;
  wafer::MeshParams core_;
  std::int64_t sram_per_core_;
  std::vector<Core> cores_;
  std::vector<std::vector<float>> payload_;            ///< values of each message, by id
  std::vector<int> tag_;                               ///< tag of each message, by id
  std::vector<std::pair<std::uint64_t, int>> timers_;  ///< min-heap of (cycle, core)
  std::vector<int> poke_next_;
  std::vector<char> poked_;
  std::string fit_error_;
  std::uint64_t ramp_ = 0;                                  ///< cycles core → router → … → core adds (A-241)
  std::deque<std::pair<std::uint64_t, Delivery>> ramping_;  ///< flits on their way up the receiver's ramp
  std::uint64_t critical_phases_[kPhases] = {0, 0, 0, 0};
};

}  // namespace wafersim::fabric
