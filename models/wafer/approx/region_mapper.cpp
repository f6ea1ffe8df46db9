#include "models/wafer/approx/region_mapper.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "sim/config/unit_parser.h"

namespace wafersim::wafer {
namespace {

std::string bytes_text(double b) { return format_quantity(b, UnitKind::Bytes); }

std::string layer_name(int layer, int layers) {
  if (layer < 0) return "embeddings";
  if (layer >= layers) return "LM head";
  return "layer " + std::to_string(layer);
}

bool is_transformer_layer(const LayerUnit& u, int layers) { return u.layer >= 0 && u.layer < layers; }

/// Geometric steps from `lo` to `hi` (both included), ~25% apart.
std::vector<std::int64_t> steps(std::int64_t lo, std::int64_t hi) {
  std::vector<std::int64_t> out;
  lo = std::max<std::int64_t>(lo, 1);
  for (std::int64_t v = lo; v < hi;
       v = std::max(v + 1, static_cast<std::int64_t>(std::ceil(static_cast<double>(v) * 1.25))))
    out.push_back(v);
  if (hi >= lo) out.push_back(hi);
  return out;
}

}  // namespace

std::int64_t WaferLayout::distance(std::size_t a, std::size_t b) const {
  if (shared()) return 0;
  const PlacedRegion& p = placed[a];
  const PlacedRegion& q = placed[b];
  const std::int64_t dx = std::llabs((2 * p.x + p.size.cols) - (2 * q.x + q.size.cols)) / 2;
  const std::int64_t dy = std::llabs((2 * p.y + p.size.rows) - (2 * q.y + q.size.rows)) / 2;
  return dx + dy;
}

std::int64_t WaferLayout::boundary_links(std::size_t a, std::size_t b) const {
  if (shared()) return region.cols;
  const PlacedRegion& p = placed[a];
  const PlacedRegion& q = placed[b];
  // Side by side in a band: the shared vertical edge; across bands: the overlap of
  // the horizontal edge (at least one link).
  if (p.y == q.y) return std::min(p.size.rows, q.size.rows);
  const std::int64_t overlap = std::min(p.x + p.size.cols, q.x + q.size.cols) - std::max(p.x, q.x);
  return std::max<std::int64_t>(overlap, 1);
}

std::vector<LayerUnit> RegionMapper::units_of(const Graph& graph, const Stage& stage) {
  std::vector<LayerUnit> units;
  for (int i = stage.first_op; i < stage.end_op; ++i) {
    const Op& op = graph.op(i);
    if (units.empty() || units.back().layer != op.layer) units.push_back(LayerUnit{i, i, op.layer, {}, {}, {}});
    LayerUnit& u = units.back();
    u.end_op = i + 1;
    u.weights += op.weights_resident;
    u.kv += op.kv_resident;
    u.activations = std::max(u.activations, op.bytes.activations_in + op.bytes.activations_out);
  }
  return units;
}

Bytes RegionMapper::held(WaferMapping mode, const LayerUnit& u) const {
  const Bytes resident = mode == WaferMapping::WeightStreaming ? u.kv : u.weights + u.kv;
  return resident + u.activations;
}

std::int64_t RegionMapper::min_cores(WaferMapping mode, const LayerUnit& u) const {
  return std::max<std::int64_t>(1, ceil_div(held(mode, u).value(), spec_.usable_sram_per_core().value()));
}

std::vector<std::int64_t> RegionMapper::widths_from(std::int64_t from) const {
  std::vector<std::int64_t> out;
  for (std::int64_t c : steps(1, spec_.mesh.width))
    if (c >= from) out.push_back(c);
  return out;
}

WaferLayout RegionMapper::layout(WaferMapping mode, const std::vector<LayerUnit>& units, RegionSize region, bool forced,
                                 int layers, std::int64_t wide_cols) const {
  WaferLayout l;
  l.mode = mode;
  l.region = region;
  l.units = units;
  const std::int64_t per_core = spec_.usable_sram_per_core().value();
  const std::int64_t W = spec_.mesh.width, H = spec_.mesh.height;
  if (region.rows > H || region.cols > W || region.cores() > spec_.usable_cores()) {
    l.fits = false;
    l.fit_error = fmt::format("region {}x{} is larger than the {}x{} mesh", region.rows, region.cols, H, W);
    return l;
  }
  if (l.shared()) {
    Bytes total{0};
    for (const auto& u : units) total += held(mode, u) - u.activations;
    Bytes act{0};
    for (const auto& u : units) act = std::max(act, u.activations);
    total += act;
    l.placed.push_back(PlacedRegion{region, 0, 0});
    const std::int64_t need = ceil_div(total.value(), region.cores());
    if (need > per_core) {
      l.fits = false;
      l.fit_error = fmt::format("{} to {} need {} per core on a {}x{} region ({} {} in all) but a core has {} for them",
                                layer_name(units.front().layer, layers), layer_name(units.back().layer, layers),
                                bytes_text(double(need)), region.rows, region.cols, bytes_text(double(total.value())),
                                mode == WaferMapping::WeightStreaming ? "of KV cache and activations"
                                                                      : "of weights, KV cache and activations",
                                bytes_text(double(per_core)));
    }
    return l;
  }
  // Serpentine bands `region.rows` tall.
  std::int64_t x = 0, band = 0;
  const std::int64_t bands = H / region.rows;
  for (const auto& u : units) {
    std::int64_t cols = region.cols;
    const std::int64_t need = ceil_div(held(mode, u).value(), region.cores());
    if (need > per_core) {
      if (forced && is_transformer_layer(u, layers)) {
        l.fits = false;
        l.fit_error = fmt::format(
            "{} needs {} per core on the forced {}x{} region ({} of weights, KV cache and "
            "activations) but a core has {} for them",
            layer_name(u.layer, layers), bytes_text(double(need)), region.rows, region.cols,
            bytes_text(double(held(mode, u).value())), bytes_text(double(per_core)));
        return l;
      }
      // Wider than the layers' region: a side of the search grid, so that with more
      // SRAM per core every width tried before is still tried.
      cols = ceil_div(min_cores(mode, u), region.rows);
      // Searched, the embeddings and LM head take a side of the search grid, so
      // that every width tried with less SRAM per core is tried with more.
      if (!forced && !is_transformer_layer(u, layers)) {
        const auto sides = widths_from(cols);
        if (!sides.empty()) cols = sides.front();
      }
    }
    // The embeddings and LM head may take a wider region than the layers': the
    // search tries every wider side of its grid.
    if (!is_transformer_layer(u, layers)) {
      cols = std::max(cols, wide_cols);
      l.widened = true;
    }
    if (cols > W) {
      l.fits = false;
      l.fit_error = fmt::format("{} needs {} cores, more than a band {} cores tall across the {}-core-wide mesh holds",
                                layer_name(u.layer, layers), min_cores(mode, u), region.rows, W);
      return l;
    }
    if (x + cols > W) {
      ++band;
      x = 0;
    }
    if (band >= bands) {
      l.fits = false;
      std::int64_t cores = 0;
      for (const auto& v : units) cores += std::max(region.cores(), min_cores(mode, v));
      l.fit_error = fmt::format(
          "{} to {} need {} regions of at least {}x{} cores ({} cores in all); laid serpentine in bands {} rows "
          "tall, the {}x{} mesh runs out of room at {}",
          layer_name(units.front().layer, layers), layer_name(units.back().layer, layers), units.size(), region.rows,
          region.cols, cores, region.rows, H, W, layer_name(u.layer, layers));
      return l;
    }
    // Odd bands run right to left, so the next band starts above the last region.
    const std::int64_t px = band % 2 == 0 ? x : W - x - cols;
    l.placed.push_back(PlacedRegion{RegionSize{region.rows, cols}, px, band * region.rows});
    x += cols;
  }
  return l;
}

std::vector<RegionSize> RegionMapper::candidates(WaferMapping mode, const std::vector<LayerUnit>& units,
                                                 int layers) const {
  std::int64_t need = 1;
  if (mode == WaferMapping::LayerPipelined) {
    for (const auto& u : units)
      if (is_transformer_layer(u, layers) || units.size() == 1) need = std::max(need, min_cores(mode, u));
  } else {
    Bytes total{0}, act{0};
    for (const auto& u : units) {
      total += held(mode, u) - u.activations;
      act = std::max(act, u.activations);
    }
    need = std::max<std::int64_t>(1, ceil_div((total + act).value(), spec_.usable_sram_per_core().value()));
  }
  // One fixed grid of sides for every spec of the same mesh: the regions
  // that fit are then a superset whenever a core holds more, so the fastest of
  // them can only improve with more SRAM. Aspect ratio at most 4 either way.
  const std::int64_t W = spec_.mesh.width, H = spec_.mesh.height;
  std::vector<RegionSize> out;
  for (std::int64_t r : steps(1, H))
    for (std::int64_t c : steps(1, W)) {
      if (c > 4 * r || r > 4 * c || r * c < need) continue;
      out.push_back(RegionSize{r, c});
    }
  return out;
}

}  // namespace wafersim::wafer
