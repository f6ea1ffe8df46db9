#include "models/wafer/approx/wafer_step_model.h"

#include <algorithm>
#include <fmt/format.h>
#include <limits>

#include "models/wafer/approx/layer_dataflow.h"
#include "models/wafer/approx/op_kernel_coster.h"
#include "models/wafer/approx/wafer_step_schedule.h"
#include "models/wafer/wafer_software.h"

namespace wafersim::wafer {

std::vector<WaferLayout> WaferStepModel::layouts(const Plan& plan, WaferMapping mode, int micro) const {
  const Graph& g = plan.graph();
  RegionMapper mapper(spec_);
  OpKernelCoster coster(spec_, name_, g.shape().kv_dtype);
  const StackSpec stack = stack_for(spec_, plan.group().software.get());
  std::vector<WaferLayout> out;
  const auto forced = spec_.mapping.forced_region();
  for (const Stage& st : plan.stages) {
    const auto units = RegionMapper::units_of(g, st);
    if (forced) {
      out.push_back(mapper.layout(mode, units, *forced, true, g.layers()));
      continue;
    }
    std::optional<WaferLayout> best;
    double best_cycles = std::numeric_limits<double>::infinity();
    auto consider = [&](WaferLayout l) {
      const double c = estimate(g, l, coster, spec_, stack, micro);
      if (c < best_cycles) {
        best_cycles = c;
        best = std::move(l);
      }
    };
    for (const RegionSize& r : mapper.candidates(mode, units, g.layers())) {
      WaferLayout l = mapper.layout(mode, units, r, false, g.layers());
      if (!l.fits) continue;
      const bool widened = l.widened;
      consider(std::move(l));
      // The embeddings and LM head may run faster on a wider region than the
      // layers': every wider side of the grid, until the mesh runs out of room.
      if (widened)
        for (std::int64_t w : mapper.widths_from(r.cols + 1)) {
          WaferLayout wl = mapper.layout(mode, units, r, false, g.layers(), w);
          if (!wl.fits) break;
          consider(std::move(wl));
        }
    }
    // Nothing fits: the whole mesh as one region says by how much.
    if (!best) best = mapper.layout(mode, units, RegionSize{spec_.mesh.height, spec_.mesh.width}, true, g.layers());
    out.push_back(std::move(*best));
  }
  return out;
}

StepResult WaferStepModel::run(const Plan& plan) const {
  const Graph& g = plan.graph();
  OpKernelCoster coster(spec_, name_, g.shape().kv_dtype);
  std::vector<WaferMapping> modes{spec_.mapping.mode};
  if (spec_.mapping.mode == WaferMapping::Auto) {
    modes = {WaferMapping::LayerPipelined, WaferMapping::WaferParallel};
    if (spec_.io.external_memory.value() > 0) modes.push_back(WaferMapping::WeightStreaming);
  }
  struct Tried {
    WaferMapping mode;
    std::vector<WaferLayout> layouts;
    int micro = 1;
    StepResult result;
  };
  std::vector<Tried> tried;
  std::string first_error;
  for (WaferMapping mode : modes) {
    auto ls = layouts(plan, mode);
    const auto bad = std::find_if(ls.begin(), ls.end(), [](const WaferLayout& l) { return !l.fits; });
    if (bad != ls.end()) {
      if (first_error.empty())
        first_error = fmt::format("{}{}: {}", ls.size() > 1 ? fmt::format("wafer {} ", bad - ls.begin()) : "",
                                  wafer_mapping_name(mode), bad->fit_error);
      continue;
    }
    const std::int64_t batch = g.shape().batch;
    Tried best{mode, ls, 1, schedule_step(plan, ls, 1, coster, spec_)};
    // Micro-batches (layer_pipelined, batch > 1): the region is searched again for
    // each count, so better hardware never makes auto slower through a region
    // chosen for one micro-batch.
    if (mode == WaferMapping::LayerPipelined)
      for (int micro = 2; micro <= std::min<std::int64_t>(batch, 16); micro *= 2) {
        auto lm = layouts(plan, mode, micro);
        if (std::any_of(lm.begin(), lm.end(), [](const WaferLayout& l) { return !l.fits; })) continue;
        StepResult r = schedule_step(plan, lm, micro, coster, spec_);
        if (r.latency_s < best.result.latency_s) best = Tried{mode, std::move(lm), micro, std::move(r)};
      }
    tried.push_back(std::move(best));
  }
  if (tried.empty()) {
    StepResult r;
    r.fit_error = first_error;
    return r;
  }
  auto best = std::min_element(tried.begin(), tried.end(),
                               [](const Tried& a, const Tried& b) { return a.result.latency_s < b.result.latency_s; });
  // Cycle fidelity: the chosen layout, mode and micro-batches, priced again kernel by kernel.
  if (final_kernels_) {
    OpKernelCoster final_coster(spec_, name_, g.shape().kv_dtype, final_kernels_);
    best->result = schedule_step(plan, best->layouts, best->micro, final_coster, spec_);
  }
  StepResult r = std::move(best->result);
  r.weights_streamed = best->mode == WaferMapping::WeightStreaming;
  const WaferLayout& l = best->layouts.front();
  const bool forced = spec_.mapping.forced_region().has_value();
  const std::string busy = r.layout;
  r.layout = fmt::format("{}, {} {}x{} cores ({}{})", wafer_mapping_name(best->mode),
                         l.shared() ? "all layers on one region of" : "each layer on a region of", l.region.rows,
                         l.region.cols, forced ? "forced by mapping.region" : "fastest region size found",
                         best->layouts.size() > 1 ? " on wafer 0" : "");
  if (best->micro > 1) r.layout += fmt::format(", {} micro-batches in flight", best->micro);
  if (!busy.empty()) r.layout += ", " + busy;
  if (tried.size() > 1 || modes.size() > 1) {
    std::string others;
    for (const auto& t : tried)
      if (&t != &*best)
        others += fmt::format("{}{} {}", others.empty() ? "" : ", ", wafer_mapping_name(t.mode),
                              fmt::format("{:.3g} ms", t.result.latency_s * 1e3));
    r.layout += fmt::format("; auto chose it{}{}", final_kernels_ ? " at approx" : "",
                            others.empty() ? " (nothing else fits)" : " over " + others);
  }
  return r;
}

}  // namespace wafersim::wafer
