#include "sim/report/crosscheck_report.h"

#include <cmath>
#include <fmt/format.h>

#include "sim/report/text_table.h"

namespace wafersim {
namespace {

std::string cycles_text(double c) { return format_count(std::round(c)); }
std::string pct(double e) { return fmt::format("{:+.1f}", 100 * e); }
std::string numbers_text(const CrosscheckRow& r) {
  if (!r.numbers_checked) return "-";
  return fmt::format("{:.1e}{}", r.max_rel_error, r.numbers_ok() ? "" : " (off)");
}
std::string bound_text() { return fmt::format("±{:.0f}%", 100 * kCrosscheckBound); }

struct Headers {
  std::string model, reference;
};
Headers names(const CrosscheckTable& t) {
  return {std::string(fidelity_name(t.model)), std::string(fidelity_name(t.reference))};
}

std::string summary_line(const CrosscheckTable& t) {
  const CrosscheckSummary s = summarize(t);
  std::string out = fmt::format("{} of {} kernel rows within {}", s.within, s.counted, bound_text());
  if (s.worst != nullptr)
    out += fmt::format(" (worst: {} {} on {}{}, {}%)", s.worst->kernel, s.worst->shape, s.worst->region,
                       s.worst->algorithm.empty() ? "" : ", " + s.worst->algorithm, pct(s.worst->error()));
  if (s.not_fitting > 0)
    out += fmt::format("; {} shape{} not fit a core's SRAM at {} (not counted)", s.not_fitting,
                       s.not_fitting == 1 ? " does" : "s do", fidelity_name(t.reference));
  if (s.steps_counted > 0)
    out += fmt::format("; {} of {} steps within {}", s.steps_within, s.steps_counted, bound_text());
  else if (!t.steps.empty())
    out += "; no step fits (not counted)";
  if (s.numbers_off > 0)
    out += fmt::format("; {} rows with numbers off by more than {:g}", s.numbers_off, kCrosscheckNumbersBound);
  return out + "\n";
}

}  // namespace

CrosscheckSummary summarize(const CrosscheckTable& t) {
  CrosscheckSummary s;
  for (const auto& r : t.rows) {
    if (!r.fits) {
      ++s.not_fitting;
      continue;
    }
    ++s.counted;
    s.within += r.within();
    s.numbers_off += !r.numbers_ok();
    if (s.worst == nullptr || std::fabs(r.error()) > std::fabs(s.worst->error())) s.worst = &r;
  }
  for (const auto& st : t.steps) {
    if (!st.fits) continue;
    ++s.steps_counted;
    s.steps_within += st.within();
  }
  return s;
}

std::string crosscheck_text(const CrosscheckTable& t, const std::string& title) {
  const Headers h = names(t);
  using A = TextTable::Align;
  TextTable k({"kernel", "shape", "region", "algorithm", h.model + " (cycles)", h.reference + " (cycles)", "error (%)",
               "within " + bound_text(), "numbers (max rel err)"},
              {A::Left, A::Left, A::Left, A::Left, A::Right, A::Right, A::Right, A::Left, A::Right});
  for (const auto& r : t.rows)
    k.add_row({r.kernel, r.shape, r.region, r.algorithm.empty() ? "-" : r.algorithm, cycles_text(r.model_cycles),
               r.fits ? cycles_text(r.reference_cycles) : "does not fit", r.fits ? pct(r.error()) : "-",
               r.fits ? (r.within() ? "yes" : "NO") : "-", numbers_text(r)});
  std::string out = title + "\n\n" + k.render();
  if (!t.steps.empty()) {
    TextTable s({"step", "workload", h.model + " (us)", h.reference + " (us)", "error (%)", "within " + bound_text()},
                {A::Left, A::Left, A::Right, A::Right, A::Right, A::Left});
    for (const auto& st : t.steps)
      s.add_row({st.step, st.workload, st.model_s > 0 ? fmt::format("{:.2f}", st.model_s * 1e6) : "-",
                 st.fits ? fmt::format("{:.2f}", st.reference_s * 1e6) : "does not fit",
                 st.fits ? pct(st.error()) : "-", st.fits ? (st.within() ? "yes" : "NO") : "-"});
    out += '\n';
    out += s.render();
  }
  std::string misfits;
  for (const auto& r : t.rows)
    if (!r.fits) misfits += fmt::format("does not fit: {} {} on {}: {}\n", r.kernel, r.shape, r.region, r.fit_error);
  for (const auto& st : t.steps)
    if (!st.fits) misfits += fmt::format("does not fit: {} step: {}\n", st.step, st.fit_error);
  if (!misfits.empty()) out += "\n" + misfits;
  return out + "\n" + summary_line(t);
}

std::string crosscheck_markdown(const CrosscheckTable& t) {
  const Headers h = names(t);
  std::string out = fmt::format(
      "| kernel | shape | region | algorithm | {} (cycles) | {} (cycles) | error | within {} "
      "| numbers (max rel err) |\n"
      "| --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: |\n",
      h.model, h.reference, bound_text());
  for (const auto& r : t.rows)
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.kernel, r.shape, r.region,
                       r.algorithm.empty() ? "-" : r.algorithm, cycles_text(r.model_cycles),
                       r.fits ? cycles_text(r.reference_cycles) : "does not fit", r.fits ? pct(r.error()) + "%" : "-",
                       r.fits ? (r.within() ? "yes" : "**no**") : "-", numbers_text(r));
  if (!t.steps.empty()) {
    out += fmt::format(
        "\n| step | workload | {} (us) | {} (us) | error | within {} |\n"
        "| --- | --- | ---: | ---: | ---: | --- |\n",
        h.model, h.reference, bound_text());
    for (const auto& st : t.steps)
      out += fmt::format("| {} | {} | {:.2f} | {} | {} | {} |\n", st.step, st.workload, st.model_s * 1e6,
                         st.fits ? fmt::format("{:.2f}", st.reference_s * 1e6) : "does not fit",
                         st.fits ? pct(st.error()) + "%" : "-", st.fits ? (st.within() ? "yes" : "**no**") : "-");
  }
  std::string misfits;
  for (const auto& r : t.rows)
    if (!r.fits) misfits += fmt::format("- {} {} on {}: {}\n", r.kernel, r.shape, r.region, r.fit_error);
  if (!misfits.empty()) out += "\nDo not fit a core's SRAM (not counted):\n\n" + misfits;
  return out + "\n" + summary_line(t);
}

Json crosscheck_json(const CrosscheckTable& t) {
  const Headers h = names(t);
  const CrosscheckSummary s = summarize(t);
  Json rows = Json::array();
  for (const auto& r : t.rows)
    rows.push_back(Json{{"kernel", r.kernel},
                        {"shape", r.shape},
                        {"region", r.region},
                        {"algorithm", r.algorithm},
                        {h.model + "_cycles", r.model_cycles},
                        {h.reference + "_cycles", r.fits ? Json(r.reference_cycles) : Json(nullptr)},
                        {"relative_error", r.fits ? Json(r.error()) : Json(nullptr)},
                        {"within_bound", r.within()},
                        {"fits", r.fits},
                        {"fit_error", r.fit_error},
                        {"numbers_checked", r.numbers_checked},
                        {"max_rel_error", r.numbers_checked ? Json(r.max_rel_error) : Json(nullptr)}});
  Json steps = Json::array();
  for (const auto& st : t.steps)
    steps.push_back(Json{{"step", st.step},
                         {"workload", st.workload},
                         {h.model + "_s", st.model_s},
                         {h.reference + "_s", st.fits ? Json(st.reference_s) : Json(nullptr)},
                         {"relative_error", st.fits ? Json(st.error()) : Json(nullptr)},
                         {"within_bound", st.within()},
                         {"fits", st.fits},
                         {"fit_error", st.fit_error}});
  Json worst = nullptr;
  if (s.worst != nullptr)
    worst = Json{{"kernel", s.worst->kernel},
                 {"shape", s.worst->shape},
                 {"region", s.worst->region},
                 {"algorithm", s.worst->algorithm},
                 {"relative_error", s.worst->error()}};
  return Json{{"device", t.device},
              {"model_fidelity", h.model},
              {"reference_fidelity", h.reference},
              {"bound", kCrosscheckBound},
              {"numbers_bound", kCrosscheckNumbersBound},
              {"kernels", rows},
              {"steps", steps},
              {"summary", Json{{"counted", s.counted},
                               {"within_bound", s.within},
                               {"does_not_fit", s.not_fitting},
                               {"numbers_off", s.numbers_off},
                               {"steps_counted", s.steps_counted},
                               {"steps_within_bound", s.steps_within},
                               {"worst", worst},
                               {"all_within_bound", s.all_within()}}}};
}

}  // namespace wafersim
