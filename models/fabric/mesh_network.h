#pragma once
// A cycle-level 2D mesh of wormhole routers: the fabric of the cycle-level
// reference (`--fidelity cycle`, A-140..A-149). Each router has four neighbour
// input ports (N, E, S, W) with one FIFO per colour (virtual channel) per port,
// credit back-pressure (a flit moves only into a downstream FIFO with a free
// slot), one flit per link per direction per cycle shared by all colours
// (round-robin), `hop_latency` cycles per hop, dimension-order routing (X, then
// Y) and multicast along the path (every router after the source delivers a
// copy to its core: row and column multicast). Cores inject through a local
// ramp and eject through one: one flit per cycle each way.
//
// A flit is one link-cycle of data (link_bandwidth bytes). Flits carry no
// payload: a message's values live once in the message table of the core model
// (sim loop) and a flit is the message id; a colour's FIFO at an input port
// holds flits of one message at a time (wormhole: the downstream FIFO belongs to
// a message from its head flit until its tail flit leaves), so a FIFO is stored
// as {message, flits held, flits arrived, output + tail-entered flags, credit}
// and costs 8 bytes whatever its depth. Only routers with flits to move are stepped (an active set), so an
// idle mesh costs nothing per cycle.
//
// Routing, flow control, arbitration and timing: A-145..A-149 in
// docs/modeling-assumptions.md. Results do not depend on the order routers are
// stepped in (decisions read the state at the start of the cycle). Router state
// is ~184 bytes per router at 4 colours (bytes_per_router()).
//
// Leaves out: adaptive routing, router pipeline stages beyond hop_latency,
// turn costs, link errors, defective cores. Units: cycles, flits.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wafersim::fabric {

enum class Dir : std::uint8_t { North = 0, East = 1, South = 2, West = 3 };

struct NetworkParams {
  int width = 4;         ///< routers along x (columns)
  int height = 4;        ///< routers along y (rows); y = 0 is the top row, North is y − 1
  int hop_latency = 1;   ///< cycles from a flit leaving one router to it leaving the next (≥ 1)
  int colors = 4;        ///< colours simulated (virtual channels per input port), 1..8
  int buffer_flits = 0;  ///< FIFO depth per colour per input port; 0 = 2·hop_latency + 1 (full rate)
};

/// Where a message goes: dimension-order (X first, then Y) to (dest_x, dest_y).
/// With `deliver_along`, every router after the source on the path also hands a
/// copy to its core (a row multicast when dest_y equals the source's y, a column
/// multicast when dest_x equals the source's x).
struct Route {
  int dest_x = 0;
  int dest_y = 0;
  bool deliver_along = false;
};

using MessageId = std::uint32_t;

/// One flit handed to a core this cycle.
struct Delivery {
  int core = 0;  ///< y · width + x
  MessageId msg = 0;
};

struct MessageInfo {
  int src = 0;  ///< core that injects it
  Route route;
  int color = 0;
  std::uint32_t flits = 0;      ///< total flits
  std::uint32_t available = 0;  ///< flits the core has produced so far (streaming sends)
  std::uint32_t injected = 0;   ///< flits that have entered the source router
  /// A copy of another message of its core that the source router fans out to a
  /// second output in the same cycle (a route with two outputs, A-243): it may
  /// inject alongside that core's other message when their first links differ.
  bool fan_out = false;
};

class MeshNetwork {
 public:
  /// Throws InternalError on a parameter outside the documented ranges.
  explicit MeshNetwork(NetworkParams p);

  [[nodiscard]] const NetworkParams& params() const { return p_; }
  [[nodiscard]] int cores() const { return p_.width * p_.height; }

  /// Queues a message of `flits` flits at core `src` on colour `color`. With
  /// `available` < flits only that many flits may inject until `make_available`
  /// raises it (a core forwarding a stream it is still receiving). A core's
  /// messages on one colour inject in the order they were sent; colours take
  /// turns on the ramp; one flit per cycle per core in all.
  /// A message to its own core (route = source, not deliver_along) is delivered
  /// through the ramps without touching a link (with deliver_along too: the
  /// destination ejects). `available` above `flits` counts as `flits`.
  /// Returns its id (ids count up from 0).
  MessageId send(int src, Route route, int color, std::uint32_t flits, std::uint32_t available, bool fan_out = false);
  /// Raises the flits of `msg` its core has produced (never lowers it).
  void make_available(MessageId msg, std::uint32_t available);

  /// Advances one cycle: arrivals become visible, every active router moves at
  /// most one flit per output link and one to its core, cores inject. Returns the
  /// flits ejected to cores this cycle (valid until the next call).
  const std::vector<Delivery>& step();
  /// When nothing is in flight (`idle()`), moves the clock to `cycle` at no cost
  /// (InternalError when not idle or when `cycle` < cycle()).
  void skip_to(std::uint64_t cycle);

  [[nodiscard]] std::uint64_t cycle() const { return cycle_; }
  /// No flit in a FIFO, on a link or waiting to inject. Flits a core has not
  /// produced yet (beyond `available`) do not count: a mesh waiting only for
  /// make_available is idle and may skip_to.
  [[nodiscard]] bool idle() const;
  [[nodiscard]] const MessageInfo& message(MessageId m) const { return messages_[m]; }

  // Counters for tests, conservation checks and benchmarks.
  [[nodiscard]] std::uint64_t flits_injected() const { return injected_; }
  [[nodiscard]] std::uint64_t flits_ejected() const { return ejected_; }
  [[nodiscard]] std::uint64_t flit_hops() const { return flit_hops_; }  ///< link traversals
  /// Active routers stepped, summed. A router is stepped while it holds flits
  /// (in a FIFO or on a link into one) or has a flit to inject, and once more
  /// after its last flit left (to settle that flit's credit).
  [[nodiscard]] std::uint64_t router_cycles() const { return router_cycles_; }
  [[nodiscard]] std::uint64_t last_progress_cycle() const { return last_progress_; }  ///< last cycle a flit moved
  /// Bytes of router state per router (FIFOs, link pipelines, arbitration,
  /// active flags); the message table and the cores are not counted.
  [[nodiscard]] double bytes_per_router() const;
  /// Test hook: a core that stops accepting flits (its ramp back-pressures), to
  /// show a stall is caught by `last_progress_cycle`.
  void block_ejection(int core, bool blocked);
  /// Test hook: from now on, step the active routers in an order shuffled each
  /// cycle by `seed` (0 = the natural order), to show results do not depend on it.
  void shuffle_router_order(std::uint64_t seed) { shuffle_seed_ = seed; }

 private:
  /// One colour's FIFO at one input port, whatever its depth (8 bytes). `held`
  /// counts flits sent into it and not yet known to have left (in flight, queued,
  /// or left this cycle: the credit reaches the upstream router next cycle);
  /// `ready` counts flits that have arrived and may move.
  struct Fifo {
    std::uint32_t msg = 0;  ///< the message that owns it (meaningful while not free)
    std::uint8_t held = 0;
    std::uint8_t ready = 0;
    std::uint8_t route = 0;   ///< kDirMask: output (Dir or kNoDir), kEject, kTailSent, kWaiting (downstream full)
    std::uint8_t credit = 0;  ///< kCreditPending | parity of the cycle the last flit left
  };
  /// Per-router arbitration state and flags (20 bytes).
  struct RouterState {
    std::uint32_t occupied = 0;                    ///< bit per input FIFO (port × colours + colour) with held > 0
    std::uint32_t freed[2] = {0, 0};               ///< per cycle parity: bit per output × colours + colour
                                                   ///< whose downstream FIFO let a flit go
    std::uint8_t last_grant[5] = {0, 0, 0, 0, 0};  ///< input granted last, per output (N, E, S, W, eject)
    std::uint8_t inject_color = 0;                 ///< colour that injected last
    std::uint8_t flags = 0;                        ///< kEjectBlocked
    std::uint8_t injectable = 0;                   ///< bit per colour whose head message has a flit to inject
  };
  static constexpr std::uint8_t kDirMask = 7, kNoDir = 4, kEject = 8, kTailSent = 16, kWaiting = 32;
  static constexpr std::uint8_t kCreditPending = 2;  ///< bit 0: parity of the leave cycle
  static constexpr std::uint8_t kEjectBlocked = 1, kInjectable = 128, kStarted = 64;
  static constexpr std::uint32_t kNone = 0xffffffffU;

  [[nodiscard]] std::size_t fifo_index(int router, int port, int color) const {
    return (static_cast<std::size_t>(router) * 4 + static_cast<std::size_t>(port)) *
               static_cast<std::size_t>(p_.colors) +
           static_cast<std::size_t>(color);
  }
  /// The FIFO a flit of `color` enters leaving through `dir` the router whose FIFO 0 is `base`.
  [[nodiscard]] std::size_t downstream(std::size_t base, int dir, int color) const {
    return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(base) + down_offset_[dir] + color);
  }
  [[nodiscard]] std::uint8_t route_at(int router, const MessageInfo& m) const;
  void accept(std::size_t fifo, int router, int input, MessageId msg, bool tail);
  void activate(int router);
  bool step_router(int router);  ///< true while it still has work
  void shuffle_active();
  void settle_credits(int router);                 ///< all pending credits, whatever their cycle
  void refresh_inject_state(int core, int color);  ///< from the head message, after it changed or got flits
  void set_inject_state(int core, int color, std::uint8_t state);
  void check_route(int src, const Route& r) const;

  // Implementation-defined state (struct-of-arrays, see the .cpp).
  NetworkParams p_;
  std::vector<MessageInfo> messages_;
  std::vector<std::uint32_t> next_in_queue_;  ///< per message: next message of its core and colour
  std::vector<Fifo> fifos_;                   ///< router × port × colour
  std::vector<RouterState> routers_;
  /// core × colour: the last message still to inject; the queue is circular
  /// through next_in_queue_ (the tail's next is the head), so one id per queue.
  std::vector<std::uint32_t> queue_tail_;
  /// core × colour: the head message's first output (kDirMask) | kInjectable
  /// when it has a flit the core has produced | kStarted once it has injected
  /// (it then owns the FIFO it enters); spares step() the message table.
  std::vector<std::uint8_t> inject_state_;
  /// Active set as bitmaps (one bit per router): `active_next_` collects the
  /// routers to step next cycle; step() swaps it in and walks it in index order
  /// (neighbours are near in memory), clearing it as it goes.
  std::vector<std::uint64_t> active_now_, active_next_;
  std::size_t active_next_count_ = 0;
  std::vector<std::uint32_t> shuffled_;            ///< test hook's scratch order
  std::vector<std::vector<std::uint32_t>> wheel_;  ///< per cycle mod hop_latency: FIFOs a flit arrives in
  std::size_t wheel_slot_ = 0;                     ///< this cycle's: arrivals now, sends for cycle + hop_latency
  std::vector<Delivery> deliveries_;
  std::uint8_t in_color_[32] = {};      ///< colour of input FIFO port × colours + colour
  std::uint8_t in_port_[32] = {};       ///< its port
  std::ptrdiff_t down_offset_[5] = {};  ///< per output: downstream FIFO of colour 0 − own FIFO 0; [kNoDir] = 0
  int router_step_[4] = {};             ///< per output: neighbour − router
  std::uint64_t held_total_ = 0;        ///< flits in FIFOs or on links
  std::uint64_t injectable_ = 0;        ///< flits made available and not yet injected
  std::uint64_t shuffle_seed_ = 0;
  std::uint64_t cycle_ = 0, injected_ = 0, ejected_ = 0, flit_hops_ = 0, router_cycles_ = 0, last_progress_ = 0;
};

}  // namespace wafersim::fabric
