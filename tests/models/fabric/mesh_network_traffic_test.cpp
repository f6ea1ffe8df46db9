// MeshNetwork under random traffic: conservation (every flit delivered exactly
// once to every core it should reach, in order, to no other), freedom from
// deadlock (a watchdog on last_progress_cycle, with a positive control), and
// determinism, including independence from the order routers are stepped in.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "models/fabric/mesh_network.h"

namespace wafersim::fabric {
namespace {

constexpr std::uint64_t kWatchdog = 10000;  // cycles without a flit moving while busy = deadlock

struct Planned {
  std::uint64_t at;
  int src;
  Route route;
  int color;
  std::uint32_t flits;
  std::uint32_t available;  ///< the rest becomes available 40 cycles later
};

struct Traffic {
  int width, height, colors, latency, depth;
  std::vector<Planned> sends;
};

/// Unicasts (some to the sender itself), row and column multicasts, random
/// lengths and colours, some streamed, sent over the first `spread` cycles.
Traffic random_traffic(int width, int height, int colors, int latency, int depth, int count, std::uint64_t spread,
                       std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Traffic t{width, height, colors, latency, depth, {}};
  for (int i = 0; i < count; ++i) {
    Planned p{};
    p.at = static_cast<std::uint64_t>(uni(0, static_cast<int>(spread)));
    p.src = uni(0, width * height - 1);
    const int sx = p.src % width, sy = p.src / width;
    switch (uni(0, 3)) {
      case 0:
        p.route = {sx, uni(0, height - 1), true};
        break;  // column multicast
      case 1:
        p.route = {uni(0, width - 1), sy, true};
        break;  // row multicast
      default:
        p.route = {uni(0, width - 1), uni(0, height - 1), false};
    }
    p.color = uni(0, colors - 1);
    p.flits = static_cast<std::uint32_t>(uni(1, 24));
    p.available = uni(0, 3) == 0 ? static_cast<std::uint32_t>(uni(0, static_cast<int>(p.flits))) : p.flits;
    t.sends.push_back(p);
  }
  std::stable_sort(t.sends.begin(), t.sends.end(), [](const Planned& a, const Planned& b) { return a.at < b.at; });
  return t;
}

/// Cores a message reaches under X-then-Y routing.
std::vector<int> targets(const Planned& p, int width) {
  int x = p.src % width, y = p.src / width;
  std::vector<int> out;
  while (x != p.route.dest_x || y != p.route.dest_y) {
    if (x != p.route.dest_x) {
      x += x < p.route.dest_x ? 1 : -1;
    } else {
      y += y < p.route.dest_y ? 1 : -1;
    }
    if (p.route.deliver_along) out.push_back(y * width + x);
  }
  if (!p.route.deliver_along || out.empty()) out = {y * width + x};
  return out;
}

struct Outcome {
  std::vector<std::tuple<std::uint64_t, int, MessageId>> deliveries;  ///< (cycle, core, message)
  bool deadlocked = false;
  std::uint64_t injected = 0, ejected = 0, cycles = 0;
};

Outcome run(const Traffic& t, std::uint64_t shuffle_seed = 0, double* bytes_per_router = nullptr) {
  MeshNetwork net({t.width, t.height, t.latency, t.colors, t.depth});
  net.shuffle_router_order(shuffle_seed);
  Outcome o;
  std::multimap<std::uint64_t, MessageId> later;  // make_available events
  std::size_t next = 0;
  while (next < t.sends.size() || !later.empty() || !net.idle()) {
    const std::uint64_t now = net.cycle();
    for (; next < t.sends.size() && t.sends[next].at <= now; ++next) {
      const Planned& p = t.sends[next];
      const MessageId id = net.send(p.src, p.route, p.color, p.flits, p.available);
      if (p.available < p.flits) later.emplace(now + 40, id);
    }
    while (!later.empty() && later.begin()->first <= now) {
      net.make_available(later.begin()->second, net.message(later.begin()->second).flits);
      later.erase(later.begin());
    }
    for (const Delivery& d : net.step()) o.deliveries.emplace_back(now, d.core, d.msg);
    if (!net.idle() && net.cycle() - net.last_progress_cycle() > kWatchdog) {
      o.deadlocked = true;
      break;
    }
  }
  if (bytes_per_router != nullptr) *bytes_per_router = net.bytes_per_router();
  o.injected = net.flits_injected();
  o.ejected = net.flits_ejected();
  o.cycles = net.cycle();
  return o;
}

void expect_conserved(const Traffic& t, const Outcome& o) {
  ASSERT_FALSE(o.deadlocked) << t.width << "x" << t.height;
  std::map<std::pair<MessageId, int>, std::vector<std::uint64_t>> got;  // (message, core) → cycles
  for (const auto& [cycle, core, msg] : o.deliveries) got[{msg, core}].push_back(cycle);
  std::uint64_t sent = 0, expected_ejected = 0;
  std::size_t pairs = 0;
  for (MessageId id = 0; id < t.sends.size(); ++id) {
    const Planned& p = t.sends[id];
    sent += p.flits;
    for (const int core : targets(p, t.width)) {
      ++pairs;
      expected_ejected += p.flits;
      EXPECT_EQ(got[std::make_pair(id, core)].size(), p.flits) << "message " << id << " at core " << core;
    }
  }
  EXPECT_EQ(got.size(), pairs) << "a message reached a core off its path";
  EXPECT_EQ(o.injected, sent);
  EXPECT_EQ(o.ejected, expected_ejected);
  // In order: a core's messages on one colour to one destination arrive whole,
  // in the order they were sent (wormhole channels never interleave them).
  for (MessageId a = 0; a < t.sends.size(); ++a) {
    for (MessageId b = a + 1; b < t.sends.size(); ++b) {
      const Planned& pa = t.sends[a];
      const Planned& pb = t.sends[b];
      if (pa.src != pb.src || pa.color != pb.color || pa.route.deliver_along || pb.route.deliver_along ||
          pa.route.dest_x != pb.route.dest_x || pa.route.dest_y != pb.route.dest_y) {
        continue;
      }
      const int core = targets(pa, t.width).front();
      const auto& ca = got[std::make_pair(a, core)];
      const auto& cb = got[std::make_pair(b, core)];
      ASSERT_FALSE(ca.empty() || cb.empty());
      EXPECT_LT(ca.back(), cb.front()) << "messages " << a << " and " << b;
    }
  }
}

TEST(MeshNetworkTraffic, RandomTrafficIsConservedAndDrains) {
  const int meshes[][2] = {{1, 1}, {1, 9}, {9, 1}, {5, 3}, {6, 6}, {12, 4}};
  std::uint32_t seed = 1;
  for (const auto& m : meshes) {
    for (int depth : {1, 2}) {
      for (int latency : {1, 2}) {
        for (int colors : {1, 3}) {
          const Traffic t = random_traffic(m[0], m[1], colors, latency, depth, 60, 150, seed++);
          SCOPED_TRACE(testing::Message()
                       << m[0] << "x" << m[1] << " D=" << depth << " L=" << latency << " colours=" << colors);
          expect_conserved(t, run(t));
        }
      }
    }
  }
}

TEST(MeshNetworkTraffic, HeavyTrafficDrainsWithoutDeadlock) {
  for (int depth : {1, 2, 0}) {
    // 16x16 with 1500 messages sent over 100 cycles: every link saturated.
    const Traffic t = random_traffic(16, 16, 4, 1, depth, 1500, 100, 77U + static_cast<std::uint32_t>(depth));
    double bytes = 0;
    const Outcome o = run(t, 0, &bytes);
    expect_conserved(t, o);
    EXPECT_LT(o.cycles, 200000U);
    EXPECT_LE(bytes, 200.0);  // the memory target, link pipelines at their peak included
  }
}

TEST(MeshNetworkTraffic, WatchdogCatchesAStall) {
  // Positive control: a core that stops ejecting backs its message up into the
  // mesh and nothing moves any more; the watchdog must see it.
  MeshNetwork net({6, 6, 1, 2, 1});
  net.block_ejection(35, true);
  net.send(0, {5, 5, false}, 0, 30, 30);
  net.send(6, {5, 5, false}, 0, 30, 30);
  bool stalled = false;
  for (int i = 0; i < 30000 && !stalled; ++i) {
    net.step();
    stalled = !net.idle() && net.cycle() - net.last_progress_cycle() > kWatchdog;
  }
  EXPECT_TRUE(stalled);
  EXPECT_EQ(net.flits_ejected(), 0U);
  net.block_ejection(35, false);  // and it recovers once the core accepts again
  for (int i = 0; i < 1000 && !net.idle(); ++i) net.step();
  EXPECT_TRUE(net.idle());
  EXPECT_EQ(net.flits_ejected(), 60U);
}

TEST(MeshNetworkTraffic, IdenticalRunsGiveIdenticalDeliveries) {
  const Traffic t = random_traffic(7, 5, 4, 2, 2, 200, 100, 4242);
  const Outcome a = run(t);
  const Outcome b = run(t);
  EXPECT_EQ(a.deliveries, b.deliveries);
  EXPECT_EQ(a.cycles, b.cycles);
}

TEST(MeshNetworkTraffic, RouterOrderDoesNotChangeTheResult) {
  for (int latency : {1, 3}) {
    const Traffic t = random_traffic(8, 6, 3, latency, 1, 300, 100, 99U + static_cast<std::uint32_t>(latency));
    Outcome a = run(t);
    Outcome b = run(t, 12345);
    // Within one cycle deliveries come in router order; compare them as sets.
    std::sort(a.deliveries.begin(), a.deliveries.end());
    std::sort(b.deliveries.begin(), b.deliveries.end());
    EXPECT_EQ(a.deliveries, b.deliveries) << "L=" << latency;
    EXPECT_EQ(a.cycles, b.cycles);
  }
}

}  // namespace
}  // namespace wafersim::fabric
