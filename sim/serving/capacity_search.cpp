#include "sim/serving/capacity_search.h"

#include "sim/core/error.h"

namespace wafersim::serving {
namespace {
constexpr int kMaxBracketSteps = 24;  ///< 2^24 either way of the start rate
constexpr double kRelativeTolerance = 0.01;
}  // namespace

CapacityResult find_capacity(const std::function<ServeMetrics(double)>& run, const Slo& slo, double start_rate) {
  if (!slo.any()) throw InternalError("find_capacity without an SLO");
  CapacityResult out;
  auto attempt = [&](double rate, ServeMetrics& m) {
    m = run(rate);
    ++out.runs;
    return m.meets(slo);
  };
  ServeMetrics m, good_m;
  double good = 0, bad = 0;
  if (attempt(start_rate, m)) {
    good = start_rate;
    good_m = m;
    bad = start_rate * 2;
    for (int i = 0; i < kMaxBracketSteps && attempt(bad, m); ++i) {
      good = bad;
      good_m = m;
      bad *= 2;
    }
  } else {
    bad = start_rate;
    double r = start_rate / 2;
    for (int i = 0; i < kMaxBracketSteps; ++i, r /= 2) {
      if (attempt(r, m)) {
        good = r;
        good_m = m;
        break;
      }
      bad = r;
    }
    if (good == 0) return out;  // even a very low rate misses the SLO
  }
  while ((bad - good) > kRelativeTolerance * good) {
    const double mid = 0.5 * (good + bad);
    if (attempt(mid, m)) {
      good = mid;
      good_m = m;
    } else {
      bad = mid;
    }
  }
  out.rate = good;
  out.at_capacity = good_m;
  return out;
}

}  // namespace wafersim::serving
