// Rows kept on disk: results written from the journal in grid order are the
// same bytes as from rows held in memory, whatever order points finished in and
// whether an earlier run's journal supplied some of them.

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

#include "sim/scenario/scenario_outputs.h"
#include "sim/scenario/sweep_results.h"
#include "tests/support/scenario_fixture.h"

namespace wafersim {
namespace {

namespace fs = std::filesystem;

using wafersim::testing::read_file;

struct SweepResultsTest : wafersim::testing::TempDirTest {
  SweepResultsTest() : TempDirTest("wafersim-sweep-results") { fs::create_directories(dir / "memory"); }
};

std::string key(int i) {
  std::string k = "p";
  k += std::to_string(i);
  return k;
}

/// Row i of a made-up sweep: two shapes of row (one with a nested object, one with a text column).
Json row(int i) {
  Json r{{"batch", i}, {"fits", i % 3 != 0}, {"tokens_per_s_per_user", 100.0 / (i + 1) + 1e-9 * i}};
  if (i % 2 == 0)
    r["time_s"] = Json{{"compute", 0.1 * i}, {"memory", Json::array({1, 2})}, {"empty", Json::object()}};
  else
    r["note"] = "a \"quoted\", \n text";
  return r;
}

TEST(JsonArrayWriter, WritesTheBytesOfDumpOne) {
  const fs::path path = fs::temp_directory_path() / ("wafersim-array-" + std::to_string(::getpid()) + ".json");
  for (const int n : {0, 1, 5}) {
    Json all = Json::array();
    JsonArrayWriter out(path);
    for (int i = 0; i < n; ++i) {
      all.push_back(row(i));
      out.add(row(i));
    }
    out.commit();
    EXPECT_EQ(read_file(path), all.dump(1) + "\n") << n << " elements";
  }
  fs::remove(path);
}

TEST_F(SweepResultsTest, OutOfOrderAndResumedPointsGiveTheFilesOfRowsInMemory) {
  constexpr int kPoints = 40;
  std::vector<std::optional<Json>> rows(kPoints);
  for (int i = 0; i < kPoints; ++i)
    if (i != 7) rows[i] = row(i);  // point 7 never finishes
  write_results(dir / "memory", rows);

  {  // A first run finishes the odd points, last to first, then stops.
    SweepResults first(dir, kPoints, false);
    for (int i = kPoints - 1; i >= 0; --i)
      if (i % 2 == 1 && i != 7) first.record(i, key(i), row(i), nullptr);
    EXPECT_EQ(first.done(), kPoints / 2 - 1);
  }
  // The resumed run reuses them from the journal and finishes the even ones.
  SweepResults resumed(dir, kPoints, true);
  std::size_t reused = 0;
  for (int i = 0; i < kPoints; ++i) {
    const auto found = resumed.earlier(key(i));
    ASSERT_EQ(found.has_value(), i % 2 == 1 && i != 7) << i;
    if (!found) continue;
    EXPECT_EQ(found->second.row, row(i));
    resumed.reuse(i, found->first, found->second.row);
    ++reused;
  }
  EXPECT_EQ(reused, kPoints / 2 - 1);
  for (int i = 0; i < kPoints; i += 2) resumed.record(i, key(i), row(i), nullptr);
  EXPECT_FALSE(resumed.is_done(7));

  std::vector<Json> kept;
  const SweepDigest digest = resumed.write_results(dir, 100, &kept);
  EXPECT_EQ(read_file(dir / "results.csv"), read_file(dir / "memory" / "results.csv"));
  EXPECT_EQ(read_file(dir / "results.json"), read_file(dir / "memory" / "results.json"));
  ASSERT_EQ(kept.size(), kPoints - 1u);
  EXPECT_EQ(kept[7], row(8));
  EXPECT_EQ(digest.rows, kPoints - 1u);
  EXPECT_EQ(digest.fits, 25u);  // i % 3 != 0 for 26 of 0..39, less point 7
  EXPECT_EQ(digest.best["batch"], 1);
  EXPECT_EQ(digest.worst["batch"], 38);  // 39 does not fit

  // Past `keep` rows, none is held: the digest alone describes them.
  std::vector<Json> none;
  EXPECT_EQ(resumed.write_results(dir, 10, &none).rows, kPoints - 1u);
  EXPECT_TRUE(none.empty());
}

TEST_F(SweepResultsTest, ATornJournalLineIsDroppedOnResume) {
  {
    SweepResults first(dir, 3, false);
    first.record(0, "a", row(0), Json::array({Json{{"op", "gemm"}}}));
    first.record(1, "b", row(1), nullptr);
  }
  std::ofstream(dir / "journal.jsonl", std::ios::app) << "{\"key\": \"c\", \"row\": {\"bat";
  SweepResults resumed(dir, 3, true);
  EXPECT_TRUE(resumed.earlier("a"));
  EXPECT_TRUE(resumed.earlier("b"));
  EXPECT_FALSE(resumed.earlier("c"));
  const auto a = resumed.earlier("a");
  EXPECT_EQ(a->second.ops[0]["op"], "gemm");
  EXPECT_TRUE(resumed.earlier("b")->second.ops.is_null());
}

}  // namespace
}  // namespace wafersim
