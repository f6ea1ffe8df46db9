// `wafersim list`, `check` and `describe`: what exists, whether a file is valid,
// and every key a config kind accepts.

#include <algorithm>
#include <fmt/format.h>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/config/yaml_loader.h"
#include "sim/core/text.h"
#include "sim/hardware/system.h"
#include "sim/report/result_fields.h"
#include "sim/report/text_table.h"
#include "sim/scenario/scenario_runner.h"
#include "sim/workload/model_loader.h"

namespace wafersim::cli {
namespace {

/// The first sentence, at most ~100 characters, for one-line listings.
std::string first_line(const std::string& s) {
  std::string t = trim(s);
  if (const auto nl = t.find('\n'); nl != std::string::npos) t = t.substr(0, nl);
  // End at the first ". " outside parentheses ("(Devlin et al. 2019)" is not a sentence end).
  int depth = 0;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] == '(')
      ++depth;
    else if (t[i] == ')')
      depth = std::max(0, depth - 1);
    else if (t[i] == '.' && t[i + 1] == ' ' && depth == 0) {
      t = t.substr(0, i + 1);
      break;
    }
  }
  if (t.size() > 100) t = t.substr(0, t.rfind(' ', 97)) + " ...";
  return t;
}

std::vector<FieldDoc> docs_for(const Context& ctx, const std::string& kind) {
  if (kind == "system") return SystemLoader::describe(ctx.registry.devices());
  if (kind == "model") return model_schema().describe();
  if (kind == "scenario") return ScenarioSpec::describe();
  if (const DeviceKind* k = ctx.registry.devices().find(kind)) return k->describe();
  std::vector<std::string> kinds = ctx.registry.devices().kinds();
  for (const char* k : {"system", "model", "scenario", "results"}) kinds.emplace_back(k);
  throw InputError::option("describe", "unknown kind '" + kind + "'" + did_you_mean(kind, kinds) +
                                           " (expected one of: " + quoted_list(kinds) + ", all)");
}

}  // namespace

int cmd_list(const Context& ctx, const std::string& what) {
  const std::vector<std::pair<std::string, ConfigFolder>> folders{{"devices", ConfigFolder::Devices},
                                                                  {"systems", ConfigFolder::Systems},
                                                                  {"models", ConfigFolder::Models},
                                                                  {"scenarios", ConfigFolder::Scenarios}};
  bool any = false;
  for (const auto& [name, folder] : folders) {
    if (!what.empty() && what != name) continue;
    any = true;
    ConfigLibrary library(ctx.config_root);
    library.set_device_kinds(ctx.registry.devices().kinds());
    TextTable t({name, "kind", "description"});
    for (const auto& preset : library.list(folder)) {
      std::string kind = "?", description;
      try {
        const LoadedConfig c = library.load(preset, {folder}, name);
        kind = c.kind;
        if (const ConfigNode* d = c.node.find("description"); d && d->is_scalar())
          description = first_line(d->scalar());
        if (const ConfigNode* d = c.node.find("title"); description.empty() && d && d->is_scalar())
          description = d->scalar();
      } catch (const InputError& e) {
        description = "(invalid: run wafersim check)";
      }
      t.add_row({preset, kind, description});
    }
    ctx.out << t.render() << "\n";
  }
  if (!any)
    throw InputError::option("list", "unknown list '" + what + "'" +
                                         did_you_mean(what, {"devices", "systems", "models", "scenarios"}) +
                                         " (expected devices, systems, models or scenarios)");
  return kOk;
}

int cmd_check(const Context& ctx, const std::vector<std::string>& files) {
  int bad = 0;
  for (const auto& file : files) {
    try {
      ConfigLibrary library(ctx.config_root);
      SystemLoader systems(library, ctx.registry.devices());
      const LoadedConfig c = library.load_file(file);
      if (c.kind == "system")
        (void)systems.load(file);
      else if (c.kind == "model")
        (void)ModelLoader::parse(c);
      else if (c.kind == "scenario")
        ScenarioRunner(ctx.registry, ctx.config_root).check(file);
      else
        (void)systems.parse_device(c);
      ctx.out << fmt::format("ok: {} ({} '{}')\n", file, c.kind, c.name);
    } catch (const InputError& e) {
      ++bad;
      for (const auto& d : e.diagnostics()) ctx.err << "wafersim: error: " << d.format() << "\n";
    }
  }
  return bad == 0 ? kOk : kBadInput;
}

namespace {

/// `describe results`: every `eval --json` field (sim/report/result_fields.cpp).
void describe_results(const Context& ctx, bool markdown, bool json) {
  if (json) {
    ctx.out << result_fields_json().dump(2) << "\n";
    return;
  }
  const char* note =
      "Nested objects print flattened with dots in CSV headers and chart columns. Fields under "
      "`speculative.` appear only with --speculative; energy, power and cost fields are null when the "
      "device has no energy figures.";
  if (markdown) {
    ctx.out << "## Result fields (`eval --json`, results.csv)\n\n"
            << note << "\n\n| field | unit | meaning |\n|---|---|---|\n";
    for (const ResultField& f : result_fields()) {
      std::string meaning = f.meaning;
      for (auto& c : meaning)
        if (c == '|') c = '/';
      ctx.out << fmt::format("| `{}` | {} | {} |\n", f.name, f.unit.empty() ? "-" : f.unit, meaning);
    }
    ctx.out << "\n";
    return;
  }
  TextTable t({"field", "unit", "meaning"});
  for (const ResultField& f : result_fields()) t.add_row({f.name, f.unit.empty() ? "-" : f.unit, f.meaning});
  ctx.out << "results (eval --json, results.csv)\n" << t.render() << note << "\n";
}

}  // namespace

int cmd_describe(const Context& ctx, const std::string& kind, bool markdown, bool json) {
  if (kind == "results") {
    describe_results(ctx, markdown, json);
    return kOk;
  }
  if (json) throw InputError::option("--json", "only 'describe results' prints JSON");
  std::vector<std::string> kinds;
  if (kind.empty() || kind == "all") {
    kinds = ctx.registry.devices().kinds();
    for (const char* k : {"system", "model", "scenario"}) kinds.emplace_back(k);
  } else {
    kinds = {kind};
  }
  if (kind.empty() && !markdown) {
    ctx.out << "Config kinds (wafersim describe KIND):\n";
    for (const auto& k : kinds) {
      const DeviceKind* d = ctx.registry.devices().find(k);
      ctx.out << fmt::format("  {:<10}{}\n", k,
                             d               ? d->doc
                             : k == "system" ? "devices, links between them, phase placement"
                             : k == "model"  ? "a transformer model's shapes"
                                             : "a grid of evaluations with charts");
    }
    ctx.out << fmt::format("  {:<10}{}\n", "results", "the fields of eval --json and results.csv: unit, meaning");
    return kOk;
  }
  for (const auto& k : kinds) {
    const auto docs = docs_for(ctx, k);
    if (markdown) {
      ctx.out << "## `kind: " << k << "`\n\n| key | type | unit | default | description |\n|---|---|---|---|---|\n";
      for (const auto& d : docs) {
        std::string doc = d.doc;
        for (auto& c : doc)
          if (c == '|') c = '/';
        ctx.out << fmt::format("| `{}` | {} | {} | {} | {} |\n", d.path, d.type, d.unit,
                               d.default_text.empty() ? "required" : d.default_text, doc);
      }
      ctx.out << "\n";
    } else {
      TextTable t({"key", "type", "unit", "default", "description"});
      for (const auto& d : docs)
        t.add_row({d.path, d.type, d.unit, d.default_text.empty() ? "(required)" : d.default_text, d.doc});
      ctx.out << "kind: " << k << "\n" << t.render() << "\n";
    }
  }
  if (kind == "all") describe_results(ctx, markdown, false);
  return kOk;
}

}  // namespace wafersim::cli
