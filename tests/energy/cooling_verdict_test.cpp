// One cooling verdict per piece of hardware and comparable prices:
// four CS-3s are liquid cooled whatever they are called, a bare device says what
// its hardware implies, the air limit and airflow decide the rest, and every
// shipped system and device has a price or says "energy only".

#include <gtest/gtest.h>

#include "sim/config/config_library.h"
#include "sim/energy/cooling_verdict.h"
#include "sim/report/result_json.h"
#include "tests/energy/energy_fixture.h"

namespace wafersim {
namespace {

using namespace energy_test;

TEST_F(Energy, FourCs3sGetOneCoolingVerdictWhateverTheyAreCalled) {
  const RunResult preset = run("cs3-x4", "llama-3.1-70b");
  EvalRequest bare;
  bare.system = "wse3";
  bare.model = "llama-3.1-70b";
  bare.options.devices = DeviceCount{DeviceCount::Mode::Fixed, 4};
  bare.options.workload.context = 1024;
  const RunResult devices = RequestRunner(registry, root()).run(bare);
  // A system that asks for air cannot air-cool a cold plate.
  const RunResult asks_air = run("cs3-x4", "llama-3.1-70b", 1, {{"cs3-x4.cooling.type", "air"}});
  ASSERT_TRUE(preset.energy && devices.energy && asks_air.energy);
  for (const RunResult* r : {&preset, &devices, &asks_air}) {
    EXPECT_EQ(r->energy->cooling.type, "liquid") << r->system;
    EXPECT_NE(r->energy->cooling.reason.find("wse3 is liquid cooled as built"), std::string::npos) << r->system;
    EXPECT_EQ(r->energy->cooling.racks, 4) << r->system;  // one CS-3 per rack (wse3 cooling.per_rack)
  }
  EXPECT_NE(asks_air.energy->cooling.reason.find("cannot change that"), std::string::npos);
  // The same hardware costs the same: 4 x $2M (+ the liquid premium) either way.
  EXPECT_DOUBLE_EQ(preset.energy->cost.capex_usd, devices.energy->cost.capex_usd);
}

TEST_F(Energy, ABareDeviceSaysWhatCoolingItImplies) {
  const RunResult gpu = run("h100-sxm5", "llama-3.1-8b");
  ASSERT_TRUE(gpu.energy);
  EXPECT_EQ(gpu.energy->cooling.type, "air");
  EXPECT_NE(gpu.energy->cooling.reason.find("h100-sxm5 is air cooled as built"), std::string::npos);
  const RunResult wafer = run("wse2", "llama-3.1-8b");
  ASSERT_TRUE(wafer.energy);
  EXPECT_EQ(wafer.energy->cooling.type, "liquid");
}

TEST_F(Energy, CoolingFollowsTheAirLimitAndExhaustFollowsAirflow) {
  const RunResult air = run("dgx-h100", "llama-3.1-70b", 16);
  ASSERT_TRUE(air.energy);
  EXPECT_EQ(air.energy->cooling.type, "air");
  EXPECT_LT(rel(air.energy->cooling.exhaust_c, 25 + air.energy->rack_power_w / (1.2 * 1005 * 1.0)), 1e-12);
  const RunResult hot = run("dgx-h100", "llama-3.1-70b", 16,
                            {{"dgx-h100.cooling.air_limit", "1 kW"}, {"dgx-h100.cooling.airflow", "0.5"}});
  EXPECT_EQ(hot.energy->cooling.type, "liquid");
  EXPECT_LT(rel(hot.energy->cooling.exhaust_c - 25, 2 * (air.energy->cooling.exhaust_c - 25)), 1e-9);
  // Racks: 72 LPUs per rack.
  const RunResult groq = run("groq-rack", "llama-3.1-70b", 1);
  ASSERT_TRUE(groq.energy);
  EXPECT_EQ(groq.energy->cooling.racks, std::ceil(groq.devices / 72.0));
}

TEST_F(Energy, InChassisCoolingIsItsShareOfTheDevicesPower) {
  // wse2: cooling.share 0.25 of everything the wafer draws; no host or network.
  const RunResult r = run("wse2", "llama-3.1-8b", 4);
  ASSERT_TRUE(r.energy);
  const EnergyBreakdown& b = r.energy->energy_j;
  EXPECT_LT(rel(b.cooling, 0.25 * (b.dynamic() + b.static_j)), 1e-12);
}

TEST_F(Energy, EveryShippedSystemAndDeviceHasAPriceOrSaysEnergyOnly) {
  ConfigLibrary library(root());
  library.set_device_kinds(registry.devices().kinds());
  auto systems = library.list(ConfigFolder::Systems);
  for (const auto& d : library.list(ConfigFolder::Devices)) systems.push_back(d);
  for (const auto& s : systems) {
    RunResult r = run(s, "llama-3.1-8b");
    if (!r.fits) r = run(s, "tiny-llama");
    ASSERT_TRUE(r.fits && r.energy) << s;
    const CostReport& c = r.energy->cost;
    const std::string basis = result_to_json(r)["cost_basis"].get<std::string>();
    EXPECT_EQ(basis, c.basis()) << s;
    if (s == "wse-mini") {  // a test slice of a wafer, not a product: energy only, and it says so
      EXPECT_EQ(basis, "energy only (no price)");
      EXPECT_DOUBLE_EQ(c.capex_per_million, 0);
      continue;
    }
    EXPECT_GT(c.capex_usd, 0) << s;
    EXPECT_NE(basis.find("capex"), std::string::npos) << s;
  }
}

TEST_F(Energy, ASystemWithoutItsOwnPriceCostsItsDevices) {
  const RunResult one = run("h100-sxm5", "llama-3.1-8b");
  ASSERT_TRUE(one.energy);
  EXPECT_DOUBLE_EQ(one.energy->cost.capex_usd, 27500);
  EXPECT_FALSE(one.energy->cost.capex_estimated);
  const RunResult est = run("h200-sxm", "llama-3.1-8b");
  ASSERT_TRUE(est.energy);
  EXPECT_TRUE(est.energy->cost.capex_estimated);
  EXPECT_STREQ(est.energy->cost.basis(), "capex (estimated) + energy");
  // A system's own price wins over its devices'.
  const RunResult dgx = run("dgx-h100", "llama-3.1-8b");
  EXPECT_DOUBLE_EQ(dgx.energy->cost.capex_usd, 270000);
}

}  // namespace
}  // namespace wafersim
