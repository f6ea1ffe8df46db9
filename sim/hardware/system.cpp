#include "sim/hardware/system.h"

#include <algorithm>

namespace wafersim {

namespace {

/// The YAML shape of a group, before its device is loaded.
struct GroupSpec {
  std::string name;
  std::string device_name;  // preset name, when given by name
  std::optional<ConfigNode> device_inline;
  std::int64_t count = 1;
  bool auto_count = false;         // `count: auto`
  std::int64_t domain = 0;         // 0 = the whole group
  std::optional<ConfigNode> link;  // parsed later, defaults come from the device
  std::optional<ConfigNode> scale_out;
  std::string weights_in;  // "" = weights resident in the group's own memory
};

struct LinkEntry {
  std::vector<std::string> between;
  BytesPerSecond bandwidth{0};
  Seconds latency{0};
  LinkReliability reliability;
};

struct SystemSpec {
  std::string name, description;
  std::vector<GroupSpec> groups;
  std::vector<LinkEntry> links;
  std::string prefill, decode, encode, draft, main_group;
  SystemPowerSpec power;  // sim/energy
  SystemPriceSpec price;
  double lifetime_years = 4;
  CoolingSpec cooling;
  std::optional<ConfigNode> software;  // `software.<kind>` sections, parsed by each kind
};

Schema<GroupSpec> group_schema() {
  Schema<GroupSpec> s;
  s.text("name", &GroupSpec::name, "Group name, used by links and placement.", std::nullopt)
      .custom(
          "device", "preset name or inline device section", "",
          "The device: a name from configs/devices/ or an inline map with `kind:` (and `preset:`).",
          [](const ConfigNode* n, const ConfigNode& parent, GroupSpec& g, Diagnostics& d) {
            if (n == nullptr) {
              d.add(parent.error_at_key("device", "missing required key (expected a device preset name or section)"));
              return;
            }
            if (n->is_scalar())
              g.device_name = n->scalar();
            else if (n->is_map())
              g.device_inline = *n;
            else
              d.add(n->error("expected a device preset name or a section"));
          })
      .custom("count", "integer >= 1 or 'auto'", "1",
              "Number of devices; 'auto' sizes the group to the smallest count that holds the model (main group only).",
              [](const ConfigNode* n, const ConfigNode&, GroupSpec& g, Diagnostics& d) {
                if (n == nullptr) return;
                if (n->is_scalar() && n->scalar() == "auto") {
                  g.auto_count = true;
                  return;
                }
                if (auto v = schema_detail::parse_integer(*n, 1, 1'000'000, d)) g.count = *v;
              })
      .integer("domain", &GroupSpec::domain,
               "Devices per tightly linked domain (NVSwitch island); 0 = the whole group.", 0, 0, 1'000'000)
      .custom("link", "section (bandwidth, latency, topology)", "(the device's own link)",
              "Link between devices inside a domain.",
              [](const ConfigNode* n, const ConfigNode&, GroupSpec& g, Diagnostics&) {
                if (n) g.link = *n;
              })
      .custom("scale_out", "section (bandwidth, latency, topology)", "(the device's scale-out link, else link)",
              "Link between domains (InfiniBand, Ethernet).",
              [](const ConfigNode* n, const ConfigNode&, GroupSpec& g, Diagnostics&) {
                if (n) g.scale_out = *n;
              })
      .text("weights_in", &GroupSpec::weights_in,
            "Another group whose memory holds this group's weights (a shared weight cache): they are not stored "
            "here and stream over the link between the two groups every step. Empty = resident.",
            "");
  return s;
}

const Schema<SystemSpec>& system_schema() {
  static const Schema<SystemSpec> s = [] {
    Schema<SystemSpec> s;
    Schema<LinkEntry> entry;
    entry.custom("between", "list of two group names", "", "The two groups this link joins.",
                 [](const ConfigNode* n, const ConfigNode& parent, LinkEntry& e, Diagnostics& d) {
                   if (n == nullptr || !n->is_sequence() || n->size() != 2) {
                     d.add(n ? n->error("expected a list of two group names")
                             : parent.error_at_key("between", "missing required key (expected two group names)"));
                     return;
                   }
                   for (std::size_t i = 0; i < 2; ++i) {
                     if (!n->at(i).is_scalar())
                       d.add(n->at(i).error("expected a group name"));
                     else
                       e.between.push_back(n->at(i).scalar());
                   }
                 });
    entry
        .quantity("bandwidth", &LinkEntry::bandwidth, UnitKind::BytesPerSecond, "Bandwidth per direction.",
                  std::nullopt)
        .quantity("latency", &LinkEntry::latency, UnitKind::Seconds, "Latency per transfer.", "1 us",
                  Range::NonNegative)
        .section("reliability", &LinkEntry::reliability, link_reliability_schema(),
                 "Bit errors and replays (A-280..A-282); absent = an error-free link.");
    s.reserved("name", "Name of the system (default: the file name).")
        .text("description", &SystemSpec::description, "What the system is.", "")
        .list("groups", &SystemSpec::groups, group_schema(), "Groups of identical devices.", true)
        .list("links", &SystemSpec::links, entry, "Links between groups.")
        .custom("placement", "section (prefill, decode, encode, draft: group names)", "(the main group)",
                "Which group runs each phase; draft: the group running a speculative draft model "
                "(default: the decode group's devices).",
                [](const ConfigNode* n, const ConfigNode&, SystemSpec& sys, Diagnostics& d) {
                  if (n == nullptr) return;
                  if (!n->is_map()) {
                    d.add(n->error("expected a map of phase to group name"));
                    return;
                  }
                  for (const char* phase : {"prefill", "decode", "encode", "draft"}) {
                    if (const ConfigNode* v = n->find(phase)) {
                      if (!v->is_scalar()) {
                        d.add(v->error("expected a group name"));
                        continue;
                      }
                      const std::string p = phase;
                      std::string& slot = p == "prefill"  ? sys.prefill
                                          : p == "decode" ? sys.decode
                                          : p == "encode" ? sys.encode
                                                          : sys.draft;
                      slot = v->scalar();
                    }
                  }
                  schema_detail::report_unknown_keys(*n, {"prefill", "decode", "encode", "draft"}, d);
                })
        .text("main_group", &SystemSpec::main_group, "The group `--devices N` resizes (default: the first).", "")
        // Energy, power, cost and cooling (sim/energy/energy_spec.h, A-113..A-119).
        .section("power", &SystemSpec::power, system_power_schema(), "Power the devices do not draw.")
        .section("price", &SystemSpec::price, system_price_schema(), "Capex and running-cost terms (US dollars).")
        .number("lifetime", &SystemSpec::lifetime_years, "Years the capex is amortized over (A-117).", 4.0)
        .section("cooling", &SystemSpec::cooling, cooling_schema(), "Rack cooling: air or liquid, exhaust temperature.")
        .custom("software", "section (one sub-section per device kind: software.gpu, ...)", "(each kind's default)",
                "The serving software stack, per device kind: what the stack adds to the hardware (per-kernel and "
                "per-step costs, fusion, collective implementation). Each kind documents its own keys below; "
                "every group of that kind uses its section. Reach a key with --set SYSTEM.software.KIND.KEY=VALUE.",
                [](const ConfigNode* n, const ConfigNode&, SystemSpec& sys, Diagnostics& d) {
                  if (n == nullptr) return;
                  if (!n->is_map()) {
                    d.add(n->error("expected a map of device kind to its software section"));
                    return;
                  }
                  sys.software = *n;
                });
    return s;
  }();
  return s;
}

}  // namespace

System::System(std::string name, std::string description, std::vector<DeviceGroup> groups, std::vector<GroupLink> links,
               PhasePlacement placement, int main_group)
    : name_(std::move(name)),
      description_(std::move(description)),
      groups_(std::move(groups)),
      links_(std::move(links)),
      placement_(std::move(placement)),
      main_(main_group) {}

int System::group_index(const std::string& name) const {
  for (std::size_t i = 0; i < groups_.size(); ++i)
    if (groups_[i].name == name) return static_cast<int>(i);
  return -1;
}

const DeviceGroup& System::group_for(StepKind kind) const {
  const std::string& want = kind == StepKind::Prefill  ? placement_.prefill
                            : kind == StepKind::Decode ? placement_.decode
                                                       : placement_.encode;
  const int i = want.empty() ? main_ : group_index(want);
  return groups_[static_cast<std::size_t>(i < 0 ? main_ : i)];
}

const DeviceGroup& System::draft_group() const {
  const int i = placement_.draft.empty() ? -1 : group_index(placement_.draft);
  return i < 0 ? group_for(StepKind::Decode) : groups_[static_cast<std::size_t>(i)];
}

System System::for_draft() const {
  System copy = *this;
  const int i = group_index(draft_group().name);
  copy.main_ = i;
  copy.placement_.decode = draft_group().name;
  copy.placement_.prefill = draft_group().name;  // the draft reads the prompt on its own devices
  return copy;
}

std::optional<LinkSpec> System::link_between(const std::string& a, const std::string& b) const {
  for (const auto& l : links_)
    if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) return l.link;
  return std::nullopt;
}

System System::with_main_count(int count) const {
  System copy = *this;
  DeviceGroup& g = copy.groups_[static_cast<std::size_t>(main_)];
  // A group that was one domain stays one domain up to its link's natural size.
  const bool whole = g.domain >= g.count;
  g.count = count;
  g.auto_count = false;
  if (whole) g.domain = std::max(g.domain, std::min(count, std::max(1, g.device->summary().max_tensor_parallel)));
  g.domain = std::min(g.domain, count);
  return copy;
}

System System::with_link_temperature(double celsius) const {
  System copy = *this;
  auto set = [celsius](LinkSpec& l) {
    if (!l.reliability.temperature_c) l.reliability.temperature_c = celsius;
  };
  for (DeviceGroup& g : copy.groups_) {
    set(g.link);
    set(g.scale_out);
    if (g.weights_link) set(*g.weights_link);
  }
  for (GroupLink& l : copy.links_) set(l.link);
  return copy;
}

SystemLoader::SystemLoader(ConfigLibrary& library, const DeviceRegistry& registry)
    : library_(library), registry_(registry) {
  library_.set_device_kinds(registry_.kinds());
}

std::shared_ptr<const Device> SystemLoader::parse_device(const LoadedConfig& config) {
  const DeviceKind* kind = registry_.find(config.kind);
  if (kind == nullptr) throw InternalError("unregistered device kind " + config.kind);
  Diagnostics d;
  auto device = kind->parse(config.node, config.name, d);
  d.throw_if_any();
  return device;
}

std::shared_ptr<const SoftwareStack> SystemLoader::default_software(const Device& device) const {
  const DeviceKind* kind = registry_.find(std::string(device.kind()));
  if (kind == nullptr || !kind->parse_software) return nullptr;
  Diagnostics d;
  auto stack = kind->parse_software(nullptr, d);
  d.throw_if_any();
  return stack;
}

System SystemLoader::load(const std::string& name_or_path, const std::string& what) {
  LoadedConfig config = library_.load(name_or_path, {ConfigFolder::Systems, ConfigFolder::Devices}, what);
  if (config.kind == "system") return build_system(config);
  if (registry_.find(config.kind) == nullptr)
    throw InputError(Diagnostic{config.source, 0, 0, what,
                                "'" + name_or_path + "' is a " + config.kind + ", not a system or device"});
  auto device = parse_device(config);
  const DeviceSummary& sum = device->summary();
  DeviceGroup g{
      device->name(),           device, 1, false, 1, sum.link, sum.scale_out.value_or(sum.link), "", std::nullopt,
      default_software(*device)};
  return System(config.name, device->describe(), {g}, {}, {}, 0);
}

System SystemLoader::build_system(const LoadedConfig& config) {
  Diagnostics d;
  SystemSpec spec;
  system_schema().parse(config.node, spec, d);
  d.throw_if_any();
  spec.name = config.name;

  std::vector<DeviceGroup> groups;
  for (std::size_t i = 0; i < spec.groups.size(); ++i) {
    const GroupSpec& gs = spec.groups[i];
    const ConfigNode& gnode = config.node.find("groups")->at(i);
    for (const auto& g : groups)
      if (g.name == gs.name) d.add(gnode.error_at_key("name", "duplicate group name '" + gs.name + "'"));
    std::shared_ptr<const Device> device;
    try {
      if (gs.device_inline) {
        ConfigNode inline_node = *gs.device_inline;
        std::string dev_name = gs.name;
        if (const ConfigNode* n = inline_node.find("name"); n && n->is_scalar()) dev_name = n->scalar();
        library_.add_inline(ConfigFolder::Devices, dev_name, inline_node);
        device = parse_device(library_.load(dev_name, {ConfigFolder::Devices}, gnode.path() + ".device"));
      } else {
        LoadedConfig dc = library_.load(gs.device_name, {ConfigFolder::Devices}, gnode.path() + ".device");
        if (registry_.find(dc.kind) == nullptr) {
          d.add(gnode.error_at_key("device", "'" + gs.device_name + "' is a " + dc.kind + ", not a device"));
          continue;
        }
        device = parse_device(dc);
      }
    } catch (const InputError& e) {
      // "unknown name" comes without a place: put it at this group's device key.
      for (const auto& x : e.diagnostics()) d.add(x.file.empty() ? gnode.error_at_key("device", x.message) : x);
      continue;
    }
    DeviceGroup g;
    g.name = gs.name;
    g.device = device;
    g.count = static_cast<int>(gs.count);
    g.auto_count = gs.auto_count;
    g.domain = gs.domain == 0 ? g.count : static_cast<int>(std::min(gs.domain, gs.count));
    g.link = device->summary().link;
    if (gs.link) {
      // Keys the system omits keep the device's values.
      link_schema(format_quantity(g.link.bandwidth.value(), UnitKind::BytesPerSecond),
                  format_quantity(g.link.latency.value(), UnitKind::Seconds))
          .parse(*gs.link, g.link, d);
    }
    g.scale_out = device->summary().scale_out.value_or(g.link);
    if (gs.scale_out) link_schema().parse(*gs.scale_out, g.scale_out, d);
    g.weights_in = gs.weights_in;
    groups.push_back(std::move(g));
  }
  d.throw_if_any();

  auto check_group = [&](const std::string& name, const std::string& key) {
    if (name.empty()) return;
    for (const auto& g : groups)
      if (g.name == name) return;
    std::vector<std::string> names;
    for (const auto& g : groups) names.push_back(g.name);
    const ConfigNode* at = config.node.find(key.substr(0, key.find('.')));
    d.add(at ? at->error("unknown group '" + name + "'" + did_you_mean(name, names) +
                         " (groups: " + quoted_list(names) + ")")
             : Diagnostic{config.source, 0, 0, key, "unknown group '" + name + "'"});
  };
  check_group(spec.prefill, "placement.prefill");
  check_group(spec.decode, "placement.decode");
  check_group(spec.encode, "placement.encode");
  check_group(spec.draft, "placement.draft");
  check_group(spec.main_group, "main_group");
  std::vector<GroupLink> links;
  for (const auto& l : spec.links) {
    if (l.between.size() != 2) continue;
    check_group(l.between[0], "links");
    check_group(l.between[1], "links");
    links.push_back(
        GroupLink{l.between[0], l.between[1], LinkSpec{l.bandwidth, l.latency, LinkTopology::Switch, l.reliability}});
  }
  // A shared weight cache needs the holding group to exist and a link to reach it.
  for (std::size_t i = 0; i < groups.size(); ++i) {
    DeviceGroup& g = groups[i];
    if (g.weights_in.empty()) continue;
    const ConfigNode& gnode = config.node.find("groups")->at(i);
    bool found = false;
    for (const auto& o : groups) found = found || (o.name == g.weights_in && o.name != g.name);
    if (!found) {
      std::vector<std::string> others;
      for (const auto& o : groups)
        if (o.name != g.name) others.push_back(o.name);
      d.add(gnode.error_at_key("weights_in", "'" + g.weights_in + "' is not another group of this system" +
                                                 did_you_mean(g.weights_in, others) +
                                                 " (others: " + quoted_list(others) + ")"));
      continue;
    }
    for (const auto& l : links)
      if ((l.a == g.name && l.b == g.weights_in) || (l.b == g.name && l.a == g.weights_in)) g.weights_link = l.link;
    if (!g.weights_link)
      d.add(gnode.error_at_key("weights_in", "no link joins '" + g.name + "' and '" + g.weights_in +
                                                 "': add one under links (between: [" + g.name + ", " + g.weights_in +
                                                 "])"));
  }
  // Each kind parses its own `software.<kind>` section; groups of a kind share it.
  std::vector<std::pair<std::string, std::shared_ptr<const SoftwareStack>>> stacks;
  if (spec.software) {
    std::vector<std::string> used;
    for (const auto& g : groups)
      if (std::find(used.begin(), used.end(), g.device->kind()) == used.end()) used.emplace_back(g.device->kind());
    for (std::size_t k = 0; k < spec.software->size(); ++k) {
      const std::string& key = spec.software->keys()[k];
      const ConfigNode& node = spec.software->at(k);
      const DeviceKind* kind = registry_.find(key);
      if (kind == nullptr || std::find(used.begin(), used.end(), key) == used.end()) {
        d.add(spec.software->error_at_key_name(key, "no group of kind '" + key + "' in this system" +
                                                        did_you_mean(key, used) + " (kinds used: " + quoted_list(used) +
                                                        ")"));
        continue;
      }
      if (!kind->parse_software) {
        d.add(spec.software->error_at_key_name(key, "devices of kind '" + key + "' have no software settings"));
        continue;
      }
      const std::size_t before = d.size();
      auto stack = kind->parse_software(&node, d);
      if (d.size() == before) stacks.emplace_back(key, std::move(stack));
    }
  }
  d.throw_if_any();
  for (auto& g : groups) {
    const auto it =
        std::find_if(stacks.begin(), stacks.end(), [&](const auto& s) { return s.first == g.device->kind(); });
    g.software = it != stacks.end() ? it->second : default_software(*g.device);
  }
  int main = 0;
  for (std::size_t i = 0; i < groups.size(); ++i)
    if (groups[i].name == spec.main_group) main = static_cast<int>(i);
  for (std::size_t i = 0; i < groups.size(); ++i)
    if (groups[i].auto_count && static_cast<int>(i) != main)
      d.add(config.node.find("groups")->at(i).error_at_key("count", "'auto' is only allowed for the main group"));
  d.throw_if_any();
  System system(spec.name, spec.description, std::move(groups), std::move(links),
                PhasePlacement{spec.prefill, spec.decode, spec.encode, spec.draft}, main);
  system.set_energy(SystemEnergySpec{spec.power, spec.price, spec.lifetime_years, spec.cooling});
  return system;
}

std::vector<FieldDoc> SystemLoader::describe() {
  auto docs = system_schema().describe();
  auto link_docs = link_schema().describe("groups[].link");
  docs.insert(docs.end(), link_docs.begin(), link_docs.end());
  return docs;
}

std::vector<FieldDoc> SystemLoader::describe(const DeviceRegistry& registry) {
  auto docs = describe();
  for (const std::string& name : registry.kinds()) {
    const DeviceKind* kind = registry.find(name);
    if (!kind->describe_software) continue;
    for (FieldDoc f : kind->describe_software()) {
      f.path = "software." + name + (f.path.empty() ? "" : "." + f.path);
      docs.push_back(std::move(f));
    }
  }
  return docs;
}

}  // namespace wafersim
