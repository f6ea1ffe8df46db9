// `wafersim anchors FILE.csv [--fidelity F]`: predicted vs published numbers, with error.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/report/result_json.h"
#include "sim/report/text_table.h"

namespace wafersim::cli {
namespace {

const std::vector<std::string> kColumns{"id",     "system", "devices",   "model",   "dtype",
                                        "phase",  "batch",  "prompt",    "context", "output",
                                        "metric", "value",  "tolerance", "source",  "notes"};
/// Optional columns after the fixed ones: speculative decoding (A-330 .. A-335); empty = not used.
const std::vector<std::string> kOptionalColumns{"speculative", "draft_tokens", "acceptance", "accepted_per_step"};
const std::vector<std::string> kMetrics{"tokens_per_s_per_user", "latency_s", "ttft_s", "tpot_s", "tokens_per_s"};

/// Splits one CSV line (RFC 4180 quotes; no embedded newlines).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"')
        quoted = false;
      else
        out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

double parse_double(const std::string& s, const std::string& file, int line, const std::string& col) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v <= 0)
    throw InputError(Diagnostic{file, line, 0, col, "'" + s + "' is not a positive number"});
  return v;
}

/// One row of an anchors file, as read.
struct AnchorRow {
  int line = 0;
  std::string id, system, metric, source, notes;
  double published = 0, tolerance = 0;
  EvalRequest request;
  /// Rows whose notes start with "fitted" set a parameter; they are shown as such.
  [[nodiscard]] bool fitted() const { return notes.rfind("fitted", 0) == 0; }
};

/// What a row predicts now.
struct AnchorCheck {
  RunResult result;
  bool have = false;
  double predicted = 0, error = 0;
  bool within = false;
};

std::vector<AnchorRow> read_anchor_rows(const std::string& file, const std::string& fidelity) {
  std::ifstream in(file);
  if (!in) throw InputError(Diagnostic{file, 0, 0, "", "cannot open file"});
  std::string line;
  if (!std::getline(in, line)) throw InputError(Diagnostic{file, 1, 0, "", "empty file (expected a header)"});
  const std::vector<std::string> header = csv_fields(line);
  const bool fixed_ok =
      header.size() >= kColumns.size() && std::equal(kColumns.begin(), kColumns.end(), header.begin());
  std::vector<std::string> extra(header.begin() + static_cast<std::ptrdiff_t>(std::min(header.size(), kColumns.size())),
                                 header.end());
  bool extra_ok = true;
  for (std::size_t i = 0; i < extra.size(); ++i)
    extra_ok = extra_ok &&
               std::find(kOptionalColumns.begin(), kOptionalColumns.end(), extra[i]) != kOptionalColumns.end() &&
               std::find(extra.begin(), extra.begin() + static_cast<std::ptrdiff_t>(i), extra[i]) ==
                   extra.begin() + static_cast<std::ptrdiff_t>(i);
  if (!fixed_ok || !extra_ok)
    throw InputError(Diagnostic{file, 1, 0, "header", "expected the columns: " + [] {
                                  std::string s;
                                  for (const auto& c : kColumns) s += (s.empty() ? "" : ",") + c;
                                  std::string o;
                                  for (const auto& c : kOptionalColumns) o += (o.empty() ? "" : ",") + c;
                                  return s + " (then, optionally, any of: " + o + ")";
                                }()});
  std::vector<AnchorRow> rows;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto f = csv_fields(line);
    if (f.size() != header.size())
      throw InputError(
          Diagnostic{file, line_no, 0, "", fmt::format("{} fields, expected {}", f.size(), header.size())});
    auto col = [&](const std::string& name) {
      return f[static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin())];
    };
    AnchorRow row;
    row.line = line_no;
    row.id = col("id");
    row.system = col("system");
    for (const char* key : {"system", "model", "devices", "dtype", "phase", "batch"})
      row.request.set_option(key, col(key), OptionOrigin{file, line_no, 0, row.id + "." + key});
    // Zero means "not used by this phase" in the anchors format.
    for (const char* key : {"prompt", "context", "output"})
      if (col(key) != "0" && !col(key).empty())
        row.request.set_option(key, col(key), OptionOrigin{file, line_no, 0, row.id + "." + key});
    for (const auto& key : extra)
      if (!col(key).empty()) row.request.set_option(key, col(key), OptionOrigin{file, line_no, 0, row.id + "." + key});
    if (!fidelity.empty()) row.request.set_option("fidelity", fidelity, OptionOrigin{"", 0, 0, "--fidelity"});
    row.metric = col("metric");
    if (std::find(kMetrics.begin(), kMetrics.end(), row.metric) == kMetrics.end())
      throw InputError(Diagnostic{file, line_no, 0, row.id + ".metric", "unknown metric '" + row.metric + "'"});
    row.published = parse_double(col("value"), file, line_no, row.id + ".value");
    row.tolerance = parse_double(col("tolerance"), file, line_no, row.id + ".tolerance");
    row.source = col("source");
    row.notes = col("notes");
    rows.push_back(std::move(row));
  }
  return rows;
}

AnchorCheck check_row(RequestRunner& runner, const AnchorRow& row) {
  AnchorCheck c;
  c.result = runner.run(row.request);
  const Json j = result_to_json(c.result);
  c.have = j[row.metric].is_number();
  c.predicted = c.have ? j[row.metric].get<double>() : 0;
  c.error = c.have ? (c.predicted - row.published) / row.published : 0;
  c.within = c.have && std::fabs(c.error) <= row.tolerance;
  return c;
}

}  // namespace

std::vector<std::string> calibration_caveats(const Context& ctx, const RunResult& r) {
  std::vector<std::string> out;
  const std::filesystem::path file = ctx.config_root / "anchors.csv";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  try {
    RequestRunner runner(ctx.registry, ctx.config_root);
    for (const AnchorRow& row : read_anchor_rows(file.string(), "")) {
      if (row.system != r.system) continue;
      const AnchorCheck c = check_row(runner, row);
      if (c.within) continue;
      out.push_back(c.have ? fmt::format("{}'s calibration row {} is {:+.0f}% off its published {} (tolerance "
                                         "±{:.0f}%): read these numbers with care (docs/validation.md)",
                                         r.system, row.id, 100 * c.error, row.metric, 100 * row.tolerance)
                           : fmt::format("{}'s calibration row {} does not evaluate ({}): read these numbers with "
                                         "care (docs/validation.md)",
                                         r.system, row.id, c.result.fit_error));
    }
  } catch (const InputError&) {
    // A broken anchors file is `wafersim anchors`'s to report, not eval's.
  }
  return out;
}

int cmd_anchors(const Context& ctx, const std::string& file, bool json, const std::string& fidelity) {
  const std::vector<AnchorRow> anchor_rows = read_anchor_rows(file, fidelity);
  RequestRunner runner(ctx.registry, ctx.config_root);
  TextTable table({"id", "metric", "predicted", "published", "error", "tolerance", "within", "bound"},
                  {TextTable::Align::Left, TextTable::Align::Left, TextTable::Align::Right, TextTable::Align::Right,
                   TextTable::Align::Right, TextTable::Align::Right, TextTable::Align::Left, TextTable::Align::Left});
  Json rows = Json::array();
  int out_of_tolerance = 0, fitted = 0;
  for (const AnchorRow& row : anchor_rows) {
    const AnchorCheck c = check_row(runner, row);
    const RunResult& r = c.result;
    if (!c.within) ++out_of_tolerance;
    if (row.fitted()) ++fitted;
    table.add_row({row.id + (row.fitted() ? " (fitted)" : ""), row.metric,
                   c.have ? fmt::format("{:.4g}", c.predicted) : "does not fit", fmt::format("{:.4g}", row.published),
                   c.have ? fmt::format("{:+.1f}%", 100 * c.error) : "-", fmt::format("±{:.0f}%", 100 * row.tolerance),
                   c.within ? "yes" : "NO", r.fits ? std::string(bound_name(r.bound)) : "-"});
    const Json j = result_to_json(r);
    rows.push_back(Json{{"id", row.id},
                        {"system", row.system},
                        {"metric", row.metric},
                        {"predicted", c.have ? Json(c.predicted) : Json(nullptr)},
                        {"published", row.published},
                        {"relative_error", c.have ? Json(c.error) : Json(nullptr)},
                        {"tolerance", row.tolerance},
                        {"within_tolerance", c.within},
                        {"fitted", row.fitted()},
                        {"fidelity", j["fidelity"]},
                        {"devices", j["devices"]},
                        {"bound", j["bound"]},
                        {"source", row.source}});
  }
  if (json)
    ctx.out << rows.dump(2) << "\n";
  else {
    ctx.out << table.render();
    ctx.out << fmt::format("\n{} of {} rows within tolerance", rows.size() - static_cast<std::size_t>(out_of_tolerance),
                           rows.size());
    if (fitted > 0)
      ctx.out << fmt::format("; {} marked (fitted) {} a parameter and {} no test of the model", fitted,
                             fitted == 1 ? "sets" : "set", fitted == 1 ? "is" : "are");
    ctx.out << "\n";
  }
  return out_of_tolerance == 0 ? kOk : kAnchorsOff;
}

}  // namespace wafersim::cli
