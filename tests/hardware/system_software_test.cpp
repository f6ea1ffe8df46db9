// The generic `software:` (stack) section of a system: each kind parses its own
// `software.<kind>` sub-section, groups of that kind carry the result, a kind's
// default fills systems that give none, `--set` reaches the keys, and a section for
// a kind the system does not use is an error at its key.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sim/hardware/system.h"
#include "tests/support/fake_device.h"

namespace wafersim {
namespace {

/// A stack that remembers one number, parsed from `overhead` (default 7).
class FakeStack final : public SoftwareStack {
 public:
  explicit FakeStack(double overhead) : overhead_(overhead) {}
  std::string describe() const override { return "fake stack"; }
  double overhead() const { return overhead_; }

 private:
  double overhead_;
};

struct FakeStackSpec {
  double overhead = 7;
};

Registry registry_with_software() {
  Registry r;
  testing::register_fake(r, true);
  Registry out;
  DeviceKind kind = *r.devices().find("fake");
  static const Schema<FakeStackSpec> schema = [] {
    Schema<FakeStackSpec> s;
    s.number("overhead", &FakeStackSpec::overhead, "Per-step overhead.", 7.0);
    return s;
  }();
  kind.parse_software = [](const ConfigNode* n, Diagnostics& d) -> std::shared_ptr<const SoftwareStack> {
    FakeStackSpec spec;
    if (n != nullptr) schema.parse(*n, spec, d);
    return std::make_shared<FakeStack>(spec.overhead);
  };
  kind.describe_software = [] { return schema.describe(); };
  out.add(kind, r.backend("fake"));
  return out;
}

class SystemSoftware : public ::testing::Test {
 protected:
  SystemSoftware() : root_(std::filesystem::temp_directory_path() / ("wafersim-sw-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(root_ / "systems");
    std::filesystem::create_directories(root_ / "devices");
    std::ofstream(root_ / "devices" / "dev.yaml") << "kind: fake\n";
    std::ofstream(root_ / "systems" / "box.yaml")
        << "kind: system\ngroups:\n  - name: g\n    device: dev\n    count: 2\nsoftware:\n  fake:\n    overhead: 3\n";
    std::ofstream(root_ / "systems" / "plain.yaml") << "kind: system\ngroups:\n  - name: g\n    device: dev\n";
  }
  ~SystemSoftware() override { std::filesystem::remove_all(root_); }

  static double overhead_of(const System& s) {
    return dynamic_cast<const FakeStack&>(*s.main_group().software).overhead();
  }

  std::filesystem::path root_;
  Registry registry_ = registry_with_software();
};

TEST_F(SystemSoftware, KindParsesItsSectionAndGroupsCarryIt) {
  ConfigLibrary lib(root_);
  SystemLoader loader(lib, registry_.devices());
  EXPECT_DOUBLE_EQ(overhead_of(loader.load("box")), 3);
}

TEST_F(SystemSoftware, DefaultStackWhenTheSystemGivesNoneOrIsADevice) {
  ConfigLibrary lib(root_);
  SystemLoader loader(lib, registry_.devices());
  EXPECT_DOUBLE_EQ(overhead_of(loader.load("plain")), 7);
  EXPECT_DOUBLE_EQ(overhead_of(loader.load("dev")), 7);
}

TEST_F(SystemSoftware, SetReachesTheSection) {
  ConfigLibrary lib(root_);
  lib.add_override(Override{"box.software.fake.overhead", "11", "--set"});
  SystemLoader loader(lib, registry_.devices());
  EXPECT_DOUBLE_EQ(overhead_of(loader.load("box")), 11);
}

TEST_F(SystemSoftware, SectionForAnUnusedKindIsAnError) {
  std::ofstream(root_ / "systems" / "bad.yaml")
      << "kind: system\ngroups:\n  - name: g\n    device: dev\nsoftware:\n  gpu: {}\n";
  ConfigLibrary lib(root_);
  SystemLoader loader(lib, registry_.devices());
  try {
    (void)loader.load("bad");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(e.diagnostics().at(0).message.find("no group of kind 'gpu'"), std::string::npos);
    EXPECT_EQ(e.diagnostics().at(0).path, "software.gpu");
  }
}

TEST_F(SystemSoftware, DescribeListsEachKindsKeys) {
  bool found = false;
  for (const FieldDoc& f : SystemLoader::describe(registry_.devices()))
    found = found || f.path == "software.fake.overhead";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace wafersim
