// MeshNetwork::step: one cycle of every active router (A-145..A-149).
//
// Order independence: a router's decisions in cycle c read only (a) its own
// FIFOs' `ready` counts, raised for arrivals at the start of the cycle, and (b)
// the downstream FIFOs' `held` as it was at the start of the cycle. A flit that
// leaves a FIFO in cycle c marks a pending credit tagged with c's parity instead
// of lowering `held`; readers in cycle c ignore it, readers from c + 1 count it,
// and the owning router settles it at its next step (it stays active until then).
#include <bit>
#include <utility>

#include "models/fabric/mesh_network.h"

namespace wafersim::fabric {

namespace {

constexpr int kEjectOut = 4;

/// First input in `mask` after `last` in round-robin order.
int pick_after(std::uint64_t mask, int last) {
  const std::uint64_t above = last >= 63 ? 0 : mask & (~std::uint64_t{0} << (last + 1));
  return std::countr_zero(above != 0 ? above : mask);
}

int opposite(int dir) { return (dir + 2) & 3; }

}  // namespace

std::uint8_t MeshNetwork::route_at(int router, const MessageInfo& m) const {
  const int x = router % p_.width;
  const int y = router / p_.width;
  std::uint8_t dir = kNoDir;  // X first, then Y
  if (m.route.dest_x > x) {
    dir = static_cast<std::uint8_t>(Dir::East);
  } else if (m.route.dest_x < x) {
    dir = static_cast<std::uint8_t>(Dir::West);
  } else if (m.route.dest_y > y) {
    dir = static_cast<std::uint8_t>(Dir::South);
  } else if (m.route.dest_y < y) {
    dir = static_cast<std::uint8_t>(Dir::North);
  }
  const bool eject = dir == kNoDir || (m.route.deliver_along && router != m.src);
  return static_cast<std::uint8_t>(dir | (eject ? kEject : 0));
}

void MeshNetwork::accept(std::size_t fifo, int router, int input, MessageId msg, bool tail) {
  Fifo& f = fifos_[fifo];
  if (f.held == 0) routers_[static_cast<std::size_t>(router)].occupied |= 1U << input;
  if ((f.route & kTailSent) != 0) {  // the upstream router found it free: the message takes it
    f.msg = msg;
    f.route = route_at(router, messages_[msg]);
  }
  ++f.held;
  if (tail) f.route |= kTailSent;
  wheel_[wheel_slot_].push_back(static_cast<std::uint32_t>(fifo));
  ++held_total_;
  ++flit_hops_;
  activate(router);
}

const std::vector<Delivery>& MeshNetwork::step() {
  deliveries_.clear();
  wheel_slot_ = cycle_ % wheel_.size();
  auto& arrivals = wheel_[wheel_slot_];  // sent hop_latency cycles ago
  for (const std::uint32_t f : arrivals) ++fifos_[f].ready;
  arrivals.clear();
  if (active_next_count_ == 0) {  // an empty mesh: nothing to walk
    ++cycle_;
    return deliveries_;
  }
  std::swap(active_now_, active_next_);  // active_next_ was cleared while it was walked
  router_cycles_ += active_next_count_;
  active_next_count_ = 0;
  if (shuffle_seed_ != 0) {
    shuffle_active();
  } else {
    for (std::size_t w = 0; w < active_now_.size(); ++w) {
      for (std::uint64_t bits = active_now_[w]; bits != 0; bits &= bits - 1) {
        const int r = static_cast<int>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
        if (step_router(r)) activate(r);
      }
      active_now_[w] = 0;
    }
  }
  ++cycle_;
  return deliveries_;
}

void MeshNetwork::shuffle_active() {
  shuffled_.clear();
  for (std::size_t w = 0; w < active_now_.size(); ++w) {
    for (std::uint64_t bits = active_now_[w]; bits != 0; bits &= bits - 1) {
      shuffled_.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
    }
    active_now_[w] = 0;
  }
  std::uint64_t state = shuffle_seed_ ^ (cycle_ * 0x9E3779B97F4A7C15ULL);
  for (std::size_t i = shuffled_.size(); i > 1; --i) {  // Fisher-Yates with a splitmix64 stream
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    std::swap(shuffled_[i - 1], shuffled_[z % i]);
  }
  for (const std::uint32_t r : shuffled_) {
    if (step_router(static_cast<int>(r))) activate(static_cast<int>(r));
  }
}

bool MeshNetwork::step_router(int r) {
  const int colors = p_.colors;
  const auto par = static_cast<std::uint8_t>(cycle_ & 1);
  const auto settling = static_cast<std::uint8_t>(kCreditPending | (par ^ 1));  // a credit of last cycle
  const int depth = p_.buffer_flits;
  RouterState& rs = routers_[static_cast<std::size_t>(r)];
  const std::size_t base = fifo_index(r, 0, 0);
  // Is there room for `msg` in downstream FIFO `g`: free once its last message
  // has left, or owned by `msg` with a credit (A-146: wormhole, credits).
  auto room = [&](const Fifo& g, MessageId msg, bool owner) {
    const int held = g.held - (g.credit == settling);
    const bool tail_sent = (g.route & kTailSent) != 0;
    return (tail_sent & (held == 0)) | ((!tail_sent) & (owner | (g.msg == msg)) & (held < depth));
  };

  // Requests from the input FIFOs whose head flit can go where it must. Branch
  // free: which FIFOs wait and where they go is data, hard to predict.
  std::uint64_t req[kNoDir + 1] = {0, 0, 0, 0, 0};  // per output link, then the ejection ramp
  std::uint64_t ejects = 0;
  // A FIFO found blocked by its downstream FIFO (kWaiting) is looked at again
  // only once that FIFO has let a flit go (a bit in `freed` of last cycle).
  // A first pass picks the FIFOs to look at, without branches.
  const std::uint64_t woken = rs.freed[par ^ 1];
  rs.freed[par ^ 1] = 0;
  std::uint32_t occupied = rs.occupied;
  std::uint32_t todo = 0;
  for (int in = 0; in < 4 * colors; ++in) {  // a fixed count: no mispredicted loop exit
    const std::uint8_t route = fifos_[base + static_cast<std::size_t>(in)].route;
    const bool sleeps =
        ((route & kWaiting) != 0) & (((woken >> ((route & kDirMask) * colors + in_color_[in])) & 1U) == 0);
    todo |= static_cast<std::uint32_t>(!sleeps) << in;
  }
  todo &= occupied;
  for (std::uint32_t bits = todo; bits != 0; bits &= bits - 1) {
    const int in = std::countr_zero(bits);
    Fifo& slot = fifos_[base + static_cast<std::size_t>(in)];
    const Fifo f = slot;
    const int dir = f.route & kDirMask;  // kNoDir reads the router's own first FIFO, harmlessly
    const bool settles = f.credit == settling;
    const auto held = static_cast<std::uint8_t>(f.held - settles);
    slot.held = held;
    slot.credit = static_cast<std::uint8_t>(f.credit & (settles ? 0 : 0xff));
    occupied &= ~(static_cast<std::uint32_t>(held == 0) << in);
    const Fifo g = fifos_[downstream(base, dir, in_color_[in])];
    const bool blocked = (dir != kNoDir) & !room(g, f.msg, false);
    slot.route = static_cast<std::uint8_t>((f.route & ~kWaiting) | ((blocked & (f.ready != 0)) ? kWaiting : 0));
    const bool ok = (f.ready != 0) & !blocked;
    const std::uint64_t bit = static_cast<std::uint64_t>(ok) << in;
    req[dir] |= bit;
    ejects |= bit & (std::uint64_t{0} - ((f.route >> 3) & 1U));  // kEject is bit 3
  }
  rs.occupied = occupied;
  std::uint64_t multi = ejects & (req[0] | req[1] | req[2] | req[3]);
  if ((rs.flags & kEjectBlocked) != 0) {  // the core takes nothing: no flit that must eject moves
    for (int d = 0; d < 4; ++d) req[d] &= ~ejects;
    ejects = multi = 0;
  }
  req[kEjectOut] = ejects;

  // The injection ramp offers one colour's next flit, colours taking turns.
  const std::size_t queues = static_cast<std::size_t>(r) * static_cast<std::size_t>(colors);
  const unsigned ready_colors = rs.injectable;
  int first_dir = -1;  // a fan-out copy may inject beside it on another link
  bool first_fan = false;
  for (unsigned todo = ready_colors; todo != 0;) {
    const unsigned after = todo & (~0U << (rs.inject_color + 1));  // round robin from the last colour
    const int color = std::countr_zero(after != 0 ? after : todo);
    todo &= ~(1U << color);
    const std::uint8_t state = inject_state_[queues + static_cast<std::size_t>(color)];
    const int dir = state & kDirMask;  // at the source only a self-addressed message ejects
    if (dir == kNoDir) {
      if ((rs.flags & kEjectBlocked) != 0) continue;
    } else if (!room(fifos_[downstream(base, dir, color)], kNone, (state & kStarted) != 0)) {
      continue;
    }
    const bool fan = messages_[next_in_queue_[queue_tail_[queues + static_cast<std::size_t>(color)]]].fan_out;
    if (first_dir >= 0 && (!(fan || first_fan) || dir == first_dir || dir == kNoDir)) continue;
    req[dir] |= std::uint64_t{1} << (4 * colors + color);  // req[kNoDir] is the ejection ramp
    if (first_dir >= 0 || dir == kNoDir) break;
    first_dir = dir;
    first_fan = fan;
  }

  // Allocation: the ejection ramp first (a multicast winner also takes its
  // link), then each link among the remaining requesters, round-robin.
  std::uint64_t granted = 0;
  unsigned links_used = 0;
  auto move = [&](int in, int dir, bool eject) {
    int color = 0;
    MessageId id = 0;
    bool tail = false;
    if (in < 4 * colors) {
      color = in_color_[in];
      Fifo& f = fifos_[base + static_cast<std::size_t>(in)];
      id = f.msg;
      tail = (f.route & kTailSent) != 0 && f.held == 1;
      --f.ready;
      f.credit = static_cast<std::uint8_t>(kCreditPending | par);
      --held_total_;
      const int port = in_port_[in];  // the upstream router may now send into this FIFO
      routers_[static_cast<std::size_t>(r + router_step_[port])].freed[par] |= 1U << (opposite(port) * colors + color);
    } else {
      color = in - 4 * colors;
      const std::size_t q = queues + static_cast<std::size_t>(color);
      id = next_in_queue_[queue_tail_[q]];
      MessageInfo& m = messages_[id];
      ++m.injected;
      ++injected_;
      --injectable_;
      tail = m.injected == m.flits;
      if (tail) {  // pop the head of the circular queue
        if (queue_tail_[q] == id) {
          queue_tail_[q] = kNone;
        } else {
          next_in_queue_[queue_tail_[q]] = next_in_queue_[id];
        }
        refresh_inject_state(r, color);
      } else {
        auto state = static_cast<std::uint8_t>(inject_state_[q] | kStarted);  // it owns its first FIFO now
        if (m.injected == m.available) state &= static_cast<std::uint8_t>(~kInjectable);
        set_inject_state(r, color, state);
      }
      rs.inject_color = static_cast<std::uint8_t>(color);
    }
    if (dir != kNoDir) {
      accept(downstream(base, dir, color), r + router_step_[dir], opposite(dir) * colors + color, id, tail);
      links_used |= 1U << dir;
    }
    if (eject) {
      deliveries_.push_back(Delivery{r, id});
      ++ejected_;
    }
    granted |= std::uint64_t{1} << in;
    last_progress_ = cycle_;
  };
  if (req[kEjectOut] != 0) {
    const int in = pick_after(req[kEjectOut], rs.last_grant[kEjectOut]);
    rs.last_grant[kEjectOut] = static_cast<std::uint8_t>(in);
    int dir = kNoDir;
    if ((multi >> in) & 1U) {
      dir = fifos_[base + static_cast<std::size_t>(in)].route & kDirMask;
      rs.last_grant[dir] = static_cast<std::uint8_t>(in);
    }
    move(in, dir, true);
  }
  unsigned outputs = 0;  // links with a requester left, found without branches
  for (int dir = 0; dir < 4; ++dir) outputs |= static_cast<unsigned>((req[dir] & ~granted & ~multi) != 0) << dir;
  for (outputs &= ~links_used; outputs != 0; outputs &= outputs - 1) {
    const int dir = std::countr_zero(outputs);
    const std::uint64_t mask = req[dir] & ~granted & ~multi;  // an input wants one link: grants do not overlap
    const int in = pick_after(mask, rs.last_grant[dir]);
    rs.last_grant[dir] = static_cast<std::uint8_t>(in);
    move(in, dir, false);
  }
  return occupied != 0 || rs.injectable != 0;
}

}  // namespace wafersim::fabric
