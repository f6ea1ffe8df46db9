// Simulator speed of the cycle-level router network (issue 5: ≥ 10 M
// router-cycles per second on one core on a loaded 128×128 mesh, ≤ 200 bytes
// per router). Each iteration is one MeshNetwork::step of the whole mesh.
//
// Loaded: every core keeps two 64-flit messages queued (unicasts to random
// cores, row and column multicasts to a mesh edge, random colours), topped up
// every 32 cycles; the mesh is warmed up for 3,000 cycles (until the link
// load is steady) before timing starts. Idle-ish: a handful of unicasts cross
// the same mesh at a time, to show the active set: cost follows the routers
// that hold flits, not the mesh size. Empty: step() with nothing in flight.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "models/fabric/mesh_network.h"

namespace wafersim::fabric {
namespace {

constexpr int kSide = 128;

/// Keeps every core (or `senders` random ones) supplied with messages.
class TrafficSource {
 public:
  TrafficSource(MeshNetwork& net, int queued, int senders, bool multicast, std::uint32_t flits)
      : net_(net), queued_(queued), multicast_(multicast), flits_(flits) {
    const int cores = net.cores();
    for (int i = 0; i < (senders > 0 ? senders : cores); ++i) {
      senders_.push_back(senders > 0 ? pick(0, cores - 1) : i);
    }
    last_.assign(senders_.size() * static_cast<std::size_t>(queued_), 0);
    for (std::size_t s = 0; s < senders_.size(); ++s) {
      for (int q = 0; q < queued_; ++q)
        last_[s * static_cast<std::size_t>(queued_) + static_cast<std::size_t>(q)] = send(senders_[s]);
    }
  }

  /// Replaces every message that has finished injecting by a new one.
  void top_up() {
    for (std::size_t s = 0; s < senders_.size(); ++s) {
      for (int q = 0; q < queued_; ++q) {
        MessageId& m = last_[s * static_cast<std::size_t>(queued_) + static_cast<std::size_t>(q)];
        if (net_.message(m).injected == net_.message(m).flits) m = send(senders_[s]);
      }
    }
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  MessageId send(int src) {
    const int w = net_.params().width, h = net_.params().height;
    const int x = src % w, y = src / w;
    Route r{pick(0, w - 1), pick(0, h - 1), false};
    const int kind = multicast_ ? pick(0, 5) : 0;
    if (kind == 4) r = {x < w / 2 ? w - 1 : 0, y, true};  // row multicast to the far edge
    if (kind == 5) r = {x, y < h / 2 ? h - 1 : 0, true};  // column multicast
    return net_.send(src, r, pick(0, net_.params().colors - 1), flits_, flits_);
  }

  MeshNetwork& net_;
  int queued_;
  bool multicast_;
  std::uint32_t flits_;
  std::mt19937 rng_{2024};
  std::vector<int> senders_;
  std::vector<MessageId> last_;
};

void run_mesh(benchmark::State& state, int colors, int senders, bool multicast, int warmup) {
  MeshNetwork net({kSide, kSide, 1, colors, 0});
  TrafficSource traffic(net, senders > 0 ? 1 : 2, senders, multicast, 64);
  for (int c = 0; c < warmup; ++c) {
    if (c % 32 == 0) traffic.top_up();
    net.step();
  }
  const std::uint64_t routers0 = net.router_cycles(), hops0 = net.flit_hops(), cycle0 = net.cycle();
  for (auto _ : state) {
    if (net.cycle() % 32 == 0) traffic.top_up();
    benchmark::DoNotOptimize(net.step().data());
  }
  const auto cycles = static_cast<double>(net.cycle() - cycle0);
  state.counters["router_cycles"] =
      benchmark::Counter(static_cast<double>(net.router_cycles() - routers0), benchmark::Counter::kIsRate);
  state.counters["mesh_cycles"] = benchmark::Counter(cycles, benchmark::Counter::kIsRate);
  state.counters["active_routers"] = static_cast<double>(net.router_cycles() - routers0) / cycles;
  state.counters["link_load"] = static_cast<double>(net.flit_hops() - hops0) / cycles /
                                (2.0 * 2 * kSide * (kSide - 1));  // flits per link per cycle
  state.counters["bytes_per_router"] = net.bytes_per_router();
}

void BM_LoadedMesh128(benchmark::State& state) { run_mesh(state, static_cast<int>(state.range(0)), 0, true, 3000); }
BENCHMARK(BM_LoadedMesh128)->Arg(4)->Arg(8)->Unit(benchmark::kMicrosecond);

void BM_LoadedMesh128Unicast(benchmark::State& state) { run_mesh(state, 4, 0, false, 3000); }
BENCHMARK(BM_LoadedMesh128Unicast)->Unit(benchmark::kMicrosecond);

void BM_IdleishMesh128(benchmark::State& state) { run_mesh(state, 4, 8, false, 100); }
BENCHMARK(BM_IdleishMesh128)->Unit(benchmark::kMicrosecond);

void BM_EmptyMesh128(benchmark::State& state) {  // nothing in flight: the cost of the clock alone
  MeshNetwork net({kSide, kSide, 1, 4, 0});
  for (auto _ : state) benchmark::DoNotOptimize(net.step().data());
  state.counters["mesh_cycles"] = benchmark::Counter(static_cast<double>(net.cycle()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EmptyMesh128);

}  // namespace
}  // namespace wafersim::fabric
