// `wafersim anchors FILE.csv [--fidelity F]`: predicted vs published numbers, with error.

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <ostream>

#include "sim/cli/cli_common.h"
#include "sim/report/result_json.h"
#include "sim/report/text_table.h"

namespace wafersim::cli {
namespace {

const std::vector<std::string> kColumns{"id",     "system", "devices", "model",  "dtype",     "phase", "batch", "prompt",
                                        "context", "output", "metric", "value", "tolerance", "source", "notes"};
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
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { out.back() += '"'; ++i; }
      else if (c == '"') quoted = false;
      else out.back() += c;
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

}  // namespace

int cmd_anchors(const Context& ctx, const std::string& file, bool json, const std::string& fidelity) {
  std::ifstream in(file);
  if (!in) throw InputError(Diagnostic{file, 0, 0, "", "cannot open file"});
  std::string line;
  if (!std::getline(in, line)) throw InputError(Diagnostic{file, 1, 0, "", "empty file (expected a header)"});
  const std::vector<std::string> header = csv_fields(line);
  const bool fixed_ok = header.size() >= kColumns.size() && std::equal(kColumns.begin(), kColumns.end(), header.begin());
  std::vector<std::string> extra(header.begin() + static_cast<std::ptrdiff_t>(std::min(header.size(), kColumns.size())),
                                 header.end());
  bool extra_ok = true;
  for (std::size_t i = 0; i < extra.size(); ++i)
    extra_ok = extra_ok && std::find(kOptionalColumns.begin(), kOptionalColumns.end(), extra[i]) != kOptionalColumns.end() &&
               std::find(extra.begin(), extra.begin() + static_cast<std::ptrdiff_t>(i), extra[i]) == extra.begin() + static_cast<std::ptrdiff_t>(i);
  if (!fixed_ok || !extra_ok)
    throw InputError(Diagnostic{file, 1, 0, "header", "expected the columns: " + [] {
                                  std::string s;
                                  for (const auto& c : kColumns) s += (s.empty() ? "" : ",") + c;
                                  std::string o;
                                  for (const auto& c : kOptionalColumns) o += (o.empty() ? "" : ",") + c;
                                  return s + " (then, optionally, any of: " + o + ")";
                                }()});
  RequestRunner runner(ctx.registry, ctx.config_root);
  TextTable table({"id", "metric", "predicted", "published", "error", "tolerance", "within", "bound"},
                  {TextTable::Align::Left, TextTable::Align::Left, TextTable::Align::Right, TextTable::Align::Right,
                   TextTable::Align::Right, TextTable::Align::Right, TextTable::Align::Left, TextTable::Align::Left});
  Json rows = Json::array();
  int line_no = 1, out_of_tolerance = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto f = csv_fields(line);
    if (f.size() != header.size())
      throw InputError(Diagnostic{file, line_no, 0, "", fmt::format("{} fields, expected {}", f.size(), header.size())});
    auto col = [&](const std::string& name) { return f[static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin())]; };
    const std::string id = col("id");
    EvalRequest req;
    for (const char* key : {"system", "model", "devices", "dtype", "phase", "batch"})
      req.set_option(key, col(key), OptionOrigin{file, line_no, 0, id + "." + key});
    // Zero means "not used by this phase" in the anchors format.
    for (const char* key : {"prompt", "context", "output"})
      if (col(key) != "0" && !col(key).empty()) req.set_option(key, col(key), OptionOrigin{file, line_no, 0, id + "." + key});
    for (const auto& key : extra)
      if (!col(key).empty()) req.set_option(key, col(key), OptionOrigin{file, line_no, 0, id + "." + key});
    if (!fidelity.empty()) req.set_option("fidelity", fidelity, OptionOrigin{"", 0, 0, "--fidelity"});
    const std::string metric = col("metric");
    if (std::find(kMetrics.begin(), kMetrics.end(), metric) == kMetrics.end())
      throw InputError(Diagnostic{file, line_no, 0, id + ".metric", "unknown metric '" + metric + "'"});
    const double published = parse_double(col("value"), file, line_no, id + ".value");
    const double tolerance = parse_double(col("tolerance"), file, line_no, id + ".tolerance");
    const RunResult r = runner.run(req);
    const Json j = result_to_json(r);
    const bool have = j[metric].is_number();
    const double predicted = have ? j[metric].get<double>() : 0;
    const double error = have ? (predicted - published) / published : 0;
    const bool within = have && std::fabs(error) <= tolerance;
    if (!within) ++out_of_tolerance;
    table.add_row({id, metric, have ? fmt::format("{:.4g}", predicted) : "does not fit", fmt::format("{:.4g}", published),
                   have ? fmt::format("{:+.1f}%", 100 * error) : "-", fmt::format("±{:.0f}%", 100 * tolerance),
                   within ? "yes" : "NO", r.fits ? std::string(bound_name(r.bound)) : "-"});
    rows.push_back(Json{{"id", id}, {"metric", metric}, {"predicted", have ? Json(predicted) : Json(nullptr)},
                        {"published", published}, {"relative_error", have ? Json(error) : Json(nullptr)},
                        {"tolerance", tolerance}, {"within_tolerance", within}, {"fidelity", j["fidelity"]},
                        {"devices", j["devices"]}, {"bound", j["bound"]}, {"source", col("source")}});
  }
  if (json) ctx.out << rows.dump(2) << "\n";
  else {
    ctx.out << table.render();
    ctx.out << fmt::format("\n{} of {} rows within tolerance\n", rows.size() - static_cast<std::size_t>(out_of_tolerance),
                           rows.size());
  }
  return out_of_tolerance == 0 ? kOk : kAnchorsOff;
}

}  // namespace wafersim::cli
