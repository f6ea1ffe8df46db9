#pragma once
// A system: groups of identical devices, the links inside and between groups, and
// which group runs which phase. A device preset used as a system is one group of
// one device joined by the device's own default link.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/config_library.h"
#include "sim/energy/energy_spec.h"
#include "sim/hardware/device_registry.h"
#include "sim/workload/graph.h"

namespace wafersim {

/// `count` devices of one kind. Inside a domain of `domain` devices they are joined
/// by `link` (NVSwitch, C2C); domains are joined by `scale_out` (InfiniBand, Ethernet).
struct DeviceGroup {
  std::string name;
  std::shared_ptr<const Device> device;
  int count = 1;
  bool auto_count = false;  ///< `count: auto`: sized to the model unless `--devices` says otherwise
  int domain = 1;
  LinkSpec link;
  LinkSpec scale_out;
  /// `weights_in: OTHER`: this group's weights live in OTHER's memory and stream over
  /// `weights_link` (the link between the two groups) every step (a shared weight cache).
  std::string weights_in;
  std::optional<LinkSpec> weights_link;
  /// The serving stack the group's kind parsed from `software.<kind>` (or its default);
  /// null when the kind has no software section. Read by the kind's own cost models.
  std::shared_ptr<const SoftwareStack> software = nullptr;
};

/// A link between two groups (e.g. NVLink between the GPU tray and the LPU cards).
struct GroupLink {
  std::string a, b;
  LinkSpec link;
};

/// Which group runs each step kind.
struct PhasePlacement {
  std::string prefill, decode, encode;
};

class System {
 public:
  System(std::string name, std::string description, std::vector<DeviceGroup> groups, std::vector<GroupLink> links,
         PhasePlacement placement, int main_group);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& description() const { return description_; }
  [[nodiscard]] const std::vector<DeviceGroup>& groups() const { return groups_; }
  [[nodiscard]] const DeviceGroup& main_group() const { return groups_[static_cast<std::size_t>(main_)]; }
  [[nodiscard]] int main_group_index() const { return main_; }
  /// The group that runs a step kind.
  [[nodiscard]] const DeviceGroup& group_for(StepKind kind) const;
  [[nodiscard]] int group_index(const std::string& name) const;
  /// The link between two groups, if any.
  [[nodiscard]] std::optional<LinkSpec> link_between(const std::string& a, const std::string& b) const;
  /// A copy with the main group's device count replaced (for `--devices N`); the
  /// count is then fixed.
  [[nodiscard]] System with_main_count(int count) const;
  /// Host/network power, price, lifetime and cooling (sim/energy).
  [[nodiscard]] const SystemEnergySpec& energy() const { return energy_; }
  void set_energy(SystemEnergySpec e) { energy_ = std::move(e); }

 private:
  std::string name_, description_;
  std::vector<DeviceGroup> groups_;
  std::vector<GroupLink> links_;
  PhasePlacement placement_;
  int main_ = 0;
  SystemEnergySpec energy_;
};

/// Builds Systems from configs: `kind: system` files, or a device preset as a
/// system of one. Every error of the file is collected before throwing.
class SystemLoader {
 public:
  SystemLoader(ConfigLibrary& library, const DeviceRegistry& registry);

  /// `name_or_path`: a preset in configs/systems or configs/devices, or a YAML file.
  [[nodiscard]] System load(const std::string& name_or_path, const std::string& what = "--system");
  /// Parses one device config (already resolved) of a registered kind.
  [[nodiscard]] std::shared_ptr<const Device> parse_device(const LoadedConfig& config);
  /// Keys of `kind: system`, for describe; with a registry, also each kind's
  /// `software.<kind>` keys.
  [[nodiscard]] static std::vector<FieldDoc> describe();
  [[nodiscard]] static std::vector<FieldDoc> describe(const DeviceRegistry& registry);

 private:
  [[nodiscard]] System build_system(const LoadedConfig& config);
  /// The default stack of `device`'s kind (null when the kind has none).
  [[nodiscard]] std::shared_ptr<const SoftwareStack> default_software(const Device& device) const;

  ConfigLibrary& library_;
  const DeviceRegistry& registry_;
};

}  // namespace wafersim
