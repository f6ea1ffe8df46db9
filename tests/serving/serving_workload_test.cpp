#include "sim/serving/serving_workload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/core/error.h"

namespace wafersim::serving {
namespace {

namespace fs = std::filesystem;

std::string message(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.diagnostics().front().format();
  }
  return "";
}

TEST(LengthDistribution, ParsesTheThreeForms) {
  EXPECT_EQ(LengthDistribution::parse("512", "--prompt").mean(), 512);
  EXPECT_EQ(LengthDistribution::parse("uniform:100:300", "--prompt").mean(), 200);
  EXPECT_NEAR(LengthDistribution::parse("lognormal:100:0.5", "--prompt").mean(), 100 * std::exp(0.125), 1e-9);
  std::mt19937_64 rng(1);
  const auto u = LengthDistribution::parse("uniform:5:7", "--prompt");
  for (int i = 0; i < 100; ++i) {
    const auto v = u.sample(rng);
    EXPECT_GE(v, 5);
    EXPECT_LE(v, 7);
  }
}

TEST(LengthDistribution, RejectsBadSyntax) {
  EXPECT_NE(
      message([] { (void)LengthDistribution::parse("normal:1:2", "--prompt"); }).find("unknown distribution 'normal'"),
      std::string::npos);
  EXPECT_NE(message([] { (void)LengthDistribution::parse("uniform:9:3", "--output"); }).find("1 <= A <= B"),
            std::string::npos);
  EXPECT_NE(message([] { (void)LengthDistribution::parse("0", "--output"); }).find("--output"), std::string::npos);
  EXPECT_NE(message([] { (void)LengthDistribution::parse("lognormal:100", "--prompt"); }).find("2 parts"),
            std::string::npos);
}

TEST(SyntheticWorkload, PoissonAndGammaHaveTheRateAskedFor) {
  for (auto kind : {ArrivalKind::Poisson, ArrivalKind::Gamma}) {
    SyntheticWorkload w;
    w.arrival = kind;
    w.rate = 4;
    w.cv = kind == ArrivalKind::Gamma ? 3 : 1;
    w.requests = 20000;
    const auto reqs = generate_requests(w);
    const double rate = static_cast<double>(reqs.size() - 1) / reqs.back().arrival_s;
    EXPECT_NEAR(rate, 4.0, 0.2);
    // Coefficient of variation of the gaps.
    double sum = 0, sq = 0;
    for (std::size_t i = 1; i < reqs.size(); ++i) {
      const double g = reqs[i].arrival_s - reqs[i - 1].arrival_s;
      sum += g;
      sq += g * g;
    }
    const double n = static_cast<double>(reqs.size() - 1), mean = sum / n;
    EXPECT_NEAR(std::sqrt(sq / n - mean * mean) / mean, w.cv, 0.15 * w.cv);
  }
  SyntheticWorkload off;
  off.arrival = ArrivalKind::Offline;
  off.requests = 10;
  for (const auto& r : generate_requests(off)) EXPECT_EQ(r.arrival_s, 0);
}

TEST(Trace, ReadsTheAzureFormatAndReplaysItAtAnotherRate) {
  const Trace t = load_trace(std::string(WAFERSIM_TEST_DATA) + "/traces/azure-code-200.csv");
  ASSERT_EQ(t.requests.size(), 200u);
  EXPECT_EQ(t.requests[0].arrival_s, 0);
  EXPECT_GT(t.requests[0].prompt, 0);
  const auto fast = replay(t, 2 * t.natural_rate(), 0, false);
  EXPECT_NEAR(fast.back().arrival_s, t.requests.back().arrival_s / 2, 1e-9);
  EXPECT_EQ(replay(t, 0, 50, true).size(), 50u);
  EXPECT_EQ(replay(t, 0, 50, true).back().arrival_s, 0);
}

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& text) {
    path = fs::temp_directory_path() / ("wafersim-trace-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".csv");
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
};

TEST(Trace, ReadsTheSimpleFormat) {
  TempFile f("arrival_s,prompt,output\n0.5,100,10\n1.5,200,0\n");
  const Trace t = load_trace(f.path.string());
  ASSERT_EQ(t.requests.size(), 2u);
  EXPECT_DOUBLE_EQ(t.requests[1].arrival_s, 1.0);
  EXPECT_EQ(t.requests[1].output, 1);  // a request that generated nothing still had its first token
}

TEST(Trace, MalformedRowsNameTheFileAndLine) {
  TempFile bad("arrival_s,prompt,output\n0,100,10\n1,abc,10\n");
  EXPECT_EQ(message([&] { (void)load_trace(bad.path.string()); }),
            bad.path.string() + ":3: prompt: 'abc' is not a whole token count");
  TempFile back("arrival_s,prompt,output\n5,100,10\n1,100,10\n");
  EXPECT_NE(
      message([&] { (void)load_trace(back.path.string()); }).find(":3: arrival_s: arrival times must not decrease"),
      std::string::npos);
  TempFile empty("TIMESTAMP,ContextTokens,GeneratedTokens\n");
  EXPECT_NE(message([&] { (void)load_trace(empty.path.string()); }).find("the trace has no requests"),
            std::string::npos);
  TempFile header("time,in,out\n1,2,3\n");
  EXPECT_NE(message([&] { (void)load_trace(header.path.string()); }).find(":1: header: expected the header"),
            std::string::npos);
}

}  // namespace
}  // namespace wafersim::serving
