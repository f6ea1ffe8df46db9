#pragma once
// Renders a crosscheck table (sim/timing/crosscheck.h) for people and scripts:
// a plain-text table for the terminal, a markdown table to paste into docs, and
// JSON. Column headers carry their units; rows the reference cannot hold are
// shown as "does not fit" and not counted in the summary.

#include <string>

#include "sim/report/result_json.h"
#include "sim/timing/crosscheck.h"

namespace wafersim {

/// What the summary line says: rows counted, within the bound, the worst one.
struct CrosscheckSummary {
  int counted = 0, within = 0, not_fitting = 0, numbers_off = 0;
  int steps_counted = 0, steps_within = 0;
  const CrosscheckRow* worst = nullptr;
  [[nodiscard]] bool all_within() const {
    return within == counted && steps_within == steps_counted && numbers_off == 0;
  }
};

[[nodiscard]] CrosscheckSummary summarize(const CrosscheckTable& t);
[[nodiscard]] std::string crosscheck_text(const CrosscheckTable& t, const std::string& title);
[[nodiscard]] std::string crosscheck_markdown(const CrosscheckTable& t);
[[nodiscard]] Json crosscheck_json(const CrosscheckTable& t);

}  // namespace wafersim
