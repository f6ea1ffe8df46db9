#pragma once
// The mesh kernels of `approx` (wafer::MeshKernels: GEMV/GEMM, row multicast,
// chain/tree/ring reductions, attention with a distributed softmax, norms,
// elementwise ops, region-to-region transfers) run at cycle level on a
// MeshNetwork of the region's size: every core runs a small micro-program
// (receive, multiply-accumulate from its SRAM, add, send) on real fp32 numbers,
// its SRAM holds what the mapping places there and no more, and the kernel's
// cycles are the cycle its last core finishes (A-140..A-149). Each call
// simulates an isolated region: a kernel's traffic stays inside its rectangle
// under dimension-order routing, so where the region sits on the wafer does not
// change its cycles.
// Numbers are carried in fp32 while time and SRAM count the op's own format
// (2 bytes for fp16), so outputs can be compared with Eigen at 1e-4.
// Leaves out: the instruction-level SIMD pipeline (MACs run at the core's FLOP
// rate), overlap of a core's MACs with the arrival of its inputs (approx leaves
// it out too), and defective cores.

#include <cstdint>
#include <string>

#include "models/fabric/mesh_network.h"
#include "models/wafer/approx/mesh_kernels.h"

namespace wafersim::fabric {

/// What a cycle-level kernel run needs besides the shape.
struct CycleParams {
  wafer::MeshParams core;          ///< the same per-cycle figures approx uses
  std::int64_t sram_per_core = 0;  ///< usable bytes per core (sram − reserved)
  int colors = 4;                  ///< colours the router simulates (≤ fabric.colors)
  int buffer_flits = 0;            ///< FIFO depth per colour; 0 = the network's default
  std::uint64_t seed = 1;          ///< random inputs
  bool check_numbers = false;      ///< compare the outputs with Eigen
};

/// One kernel at cycle level: phases measured on the critical path, so that
/// `cost.total()` equals `cycles`, and the counters of the run.
struct KernelRun {
  wafer::KernelCost cost;
  std::uint64_t cycles = 0;
  bool fits = true;
  std::string fit_error;            ///< which core needs how many bytes of SRAM and has how many
  double max_rel_error = 0;         ///< largest |cycle − Eigen| / max|Eigen| over the outputs (when checked)
  std::uint64_t flits = 0;          ///< flits injected
  std::uint64_t flit_hops = 0;      ///< link traversals
  std::uint64_t router_cycles = 0;  ///< active routers stepped
};

/// The kernels at cycle level, with MeshKernels' interface for the step model.
class CycleKernels final : public wafer::KernelModel {
 public:
  explicit CycleKernels(CycleParams p) : p_(p) {}

  [[nodiscard]] KernelRun run_multicast(std::int64_t n, double bytes) const;
  [[nodiscard]] KernelRun run_reduce(std::int64_t n, double bytes, wafer::ReduceAlgo algo) const;
  [[nodiscard]] KernelRun run_allreduce(std::int64_t n, double bytes, wafer::ReduceAlgo algo) const;
  [[nodiscard]] KernelRun run_gemm(const wafer::GemmShape& s, std::int64_t rows, std::int64_t cols) const;
  // The mesh family (WaferLLM's kernels, cycle_kernels_mesh.cpp): the K-tree
  // with the group approx's ktree_reduce chose, and MeshGEMV.
  [[nodiscard]] KernelRun run_ktree_reduce(std::int64_t n, double bytes) const;
  [[nodiscard]] KernelRun run_ktree_allreduce(std::int64_t n, double bytes) const;
  [[nodiscard]] KernelRun run_mesh_gemv(const wafer::GemmShape& s, std::int64_t rows, std::int64_t cols) const;
  /// MeshGEMM, Cannon's shifts over folded rings, on a square
  /// region only (rows == cols; InternalError otherwise).
  [[nodiscard]] KernelRun run_mesh_gemm(const wafer::GemmShape& s, std::int64_t rows, std::int64_t cols) const;
  [[nodiscard]] KernelRun run_attention(const wafer::AttentionShape& s, std::int64_t rows, std::int64_t cols) const;
  [[nodiscard]] KernelRun run_norm(std::int64_t m, std::int64_t width, std::int64_t line, double elem_bytes) const;
  [[nodiscard]] KernelRun run_elementwise(double elements, std::int64_t line, double elem_bytes, int operands) const;
  [[nodiscard]] KernelRun run_transfer(double bytes, std::int64_t distance, std::int64_t links) const;

  // wafer::KernelModel: the runs above without the number check; a kernel that
  // does not fit a core's SRAM throws DoesNotFit.
  [[nodiscard]] wafer::KernelCost gemm(const wafer::GemmShape& s, std::int64_t rows, std::int64_t cols) const override;
  [[nodiscard]] wafer::KernelCost attention(const wafer::AttentionShape& s, std::int64_t rows,
                                            std::int64_t cols) const override;
  [[nodiscard]] wafer::KernelCost norm(std::int64_t m, std::int64_t width, std::int64_t line,
                                       double elem_bytes) const override;
  [[nodiscard]] wafer::KernelCost elementwise(double elements, std::int64_t line, double elem_bytes,
                                              int operands) const override;
  [[nodiscard]] wafer::KernelCost transfer(double bytes, std::int64_t distance, std::int64_t links) const override;

  [[nodiscard]] const CycleParams& params() const { return p_; }

 private:
  CycleParams p_;
};

/// Thrown by the KernelModel interface when a kernel's data does not fit a core.
struct DoesNotFit {
  std::string what;
};

}  // namespace wafersim::fabric
