#include "models/wafer/approx/layer_dataflow.h"

#include <algorithm>

namespace wafersim::wafer {
namespace {

bool same_op_shape(const Op& a, const Op& b) {
  return a.kind == b.kind && a.m == b.m && a.k == b.k && a.n == b.n && a.count == b.count && a.dtype == b.dtype &&
         a.flops == b.flops && a.bytes.weights == b.bytes.weights && a.bytes.activations_in == b.bytes.activations_in &&
         a.bytes.activations_out == b.bytes.activations_out && a.bytes.kv_read == b.bytes.kv_read;
}

}  // namespace

bool same_shape(const Graph& g, const LayerUnit& a, const LayerUnit& b) {
  if (a.end_op - a.first_op != b.end_op - b.first_op) return false;
  for (int i = 0; i < a.end_op - a.first_op; ++i)
    if (!same_op_shape(g.op(a.first_op + i), g.op(b.first_op + i))) return false;
  return true;
}

std::vector<UnitInput> unit_inputs(const Graph& g, const LayerUnit& unit, int i, LayerSchedule schedule) {
  std::vector<UnitInput> out;
  if (schedule == LayerSchedule::Sequential) {
    if (i > unit.first_op) out.push_back(UnitInput{i - 1, false});
    return out;
  }
  const Op& op = g.op(i);
  for (int in : op.inputs) {
    if (in < unit.first_op || in >= i) continue;
    const bool product = op.kind == OpKind::MatMul || op.kind == OpKind::Router;
    out.push_back(UnitInput{in, product && g.op(in).kind == OpKind::Norm});
  }
  return out;
}

std::pair<KernelCost, KernelCost> split_kernel(const KernelCost& k) {
  KernelCost local = k, fabric;
  const double busy = std::min(k.reduce, k.reduce_busy);
  local.reduce = busy;
  if (k.reduce - busy <= 0) return {local, fabric};
  fabric.reduce = k.reduce - busy;
  fabric.algo = k.algo;
  fabric.hops = k.hops;
  fabric.fabric_byte_hops = k.fabric_byte_hops;
  local.fabric_byte_hops = 0;
  local.algo = ReduceAlgo::None;
  return {local, fabric};
}

double unit_cycles(const Graph& g, const LayerUnit& unit, RegionSize r, OpKernelCoster& coster, int parts) {
  const auto n = static_cast<std::size_t>(unit.end_op - unit.first_op);
  std::vector<double> local_end(n, 0), end(n, 0);
  double cores_free = 0, colour_free[kColours] = {0, 0, 0, 0};
  for (int i = unit.first_op; i < unit.end_op; ++i) {
    const auto [local, fabric] = split_kernel(coster.cost(g.op(i), r, parts));
    const auto at = static_cast<std::size_t>(i - unit.first_op);
    double ready = cores_free, fabric_ready = 0;
    for (const UnitInput& in : unit_inputs(g, unit, i, coster.schedule())) {
      const auto j = static_cast<std::size_t>(in.op - unit.first_op);
      ready = std::max(ready, in.fused ? local_end[j] : end[j]);
      if (in.fused) fabric_ready = std::max(fabric_ready, end[j]);
    }
    local_end[at] = ready + local.total();
    cores_free = local_end[at];
    end[at] = local_end[at];
    if (fabric.total() > 0) {
      double& c = colour_free[at % kColours];
      end[at] = std::max({local_end[at], c, fabric_ready}) + fabric.total();
      c = end[at];
    }
  }
  return n == 0 ? 0 : end[n - 1];
}

double estimate(const Graph& g, const WaferLayout& l, OpKernelCoster& coster, const WaferSpec& spec,
                const StackSpec& stack, int micro) {
  const KernelModel& k = coster.kernels(g.shape().dtype);
  micro = std::max(micro, 1);
  double total = 0, slowest = 0, previous = 0, weights = 0;
  for (std::size_t u = 0; u < l.units.size(); ++u) {
    const LayerUnit& unit = l.units[u];
    const RegionSize r = l.region_of(u).size;
    if (!(u > 0 && same_shape(g, l.units[u - 1], unit) && l.region_of(u - 1).size.rows == r.rows &&
          l.region_of(u - 1).size.cols == r.cols)) {
      previous = unit_cycles(g, unit, r, coster, micro);
      if (unit.layer >= 0 && unit.layer < g.layers()) previous += stack.layer_overhead.value() * spec.clock.value();
    }
    total += previous;
    slowest = std::max(slowest, previous);
    if (!l.shared() && u > 0) {
      const double bytes = static_cast<double>(g.op(l.units[u - 1].end_op - 1).bytes.activations_out.value()) / micro;
      const double move = k.transfer(bytes, l.distance(u - 1, u), l.boundary_links(u - 1, u)).total();
      total += move;
      slowest = std::max(slowest, move);
    }
    weights += static_cast<double>(unit.weights.value());
  }
  total += static_cast<double>(micro - 1) * slowest;
  if (l.mode == WaferMapping::WeightStreaming)
    total = std::max(total, weights / spec.io.bandwidth.value() * spec.clock.value());
  return total;
}

}  // namespace wafersim::wafer
