#include "models/fabric/crosscheck_sweep.h"

#include <algorithm>
#include <atomic>
#include <fmt/format.h>
#include <functional>
#include <thread>

#include "models/fabric/cycle_params_from_spec.h"
#include "models/wafer/approx/op_kernel_coster.h"

namespace wafersim::fabric {
namespace {

using wafer::AttentionShape;
using wafer::GemmShape;
using wafer::MeshKernels;
using wafer::ReduceAlgo;

std::string bytes_text(double b) {
  if (b >= 1024 && static_cast<std::int64_t>(b) % 1024 == 0) return fmt::format("{:g} KiB", b / 1024);
  return fmt::format("{:g} B", b);
}

std::string region_text(std::int64_t rows, std::int64_t cols) { return fmt::format("{}x{}", rows, cols); }

/// Collects rows: each pairs approx's cycles with a cycle-level run.
class Sweep {
 public:
  Sweep(const wafer::WaferSpec& spec, const CrosscheckOptions& o)
      : spec_(spec),
        approx_(params(spec)),
        mesh_(mesh_params(spec)),
        cycle_(cycle_params_for(spec, o)),
        cycle_mesh_(mesh_cycle_params_for(spec, o)) {}

  bool region_fits(std::int64_t rows, std::int64_t cols) const {
    return rows <= spec_.mesh.height && cols <= spec_.mesh.width;
  }
  bool line_fits(std::int64_t n) const { return n <= spec_.mesh.width || n <= spec_.mesh.height; }

  void line_rows(std::int64_t n, double bytes) {
    if (!line_fits(n)) return;
    const std::string shape = fmt::format("n={}, {}", n, bytes_text(bytes));
    const std::string line = fmt::format("line of {}", n);
    // A collective run as a kernel of its own starts with the kernel's task
    // activation, as GEMM's multicast and reduction do inside theirs.
    const double start = approx_.params().task_overhead;
    add("multicast", shape, line, "", start + approx_.multicast(n, bytes).cycles,
        [=, this] { return cycle_.run_multicast(n, bytes); });
    for (ReduceAlgo a : {ReduceAlgo::Chain, ReduceAlgo::Tree})
      add("reduce", shape, line, std::string(wafer::reduce_algo_name(a)), start + approx_.reduce(n, bytes, a).cycles,
          [=, this] { return cycle_.run_reduce(n, bytes, a); });
    for (ReduceAlgo a : {ReduceAlgo::Ring, ReduceAlgo::Chain})
      add("all-reduce", shape, line, std::string(wafer::reduce_algo_name(a)),
          start + approx_.allreduce(n, bytes, a).cycles, [=, this] { return cycle_.run_allreduce(n, bytes, a); });
  }

  /// The mesh family (WaferLLM's K-tree and MeshGEMV, A-242) whatever the
  /// preset's mapping.kernels, against approx's mesh formulas.
  void ktree_rows(std::int64_t n, double bytes) {
    if (!line_fits(n)) return;
    const std::string shape = fmt::format("n={}, {}", n, bytes_text(bytes));
    const std::string line = fmt::format("line of {}", n);
    const double start = mesh_.params().task_overhead;
    add("reduce", shape, line, "K-tree", start + mesh_.ktree_reduce(n, bytes).cycles,
        [=, this] { return cycle_.run_ktree_reduce(n, bytes); });
    add("all-reduce", shape, line, "K-tree", start + mesh_.ktree_allreduce(n, bytes).cycles,
        [=, this] { return cycle_.run_ktree_allreduce(n, bytes); });
  }

  void mesh_gemv(std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t rows, std::int64_t cols) {
    if (!region_fits(rows, cols)) return;
    GemmShape s;
    s.m = m;
    s.k = k;
    s.n = n;
    add("MeshGEMV", fmt::format("M={} K={} N={}", m, k, n), region_text(rows, cols), "K-tree",
        mesh_.mesh_gemv(s, rows, cols).total(), [=, this] { return cycle_.run_mesh_gemv(s, rows, cols); });
  }

  /// MeshGEMM (Cannon, A-458) on a square region, against approx's mesh_gemm.
  void mesh_gemm(std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t side) {
    if (!region_fits(side, side)) return;
    GemmShape s;
    s.m = m;
    s.k = k;
    s.n = n;
    add("MeshGEMM", fmt::format("M={} K={} N={}", m, k, n), region_text(side, side), "Cannon",
        mesh_.mesh_gemm(s, side, side).total(), [=, this] { return cycle_.run_mesh_gemm(s, side, side); });
  }

  void gemm(std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t rows, std::int64_t cols) {
    if (!region_fits(rows, cols)) return;
    GemmShape s;
    s.m = m;
    s.k = k;
    s.n = n;
    const wafer::KernelCost a = approx_.gemm(s, rows, cols);
    add(m == 1 ? "gemv" : "gemm", fmt::format("M={} K={} N={}", m, k, n), region_text(rows, cols),
        std::string(a.algo == ReduceAlgo::None ? "" : wafer::reduce_algo_name(a.algo)), a.total(),
        [=, this] { return cycle_.run_gemm(s, rows, cols); });
  }

  void attention(std::int64_t m, std::int64_t heads, std::int64_t context, std::int64_t side) {
    if (!region_fits(side, side)) return;
    AttentionShape s;
    s.m = m;
    s.head_dim = 64;
    s.context = context;
    s.heads = heads;
    const wafer::KernelCost a = approx_.attention(s, side, side);
    add("attention", fmt::format("m={} heads={} ctx={} d=64", m, heads, context), region_text(side, side),
        std::string(a.algo == ReduceAlgo::None ? "" : wafer::reduce_algo_name(a.algo)), a.total(),
        [=, this] { return cycle_.run_attention(s, side, side); });
  }

  /// The mesh family's attention of one query (K-tree collectives, A-460).
  void mesh_attention(std::int64_t heads, std::int64_t context, std::int64_t side) {
    if (!region_fits(side, side)) return;
    AttentionShape s;
    s.m = 1;
    s.head_dim = 64;
    s.context = context;
    s.heads = heads;
    add("attention", fmt::format("m=1 heads={} ctx={} d=64", heads, context), region_text(side, side), "K-tree",
        mesh_.attention(s, side, side).total(), [=, this] { return cycle_mesh_.run_attention(s, side, side); });
  }

  void norm(std::int64_t m, std::int64_t width, std::int64_t line) {
    if (!line_fits(line)) return;
    const wafer::KernelCost a = approx_.norm(m, width, line, 2);
    add("norm", fmt::format("m={} width={}", m, width), fmt::format("line of {}", line),
        std::string(a.algo == ReduceAlgo::None ? "" : wafer::reduce_algo_name(a.algo)), a.total(),
        [=, this] { return cycle_.run_norm(m, width, line, 2); });
  }

  /// A norm of the mesh family (K-tree all-reduce, A-460).
  void mesh_norm(std::int64_t m, std::int64_t width, std::int64_t line) {
    if (!line_fits(line)) return;
    add("norm", fmt::format("m={} width={}", m, width), fmt::format("line of {}", line), "K-tree",
        mesh_.norm(m, width, line, 2).total(), [=, this] { return cycle_mesh_.run_norm(m, width, line, 2); });
  }

  void elementwise(double elements, std::int64_t line) {
    if (!line_fits(line)) return;
    add("elementwise", fmt::format("{:g} elements, 2 operands", elements), fmt::format("line of {}", line), "",
        approx_.elementwise(elements, line, 2, 2).total(),
        [=, this] { return cycle_.run_elementwise(elements, line, 2, 2); });
  }

  void transfer(double bytes, std::int64_t distance, std::int64_t links) {
    if (!line_fits(links) || !line_fits(distance)) return;
    add("transfer", fmt::format("{} over {} hops", bytes_text(bytes), distance), fmt::format("{} links", links), "",
        approx_.transfer(bytes, distance, links).total(),
        [=, this] { return cycle_.run_transfer(bytes, distance, links); });
  }

  std::vector<CrosscheckRow> rows;

 private:
  static wafer::MeshParams params(const wafer::WaferSpec& spec) {
    return wafer::OpKernelCoster(spec, "", DType::Fp16).params(DType::Fp16);
  }
  static wafer::MeshParams mesh_params(const wafer::WaferSpec& spec) {
    wafer::MeshParams p = params(spec);
    p.mesh_family = true;
    p.attention_layout_moves = false;  // the cycle programs start in the block layout
    return p;
  }
  static CycleParams cycle_params_for(const wafer::WaferSpec& spec, const CrosscheckOptions& o) {
    CycleParams p = cycle_params(spec, params(spec));
    p.seed = o.seed;
    p.check_numbers = o.check_numbers;
    return p;
  }
  static CycleParams mesh_cycle_params_for(const wafer::WaferSpec& spec, const CrosscheckOptions& o) {
    CycleParams p = cycle_params_for(spec, o);
    p.core.mesh_family = true;
    p.core.attention_layout_moves = false;
    return p;
  }

  /// Queues a row: approx's cycles now, the cycle-level run later (run_all).
  void add(std::string kernel, std::string shape, std::string region, std::string algo, double approx,
           std::function<KernelRun()> run) {
    CrosscheckRow r;
    r.kernel = std::move(kernel);
    r.shape = std::move(shape);
    r.region = std::move(region);
    r.algorithm = std::move(algo);
    r.model_cycles = approx;
    rows.push_back(std::move(r));
    runs_.push_back(std::move(run));
  }

 public:
  /// Runs the queued cycle-level kernels on `threads` threads (each run is an
  /// independent simulation), in row order.
  void run_all(unsigned threads) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i = next++; i < runs_.size(); i = next++) {
        const KernelRun run = runs_[i]();
        CrosscheckRow& r = rows[i];
        r.reference_cycles = static_cast<double>(run.cycles);
        r.fits = run.fits;
        r.fit_error = run.fit_error;
        r.numbers_checked = run.fits && cycle_.params().check_numbers;
        r.max_rel_error = run.max_rel_error;
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }

 private:
  std::vector<std::function<KernelRun()>> runs_;
  const wafer::WaferSpec& spec_;
  MeshKernels approx_;
  MeshKernels mesh_;
  CycleKernels cycle_;
  CycleKernels cycle_mesh_;
};

void quick_sweep(Sweep& s) {
  s.line_rows(16, 1024);
  s.gemm(1, 256, 256, 4, 4);
  s.gemm(4, 1000, 1408, 16, 16);
  s.ktree_rows(16, 64);
  s.mesh_gemv(1, 1000, 1408, 16, 16);
  s.mesh_gemm(64, 256, 256, 8);
  s.attention(1, 8, 512, 8);
  s.norm(1, 512, 16);
  s.elementwise(4096, 16);
  s.transfer(8192, 16, 16);
}

void full_sweep(Sweep& s) {
  for (std::int64_t n : {4, 16, 64})
    for (double bytes : {64.0, 1024.0, 8192.0}) s.line_rows(n, bytes);
  for (std::int64_t n : {4, 16, 64})
    for (double bytes : {64.0, 1024.0, 8192.0}) s.ktree_rows(n, bytes);
  for (std::int64_t kn : {256, 1024, 4096})
    for (std::int64_t side : {4, 16, 64})
      for (std::int64_t m : {1, 4}) s.mesh_gemv(m, kn, kn, side, side);
  for (std::int64_t m : {1, 4}) s.mesh_gemv(m, 1000, 1408, 24, 40);
  // Prefill-sized products (several tokens per core row), and a ragged one.
  for (std::int64_t side : {4, 8, 16})
    for (std::int64_t m : {16, 64}) s.mesh_gemm(m, 256, 256, side);
  for (std::int64_t side : {16, 32})
    for (std::int64_t m : {64, 256}) s.mesh_gemm(m, 1024, 1024, side);
  s.mesh_gemm(100, 1000, 1408, 16);
  for (std::int64_t kn : {64, 256, 1024, 4096})
    for (std::int64_t side : {4, 8, 16, 32, 64})
      for (std::int64_t m : {1, 4, 16}) s.gemm(m, kn, kn, side, side);
  // Ragged: K and N that do not divide the region; and non-square regions.
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{8, 8}, {24, 40}, {64, 64}})
    for (std::int64_t m : {1, 16}) {
      s.gemm(m, 1000, 1408, rows, cols);
      s.gemm(m, 512, 4096, rows, cols);
    }
  for (std::int64_t m : {1, 16}) s.gemm(m, 1024, 1024, 16, 64);
  for (std::int64_t side : {8, 32, 64})
    for (std::int64_t heads : {1, 8, 32})
      for (std::int64_t context : {64, 512, 4096})
        for (std::int64_t m : {1, 16}) s.attention(m, heads, context, side);
  for (std::int64_t side : {8, 32, 64})
    for (std::int64_t heads : {1, 8, 32})
      for (std::int64_t context : {64, 512, 4096}) s.mesh_attention(heads, context, side);
  for (std::int64_t m : {1, 64})
    for (std::int64_t width : {512, 4096})
      for (std::int64_t line : {4, 16, 64}) s.norm(m, width, line);
  for (std::int64_t m : {1, 64})
    for (std::int64_t width : {512, 4096})
      for (std::int64_t line : {4, 16, 64}) s.mesh_norm(m, width, line);
  for (double elements : {4096.0, 65536.0})
    for (std::int64_t line : {16, 64}) s.elementwise(elements, line);
  s.transfer(1024, 8, 8);
  s.transfer(8192, 16, 16);
  s.transfer(65536, 64, 32);
}

}  // namespace

CrosscheckTable wafer_crosscheck(const std::string& device, const wafer::WaferSpec& spec,
                                 const CrosscheckOptions& options) {
  Sweep s(spec, options);
  if (options.quick)
    quick_sweep(s);
  else
    full_sweep(s);
  s.run_all(options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency()));
  CrosscheckTable t;
  t.device = device;
  t.model = Fidelity::Approx;
  t.reference = Fidelity::Cycle;
  t.rows = std::move(s.rows);
  return t;
}

}  // namespace wafersim::fabric
