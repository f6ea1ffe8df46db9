#pragma once
// Small pieces the cycle-level kernels share: how a dimension splits over a
// line of cores, lines of a region as LineData, random inputs, the cycles of
// local work, and turning a finished FabricSim into a KernelRun.

#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "models/fabric/cycle_kernels.h"
#include "models/fabric/fabric_sim.h"
#include "models/fabric/line_collectives.h"

namespace wafersim::fabric {

/// `total` items over `parts` cores in chunks of ⌈total/parts⌉: the last cores
/// may hold fewer or none (shapes that do not divide the region).
struct Split {
  std::int64_t total = 0, parts = 1, chunk = 0;
  Split(std::int64_t t, std::int64_t p)
      : total(t), parts(std::max<std::int64_t>(p, 1)), chunk((t + parts - 1) / parts) {}
  [[nodiscard]] std::int64_t start(std::int64_t i) const { return std::min(total, i * chunk); }
  [[nodiscard]] std::int64_t len(std::int64_t i) const { return std::min(total, start(i) + chunk) - start(i); }
};

/// Uniform values in [−1, 1) from a fixed seed: the same inputs on every run.
class RandomValues {
 public:
  explicit RandomValues(std::uint64_t seed) : gen_(seed) {}
  void fill(std::vector<float>& v) {
    for (float& x : v) x = dist_(gen_);
  }
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> matrix(std::int64_t r, std::int64_t c) {
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = dist_(gen_);
    return m;
  }

 private:
  std::mt19937_64 gen_;
  std::uniform_real_distribution<float> dist_{-1.0f, 1.0f};
};

/// The router network for a `width` × `height` region with the kernel's parameters.
[[nodiscard]] NetworkParams network_params(const CycleParams& p, std::int64_t width, std::int64_t height);
/// Values a message of `bytes` carries at `elem_bytes` each (at least one).
[[nodiscard]] std::int64_t elements_for(double bytes, double elem_bytes);
/// Cycles of local work: the slowest of the FLOP rate and the SRAM ports.
[[nodiscard]] std::uint64_t local_cycles(const wafer::MeshParams& core, double flops, double read_bytes,
                                         double write_bytes);

using BufferOf = std::function<int(int core)>;
/// `n` cores of row `y` from column `x0`, and the buffer each holds the values in.
[[nodiscard]] LineData row_line(const FabricSim& sim, int y, int x0, std::int64_t n, std::int64_t elems,
                                double elem_bytes, const BufferOf& buf);
/// `n` cores of column `x` from row `y0`.
[[nodiscard]] LineData column_line(const FabricSim& sim, int x, int y0, std::int64_t n, std::int64_t elems,
                                   double elem_bytes, const BufferOf& buf);

[[nodiscard]] Instr activate();
[[nodiscard]] Instr compute(std::uint64_t cycles, std::function<void()> fn);

/// Largest |got − ref| over the largest |ref| (0 when both are empty).
[[nodiscard]] double max_rel_error(const std::vector<float>& got, const std::vector<float>& ref);

/// Runs the kernel and measures it: cycles, the critical core's phases as a
/// KernelCost (local work counted as compute), flit counters, and the number
/// check when asked for.
[[nodiscard]] KernelRun finish(FabricSim& sim, const CycleParams& p, const std::function<double()>& check);
[[nodiscard]] KernelRun does_not_fit(const FabricSim& sim);

}  // namespace wafersim::fabric
