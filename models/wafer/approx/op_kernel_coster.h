#pragma once
// Maps each graph op onto the mesh kernel that runs it and prices it on a region
// (A-51..A-56): MatMul and Router → GEMV/GEMM; Attention → distributed attention;
// Norm and Softmax → all-reduce of one value per vector along the output side;
// Elementwise → local work on the output side; Embedding, Collective, Transfer →
// moves across the region. Results are cached by (op shape, region): the layers
// of a transformer are identical, so a step evaluates each distinct layer once
// and reuses it (results are bit-identical, see the bench note).

#include <map>
#include <tuple>

#include "models/wafer/approx/mesh_kernels.h"
#include "models/wafer/wafer_spec.h"
#include "sim/workload/graph.h"

namespace wafersim::wafer {

class OpKernelCoster {
 public:
  /// `dtype` picks the FLOP rate; throws InputError when the core cannot compute it.
  OpKernelCoster(const WaferSpec& spec, std::string device_name, DType kv_dtype);

  /// The cost of `op`, scaled to 1/`parts` of its tokens (micro-batches), on `region`.
  [[nodiscard]] const KernelCost& cost(const Op& op, RegionSize region, int parts = 1);
  [[nodiscard]] double clock_hz() const { return clock_; }
  /// The kernels with the rates of `dtype` (for transfers the step model prices).
  [[nodiscard]] MeshKernels kernels(DType dtype) const { return MeshKernels(params_for(dtype)); }

 private:
  [[nodiscard]] KernelCost compute(const Op& op, RegionSize region, int parts) const;
  [[nodiscard]] MeshParams params_for(DType dtype) const;

  using Key = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, std::int64_t,
                         std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, double>;
  const WaferSpec& spec_;
  std::string name_;
  DType kv_dtype_;
  double clock_;
  std::map<Key, KernelCost> cache_;
};

}  // namespace wafersim::wafer
