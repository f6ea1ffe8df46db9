// The wafer at approx fidelity, end to end through the evaluator: the invariants
// and closed forms of the issue (link bandwidth, hop latency, weight streaming's
// memory wall, capacity and device counts, what bounds a batch-1 decode), the
// region-size search, forced regions, and what eval/explain/trace receive.

#include <gtest/gtest.h>

#include <algorithm>

#include "models/register_builtin.h"
#include "tests/models/wafer/wafer_test_support.h"
#include "sim/scenario/eval_request.h"

namespace wafersim::wafer {
namespace {

struct Point {
  std::string system = "wse3", model = "llama-3.1-8b";
  Phase phase = Phase::Decode;
  std::int64_t batch = 1, prompt = 512, context = 1024;
  std::optional<DeviceCount> devices;
  std::vector<std::pair<std::string, std::string>> set;
  std::optional<Fidelity> fidelity;
};

RunResult eval(const Point& p) {
  static const Registry registry = [] {
    Registry r;
    models::register_builtin(r);
    return r;
  }();
  const RequestRunner runner(registry, testing::configs_root());
  EvalRequest req;
  req.system = p.system;
  req.model = p.model;
  req.options.workload.phase = p.phase;
  req.options.workload.batch = p.batch;
  req.options.workload.prompt = p.prompt;
  req.options.workload.context = p.context;
  req.options.fidelity = p.fidelity;
  if (p.devices) req.options.devices = *p.devices;
  for (const auto& [k, v] : p.set) req.overrides.push_back(Override{k, v, "--set"});
  return runner.run(req);
}

Point with(Point p, std::string key, std::string value) {
  p.set.emplace_back(std::move(key), std::move(value));
  return p;
}

const std::vector<Point>& phases() {
  static const std::vector<Point> v = [] {
    std::vector<Point> out;
    Point decode;
    out.push_back(decode);
    Point batch8 = decode;
    batch8.batch = 8;
    out.push_back(batch8);
    Point prefill;
    prefill.phase = Phase::Prefill;
    prefill.prompt = 256;
    out.push_back(prefill);
    Point big;
    big.system = "cs3-x4";
    big.model = "llama-3.1-70b";
    out.push_back(big);
    return out;
  }();
  return v;
}

TEST(WaferApprox, IsTheDefaultFidelityAndFillsWhatExplainAndTraceShow) {
  const RunResult r = eval(Point{});
  ASSERT_TRUE(r.fits) << r.fit_error;
  EXPECT_EQ(r.fidelity, Fidelity::Approx);
  EXPECT_NE(r.layout.find("auto chose"), std::string::npos) << r.layout;
  EXPECT_NE(r.layout.find("cores"), std::string::npos) << r.layout;
  double flops = 0, hops = 0;
  std::vector<std::string> tracks;
  for (const auto& op : r.ops) {
    EXPECT_GE(op.start_s, 0) << op.name;
    EXPECT_FALSE(op.track.empty()) << op.name;
    if (op.op >= 0) {
      EXPECT_FALSE(op.note.empty()) << op.name;
    }
    flops += op.cost.traffic.flops;
    hops += op.cost.traffic.fabric_byte_hops;
    if (std::find(tracks.begin(), tracks.end(), op.track) == tracks.end()) tracks.push_back(op.track);
  }
  EXPECT_NEAR(flops, r.flops, 0.02 * r.flops);  // kernels count what the graph says
  EXPECT_GT(hops, 0);
  EXPECT_GT(tracks.size(), 4u);  // the region's cores and its fabric colours (and, pipelined, one per region)
  EXPECT_NEAR(r.time.total(), *r.latency_s, 1e-9 * *r.latency_s);
}

TEST(WaferApprox, DoublingLinkBandwidthNeverSlowsAnyPhase) {
  for (const Point& p : phases()) {
    const RunResult base = eval(p);
    const RunResult wide =
        eval(with(p, (p.system == "cs3-x4" ? "wse3" : p.system) + ".fabric.link_bandwidth", "8 B/cycle"));
    ASSERT_TRUE(base.fits && wide.fits);
    EXPECT_LE(*wide.latency_s, *base.latency_s * (1 + 1e-12)) << p.model << " batch " << p.batch;
  }
}

TEST(WaferApprox, RaisingHopLatencyNeverSpeedsAPhaseUp) {
  for (const Point& p : phases()) {
    const RunResult base = eval(p);
    const RunResult slow = eval(with(p, "wse3.fabric.hop_latency", "4 cycle"));
    EXPECT_GE(*slow.latency_s, *base.latency_s * (1 - 1e-12)) << p.model << " batch " << p.batch;
  }
}

TEST(WaferApprox, WeightStreamingDecodeIsWeightBytesOverIoBandwidth) {
  Point p = with(Point{}, "wse3.mapping.mode", "weight_streaming");
  p.model = "llama-3.1-70b";
  const RunResult r = eval(p);
  ASSERT_TRUE(r.fits) << r.fit_error;
  EXPECT_EQ(r.devices, 1);
  const double wall = r.weights / 150e9;  // io.bandwidth 1.2 Tb/s
  EXPECT_NEAR(*r.latency_s, wall, 0.10 * wall);
  EXPECT_EQ(r.bound, Bound::Memory);
  double io = 0;
  for (const auto& op : r.ops) io += op.cost.traffic.io_bytes;
  // Every weight crosses the I/O once, except the embedding table (2.1 GB, 1.5%):
  // only the token's row of it is read.
  const double table = 128256.0 * 8192 * 2;
  EXPECT_NEAR(io, r.weights - table, 1e-3 * r.weights);
}

TEST(WaferApprox, SeventyBillionFp16DoesNotFitOneWse3ButFitsCs3x4) {
  Point one;
  one.model = "llama-3.1-70b";
  const RunResult r1 = eval(one);
  EXPECT_FALSE(r1.fits);
  EXPECT_NE(r1.fit_error.find("per core"), std::string::npos) << r1.fit_error;
  Point four = one;
  four.system = "cs3-x4";
  const RunResult r4 = eval(four);
  EXPECT_TRUE(r4.fits) << r4.fit_error;
  EXPECT_EQ(r4.devices, 4);
}

TEST(WaferApprox, HalvingCoreSramChangesHowManyWafersAutoPicks) {
  Point p;
  p.model = "llama-3.1-70b";
  p.devices = DeviceCount{DeviceCount::Mode::Auto, 0};
  const RunResult full = eval(p);
  const RunResult half = eval(with(p, "wse3.core.sram", "24 KiB"));
  ASSERT_TRUE(full.fits && half.fits);
  EXPECT_EQ(full.devices, 4);
  EXPECT_GT(half.devices, full.devices);
}

TEST(WaferApprox, BatchOneDecodeIsHeldByFabricNotSramBandwidth) {
  for (const char* model : {"llama-3.1-8b", "llama-3.1-70b"}) {
    Point p;
    p.model = model;
    p.system = "cs3-x4";
    // The hardware alone: the production stack is latency, not the mesh.
    const RunResult r = eval(with(p, "cs3-x4.software.wafer.layer_overhead", "0 s"));
    ASSERT_TRUE(r.fits);
    EXPECT_EQ(r.bound, Bound::Fabric) << model;
    EXPECT_GT(r.time.fabric, 2 * r.time.memory) << model;
    double fabric_ops = 0, memory_ops = 0;
    for (const auto& op : r.ops) (op.bound == Bound::Fabric ? fabric_ops : memory_ops) += op.time_s;
    EXPECT_GT(fabric_ops, memory_ops) << model;
  }
}

TEST(WaferApprox, SearchedRegionIsAtLeastAsFastAsAnyForcedOne) {
  Point p = with(Point{}, "wse3.mapping.mode", "layer_pipelined");
  const RunResult searched = eval(p);
  for (const char* region : {"99x99", "120x120", "150x150", "60x300"}) {
    const RunResult forced = eval(with(p, "wse3.mapping.region", region));
    ASSERT_TRUE(forced.fits) << region << ": " << forced.fit_error;
    EXPECT_NE(forced.layout.find("forced"), std::string::npos);
    EXPECT_LE(*searched.latency_s, *forced.latency_s * 1.02) << region;  // the search ranks by a serial estimate
  }
}

TEST(WaferApprox, BiggerRegionsEventuallySlowABatchOneStep) {
  Point p = with(Point{}, "wse3.mapping.mode", "wafer_parallel");
  const double at_600 = *eval(with(p, "wse3.mapping.region", "600x600")).latency_s;
  const double at_762 = *eval(with(p, "wse3.mapping.region", "762x762")).latency_s;
  const double at_mesh = *eval(with(p, "wse3.mapping.region", "1172x762")).latency_s;
  EXPECT_LT(at_600, at_762);
  EXPECT_LT(at_762, at_mesh);
}

TEST(WaferApprox, ForcedRegionTooSmallNamesBytesPerCoreAndTheLayer) {
  const RunResult r = eval(with(with(Point{}, "wse3.mapping.mode", "layer_pipelined"), "wse3.mapping.region", "50x50"));
  EXPECT_FALSE(r.fits);
  EXPECT_NE(r.fit_error.find("layer 0 needs"), std::string::npos) << r.fit_error;
  EXPECT_NE(r.fit_error.find("per core on the forced 50x50 region"), std::string::npos) << r.fit_error;
  EXPECT_NE(r.fit_error.find("44 KiB"), std::string::npos) << r.fit_error;
}

TEST(WaferApprox, MicroBatchesOverlapAcrossRegionsAtBatchAboveOne) {
  Point p = with(Point{}, "wse3.mapping.mode", "layer_pipelined");
  p.batch = 16;
  const RunResult r = eval(p);
  ASSERT_TRUE(r.fits);
  EXPECT_NE(r.layout.find("micro-batches"), std::string::npos) << r.layout;
  Point one = p;
  one.batch = 1;
  EXPECT_GT(*r.tokens_per_s, 4 * *eval(one).tokens_per_s);
}

TEST(WaferApprox, RooflineStillRunsWhenAsked) {
  Point p;
  p.fidelity = Fidelity::Roofline;
  const RunResult r = eval(p);
  EXPECT_EQ(r.fidelity, Fidelity::Roofline);
  EXPECT_TRUE(r.fits);
}

TEST(WaferApprox, SameInputSameResult) {
  const RunResult a = eval(phases()[1]);
  const RunResult b = eval(phases()[1]);
  EXPECT_EQ(*a.latency_s, *b.latency_s);
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (std::size_t i = 0; i < a.ops.size(); ++i) EXPECT_EQ(a.ops[i].start_s, b.ops[i].start_s);
}

}  // namespace
}  // namespace wafersim::wafer
