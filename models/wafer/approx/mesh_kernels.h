#pragma once
// Closed-form costs of the kernels a layer runs on an R × C region of wafer cores
// (MODELING.md "Wafer", A-50..A-58; the mesh family of WaferLLM's kernels,
// A-230..A-240, is in mesh_kernels_waferllm.cpp). Every term is a physical count: hops times the
// hop latency, bytes over one link's bandwidth, MACs over the core's FMAC rate,
// bytes over the core's SRAM ports, and one task activation (`task_overhead`) per
// step a core must react to. Phases of a kernel run one after another (a core
// starts its MACs when its input slice has arrived; the reduction starts when the
// MACs end), so a kernel's cycles are the sum of its phases. The cycle-level mesh
// reference is meant to reproduce these within 10%.
// Leaves out: router pipeline and turn costs beyond `hop_latency`, colour
// (virtual channel) limits, SIMD fill on ragged tiles (tiles are rounded up, not
// modeled at the instruction level), and link sharing between kernels. Units:
// cycles and bytes; the clock only converts at the end.

#include <cstdint>
#include <string>

namespace wafersim::wafer {

/// The per-core figures a kernel needs, all per cycle.
struct MeshParams {
  double hop_latency = 1;      ///< cycles per router hop
  double link_bytes = 4;       ///< B/cycle per link per direction
  double sram_read = 16;       ///< B/cycle per core
  double sram_write = 8;       ///< B/cycle per core
  double flops = 16;           ///< FLOP/cycle per core in the op's format
  double task_overhead = 0;    ///< cycles per step a core reacts to (A-55)
  double ramp_latency = 0;     ///< core <-> router cycles, each way (A-230)
  double acc_bytes = 0;        ///< SRAM bytes per partial sum of a local matrix product; 0 = registers (A-231)
  double gemm_efficiency = 1;  ///< share of `flops` a MeshGEMM step sustains (A-240)
  double sram_bytes = 0;       ///< usable SRAM per core; MeshGEMV needs its tiles to fit (0 = no limit)
  bool mesh_family = false;    ///< WaferLLM's kernels (A-230..A-235); false = row multicasts and line reductions
  /// Mesh family: attention pays moving q/K/V into the head blocks and its output
  /// back. The crosscheck turns it off: its cycle programs start and end in
  /// the block layout, so the kernels compare on the same placement.
  bool attention_layout_moves = true;
};

/// Cycles a core forwarding a stream (a chain reduction) adds per flit: it passes
/// a flit on the cycle after the flit lands at it.
inline constexpr double kForwardCycles = 1;

/// Bytes of one value an all-reduce sums: norms' sums of squares and softmax
/// maxima and sums are fp32.
inline constexpr double kReduceValueBytes = 4;

/// How partial results are combined across a line of cores.
enum class ReduceAlgo { None, Chain, Tree, Ring };
[[nodiscard]] std::string_view reduce_algo_name(ReduceAlgo a);

/// A collective along one line of cores.
struct LineCost {
  double cycles = 0;
  double hops = 0;       ///< hop latencies on the critical path
  double byte_hops = 0;  ///< bytes × hops moved in all
  ReduceAlgo algo = ReduceAlgo::None;
  double busy = 0;         ///< cycles of `cycles` a core on the path is busy (task activations, adding streams)
  std::int64_t group = 0;  ///< K-tree: the group size g it chose (the cycle reference runs the same tree)
};

/// One kernel on one region: cycles by phase plus the counts it used.
struct KernelCost {
  double overhead = 0;   ///< task activations: once per kernel
  double multicast = 0;  ///< inputs to the cores that need them
  double compute = 0;    ///< MACs at the FMAC rate (local phase, overlaps sram)
  double sram = 0;       ///< SRAM port time (local phase, overlaps compute)
  double reduce = 0;     ///< partial sums, maxima, norms across the region
  double hops = 0;       ///< hop latencies on the critical path (multicast + reduce)
  /// Cycles of `reduce` the cores spend working (activating add tasks, adding
  /// streams) rather than waiting on hops and ramps: what a dataflow schedule
  /// cannot overlap with the next op's local work. 0 for the line family.
  double reduce_busy = 0;
  ReduceAlgo algo = ReduceAlgo::None;
  // Counts (whole op): what energy prices.
  double flops = 0, sram_bytes = 0, fabric_byte_hops = 0;

  [[nodiscard]] double local() const { return compute > sram ? compute : sram; }
  [[nodiscard]] double fabric() const { return multicast + reduce; }
  [[nodiscard]] double total() const { return overhead + multicast + local() + reduce; }
};

/// Shape of a matrix product (M × K) · (K × N), `count` independent copies.
struct GemmShape {
  std::int64_t m = 1, k = 1, n = 1, count = 1;
  double act_bytes = 2;     ///< bytes per activation element
  double weight_bytes = 2;  ///< bytes per weight element
};

/// Attention of `m` new tokens over `context` positions, `heads` head-sequences
/// (batch × heads) of dimension `head_dim`.
struct AttentionShape {
  std::int64_t m = 1, head_dim = 128, context = 1, heads = 1;
  double act_bytes = 2, kv_bytes = 2;
};

/// The kernels a step prices, at one level of detail: approx's closed forms
/// (MeshKernels, below) or the cycle-level reference (fabric::CycleKernels).
class KernelModel {
 public:
  KernelModel() = default;
  KernelModel(const KernelModel&) = default;
  KernelModel& operator=(const KernelModel&) = default;
  virtual ~KernelModel() = default;
  /// GEMV/GEMM with K/R × N/C weight tiles on an R × C region.
  [[nodiscard]] virtual KernelCost gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const = 0;
  /// Attention with the KV cache spread by head and position.
  [[nodiscard]] virtual KernelCost attention(const AttentionShape& s, std::int64_t rows, std::int64_t cols) const = 0;
  /// A norm or softmax over `m` vectors of `width` elements along `line` cores.
  [[nodiscard]] virtual KernelCost norm(std::int64_t m, std::int64_t width, std::int64_t line,
                                        double elem_bytes) const = 0;
  /// An elementwise op over `elements` spread over `line` cores.
  [[nodiscard]] virtual KernelCost elementwise(double elements, std::int64_t line, double elem_bytes,
                                               int operands) const = 0;
  /// Moving `bytes` over `distance` hops across a boundary of `links` parallel links.
  [[nodiscard]] virtual KernelCost transfer(double bytes, std::int64_t distance, std::int64_t links) const = 0;
  /// An activation (SiLU·mul, GELU) over `elements`: `ops` vector instructions per
  /// element. By default priced as `elementwise`.
  [[nodiscard]] virtual KernelCost activation(double elements, std::int64_t line, double elem_bytes, int operands,
                                              double ops) const {
    (void)ops;
    return elementwise(elements, line, elem_bytes, operands);
  }
};

/// How attention's head-sequences are laid on an R × C region: blocks of
/// br × bc cores, as close to square and as large as lets one block per head fit
/// (floor(R/br) · floor(C/bc) ≥ heads); with more heads than cores each core is
/// a block and holds `heads_per_block` heads whole. The cycle reference places
/// its data the same way.
struct AttentionBlocks {
  std::int64_t br = 1, bc = 1;  ///< block rows × cols
  std::int64_t blocks = 1;      ///< blocks that fit the region
  std::int64_t heads_per_block = 1;
};
[[nodiscard]] AttentionBlocks attention_blocks(std::int64_t heads, std::int64_t rows, std::int64_t cols);

/// Hops a head's operands cross between the layout a MeshGEMV leaves (the head's
/// dims on its C/H columns, on every row) and the head's attention block:
/// `in` from the nearest of those columns to the block, `out` from the block's
/// output core back to the head's columns and down every row of the region.
/// The largest over the heads (the last to arrive ends the step).
struct HeadBlockMoves {
  double in_hops = 0, out_hops = 0;
};
[[nodiscard]] HeadBlockMoves head_block_moves(std::int64_t heads, std::int64_t rows, std::int64_t cols,
                                              const AttentionBlocks& b);

class MeshKernels final : public KernelModel {
 public:
  explicit MeshKernels(MeshParams p) : p_(p) {}
  [[nodiscard]] const MeshParams& params() const { return p_; }

  /// Hardware multicast of `bytes` from one end of a line of `n` cores to all of
  /// them: (n−1)·hop + bytes/link + one task activation at the receivers.
  [[nodiscard]] LineCost multicast(std::int64_t n, double bytes) const;
  /// Reduction of `bytes` of partial sums from each of `n` cores in a line to one
  /// end: chain (pipelined: (n−1)(hop+task) + bytes/link) or binary tree
  /// ((n−1)·hop + ⌈log2 n⌉(task + bytes/link)), whichever is faster.
  [[nodiscard]] LineCost reduce(std::int64_t n, double bytes) const;
  /// The same reduction with a given algorithm (Chain or Tree), for the crosscheck.
  [[nodiscard]] LineCost reduce(std::int64_t n, double bytes, ReduceAlgo algo) const;
  /// Every core of the line ends with the sum: reduce then multicast back, or a
  /// ring (2(n−1) steps of bytes/n over folded-ring neighbours 2 hops apart).
  [[nodiscard]] LineCost allreduce(std::int64_t n, double bytes) const;
  /// The same all-reduce with a given algorithm: Ring, or Chain/Tree (reduce, then
  /// multicast back); None = reduce with the faster of chain and tree, then multicast.
  [[nodiscard]] LineCost allreduce(std::int64_t n, double bytes, ReduceAlgo algo) const;

  /// WaferLLM's two-way K-tree reduction of `bytes` from each of `n` cores in a
  /// line to the middle one: groups of g = ⌈n^(1/L)⌉ participants spaced g^l apart
  /// at level l stream toward their middle member, each step paying its distance
  /// in hops and 2 ramps at the adding core, each level one task activation and
  /// the message's flits; L = 1..4, the fastest.
  [[nodiscard]] LineCost ktree_reduce(std::int64_t n, double bytes) const;
  /// K-tree reduction to the middle, then a multicast from it to both ends.
  [[nodiscard]] LineCost ktree_allreduce(std::int64_t n, double bytes) const;

  /// GEMV/GEMM on an R × C region. Mesh family: the faster of MeshGEMV and
  /// MeshGEMM; line family: input slices multicast along rows,
  /// local MACs, partial sums reduced along columns.
  [[nodiscard]] KernelCost gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const override;
  /// MeshGEMV: K/R × N/C weight tiles, input left in place by the previous op,
  /// local MACs, K-tree all-reduce of the N/C outputs along the column.
  [[nodiscard]] KernelCost mesh_gemv(const GemmShape& s, std::int64_t rows, std::int64_t cols) const;
  /// MeshGEMM: M/R × K/S and K/S × N/C tiles, S = max(R, C) steps of local MACs
  /// while the next tiles shift in from the neighbours (Cannon).
  [[nodiscard]] KernelCost mesh_gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const;
  /// The line family's GEMV/GEMM: what the cycle-level reference runs.
  [[nodiscard]] KernelCost line_gemm(const GemmShape& s, std::int64_t rows, std::int64_t cols) const;
  /// Attention with the KV cache spread by head and position.
  [[nodiscard]] KernelCost attention(const AttentionShape& s, std::int64_t rows, std::int64_t cols) const override;
  /// A norm or softmax over `m` vectors of `width` elements held along one side of
  /// `line` cores: local sums, an all-reduce of one value per vector, local scale.
  [[nodiscard]] KernelCost norm(std::int64_t m, std::int64_t width, std::int64_t line,
                                double elem_bytes) const override;
  /// An elementwise op over `elements` spread over `line` cores (residual, SiLU·mul).
  [[nodiscard]] KernelCost elementwise(double elements, std::int64_t line, double elem_bytes,
                                       int operands) const override;
  /// Moving `bytes` over `distance` hops across a boundary of `links` parallel links.
  [[nodiscard]] KernelCost transfer(double bytes, std::int64_t distance, std::int64_t links) const override;
  /// Mesh family: `ops` instructions per element on the SIMD lanes; line
  /// family: as `elementwise`.
  [[nodiscard]] KernelCost activation(double elements, std::int64_t line, double elem_bytes, int operands,
                                      double ops) const override;

  /// Vector instructions of `ops` per element over `elements` on one core.
  [[nodiscard]] double simd_cycles(double elements, double ops) const;

 private:
  /// Link cycles a message of `bytes` occupies: whole flits, at least one (a
  /// message is never less than a flit; the crosscheck showed rings of 1-byte
  /// pieces 24% short when fractions of a flit were charged).
  [[nodiscard]] double flits(double bytes) const;
  /// Cycles of a core's local matrix product of m × k × n MACs: FMACs, or the
  /// SRAM ports moving weights, inputs and accumulators.
  [[nodiscard]] double local_matmul(double m, double k, double n, const GemmShape& s) const;
  /// The all-reduce a kernel of the family uses along a line of n cores.
  [[nodiscard]] LineCost family_allreduce(std::int64_t n, double bytes) const;
  [[nodiscard]] LineCost family_reduce(std::int64_t n, double bytes) const;
  /// Mesh family: the layout changes around attention (q and the new K/V into
  /// the head blocks, the output back to the GEMV layout) and the rotary
  /// embedding on the way in, as cycles on the critical path.
  [[nodiscard]] KernelCost attention_moves(const AttentionShape& s, std::int64_t rows, std::int64_t cols,
                                           const AttentionBlocks& b) const;
  MeshParams p_;
};

}  // namespace wafersim::wafer
