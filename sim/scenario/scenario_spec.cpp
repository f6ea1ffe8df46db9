#include "sim/scenario/scenario_spec.h"

#include <algorithm>

#include "sim/core/text.h"

namespace wafersim {

std::string_view chart_type_name(ChartType t) {
  switch (t) {
    case ChartType::Bar:
      return "bar";
    case ChartType::Line:
      return "line";
    case ChartType::Scatter:
      return "scatter";
    case ChartType::Roofline:
      return "roofline";
    case ChartType::Breakdown:
      return "breakdown";
    case ChartType::Heatmap:
      return "heatmap";
    case ChartType::LatencyLoad:
      return "latency_load";
    case ChartType::SloAttainment:
      return "slo_attainment";
    case ChartType::Capacity:
      return "capacity";
    case ChartType::CostAtSlo:
      return "cost_at_slo";
  }
  return "bar";
}

namespace {

OptionOrigin origin_of(const ConfigNode& n) {
  return OptionOrigin{n.mark().file, n.mark().line, n.mark().column, n.path()};
}

/// Reads `key: value` or `key: [values]` maps (grid, fixed, set).
std::vector<ScenarioAxis> read_axes(const ConfigNode* n, bool overrides, Diagnostics& d) {
  std::vector<ScenarioAxis> axes;
  if (n == nullptr || n->is_null()) return axes;
  if (!n->is_map()) {
    d.add(n->error("expected a map of keys to values"));
    return axes;
  }
  for (std::size_t i = 0; i < n->size(); ++i) {
    const std::string& key = n->keys()[i];
    const ConfigNode& v = *n->find(key);
    ScenarioAxis axis{key, {}, overrides};
    if (!overrides &&
        std::find(EvalRequest::keys().begin(), EvalRequest::keys().end(), key) == EvalRequest::keys().end()) {
      d.add(v.error("unknown option" + did_you_mean(key, EvalRequest::keys()) +
                    " (expected one of: " + quoted_list(EvalRequest::keys()) + ")"));
      continue;
    }
    if (overrides && key.find('.') == std::string::npos) {
      d.add(v.error("expected a dotted path NAME.key (e.g. wse3.core.sram)"));
      continue;
    }
    if (v.is_sequence()) {
      if (v.size() == 0) d.add(v.error("empty list: nothing to evaluate"));
      for (std::size_t j = 0; j < v.size(); ++j) {
        if (!v.at(j).is_scalar())
          d.add(v.at(j).error("expected a single value"));
        else
          axis.values.push_back(ScenarioValue{v.at(j).scalar(), origin_of(v.at(j))});
      }
    } else if (v.is_scalar()) {
      // A single value is allowed anywhere, also in the grid (a grid of one).
      axis.values.push_back(ScenarioValue{v.scalar(), origin_of(v)});
    } else {
      d.add(v.error("expected a value or a list of values"));
      continue;
    }
    if (!axis.values.empty()) axes.push_back(std::move(axis));
  }
  return axes;
}

const Schema<ChartSpec>& chart_schema() {
  static const Schema<ChartSpec> s = [] {
    Schema<ChartSpec> s;
    s.text("name", &ChartSpec::name, "File name of the chart (default: TYPE-Y).", "")
        .choice("type", &ChartSpec::type,
                {{"bar", ChartType::Bar},
                 {"line", ChartType::Line},
                 {"scatter", ChartType::Scatter},
                 {"roofline", ChartType::Roofline},
                 {"breakdown", ChartType::Breakdown},
                 {"heatmap", ChartType::Heatmap},
                 {"latency_load", ChartType::LatencyLoad},
                 {"slo_attainment", ChartType::SloAttainment},
                 {"capacity", ChartType::Capacity},
                 {"cost_at_slo", ChartType::CostAtSlo}},
                "Chart type (latency_load, slo_attainment, capacity, cost_at_slo: phase: serve points).", std::nullopt)
        .choice("points", &ChartSpec::points, {{"steps", ChartPoints::Steps}, {"ops", ChartPoints::Ops}},
                "steps: one point per scenario point; ops: one per op (summed over layers) of each point's "
                "step, with columns op, kind, time_s, flops, bytes, arithmetic_intensity, achieved_flops, bound.",
                ChartPoints::Steps)
        .text("x", &ChartSpec::x, "Column on the x axis.", "")
        .text("y", &ChartSpec::y, "Column on the y axis (breakdown: ignored; heatmap: a swept parameter).", "")
        .text("z", &ChartSpec::z, "Heatmap: the metric shown as colour.", "")
        .text("series", &ChartSpec::series, "Column whose values become series (bars, lines, colours).", "")
        .text("facet", &ChartSpec::facet, "Column giving one subplot per value.", "")
        .text("label", &ChartSpec::label, "Column written next to each point (scatter, roofline).", "")
        .text("title", &ChartSpec::title, "Chart title.", "")
        .text("x_label", &ChartSpec::x_label, "Axis label (default: from the column).", "")
        .text("y_label", &ChartSpec::y_label, "Axis label (default: from the column).", "")
        .flag("log_x", &ChartSpec::log_x, "Logarithmic x axis.", false)
        .flag("log_y", &ChartSpec::log_y, "Logarithmic y axis.", false)
        .flag("normalize", &ChartSpec::normalize, "Breakdown: shares of the step instead of seconds.", true)
        .flag("pareto", &ChartSpec::pareto,
              "Scatter: draw the Pareto front over all series (larger x and smaller y are better).", false)
        .custom("filter", "map of column to a value or a list", "(all rows)",
                "Only rows whose column has one of these values (e.g. {batch: 1}).",
                [](const ConfigNode* n, const ConfigNode&, ChartSpec& c, Diagnostics& d) {
                  if (n == nullptr || n->is_null()) return;
                  if (!n->is_map()) {
                    d.add(n->error("expected a map of column to value(s)"));
                    return;
                  }
                  for (std::size_t i = 0; i < n->size(); ++i) {
                    const ConfigNode& v = *n->find(n->keys()[i]);
                    std::vector<std::string> values;
                    if (v.is_scalar())
                      values.push_back(v.scalar());
                    else if (v.is_sequence())
                      for (std::size_t j = 0; j < v.size(); ++j) {
                        if (v.at(j).is_scalar())
                          values.push_back(v.at(j).scalar());
                        else
                          d.add(v.at(j).error("expected a value"));
                      }
                    else
                      d.add(v.error("expected a value or a list of values"));
                    c.filter.emplace_back(n->keys()[i], values);
                  }
                });
    return s;
  }();
  return s;
}

struct Shape {
  std::string title, description;
  bool trace = false;
};

const Schema<Shape>& scenario_schema() {
  static const Schema<Shape> s = [] {
    Schema<Shape> s;
    s.reserved("name", "Output folder name (default: the file name).")
        .text("title", &Shape::title, "Title of the scenario (charts and tables).", "")
        .text("description", &Shape::description, "What the scenario shows.", "")
        .reserved("grid", "Map of eval option to a list of values: every combination is a point.")
        .reserved("fixed", "Map of eval option to one value, applied to every point.")
        .reserved("set", "Map of dotted path (NAME.key) to a value with units, or a list to sweep.")
        .reserved("charts", "List of charts: type, x, y, series, z, facet, title, log_x, log_y, normalize.")
        .flag("trace", &Shape::trace, "Write traces/POINT.json (Chrome/Perfetto) for every point.", false)
        .reserved("systems", "Inline systems: map of name to a `kind: system` body.")
        .reserved("devices", "Inline devices: map of name to a device body (`kind: wafer|gpu|lpu`).")
        .reserved("models", "Inline models: map of name to a `kind: model` body.");
    return s;
  }();
  return s;
}

}  // namespace

ScenarioSpec ScenarioSpec::load(ConfigLibrary& library, const std::string& name_or_path) {
  LoadedConfig cfg = library.load(name_or_path, {ConfigFolder::Scenarios}, "scenario");
  if (cfg.kind != "scenario")
    throw InputError(Diagnostic{cfg.source, 0, 0, "kind", "expected a scenario, got a " + cfg.kind});
  ScenarioSpec spec;
  spec.name = cfg.name;
  spec.source = cfg.source;
  spec.node = cfg.node;
  Diagnostics d;
  Shape shape;
  const ConfigNode& n = cfg.node;
  scenario_schema().parse(n, shape, d);
  spec.title = shape.title.empty() ? spec.name : shape.title;
  spec.description = shape.description;
  spec.trace = shape.trace;

  auto grid = read_axes(n.find("grid"), false, d);
  auto fixed = read_axes(n.find("fixed"), false, d);
  for (const auto& a : fixed)
    if (a.values.size() > 1)
      d.add(Diagnostic{a.values[1].origin.file, a.values[1].origin.line, a.values[1].origin.column, "fixed." + a.key,
                       "fixed takes one value (put lists under grid:)"});
  for (const auto& g : grid)
    for (const auto& f : fixed)
      if (g.key == f.key)
        d.add(Diagnostic{f.values[0].origin.file, f.values[0].origin.line, f.values[0].origin.column, "fixed." + f.key,
                         "'" + f.key + "' is both in grid and fixed"});
  auto sets = read_axes(n.find("set"), true, d);
  for (auto& a : grid) (a.values.size() > 1 ? spec.grid : spec.fixed).push_back(std::move(a));
  for (auto& a : fixed) spec.fixed.push_back(std::move(a));
  for (auto& a : sets) (a.values.size() > 1 ? spec.grid : spec.fixed).push_back(std::move(a));

  auto has_key = [&](const std::string& k) {
    for (const auto* list : {&spec.grid, &spec.fixed})
      for (const auto& a : *list)
        if (!a.is_override && a.key == k) return true;
    return false;
  };
  for (const char* required : {"system", "model"})
    if (!has_key(required))
      d.add(Diagnostic{cfg.source, 0, 0, std::string("grid.") + required,
                       std::string("no '") + required + "' in grid or fixed (every point needs one)"});

  if (const ConfigNode* charts = n.find("charts"); charts != nullptr && !charts->is_null()) {
    if (!charts->is_sequence())
      d.add(charts->error("expected a list of charts"));
    else
      for (std::size_t i = 0; i < charts->size(); ++i) {
        ChartSpec c;
        chart_schema().parse(charts->at(i), c, d);
        c.mark = charts->at(i).mark();
        c.path = charts->at(i).path();
        if (c.name.empty()) c.name = std::string(chart_type_name(c.type)) + (c.y.empty() ? "" : "-" + c.y);
        for (const auto& other : spec.charts)
          if (other.name == c.name)
            d.add(charts->at(i).error("two charts named '" + c.name + "' (give each a distinct name:)"));
        spec.charts.push_back(std::move(c));
      }
  }

  for (auto [key, folder] : {std::pair{"systems", ConfigFolder::Systems}, std::pair{"devices", ConfigFolder::Devices},
                             std::pair{"models", ConfigFolder::Models}}) {
    const ConfigNode* defs = n.find(key);
    if (defs == nullptr || defs->is_null()) continue;
    if (!defs->is_map()) {
      d.add(defs->error("expected a map of name to definition"));
      continue;
    }
    for (std::size_t i = 0; i < defs->size(); ++i) {
      ConfigNode body = defs->at(i);
      if (!body.is_map()) {
        d.add(body.error("expected a definition (a map with kind:)"));
        continue;
      }
      if (!body.has("kind")) {
        const char* implied = folder == ConfigFolder::Systems  ? "system"
                              : folder == ConfigFolder::Models ? "model"
                                                               : nullptr;
        if (implied == nullptr) {
          d.add(body.error("inline device needs a 'kind:' (one of the device kinds, e.g. wafer, gpu, lpu)"));
          continue;
        }
        body.insert("kind", ConfigNode::make_scalar(implied, body.mark(), join_path(body.path(), "kind")));
      }
      spec.inline_configs.items.push_back({folder, {defs->keys()[i], body}});
    }
  }
  d.throw_if_any();
  return spec;
}

std::vector<std::string> ScenarioSpec::param_columns() const {
  std::vector<std::string> cols;
  auto add = [&](const ScenarioAxis& a) { cols.push_back(a.is_override ? "set." + a.key : a.key); };
  // system and model lead, then the rest in file order.
  for (const char* lead : {"system", "model"})
    for (const auto* list : {&grid, &fixed})
      for (const auto& a : *list)
        if (!a.is_override && a.key == lead) add(a);
  for (const auto* list : {&grid, &fixed})
    for (const auto& a : *list)
      if (a.is_override || (a.key != "system" && a.key != "model")) add(a);
  return cols;
}

std::string ScenarioPoint::key() const {
  std::string k;
  for (const auto& [col, v] : params) k += col + "=" + v + ";";
  return k;
}

std::size_t ScenarioSpec::point_count() const {
  std::size_t total = 1;
  for (const auto& a : grid) {
    total *= a.values.size();
    if (total > 10'000'000) throw InputError(Diagnostic{source, 0, 0, "grid", "more than 10 million points"});
  }
  return total;
}

ScenarioPoint ScenarioSpec::point(std::size_t p, const std::vector<Override>& extra) const {
  // Mixed-radix counter: the last axis varies fastest.
  std::vector<std::size_t> idx(grid.size(), 0);
  std::size_t rest = p;
  for (std::size_t a = grid.size(); a-- > 0;) {
    idx[a] = rest % grid[a].values.size();
    rest /= grid[a].values.size();
  }
  ScenarioPoint pt;
  pt.index = p;
  std::map<std::string, std::string> values;
  auto apply = [&](const ScenarioAxis& axis, const ScenarioValue& v) {
    if (axis.is_override) {
      pt.request.overrides.push_back(
          Override{axis.key, v.text,
                   v.origin.file + ":" + std::to_string(v.origin.line) + ":" + std::to_string(v.origin.column)});
      values["set." + axis.key] = v.text;
    } else {
      pt.request.set_option(axis.key, v.text, v.origin);
      pt.origins[axis.key] = v.origin;
      values[axis.key] = v.text;
    }
  };
  for (std::size_t a = 0; a < grid.size(); ++a) apply(grid[a], grid[a].values[idx[a]]);
  for (const auto& f : fixed) apply(f, f.values[0]);
  for (const auto& o : extra) pt.request.overrides.push_back(o);
  for (const auto& c : param_columns()) pt.params.emplace_back(c, values[c]);
  return pt;
}

std::vector<FieldDoc> ScenarioSpec::describe() {
  auto docs = scenario_schema().describe();
  auto charts = chart_schema().describe("charts[]");
  docs.insert(docs.end(), charts.begin(), charts.end());
  return docs;
}

}  // namespace wafersim
