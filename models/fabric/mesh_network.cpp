// MeshNetwork: construction, message queues, clock and counters. The per-cycle
// router logic is in mesh_network_step.cpp (A-145..A-149).
#include "models/fabric/mesh_network.h"

#include <algorithm>
#include <bit>
#include <string>

#include "sim/core/error.h"

namespace wafersim::fabric {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw InternalError("MeshNetwork: " + what);
}

}  // namespace

MeshNetwork::MeshNetwork(NetworkParams p) : p_(p) {
  require(p_.width >= 1 && p_.height >= 1,
          "mesh is " + std::to_string(p_.width) + "x" + std::to_string(p_.height) + "; width and height must be >= 1");
  require(p_.hop_latency >= 1, "hop_latency is " + std::to_string(p_.hop_latency) + "; it must be >= 1 cycle");
  require(p_.colors >= 1 && p_.colors <= 8, "colors is " + std::to_string(p_.colors) + "; it must be in 1..8");
  if (p_.buffer_flits == 0) p_.buffer_flits = 2 * p_.hop_latency + 1;  // full rate with slack
  require(p_.buffer_flits >= 1 && p_.buffer_flits <= 255,
          "buffer_flits is " + std::to_string(p_.buffer_flits) + "; it must be in 1..255 (0 = 2*hop_latency+1)");
  const auto routers = static_cast<std::size_t>(p_.width) * static_cast<std::size_t>(p_.height);
  Fifo free_fifo;
  free_fifo.route = kTailSent;  // free: its (non-existent) last message's tail has passed
  fifos_.assign(routers * 4 * static_cast<std::size_t>(p_.colors), free_fifo);
  routers_.assign(routers, RouterState{});
  queue_tail_.assign(routers * static_cast<std::size_t>(p_.colors), kNone);
  inject_state_.assign(routers * static_cast<std::size_t>(p_.colors), 0);
  wheel_.resize(static_cast<std::size_t>(p_.hop_latency));
  for (int in = 0; in < 4 * p_.colors; ++in) {
    in_color_[in] = static_cast<std::uint8_t>(in % p_.colors);
    in_port_[in] = static_cast<std::uint8_t>(in / p_.colors);
  }
  const std::ptrdiff_t per_router = 4 * p_.colors;
  const std::ptrdiff_t step[4] = {-p_.width, 1, p_.width, -1};  // N, E, S, W
  for (int d = 0; d < 4; ++d) {
    down_offset_[d] = step[d] * per_router + ((d + 2) % 4) * p_.colors;
    router_step_[d] = static_cast<int>(step[d]);
  }
  active_now_.assign((routers + 63) / 64, 0);
  active_next_.assign((routers + 63) / 64, 0);
}

void MeshNetwork::check_route(int src, const Route& r) const {
  require(src >= 0 && src < cores(),
          "source core " + std::to_string(src) + " is off the mesh of " + std::to_string(cores()) + " cores");
  require(r.dest_x >= 0 && r.dest_x < p_.width && r.dest_y >= 0 && r.dest_y < p_.height,
          "destination (" + std::to_string(r.dest_x) + ", " + std::to_string(r.dest_y) + ") is off the " +
              std::to_string(p_.width) + "x" + std::to_string(p_.height) + " mesh");
}

MessageId MeshNetwork::send(int src, Route route, int color, std::uint32_t flits, std::uint32_t available,
                            bool fan_out) {
  check_route(src, route);
  require(color >= 0 && color < p_.colors,
          "colour " + std::to_string(color) + " is outside 0.." + std::to_string(p_.colors - 1));
  require(flits >= 1, "a message needs at least one flit");
  require(messages_.size() < kNone, "too many messages");
  const auto id = static_cast<MessageId>(messages_.size());
  MessageInfo m;
  m.src = src;
  m.route = route;
  m.color = color;
  m.flits = flits;
  m.available = std::min(available, flits);
  m.fan_out = fan_out;
  messages_.push_back(m);
  next_in_queue_.push_back(kNone);
  const std::size_t q =
      static_cast<std::size_t>(src) * static_cast<std::size_t>(p_.colors) + static_cast<std::size_t>(color);
  if (queue_tail_[q] == kNone) {
    next_in_queue_[id] = id;
  } else {
    next_in_queue_[id] = next_in_queue_[queue_tail_[q]];
    next_in_queue_[queue_tail_[q]] = id;
  }
  queue_tail_[q] = id;
  refresh_inject_state(src, color);
  injectable_ += m.available;
  if (m.available > 0) activate(src);
  return id;
}

void MeshNetwork::make_available(MessageId msg, std::uint32_t available) {
  require(msg < messages_.size(), "make_available on unknown message " + std::to_string(msg));
  MessageInfo& m = messages_[msg];
  const std::uint32_t now = std::min(available, m.flits);
  if (now <= m.available) return;
  injectable_ += now - m.available;
  m.available = now;
  refresh_inject_state(m.src, m.color);
  activate(m.src);
}

void MeshNetwork::refresh_inject_state(int core, int color) {
  const std::uint32_t tail = queue_tail_[static_cast<std::size_t>(core) * static_cast<std::size_t>(p_.colors) +
                                         static_cast<std::size_t>(color)];
  if (tail == kNone) {
    set_inject_state(core, color, 0);
    return;
  }
  const MessageInfo& head = messages_[next_in_queue_[tail]];
  set_inject_state(core, color,
                   static_cast<std::uint8_t>((route_at(head.src, head) & kDirMask) |
                                             (head.injected < head.available ? kInjectable : 0) |
                                             (head.injected > 0 ? kStarted : 0)));
}

void MeshNetwork::set_inject_state(int core, int color, std::uint8_t state) {
  inject_state_[static_cast<std::size_t>(core) * static_cast<std::size_t>(p_.colors) +
                static_cast<std::size_t>(color)] = state;
  RouterState& rs = routers_[static_cast<std::size_t>(core)];
  const auto bit = static_cast<std::uint8_t>(1U << color);
  rs.injectable = static_cast<std::uint8_t>((state & kInjectable) != 0 ? rs.injectable | bit : rs.injectable & ~bit);
}

void MeshNetwork::activate(int router) {
  std::uint64_t& word = active_next_[static_cast<std::size_t>(router) >> 6];
  const std::uint64_t bit = std::uint64_t{1} << (router & 63);
  active_next_count_ += (word & bit) == 0;  // branch-free: routers wake in no predictable pattern
  word |= bit;
}

bool MeshNetwork::idle() const { return held_total_ == 0 && injectable_ == 0; }

void MeshNetwork::skip_to(std::uint64_t cycle) {
  require(idle(),
          "skip_to(" + std::to_string(cycle) + ") while flits are in flight at cycle " + std::to_string(cycle_));
  require(cycle >= cycle_,
          "skip_to(" + std::to_string(cycle) + ") would move the clock back from " + std::to_string(cycle_));
  if (cycle == cycle_) return;
  // Settle credits still on their way (they are keyed to the parity of a cycle)
  // and drop routers that only waited for them; waiting queues stay registered.
  for (std::size_t w = 0; w < active_next_.size(); ++w) {
    for (std::uint64_t bits = active_next_[w]; bits != 0; bits &= bits - 1) {
      settle_credits(static_cast<int>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
    }
    active_next_[w] = 0;
  }
  active_next_count_ = 0;
  cycle_ = cycle;
}

void MeshNetwork::settle_credits(int r) {
  const std::size_t base = fifo_index(r, 0, 0);
  for (int in = 0; in < 4 * p_.colors; ++in) {
    Fifo& f = fifos_[base + static_cast<std::size_t>(in)];
    if ((f.credit & kCreditPending) == 0) continue;
    f.credit = 0;
    if (--f.held == 0) routers_[static_cast<std::size_t>(r)].occupied &= ~(1U << in);
  }
}

void MeshNetwork::block_ejection(int core, bool blocked) {
  require(core >= 0 && core < cores(), "block_ejection on core " + std::to_string(core) + " off the mesh");
  RouterState& rs = routers_[static_cast<std::size_t>(core)];
  if (blocked) {
    rs.flags |= kEjectBlocked;
  } else {
    rs.flags &= static_cast<std::uint8_t>(~kEjectBlocked);
    activate(core);
  }
}

double MeshNetwork::bytes_per_router() const {
  std::size_t bytes = fifos_.capacity() * sizeof(Fifo) + routers_.capacity() * sizeof(RouterState) +
                      queue_tail_.capacity() * sizeof(std::uint32_t) + inject_state_.capacity() +
                      (active_now_.capacity() + active_next_.capacity()) * sizeof(std::uint64_t);
  for (const auto& bucket : wheel_) bytes += bucket.capacity() * sizeof(std::uint32_t);
  return static_cast<double>(bytes) / static_cast<double>(routers_.size());
}

}  // namespace wafersim::fabric
