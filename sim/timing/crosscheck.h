#pragma once
// The rows of a crosscheck: the same kernel, on the same shape and region, timed
// by a device kind's faster model (e.g. a closed form) and by its more detailed
// reference (e.g. a cycle-level simulation), with the reference's numeric check.
// A kind fills these through Backend::crosscheck; `wafersim crosscheck` prints
// them, adds whole-step rows through the evaluator, and says which rows are
// within the bound. Units: cycles of the device's clock.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/fidelity.h"

namespace wafersim {

/// |model − reference| / reference a crosscheck row must stay within.
inline constexpr double kCrosscheckBound = 0.10;
/// Largest relative error of the reference's numbers against the library's.
inline constexpr double kCrosscheckNumbersBound = 1e-4;

struct CrosscheckOptions {
  bool quick = false;         ///< a small subset (tests)
  bool check_numbers = true;  ///< compare the reference's outputs with a library's
  std::uint64_t seed = 1;     ///< random inputs
  unsigned threads = 0;       ///< simulations run at once; 0 = one per hardware thread
};

struct CrosscheckRow {
  std::string kernel;           ///< "gemm", "multicast", ...
  std::string shape;            ///< "M=4 K=1024 N=1024", "n=16, 1 KiB"
  std::string region;           ///< "8x8", "line of 16"
  std::string algorithm;        ///< "chain", "tree", "ring", or ""
  double model_cycles = 0;      ///< the faster model (e.g. approx)
  double reference_cycles = 0;  ///< the reference (e.g. cycle)
  bool fits = true;             ///< false: the reference cannot hold the data; not counted
  std::string fit_error;
  bool numbers_checked = false;
  double max_rel_error = 0;  ///< largest |reference − library| / max|library| over the outputs

  /// (model − reference) / reference.
  [[nodiscard]] double error() const {
    return reference_cycles > 0 ? (model_cycles - reference_cycles) / reference_cycles : 0;
  }
  [[nodiscard]] bool within() const { return fits && error() <= kCrosscheckBound && error() >= -kCrosscheckBound; }
  [[nodiscard]] bool numbers_ok() const { return !numbers_checked || max_rel_error <= kCrosscheckNumbersBound; }
};

/// A whole step through the evaluator at both levels (seconds).
struct CrosscheckStep {
  std::string step;      ///< "decode", "prefill"
  std::string workload;  ///< "batch 1, context 64"
  double model_s = 0, reference_s = 0;
  bool fits = true;
  std::string fit_error;
  [[nodiscard]] double error() const { return reference_s > 0 ? (model_s - reference_s) / reference_s : 0; }
  [[nodiscard]] bool within() const { return fits && error() <= kCrosscheckBound && error() >= -kCrosscheckBound; }
};

struct CrosscheckTable {
  std::string device;
  Fidelity model = Fidelity::Approx;     ///< the faster model's level
  Fidelity reference = Fidelity::Cycle;  ///< the reference's level
  std::vector<CrosscheckRow> rows;
  std::vector<CrosscheckStep> steps;  ///< filled by the caller (the evaluator's steps)
};

}  // namespace wafersim
