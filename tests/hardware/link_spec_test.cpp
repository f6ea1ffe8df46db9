// Link reliability (A-280..A-282): a link with BER 0 is exactly the error-free link;
// goodput falls and transfer time rises monotonically with the BER; the BER grows
// tenfold per `decade` degrees; frame error rate and replay delay match their closed
// forms.

#include "sim/hardware/link_spec.h"

#include <gtest/gtest.h>

#include <cmath>

namespace wafersim {
namespace {

LinkSpec nvlink(double ber) {
  LinkSpec l{BytesPerSecond(900e9), Seconds(1e-6), LinkTopology::Switch};
  l.reliability.ber = ber;
  return l;
}

TEST(LinkReliability, BerZeroIsTheErrorFreeLink) {
  const LinkSpec l = nvlink(0);
  for (std::int64_t b : {1LL, 4096LL, 1LL << 30}) {
    EXPECT_DOUBLE_EQ(link_transfer_time(l, Bytes(b)).value(), 1e-6 + static_cast<double>(b) / 900e9);
    EXPECT_DOUBLE_EQ(replay_delay(l, Bytes(b)).value(), 0);
  }
  EXPECT_DOUBLE_EQ(link_goodput(l).value(), 900e9);
  EXPECT_DOUBLE_EQ(frame_error_rate(l), 0);
}

TEST(LinkReliability, FrameErrorRateAndReplayFollowTheirClosedForms) {
  LinkSpec l = nvlink(1e-6);
  const double p = 1 - std::pow(1 - 1e-6, 8 * 256);
  EXPECT_NEAR(frame_error_rate(l), p, 1e-9 * p);
  EXPECT_NEAR(link_goodput(l).value(), 900e9 * (1 - p), 1e-9 * 900e9);
  // 1 MiB = 4096 frames: P(any fails) × 2 × latency.
  const double any = 1 - std::pow(1 - p, 4096);
  EXPECT_NEAR(replay_delay(l, Bytes(1 << 20)).value(), any * 2e-6, 1e-9 * any * 2e-6);
  l.reliability.replay = Seconds(5e-6);
  EXPECT_NEAR(replay_delay(l, Bytes(1 << 20)).value(), any * 5e-6, 1e-9 * any * 5e-6);
  EXPECT_NEAR(link_transfer_time(l, Bytes(1 << 20)).value(), 1e-6 + (1 << 20) / (900e9 * (1 - p)) + any * 5e-6,
              1e-15 + 1e-9 * (1 << 20) / 900e9);
}

TEST(LinkReliability, GoodputFallsMonotonicallyWithBer) {
  double last_goodput = 1e300, last_time = 0;
  for (double ber : {0.0, 1e-15, 1e-12, 1e-9, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3}) {
    const LinkSpec l = nvlink(ber);
    const double g = link_goodput(l).value();
    const double t = link_transfer_time(l, Bytes(64 << 20)).value();
    EXPECT_LE(g, last_goodput) << ber;
    EXPECT_GE(t, last_time) << ber;
    last_goodput = g;
    last_time = t;
  }
  EXPECT_LT(last_goodput, 900e9 * 0.2);  // at 1e-3 most 256 B frames fail
  // A link that almost never passes a frame is slow, never infinite (no NaN downstream).
  const LinkSpec dead = nvlink(0.5);
  EXPECT_GT(link_goodput(dead).value(), 0);
  EXPECT_TRUE(std::isfinite(link_transfer_time(dead, Bytes(1 << 20)).value()));
}

TEST(LinkReliability, BerGrowsTenfoldPerDecadeOfTemperature) {
  LinkSpec l = nvlink(1e-12);
  EXPECT_DOUBLE_EQ(link_ber(l), 1e-12);  // no temperature known: the reference figure
  l.reliability.temperature_c = 25;
  EXPECT_DOUBLE_EQ(link_ber(l), 1e-12);
  l.reliability.temperature_c = 55;
  EXPECT_NEAR(link_ber(l), 1e-9, 1e-22);
  l.reliability.decade_c = 15;
  EXPECT_NEAR(link_ber(l), 1e-10, 1e-23);
  l.reliability.temperature_c = 1000;
  EXPECT_DOUBLE_EQ(link_ber(l), 0.5);  // capped
}

}  // namespace
}  // namespace wafersim
