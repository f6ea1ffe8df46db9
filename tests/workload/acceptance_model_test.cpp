// The acceptance model against its closed form and its own distribution, and the
// seeded sampler against the model.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sim/core/error.h"
#include "sim/workload/acceptance_model.h"
#include "sim/workload/acceptance_sampler.h"

namespace wafersim {
namespace {

TEST(AcceptanceModel, TokensPerStepFollowsTheClosedForm) {
  for (int k : {1, 2, 4, 8}) {
    for (double p : {0.0, 0.3, 0.6, 0.8, 0.95}) {
      const AcceptanceModel m(p, k);
      EXPECT_NEAR(m.tokens_per_step(), (1 - std::pow(p, k + 1)) / (1 - p), 1e-12) << "p " << p << " k " << k;
      // The closed form is the mean of the distribution the sampler draws from.
      double mean = 0, total = 0;
      for (int n = 1; n <= k + 1; ++n) {
        mean += n * m.probability_of(n);
        total += m.probability_of(n);
      }
      EXPECT_NEAR(total, 1.0, 1e-12);
      EXPECT_NEAR(mean, m.tokens_per_step(), 1e-12);
    }
  }
  EXPECT_DOUBLE_EQ(AcceptanceModel(0.5, 1).tokens_per_step(), 1.5);
  EXPECT_DOUBLE_EQ(AcceptanceModel(0.5, 3).tokens_per_step(), 1.875);
}

TEST(AcceptanceModel, EdgesGiveOneOrKPlusOneTokens) {
  for (int k : {1, 4, 7}) {
    EXPECT_DOUBLE_EQ(AcceptanceModel(0.0, k).tokens_per_step(), 1.0);
    EXPECT_DOUBLE_EQ(AcceptanceModel(1.0, k).tokens_per_step(), k + 1.0);
  }
}

TEST(AcceptanceModel, FromMeanInvertsTheClosedForm) {
  for (double p : {0.1, 0.5, 0.7, 0.9}) {
    const double mean = AcceptanceModel(p, 4).tokens_per_step();
    const AcceptanceModel back = AcceptanceModel::from_mean(mean, 4);
    EXPECT_NEAR(back.acceptance(), p, 1e-9);
    EXPECT_NEAR(back.tokens_per_step(), mean, 1e-9);
  }
  EXPECT_DOUBLE_EQ(AcceptanceModel::from_mean(1.0, 4).acceptance(), 0.0);
  EXPECT_DOUBLE_EQ(AcceptanceModel::from_mean(5.0, 4).acceptance(), 1.0);
}

TEST(AcceptanceModel, OutOfRangeValuesAreInputErrors) {
  EXPECT_THROW(AcceptanceModel(-0.01, 4), InputError);
  EXPECT_THROW(AcceptanceModel(1.01, 4), InputError);
  EXPECT_THROW(AcceptanceModel(std::nan(""), 4), InputError);
  EXPECT_THROW(AcceptanceModel(0.5, 0), InputError);
  EXPECT_THROW((void)AcceptanceModel::from_mean(0.9, 4), InputError);
  EXPECT_THROW((void)AcceptanceModel::from_mean(5.01, 4), InputError);
  try {
    (void)AcceptanceModel(2.0, 4);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().front().path, "--acceptance");
  }
}

TEST(AcceptanceSampler, SameSeedSameDraws) {
  AcceptanceSampler a(AcceptanceModel(0.7, 4), 42), b(AcceptanceModel(0.7, 4), 42), c(AcceptanceModel(0.7, 4), 43);
  std::vector<int> da, db, dc;
  for (int i = 0; i < 1000; ++i) {
    da.push_back(a.draw());
    db.push_back(b.draw());
    dc.push_back(c.draw());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(AcceptanceSampler, DrawsFollowTheModel) {
  constexpr int kDraws = 200'000;
  for (double p : {0.0, 0.4, 0.8, 1.0}) {
    const AcceptanceModel m(p, 4);
    AcceptanceSampler s(m, 7);
    std::vector<int> hist(6, 0);
    double sum = 0;
    for (int i = 0; i < kDraws; ++i) {
      const int n = s.draw();
      ASSERT_GE(n, 1);
      ASSERT_LE(n, 5);
      ++hist[static_cast<std::size_t>(n)];
      sum += n;
    }
    // The mean within 5 standard errors (a draw's variance is at most (k+1)^2 / 4).
    EXPECT_NEAR(sum / kDraws, m.tokens_per_step(), 5 * 2.5 / std::sqrt(double{kDraws})) << "p " << p;
    for (int n = 1; n <= 5; ++n) {
      const double expect = m.probability_of(n);
      const double sigma = std::sqrt(expect * (1 - expect) / kDraws);
      EXPECT_NEAR(static_cast<double>(hist[static_cast<std::size_t>(n)]) / kDraws, expect, 5 * sigma + 1e-12)
          << "p " << p << " n " << n;
    }
  }
}

}  // namespace
}  // namespace wafersim
