// The documented outputs: every field `eval --json` prints is in the result-field
// table (`describe results --json`) and every field of the table is printed, on a
// GPU, a wafer, an LPU, a speculative run and one that does not fit.

#include "tests/support/run_cli.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace {

using nlohmann::ordered_json;
using wafersim::testing::run_cli;

void flatten(const std::string& prefix, const ordered_json& v, std::set<std::string>& out) {
  if (!v.is_object()) {
    out.insert(prefix);
    return;
  }
  for (auto it = v.begin(); it != v.end(); ++it)
    flatten(prefix.empty() ? it.key() : prefix + "." + it.key(), it.value(), out);
}

std::set<std::string> printed(const std::string& args, int expected_code = 0) {
  const auto o = run_cli("eval " + args + " --json");
  EXPECT_EQ(o.code, expected_code) << args << "\n" << o.out;
  std::set<std::string> keys;
  if (o.code == expected_code) flatten("", ordered_json::parse(o.out), keys);
  return keys;
}

TEST(ResultFields, TableAndEvalJsonNameTheSameFields) {
  const auto d = run_cli("describe results --json");
  ASSERT_EQ(d.code, 0) << d.out;
  const auto table = ordered_json::parse(d.out);
  std::set<std::string> always, speculative;
  for (const auto& f : table.at("fields")) {
    EXPECT_FALSE(f.at("meaning").get<std::string>().empty()) << f.at("name");
    (f.at("when") == "always" ? always : speculative).insert(f.at("name").get<std::string>());
  }
  ASSERT_GT(always.size(), 40U);
  ASSERT_GT(speculative.size(), 5U);
  std::set<std::string> with_speculative = always;
  with_speculative.insert(speculative.begin(), speculative.end());

  for (const char* args : {"--system h100-sxm5 --model llama-3.1-8b", "--system wse3 --model llama-3.1-8b",
                           "--system groq-rack --model llama-3.1-8b --phase prefill"})
    EXPECT_EQ(printed(args), always) << args;
  EXPECT_EQ(printed("--system h100-sxm5 --model llama-3.1-70b --devices 1", 3), always);
  EXPECT_EQ(printed("--system h100-sxm5 --model llama-3.1-8b --speculative draft:llama-3.2-1b"), with_speculative);
}

TEST(ResultFields, TimePartsMatchTheTimeSplitAndTheBoundValues) {
  const auto d = run_cli("describe results --json");
  ASSERT_EQ(d.code, 0);
  const auto table = ordered_json::parse(d.out);
  std::set<std::string> time_fields, keys;
  for (const auto& f : table.at("fields")) {
    const std::string name = f.at("name");
    if (name.rfind("time_s.", 0) == 0) time_fields.insert(name.substr(7));
  }
  for (const auto& p : table.at("time_parts")) {
    keys.insert(p.at("key").get<std::string>());
    EXPECT_FALSE(p.at("meaning").get<std::string>().empty());
  }
  EXPECT_EQ(time_fields, keys);
}

TEST(ResultFields, DescribeResultsPrintsATable) {
  const auto o = run_cli("describe results");
  ASSERT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("tokens_per_s_per_user"), std::string::npos);
  EXPECT_NE(o.out.find("time_s.overhead"), std::string::npos);
  EXPECT_EQ(run_cli("describe wafer --json").code, 2);
}

}  // namespace

namespace {

// The words for a kind's memory come from its mapping policy, not from tests of the kind in sim/.
TEST(KindWords, TheDeviceNamesItsMemoryAndItsNoteColumn) {
  const auto gpu = run_cli("explain --system h100-sxm5 --model llama-3.1-8b --top 3");
  ASSERT_EQ(gpu.code, 0) << gpu.out;
  EXPECT_NE(gpu.out.find("bound by              memory (HBM bandwidth)"), std::string::npos) << gpu.out;
  const auto streamed = run_cli(
      "explain --system wse3 --model llama-3.1-8b --fidelity roofline --top 3 "
      "--set wse3.mapping.mode=weight_streaming");
  ASSERT_EQ(streamed.code, 0) << streamed.out;
  EXPECT_NE(streamed.out.find("memory (weights streamed in through the wafer I/O)"), std::string::npos) << streamed.out;
  const auto wafer = run_cli("explain --system wse3 --model llama-3.1-8b --top 3");
  ASSERT_EQ(wafer.code, 0) << wafer.out;
  EXPECT_NE(wafer.out.find("where (region · hops on the critical path · reduction)"), std::string::npos) << wafer.out;
}

}  // namespace
