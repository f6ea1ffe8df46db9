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

int MeshNetwork::neighbour(int router, int dir) const {
  switch (dir) {
    case 0: return router - p_.width;  // North
    case 1: return router + 1;         // East
    case 2: return router + p_.width;  // South
    default: return router - 1;        // West
  }
}

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

namespace {

/// Flits held as the upstream router sees them in a cycle of parity `par`.
template <class F>
int held_seen(const F& f, std::uint8_t par) {
  const bool returned = (f.credit & 2) != 0 && (f.credit & 1) != par;
  return f.held - (returned ? 1 : 0);
}

}  // namespace

bool MeshNetwork::can_accept(std::size_t fifo, MessageId msg) const {
  const Fifo& f = fifos_[fifo];
  const int held = held_seen(f, static_cast<std::uint8_t>(cycle_ & 1));
  if ((f.route & kTailSent) != 0) return held == 0;  // free once its last message has left
  return f.msg == msg && held < p_.buffer_flits;       // wormhole, credits
}

void MeshNetwork::accept(std::size_t fifo, int router, int input, MessageId msg, bool tail) {
  Fifo& f = fifos_[fifo];
  if (f.held == 0) routers_[static_cast<std::size_t>(router)].occupied |= 1U << input;
  if ((f.route & kTailSent) != 0) {  // can_accept said it is free: the message takes it
    f.msg = msg;
    f.route = route_at(router, messages_[msg]);
  }
  ++f.held;
  if (tail) f.route |= kTailSent;
  wheel_[cycle_ % wheel_.size()].push_back(static_cast<std::uint32_t>(fifo));
  ++held_total_;
  ++flit_hops_;
  activate(router);
}

const std::vector<Delivery>& MeshNetwork::step() {
  deliveries_.clear();
  auto& arrivals = wheel_[cycle_ % wheel_.size()];  // sent hop_latency cycles ago
  for (const std::uint32_t f : arrivals) ++fifos_[f].ready;
  arrivals.clear();
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
  RouterState& rs = routers_[static_cast<std::size_t>(r)];
  const bool eject_blocked = (rs.flags & kEjectBlocked) != 0;
  const std::size_t base = fifo_index(r, 0, 0);
  std::uint64_t req[5] = {0, 0, 0, 0, 0};
  std::uint64_t multi = 0;

  // Requests from the input FIFOs whose head flit can go where it must.
  std::uint32_t occupied = rs.occupied;
  for (std::uint32_t bits = occupied; bits != 0; bits &= bits - 1) {
    const int in = std::countr_zero(bits);
    Fifo& f = fifos_[base + static_cast<std::size_t>(in)];
    if ((f.credit & kCreditPending) != 0 && (f.credit & 1) != par) {  // credit of last cycle settles
      f.credit = 0;
      if (--f.held == 0) {
        occupied &= ~(1U << in);
        continue;
      }
    }
    if (f.ready == 0) continue;
    const int dir = f.route & kDirMask;
    const bool eject = (f.route & kEject) != 0;
    if (eject && eject_blocked) continue;
    if (dir != kNoDir && !can_accept(fifo_index(neighbour(r, dir), opposite(dir), in_color_[in]), f.msg)) continue;
    const std::uint64_t bit = std::uint64_t{1} << in;
    if (dir != kNoDir) req[dir] |= bit;
    if (eject) req[kEjectOut] |= bit;
    if (dir != kNoDir && eject) multi |= bit;
  }
  rs.occupied = occupied;

  // The injection ramp offers one colour's next flit, colours taking turns.
  const std::size_t queues = static_cast<std::size_t>(r) * static_cast<std::size_t>(colors);
  bool injectable = false;
  for (int j = 1; j <= colors; ++j) {
    const int color = (rs.inject_color + j) % colors;
    const std::uint8_t state = inject_state_[queues + static_cast<std::size_t>(color)];
    if ((state & kInjectable) == 0) continue;
    injectable = true;
    const int dir = state & kDirMask;  // at the source only a self-addressed message ejects
    if (dir == kNoDir) {
      if (eject_blocked) continue;
    } else if (!can_accept(fifo_index(neighbour(r, dir), opposite(dir), color),
                           next_in_queue_[queue_tail_[queues + static_cast<std::size_t>(color)]])) {
      continue;
    }
    req[dir == kNoDir ? kEjectOut : dir] |= std::uint64_t{1} << (4 * colors + color);
    break;
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
        refresh_inject_state(q);
      } else if (m.injected == m.available) {
        inject_state_[q] &= static_cast<std::uint8_t>(~kInjectable);
      }
      rs.inject_color = static_cast<std::uint8_t>(color);
    }
    if (dir != kNoDir) {
      const int next = neighbour(r, dir);
      accept(fifo_index(next, opposite(dir), color), next, opposite(dir) * colors + color, id, tail);
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
  for (int dir = 0; dir < 4; ++dir) {
    if ((links_used >> dir) & 1U) continue;
    const std::uint64_t mask = req[dir] & ~granted & ~multi;
    if (mask == 0) continue;
    const int in = pick_after(mask, rs.last_grant[dir]);
    rs.last_grant[dir] = static_cast<std::uint8_t>(in);
    move(in, dir, false);
  }
  if (occupied != 0 || !injectable) return occupied != 0;
  for (int color = 0; color < colors; ++color) {  // the grant may have used up the last produced flit
    if ((inject_state_[queues + static_cast<std::size_t>(color)] & kInjectable) != 0) return true;
  }
  return false;
}

}  // namespace wafersim::fabric
