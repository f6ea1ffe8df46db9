#pragma once
// Maps each graph op onto the mesh kernel that runs it and prices it on a region
// (A-51..A-56): MatMul and Router → GEMV/GEMM; Attention → distributed attention;
// Norm and Softmax → all-reduce of one value per vector along the output side;
// Elementwise → local work on the output side; Embedding, Collective, Transfer →
// moves across the region. Results are cached by (op shape, region): the layers
// of a transformer are identical, so a step evaluates each distinct layer once
// and reuses it (results are bit-identical, see the bench note). The kernels
// come from a factory: approx's closed forms (MeshKernels) by default, or the
// cycle-level reference (fabric::CycleKernels) for `--fidelity cycle`.

#include <functional>
#include <map>
#include <memory>
#include <tuple>

#include "models/wafer/approx/mesh_kernels.h"
#include "models/wafer/wafer_spec.h"
#include "sim/workload/graph.h"

namespace wafersim::wafer {

/// Builds the kernel model for one set of per-cycle figures (one dtype).
using KernelModelFactory = std::function<std::unique_ptr<KernelModel>(const MeshParams&)>;

class OpKernelCoster {
 public:
  /// `dtype` picks the FLOP rate; throws InputError when the core cannot compute it.
  /// `factory` empty = approx's MeshKernels.
  OpKernelCoster(const WaferSpec& spec, std::string device_name, DType kv_dtype, KernelModelFactory factory = {});

  /// The cost of `op`, scaled to 1/`parts` of its tokens (micro-batches), on `region`.
  [[nodiscard]] const KernelCost& cost(const Op& op, RegionSize region, int parts = 1);
  [[nodiscard]] double clock_hz() const { return clock_; }
  /// How a layer's ops share the region (the spec's mapping.schedule).
  [[nodiscard]] LayerSchedule schedule() const { return spec_.mapping.schedule; }
  /// The kernels with the rates of `dtype` (for transfers the step model prices);
  /// built once per dtype and kept for the coster's life.
  [[nodiscard]] const KernelModel& kernels(DType dtype);
  /// The per-cycle figures of the core and fabric for `dtype` (what the kernels get).
  [[nodiscard]] MeshParams params(DType dtype) const { return params_for(dtype); }

 private:
  [[nodiscard]] KernelCost compute(const Op& op, RegionSize region, int parts);
  [[nodiscard]] MeshParams params_for(DType dtype) const;

  using Key = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, std::int64_t, std::int64_t,
                         std::int64_t, std::int64_t, std::int64_t, int, double>;
  const WaferSpec& spec_;
  std::string name_;
  DType kv_dtype_;
  double clock_;
  KernelModelFactory factory_;
  std::map<int, std::unique_ptr<KernelModel>> models_;  ///< by dtype
  std::map<Key, KernelCost> cache_;
};

}  // namespace wafersim::wafer
