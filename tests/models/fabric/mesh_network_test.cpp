// MeshNetwork: closed-form timing (h·L + F − 1), multicast along rows and
// columns, full-rate streaming, link sharing between colours, wormhole
// serialisation, parameter errors and the active set. Random traffic
// (conservation, deadlock, determinism) is in mesh_network_traffic_test.cpp.
#include "models/fabric/mesh_network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/core/error.h"

namespace wafersim::fabric {
namespace {

struct Stamp {
  std::uint64_t cycle;
  int core;
  MessageId msg;
};

/// Steps until idle (at most `limit` cycles), recording every delivery.
std::vector<Stamp> drain(MeshNetwork& net, std::uint64_t limit = 100000) {
  std::vector<Stamp> out;
  for (std::uint64_t n = 0; !net.idle() && n < limit; ++n) {
    const std::uint64_t c = net.cycle();
    for (const Delivery& d : net.step()) out.push_back({c, d.core, d.msg});
  }
  EXPECT_TRUE(net.idle());
  return out;
}

std::vector<std::uint64_t> cycles_at(const std::vector<Stamp>& s, int core, MessageId msg) {
  std::vector<std::uint64_t> out;
  for (const Stamp& x : s) {
    if (x.core == core && x.msg == msg) out.push_back(x.cycle);
  }
  return out;
}

/// `flits` consecutive cycles starting at `first`.
std::vector<std::uint64_t> run_of(std::uint64_t first, std::uint32_t flits) {
  std::vector<std::uint64_t> out;
  for (std::uint32_t i = 0; i < flits; ++i) out.push_back(first + i);
  return out;
}

TEST(MeshNetwork, UnicastLatencyIsHopsTimesLatencyPlusFlits) {
  for (int latency : {1, 2, 3}) {
    for (std::uint32_t flits : {1U, 4U, 9U}) {
      // (src, dest) pairs over 1..9 hops, along x, along y, and turning.
      const int pairs[][4] = {{0, 0, 1, 0}, {3, 2, 0, 2}, {2, 0, 2, 4}, {1, 4, 1, 1}, {0, 0, 5, 4}, {5, 3, 1, 0}};
      for (const auto& pr : pairs) {
        MeshNetwork net({6, 5, latency, 4, 0});
        net.skip_to(100);
        const int src = pr[1] * 6 + pr[0];
        const int hops = std::abs(pr[2] - pr[0]) + std::abs(pr[3] - pr[1]);
        const MessageId m = net.send(src, {pr[2], pr[3], false}, 2, flits, flits);
        const auto got = drain(net);
        EXPECT_EQ(cycles_at(got, pr[3] * 6 + pr[2], m), run_of(100 + static_cast<std::uint64_t>(hops * latency), flits))
            << "L=" << latency << " F=" << flits << " hops=" << hops;
        EXPECT_EQ(got.size(), flits);
        EXPECT_EQ(net.flit_hops(), static_cast<std::uint64_t>(hops) * flits);
        EXPECT_EQ(net.flits_injected(), flits);
        EXPECT_EQ(net.flits_ejected(), flits);
      }
    }
  }
}

TEST(MeshNetwork, MessageToItsOwnCoreUsesOnlyTheRamps) {
  MeshNetwork net({3, 3, 2, 2, 0});
  const MessageId m = net.send(4, {1, 1, false}, 1, 5, 5);
  const auto got = drain(net);
  EXPECT_EQ(cycles_at(got, 4, m), run_of(0, 5));
  EXPECT_EQ(net.flit_hops(), 0U);
}

TEST(MeshNetwork, RowAndColumnMulticastDeliverAtEveryRouterAlongThePath) {
  for (int latency : {1, 3}) {
    const std::uint32_t flits = 7;
    MeshNetwork net({8, 6, latency, 4, 0});
    net.skip_to(50);
    const int y = 2, x = 3;
    const MessageId east = net.send(y * 8 + x, {7, y, true}, 0, flits, flits);
    const MessageId west = net.send(y * 8 + x, {0, y, true}, 1, flits, flits);
    const MessageId south = net.send(y * 8 + x, {x, 5, true}, 2, flits, flits);
    const MessageId north = net.send(y * 8 + x, {x, 0, true}, 3, flits, flits);
    const auto got = drain(net);
    // Four colours share the injection ramp: each message injects every 4th
    // cycle, in colour order 1, 2, 3, 0 (the ramp's turn starts after colour 0).
    auto expect_line = [&](MessageId m, int dx, int dy, int length, int offset) {
      for (int d = 1; d <= length; ++d) {
        const auto c = cycles_at(got, (y + dy * d) * 8 + (x + dx * d), m);
        ASSERT_EQ(c.size(), flits) << "message " << m << " at distance " << d;
        for (std::uint32_t i = 0; i < flits; ++i) {
          EXPECT_EQ(c[i], 50U + static_cast<std::uint64_t>(d * latency + offset) + 4U * i) << "m" << m << " d" << d;
        }
      }
    };
    expect_line(west, -1, 0, 3, 0);
    expect_line(south, 0, 1, 3, 1);
    expect_line(north, 0, -1, 2, 2);
    expect_line(east, 1, 0, 4, 3);
    EXPECT_TRUE(cycles_at(got, y * 8 + x, east).empty());  // the source does not deliver to itself
    EXPECT_EQ(got.size(), flits * (3 + 3 + 2 + 4));
  }
}

TEST(MeshNetwork, AFanOutCopyInjectsBesideItsTwinOnAnotherLink) {
  // a core multicasting east and west sends each flit once; the west copy
  // is flagged fan_out and takes its own link in the same cycle. Without the flag
  // the two messages share the ramp (every 2nd cycle each).
  for (bool fan : {true, false}) {
    const std::uint32_t flits = 12;
    MeshNetwork net({9, 1, 1, 2, 0});
    const MessageId east = net.send(4, {8, 0, true}, 0, flits, flits);
    const MessageId west = net.send(4, {0, 0, true}, 1, flits, flits, fan);
    const auto got = drain(net);
    const auto e = cycles_at(got, 8, east), w = cycles_at(got, 0, west);
    ASSERT_EQ(e.size(), flits);
    ASSERT_EQ(w.size(), flits);
    if (fan) {
      EXPECT_EQ(e, run_of(e.front(), flits));
      EXPECT_EQ(w, run_of(w.front(), flits));
      EXPECT_EQ(e.front(), w.front());
    } else {
      EXPECT_EQ(std::max(e.back(), w.back()) - std::min(e.front(), w.front()), 2U * flits - 1);
    }
  }
}

TEST(MeshNetwork, SingleMulticastStreamsAtFullRate) {
  MeshNetwork net({10, 1, 2, 1, 0});
  const MessageId m = net.send(0, {9, 0, true}, 0, 30, 30);
  const auto got = drain(net);
  for (int d = 1; d <= 9; ++d) EXPECT_EQ(cycles_at(got, d, m), run_of(static_cast<std::uint64_t>(2 * d), 30)) << d;
}

TEST(MeshNetwork, BuffersOfHopLatencyPlusOneKeepFullRate) {
  for (int latency : {1, 2, 3}) {
    MeshNetwork full({8, 1, latency, 1, latency + 1});
    const MessageId m = full.send(0, {7, 0, false}, 0, 40, 40);
    EXPECT_EQ(cycles_at(drain(full), 7, m), run_of(static_cast<std::uint64_t>(7 * latency), 40)) << latency;
    // One slot less and the credit loop (L + 1 cycles) throttles the stream.
    MeshNetwork tight({8, 1, latency, 1, latency});
    const MessageId t = tight.send(0, {7, 0, false}, 0, 40, 40);
    const auto c = cycles_at(drain(tight), 7, t);
    ASSERT_EQ(c.size(), 40U);
    EXPECT_GT(c.back(), static_cast<std::uint64_t>(7 * latency + 39)) << latency;
  }
}

TEST(MeshNetwork, SkipToAfterADrainKeepsCreditsExact) {
  // Tight buffers (D = L + 1) stream at full rate only if every credit is
  // returned exactly: run a stream, skip ahead right after it drains (credits
  // of the last cycle still pending), and stream again.
  MeshNetwork net({6, 1, 2, 1, 3});
  const MessageId first = net.send(0, {5, 0, false}, 0, 25, 25);
  const auto a = drain(net);
  EXPECT_EQ(cycles_at(a, 5, first), run_of(10, 25));
  for (const std::uint64_t gap : {1000U, 1001U}) {  // both parities of the skipped cycles
    net.skip_to(net.cycle() + gap);
    const std::uint64_t t = net.cycle();
    const MessageId next = net.send(0, {5, 0, false}, 0, 25, 25);
    EXPECT_EQ(cycles_at(drain(net), 5, next), run_of(t + 10, 25)) << gap;
  }
}

TEST(MeshNetwork, EjectionRampIsSharedRoundRobin) {
  // Two streams meet at core (2, 1): one from the West, one from the North.
  const std::uint32_t flits = 16;
  MeshNetwork net({3, 3, 1, 1, 0});
  const MessageId west = net.send(3, {2, 1, false}, 0, flits, flits);   // (0,1) → (2,1)
  const MessageId north = net.send(2, {2, 1, false}, 0, flits, flits);  // (2,0) → (2,1)
  const auto got = drain(net);
  const auto cw = cycles_at(got, 5, west);
  const auto cn = cycles_at(got, 5, north);
  ASSERT_EQ(cw.size(), flits);
  ASSERT_EQ(cn.size(), flits);
  EXPECT_LE(std::max(cw.back(), cn.back()), 2U * flits + 2U);  // one flit per cycle in all
  EXPECT_LT(cw.front(), cn.back());                            // they take turns: neither waits for the other to finish
  EXPECT_LT(cn.front(), cw.back());
}

TEST(MeshNetwork, TwoColoursShareALinkTakingTurns) {
  const std::uint32_t flits = 20;
  MeshNetwork net({6, 1, 1, 2, 0});
  // Different sources: both cross the link 1 → 2.
  const MessageId a = net.send(0, {4, 0, false}, 0, flits, flits);
  const MessageId b = net.send(1, {5, 0, false}, 1, flits, flits);
  const auto got = drain(net);
  const auto ca = cycles_at(got, 4, a);
  const auto cb = cycles_at(got, 5, b);
  ASSERT_EQ(ca.size(), flits);
  ASSERT_EQ(cb.size(), flits);
  // 2F flits over one link: the pair finishes ≈ 2F cycles after it starts, and
  // neither message waits for the other to finish (they interleave).
  const std::uint64_t last = std::max(ca.back(), cb.back());
  EXPECT_GE(last, 2U * flits);
  EXPECT_LE(last, 2U * flits + 6U);
  EXPECT_LT(ca.front(), cb.back());
  EXPECT_LT(cb.front(), ca.back());
  EXPECT_TRUE(std::is_sorted(ca.begin(), ca.end()));
}

TEST(MeshNetwork, TwoColoursFromOneCoreTakeTurnsOnTheRamp) {
  const std::uint32_t flits = 10;
  MeshNetwork net({4, 4, 1, 2, 0});
  const MessageId a = net.send(0, {3, 3, false}, 0, flits, flits);
  const MessageId b = net.send(0, {3, 3, false}, 1, flits, flits);
  const auto got = drain(net);
  const auto ca = cycles_at(got, 15, a);
  const auto cb = cycles_at(got, 15, b);
  ASSERT_EQ(ca.size(), flits);
  ASSERT_EQ(cb.size(), flits);
  for (std::uint32_t i = 0; i < flits; ++i) {  // colour 1 goes first (the turn starts after 0)
    EXPECT_EQ(cb[i], 6U + 2 * i);
    EXPECT_EQ(ca[i], 7U + 2 * i);
  }
}

TEST(MeshNetwork, SameColourMessagesSerialiseAsWorms) {
  const std::uint32_t flits = 12;
  MeshNetwork net({5, 1, 2, 1, 0});
  // b injects at router 1 into router 2's West FIFO first; a arrives behind it
  // on the same colour and must wait until b's tail has left that FIFO.
  const MessageId a = net.send(0, {4, 0, false}, 0, flits, flits);
  const MessageId b = net.send(1, {3, 0, false}, 0, flits, flits);
  const auto got = drain(net);
  const auto ca = cycles_at(got, 4, a);
  const auto cb = cycles_at(got, 3, b);
  ASSERT_EQ(ca.size(), flits);
  ASSERT_EQ(cb.size(), flits);
  EXPECT_EQ(cb, run_of(4, flits));
  // b's tail leaves router 2's FIFO in cycle 13; the FIFO is free from 14, when
  // a's head (waiting at router 1 since cycle 2) moves on: 3 hops, 2 cycles each.
  EXPECT_EQ(ca, run_of(14 + 3 * 2, flits));
}

TEST(MeshNetwork, StreamingSendInjectsOnlyAvailableFlits) {
  MeshNetwork net({4, 1, 1, 1, 0});
  const MessageId m = net.send(0, {3, 0, false}, 0, 6, 2);
  std::vector<Stamp> got;
  for (int i = 0; i < 20; ++i) {
    const std::uint64_t c = net.cycle();
    for (const Delivery& d : net.step()) got.push_back({c, d.core, d.msg});
  }
  EXPECT_EQ(got.size(), 2U);
  EXPECT_TRUE(net.idle());  // waiting for the core to produce more is not traffic
  EXPECT_EQ(net.message(m).injected, 2U);
  net.make_available(m, 1);  // never lowers
  net.make_available(m, 6);
  const auto rest = drain(net);
  EXPECT_EQ(cycles_at(rest, 3, m), run_of(23, 4));
}

TEST(MeshNetwork, IdleMeshCostsNothingPerCycle) {
  MeshNetwork net({128, 128, 1, 4, 0});
  net.send(0, {127, 127, false}, 0, 3, 3);
  drain(net);
  net.step();  // the last router settles the credit of the flit it sent last
  const std::uint64_t before = net.router_cycles();
  EXPECT_LE(before, 5U * 255U);  // only the routers on the path ever stepped
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(net.step().empty());
  EXPECT_EQ(net.router_cycles(), before);
  net.skip_to(1000000);
  EXPECT_EQ(net.cycle(), 1000000U);
  EXPECT_LE(net.bytes_per_router(), 200.0);
}

TEST(MeshNetwork, RejectsParametersOutsideTheirRanges) {
  EXPECT_THROW(MeshNetwork({0, 4, 1, 4, 0}), InternalError);
  EXPECT_THROW(MeshNetwork({4, 0, 1, 4, 0}), InternalError);
  EXPECT_THROW(MeshNetwork({4, 4, 0, 4, 0}), InternalError);
  EXPECT_THROW(MeshNetwork({4, 4, 1, 0, 0}), InternalError);
  EXPECT_THROW(MeshNetwork({4, 4, 1, 9, 0}), InternalError);
  EXPECT_THROW(MeshNetwork({4, 4, 1, 4, -1}), InternalError);
  EXPECT_THROW(MeshNetwork({4, 4, 1, 4, 256}), InternalError);
  EXPECT_THROW(MeshNetwork({4, 4, 200, 4, 0}), InternalError);  // default depth 401 > 255
  MeshNetwork net({4, 3, 1, 2, 0});
  EXPECT_THROW(net.send(12, {0, 0, false}, 0, 1, 1), InternalError);
  EXPECT_THROW(net.send(-1, {0, 0, false}, 0, 1, 1), InternalError);
  EXPECT_THROW(net.send(0, {4, 0, false}, 0, 1, 1), InternalError);
  EXPECT_THROW(net.send(0, {0, 3, false}, 0, 1, 1), InternalError);
  EXPECT_THROW(net.send(0, {1, 1, false}, 2, 1, 1), InternalError);
  EXPECT_THROW(net.send(0, {1, 1, false}, 0, 0, 0), InternalError);
  net.send(0, {3, 2, false}, 0, 4, 4);
  EXPECT_THROW(net.skip_to(10), InternalError);
  drain(net);
  EXPECT_THROW(net.skip_to(0), InternalError);  // back in time
  try {
    MeshNetwork({4, 4, 1, 12, 0});
    FAIL();
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("colors is 12"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wafersim::fabric
