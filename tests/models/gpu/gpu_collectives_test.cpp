// All-reduce and all-to-all costs (sim/hardware/link_spec, A-80, A-81) in closed
// form, and the all-reduce a tensor-parallel DGX H100 decode step pays.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "models/register_builtin.h"
#include "sim/hardware/link_spec.h"
#include "sim/scenario/eval_request.h"

namespace wafersim {
namespace {

const LinkSpec kNvlink4{BytesPerSecond(450e9), Seconds(1e-6), LinkTopology::Switch};

TEST(Collectives, RingFormula) {
  // 2(n−1)·α + 2(n−1)/n · S/B for n = 8, S = 1 MB.
  const CollectiveCost c = allreduce_cost(kNvlink4, Bytes(1'000'000), 8, CollectiveAlgorithm::Ring);
  EXPECT_DOUBLE_EQ(c.time.value(), 14e-6 + 14.0 / 8 * 1e6 / 450e9);
  EXPECT_DOUBLE_EQ(c.link_bytes, 14e6);
  // The legacy ring helper agrees.
  EXPECT_DOUBLE_EQ(ring_allreduce_time(kNvlink4, Bytes(1'000'000), 8).value(), c.time.value());
}

TEST(Collectives, TreeOneShotAndTwoShotFormulas) {
  const Bytes s(16384);  // one token of an 8192-wide fp16 activation
  EXPECT_DOUBLE_EQ(allreduce_cost(kNvlink4, s, 8, CollectiveAlgorithm::Tree).time.value(),
                   2 * 3 * 1e-6 + 2 * 16384 / 450e9);
  EXPECT_DOUBLE_EQ(allreduce_cost(kNvlink4, s, 8, CollectiveAlgorithm::OneShot).time.value(), 2e-6 + 7 * 16384 / 450e9);
  EXPECT_DOUBLE_EQ(allreduce_cost(kNvlink4, s, 8, CollectiveAlgorithm::TwoShot).time.value(),
                   4e-6 + 14.0 / 8 * 16384 / 450e9);
}

TEST(Collectives, SmallMessagesGoOneShotLargeOnesTwoShotOnASwitch) {
  EXPECT_EQ(best_allreduce(kNvlink4, Bytes(16384), 8).algorithm, CollectiveAlgorithm::OneShot);
  EXPECT_EQ(best_allreduce(kNvlink4, Bytes(64 << 20), 8).algorithm, CollectiveAlgorithm::TwoShot);
  // Crossover: 2α + (n−1)S/B = 4α + 2(n−1)/n·S/B  ⇒  S = 2αB / ((n−1)(1 − 2/n)) ≈ 171 kB.
  const double crossover = 2 * 1e-6 * 450e9 / (7 * (1 - 2.0 / 8));
  EXPECT_EQ(best_allreduce(kNvlink4, Bytes(static_cast<std::int64_t>(crossover * 0.9)), 8).algorithm,
            CollectiveAlgorithm::OneShot);
  EXPECT_EQ(best_allreduce(kNvlink4, Bytes(static_cast<std::int64_t>(crossover * 1.1)), 8).algorithm,
            CollectiveAlgorithm::TwoShot);
}

TEST(Collectives, RingsOfLinksCannotShortcutThroughASwitch) {
  LinkSpec ring = kNvlink4;
  ring.topology = LinkTopology::Ring;
  const CollectiveAlgorithm a = best_allreduce(ring, Bytes(16384), 8).algorithm;
  EXPECT_TRUE(a == CollectiveAlgorithm::Ring || a == CollectiveAlgorithm::Tree);
  EXPECT_EQ(best_allreduce(ring, Bytes(64 << 20), 8).algorithm, CollectiveAlgorithm::Ring);
}

TEST(Collectives, NothingToReduceCostsNothing) {
  EXPECT_EQ(best_allreduce(kNvlink4, Bytes(1000), 1).time.value(), 0);
  EXPECT_EQ(best_allreduce(kNvlink4, Bytes(0), 8).time.value(), 0);
  EXPECT_EQ(all_to_all_cost(kNvlink4, Bytes(1000), 1).time.value(), 0);
}

TEST(Collectives, AllToAllOnASwitchAndOnARing) {
  EXPECT_DOUBLE_EQ(all_to_all_cost(kNvlink4, Bytes(800'000), 8).time.value(), 1e-6 + 7.0 / 8 * 800'000 / 450e9);
  LinkSpec ring = kNvlink4;
  ring.topology = LinkTopology::Ring;
  // Partners 1..3 apart: hops 1,2,3,2,1 → 9 hops of S/n each; 3 rounds of α.
  EXPECT_DOUBLE_EQ(all_to_all_cost(ring, Bytes(400'000), 4).time.value(), 3e-6 + 4.0 * 400'000 / (4 * 450e9));
}

std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

TEST(Collectives, DgxH100DecodePaysMeasuredAllReducesOfAFewMicroseconds) {
  Registry registry;
  models::register_builtin(registry);
  EvalRequest r;
  r.system = "dgx-h100";
  r.model = "llama-3.1-70b";
  const RunResult res = RequestRunner(registry, root()).run(r);
  ASSERT_TRUE(res.fits);
  int allreduces = 0;
  // 8192-wide fp16 activation of one token (16 KiB) over 8 GPUs, from the trtllm-custom
  // table: between 4 KiB (5.7 us) and 32 KiB (7.8 us), linear in log(size).
  const double expected = 5.7e-6 + 2.1e-6 * std::log(4.0) / std::log(8.0);
  for (const OpTiming& t : res.ops) {
    if (t.kind != OpKind::Collective) continue;
    ++allreduces;
    EXPECT_NEAR(t.time_s, expected, 1e-12) << t.name;
    EXPECT_DOUBLE_EQ(t.cost.traffic.interconnect_bytes, 2 * 7 * 16384.0) << t.name;
  }
  EXPECT_EQ(allreduces, 2 * 80);  // two per layer
}

TEST(Collectives, WithTheFormulaDgxH100PaysOneShotAllReduces) {
  Registry registry;
  models::register_builtin(registry);
  EvalRequest r;
  r.system = "dgx-h100";
  r.model = "llama-3.1-70b";
  r.overrides = {Override{"dgx-h100.software.gpu.collective", "formula", "--set"}};
  const RunResult res = RequestRunner(registry, root()).run(r);
  ASSERT_TRUE(res.fits);
  for (const OpTiming& t : res.ops) {
    if (t.kind != OpKind::Collective) continue;
    // 2α + 7·S/B.
    EXPECT_DOUBLE_EQ(t.time_s, 2e-6 + 7 * 16384 / 450e9) << t.name;
    EXPECT_DOUBLE_EQ(t.cost.traffic.interconnect_bytes, 8 * 7 * 16384.0) << t.name;
  }
}

}  // namespace
}  // namespace wafersim
