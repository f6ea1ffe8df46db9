#pragma once
// A scenario file (CONTRACTS.md "Scenario files"): a grid of eval options, fixed
// options, hardware overrides (a list is swept), charts, and optional inline
// systems/devices/models. Expands into points in grid order: the first grid key
// varies slowest, swept `set` paths after the grid keys.

#include <map>
#include <string>
#include <vector>

#include "sim/config/config_library.h"
#include "sim/scenario/eval_request.h"

namespace wafersim {

/// LatencyLoad, SloAttainment, Capacity, CostAtSlo chart `phase: serve` points.
enum class ChartType {
  Bar,
  Line,
  Scatter,
  Roofline,
  Breakdown,
  Heatmap,
  LatencyLoad,
  SloAttainment,
  Capacity,
  CostAtSlo
};
/// What a chart's points are: one per scenario point (its main step), or one per
/// op family of each point's step (ops.json; roofline charts of ops).
enum class ChartPoints { Steps, Ops };
[[nodiscard]] std::string_view chart_type_name(ChartType t);

struct ChartSpec {
  std::string name;  ///< file name stem
  ChartType type = ChartType::Bar;
  ChartPoints points = ChartPoints::Steps;
  std::string x, y, series, z, facet, label, title, x_label, y_label;
  bool log_x = false, log_y = false, normalize = true;
  bool pareto = false;  ///< scatter: draw the front of points no other beats on both axes (larger x, smaller y)
  std::vector<std::pair<std::string, std::vector<std::string>>>
      filter;        ///< keep rows whose column has one of the values
  SourceMark mark;   ///< for messages
  std::string path;  ///< "charts[2]"
};

/// One option value with where it was written.
struct ScenarioValue {
  std::string text;
  OptionOrigin origin;
};

/// One key with its values (a single value unless swept).
struct ScenarioAxis {
  std::string key;
  std::vector<ScenarioValue> values;
  bool is_override = false;  ///< a `set:` path rather than an eval option
};

/// One point: its parameter values in column order, and the request they make.
struct ScenarioPoint {
  std::size_t index = 0;
  std::vector<std::pair<std::string, std::string>> params;  ///< column → value
  EvalRequest request;
  std::map<std::string, OptionOrigin> origins;  ///< where each option's value was written
  [[nodiscard]] std::string key() const;        ///< stable identity for resume
};

struct ScenarioSpec {
  std::string name, title, description, source;
  std::vector<ScenarioAxis> grid;   ///< swept eval options, then swept set paths
  std::vector<ScenarioAxis> fixed;  ///< single-valued options and set paths
  std::vector<ChartSpec> charts;
  bool trace = false;
  InlineConfigs inline_configs;
  ConfigNode node;  ///< the file as read, for resolved.yaml

  /// Reads and validates the shape of a scenario file (not the configs it names).
  static ScenarioSpec load(ConfigLibrary& library, const std::string& name_or_path);
  /// The number of grid points (InputError past 10 million).
  [[nodiscard]] std::size_t point_count() const;
  /// Grid point `p`, with `extra` overrides (command-line `--set`) applied; built on
  /// demand so a big sweep never holds every point.
  [[nodiscard]] ScenarioPoint point(std::size_t p, const std::vector<Override>& extra) const;
  /// Parameter columns, in order.
  [[nodiscard]] std::vector<std::string> param_columns() const;
  /// Keys of `kind: scenario`, for describe.
  static std::vector<FieldDoc> describe();
};

}  // namespace wafersim
