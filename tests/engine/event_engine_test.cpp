// The generic event engine: FIFO resources, dependencies, exact integer times,
// busy time per class, the critical path, determinism and overflow checks.

#include "sim/engine/event_engine.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sim/core/checked_math.h"

namespace wafersim::engine {
namespace {

TEST(EventEngine, ChainAddsUpAndResourcesServeInOrder) {
  EventEngine e;
  const int a = e.add_resource("region 0", "region");
  const int b = e.add_resource("region 1", "region");
  const int link = e.add_resource("link 0->1", "fabric");
  const int t0 = e.add_task("op0", a, 100);
  const int t1 = e.add_task("move", link, 7, {t0});
  const int t2 = e.add_task("op1", b, 50, {t1});
  const int t3 = e.add_task("op0 mb1", a, 100);  // same region: waits for op0, not for op1
  EXPECT_EQ(e.run(), 200);
  EXPECT_EQ(e.tasks()[static_cast<std::size_t>(t2)].start, 107);
  EXPECT_EQ(e.tasks()[static_cast<std::size_t>(t2)].end, 157);
  EXPECT_EQ(e.tasks()[static_cast<std::size_t>(t3)].start, 100);
  EXPECT_EQ(e.busy_of_class("region"), 250);
  EXPECT_EQ(e.busy_of_class("fabric"), 7);
  EXPECT_EQ(e.critical_path(), (std::vector<int>{t0, t3}));
}

TEST(EventEngine, CriticalPathFollowsTheLatestDependency) {
  EventEngine e;
  const int r = e.add_resource("r", "x");
  const int s = e.add_resource("s", "x");
  const int a = e.add_task("a", r, 10);
  const int b = e.add_task("b", s, 30);
  const int c = e.add_task("c", r, 5, {a, b});
  EXPECT_EQ(e.run(), 35);
  EXPECT_EQ(e.critical_path(), (std::vector<int>{b, c}));
  // The critical path is gapless: its durations sum to the makespan.
  Picoseconds sum = 0;
  for (int t : e.critical_path()) sum += e.tasks()[static_cast<std::size_t>(t)].duration;
  EXPECT_EQ(sum, e.makespan());
}

TEST(EventEngine, SameInputSameSchedule) {
  auto build = [] {
    EventEngine e;
    for (int i = 0; i < 4; ++i) e.add_resource(fmt::format("r{}", i), "region");
    int prev = -1;
    for (int mb = 0; mb < 3; ++mb)
      for (int i = 0; i < 4; ++i) {
        std::vector<int> deps;
        if (prev >= 0 && i > 0) deps.push_back(prev);
        prev = e.add_task("t", i, 10 + i, deps);
      }
    e.run();
    return e;
  };
  const EventEngine a = build(), b = build();
  ASSERT_EQ(a.tasks().size(), b.tasks().size());
  for (std::size_t i = 0; i < a.tasks().size(); ++i) {
    EXPECT_EQ(a.tasks()[i].start, b.tasks()[i].start);
    EXPECT_EQ(a.tasks()[i].started_by, b.tasks()[i].started_by);
  }
  // Three micro-batches through four stages overlap: less than 3× one pass.
  EXPECT_LT(a.makespan(), 3 * (10 + 11 + 12 + 13));
}

TEST(EventEngine, TimesAreCheckedAndRoundedUp) {
  EXPECT_EQ(to_ps(1e-12), 1);
  EXPECT_EQ(to_ps(0.4e-12), 1);  // a non-zero cost never vanishes
  EXPECT_EQ(to_ps(0), 0);
  EXPECT_THROW((void)to_ps(1e9), OverflowError);
  EventEngine e;
  const int r = e.add_resource("r", "x");
  e.add_task("a", r, 9'000'000'000'000'000'000LL);
  e.add_task("b", r, 9'000'000'000'000'000'000LL);
  EXPECT_THROW(e.run(), OverflowError);
}

TEST(EventEngine, RejectsForwardDependencies) {
  EventEngine e;
  const int r = e.add_resource("r", "x");
  EXPECT_ANY_THROW(e.add_task("a", r, 1, {0}));
  EXPECT_ANY_THROW(e.add_task("a", 5, 1));
}

}  // namespace
}  // namespace wafersim::engine
