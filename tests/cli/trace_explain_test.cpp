// `wafersim trace` output against the Chrome trace-event format (the keys and types
// each phase type requires), and `wafersim explain` (--top, --json, sort order).

#include "tests/support/run_cli.h"
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Outcome = wafersim::testing::CliOutcome;

Outcome run(const std::string& args) { return wafersim::testing::run_cli(args); }

/// Checks one event against the trace-event format; returns "" or what is wrong.
std::string check_event(const json& e) {
  if (!e.is_object()) return "event is not an object";
  if (!e.contains("ph") || !e["ph"].is_string() || e["ph"].get<std::string>().size() != 1) return "ph: one letter";
  if (!e.contains("pid") || !e["pid"].is_number_integer()) return "pid: integer";
  const std::string ph = e["ph"];
  if (ph == "X") {
    for (const char* k : {"name", "cat"})
      if (!e.contains(k) || !e[k].is_string()) return std::string(k) + ": string";
    if (!e.contains("tid") || !e["tid"].is_number_integer()) return "tid: integer";
    if (!e.contains("ts") || !e["ts"].is_number() || e["ts"].get<double>() < 0) return "ts: number >= 0";
    if (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0) return "dur: number >= 0";
    if (e.contains("args") && !e["args"].is_object()) return "args: object";
    for (const char* k : {"flops", "bytes"})
      if (!e["args"].contains(k) || !e["args"][k].is_number()) return std::string("args.") + k + ": number";
    if (!e["args"].contains("bound") || !e["args"]["bound"].is_string()) return "args.bound: string";
    return "";
  }
  if (ph == "M") {
    if (!e.contains("name") || !e["name"].is_string()) return "M: name";
    const std::string name = e["name"];
    static const std::set<std::string> known{"process_name", "thread_name", "process_sort_index", "thread_sort_index",
                                             "process_labels"};
    if (!known.count(name)) return "M: unknown metadata name " + name;
    if (name == "thread_name" && (!e.contains("tid") || !e["tid"].is_number_integer())) return "thread_name: tid";
    if (!e.contains("args") || !e["args"].is_object()) return "M: args object";
    if ((name == "process_name" || name == "thread_name") &&
        (!e["args"].contains("name") || !e["args"]["name"].is_string()))
      return "M: args.name string";
    return "";
  }
  return "unexpected phase type " + ph;
}

class TraceFormat : public ::testing::TestWithParam<const char*> {};

TEST_P(TraceFormat, EveryEventHasTheKeysItsPhaseTypeRequires) {
  const fs::path file = fs::temp_directory_path() / ("wafersim-trace-" + std::to_string(::getpid()) + ".json");
  const Outcome o = run(std::string("trace --system ") + GetParam() + " --model llama-3.1-8b -o " + file.string());
  ASSERT_EQ(o.code, 0) << o.out;
  std::ifstream in(file);
  const json trace = json::parse(in, nullptr, false);
  fs::remove(file);
  ASSERT_TRUE(trace.is_object());
  ASSERT_TRUE(trace.contains("traceEvents") && trace["traceEvents"].is_array());
  ASSERT_TRUE(!trace.contains("displayTimeUnit") || trace["displayTimeUnit"] == "ms" ||
              trace["displayTimeUnit"] == "ns");
  std::set<long> named_tracks, used_tracks;
  std::size_t slices = 0;
  double end_us = 0;
  for (const auto& e : trace["traceEvents"]) {
    const std::string err = check_event(e);
    ASSERT_EQ(err, "") << e.dump();
    if (e["ph"] == "M" && e["name"] == "thread_name") named_tracks.insert(e["tid"].get<long>());
    if (e["ph"] == "X") {
      used_tracks.insert(e["tid"].get<long>());
      ++slices;
      end_us = std::max(end_us, e["ts"].get<double>() + e["dur"].get<double>());
    }
  }
  EXPECT_GT(slices, 10u);
  EXPECT_EQ(named_tracks, used_tracks) << "every track used has a name, and only those";
  // The slices end at the step latency the metadata reports (within rounding).
  const double latency_us = trace["metadata"]["latency_s"].get<double>() * 1e6;
  EXPECT_LE(end_us, latency_us * 1.001 + 1e-3);
  EXPECT_GE(end_us, latency_us * 0.5);
}

INSTANTIATE_TEST_SUITE_P(Kinds, TraceFormat, ::testing::Values("h100-sxm5", "wse3", "groq-rack", "dgx-h100"));

TEST(Explain, TopNRowsLongestFirstAsJson) {
  const Outcome all = run("explain --system h100-sxm5 --model llama-3.1-8b --json");
  ASSERT_EQ(all.code, 0);
  const json j = json::parse(all.out);
  ASSERT_TRUE(j["ops"].is_array());
  ASSERT_GT(j["ops"].size(), 5u);
  EXPECT_EQ(j["ops"].size(), j["ops_total"].get<std::size_t>());
  double prev = 1e300, flops = 0;
  for (const auto& op : j["ops"]) {
    EXPECT_LE(op["time_s"].get<double>(), prev);
    prev = op["time_s"].get<double>();
    flops += op["flops"].get<double>();
    for (const char* k : {"op", "kind", "bound"}) EXPECT_TRUE(op[k].is_string()) << k;
  }
  // Ops summed over layers still account for every FLOP of the step.
  EXPECT_NEAR(flops, j["flops"].get<double>(), 1e-6 * j["flops"].get<double>());

  const Outcome top = run("explain --system h100-sxm5 --model llama-3.1-8b --json --top 3");
  const json t = json::parse(top.out);
  ASSERT_EQ(t["ops"].size(), 3u);
  EXPECT_EQ(t["ops"][0]["op"], j["ops"][0]["op"]);

  const Outcome table = run("explain --system h100-sxm5 --model llama-3.1-8b --top 3");
  ASSERT_EQ(table.code, 0);
  EXPECT_NE(table.out.find("(top 3 of "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(j["ops"][0]["op"].get<std::string>()), std::string::npos);
}

}  // namespace
