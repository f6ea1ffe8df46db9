// `wafersim crosscheck --quick`: the JSON a script reads (fields, types, the
// summary agreeing with the rows and the exit code), the markdown table, and
// the atomic output file.

#include "tests/support/run_cli.h"
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <sys/wait.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Outcome = wafersim::testing::CliOutcome;

Outcome run(const std::string& args) { return wafersim::testing::run_cli(args); }

TEST(CrosscheckCli, QuickJsonHasEveryFieldAndASummaryThatMatchesTheRows) {
  const Outcome o = run("crosscheck --quick --json");
  ASSERT_TRUE(o.code == 0 || o.code == 4) << o.code << "\n" << o.out;
  const json j = json::parse(o.out);
  EXPECT_EQ(j["system"], "wse-mini");
  EXPECT_EQ(j["model"], "tiny-llama");
  EXPECT_EQ(j["device"], "wse-mini");
  EXPECT_EQ(j["model_fidelity"], "approx");
  EXPECT_EQ(j["reference_fidelity"], "cycle");
  EXPECT_DOUBLE_EQ(j["bound"].get<double>(), 0.10);
  ASSERT_TRUE(j["kernels"].is_array());
  ASSERT_GE(j["kernels"].size(), 8u);
  int counted = 0, within = 0, not_fitting = 0;
  std::set<std::string> kernels;
  for (const json& r : j["kernels"]) {
    for (const char* k : {"kernel", "shape", "region", "algorithm", "fit_error"}) ASSERT_TRUE(r[k].is_string()) << k;
    kernels.insert(r["kernel"].get<std::string>());
    ASSERT_TRUE(r["approx_cycles"].is_number());
    EXPECT_GT(r["approx_cycles"].get<double>(), 0);
    if (!r["fits"].get<bool>()) {
      ++not_fitting;
      EXPECT_TRUE(r["cycle_cycles"].is_null());
      EXPECT_FALSE(r["within_bound"].get<bool>());
      EXPECT_FALSE(r["fit_error"].get<std::string>().empty());
      continue;
    }
    ++counted;
    const double a = r["approx_cycles"], c = r["cycle_cycles"], e = r["relative_error"];
    EXPECT_GT(c, 0);
    EXPECT_NEAR(e, (a - c) / c, 1e-12);
    EXPECT_EQ(r["within_bound"].get<bool>(), std::fabs(e) <= 0.10);
    within += r["within_bound"].get<bool>();
    // Numbers are checked against Eigen on every row that ran.
    ASSERT_TRUE(r["numbers_checked"].get<bool>());
    EXPECT_LE(r["max_rel_error"].get<double>(), 1e-4) << r["kernel"] << " " << r["shape"];
  }
  for (const char* k :
       {"multicast", "reduce", "all-reduce", "gemv", "gemm", "attention", "norm", "elementwise", "transfer"})
    EXPECT_TRUE(kernels.count(k)) << k;
  const json& s = j["summary"];
  EXPECT_EQ(s["counted"], counted);
  EXPECT_EQ(s["within_bound"], within);
  EXPECT_EQ(s["does_not_fit"], not_fitting);
  ASSERT_EQ(j["steps"].size(), 1u);
  const json& step = j["steps"][0];
  EXPECT_EQ(step["step"], "decode");
  EXPECT_GT(step["approx_s"].get<double>(), 0);
  EXPECT_GT(step["cycle_s"].get<double>(), 0);
  EXPECT_EQ(s["all_within_bound"].get<bool>(), o.code == 0);
}

TEST(CrosscheckCli, MarkdownTableAndAtomicOutputFile) {
  const fs::path file = fs::temp_directory_path() / "wafersim-crosscheck-test.md";
  fs::remove(file);
  const Outcome o = run("crosscheck --quick --markdown -o " + file.string());
  ASSERT_TRUE(o.code == 0 || o.code == 4) << o.out;
  EXPECT_EQ(o.out, "wrote " + file.string() + "\n");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("| kernel | shape | region | algorithm | approx (cycles) | cycle (cycles) |", 0), 0u)
      << text.str();
  EXPECT_NE(text.str().find("| step | workload | approx (us) | cycle (us) |"), std::string::npos);
  EXPECT_NE(text.str().find("kernel rows within ±10%"), std::string::npos);
  for (const auto& e : fs::directory_iterator(file.parent_path()))
    EXPECT_EQ(e.path().filename().string().find("wafersim-crosscheck-test.md."), std::string::npos) << "temp file left";
  fs::remove(file);
}

}  // namespace

namespace {

TEST(CrosscheckCli, SetChangesTheFabricBothLevelsSee) {
  // Without the task activation the multicast row is hops + flits alone, at both levels.
  const Outcome base = run("crosscheck --quick --json");
  const Outcome zero = run("crosscheck --quick --json --set \"wse-mini.core.task_overhead=0 cycle\"");
  ASSERT_TRUE(zero.code == 0 || zero.code == 4) << zero.out;
  const json a = json::parse(base.out), b = json::parse(zero.out);
  const json& ma = a["kernels"][0];
  const json& mb = b["kernels"][0];
  ASSERT_EQ(ma["kernel"], "multicast");
  ASSERT_EQ(mb["kernel"], "multicast");
  // n = 16, 1 KiB: 15 hops + 256 flits; the preset adds two activations of 40 cycles.
  EXPECT_DOUBLE_EQ(mb["approx_cycles"].get<double>(), 15 + 256);
  EXPECT_DOUBLE_EQ(mb["cycle_cycles"].get<double>(), 15 + 256);
  EXPECT_DOUBLE_EQ(ma["cycle_cycles"].get<double>(), 15 + 256 + 80);
  EXPECT_EQ(run("crosscheck --quick --set wse-mini.core.bogus=1").code, 2);
}

TEST(CrosscheckCli, StressSettingsExitZero) {
  // Issue 22 part 5: within ±10% at 2-cycle hops, 2 B/cycle and no activation as
  // well as at the preset (the full sweep is in docs/validation.md).
  const Outcome o =
      run("crosscheck --quick --json --set \"wse-mini.fabric.hop_latency=2 cycle\" --set "
          "\"wse-mini.fabric.link_bandwidth=2 B/cycle\" --set \"wse-mini.core.task_overhead=0 cycle\"");
  EXPECT_EQ(o.code, 0) << o.out;
  const json j = json::parse(o.out);
  bool mesh_gemm = false;
  for (const json& r : j["kernels"]) mesh_gemm |= r["kernel"] == "MeshGEMM";
  EXPECT_TRUE(mesh_gemm);
}

}  // namespace
