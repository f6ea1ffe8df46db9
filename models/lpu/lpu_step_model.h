#pragma once
// A whole LPU step at approx fidelity (A-270..A-275). The plan's stages sit on chips
// in order on the cabled topology (nodes of 8 chips joined all to all, racks of 9
// nodes, racks joined by a dragonfly; A-270). Each op is costed by LpuApproxCost;
// a tensor-split stage all-reduces over the node's direct links; every
// transformer layer adds the fixed latency of its compiled schedule; a stage
// hands its activations to the next over the hops of their route, and a decode step
// sends the sampled token back to the first chip. Several micro-batches are in
// flight: decode splits the batch, and a pass (prefill, encode) streams its
// tokens through the stages in chunks. The schedule is static and
// deterministic: no arbitration, so the same plan always gives the same time.
// Leaves out contention between micro-batches on a link, and uneven micro-batches
// beyond rounding up. Units: seconds, bytes.

#include <string>
#include <vector>

#include "models/lpu/lpu_approx_cost.h"
#include "sim/timing/step_result.h"

namespace wafersim::lpu {

class LpuStepModel {
 public:
  LpuStepModel(std::string name, LpuSpec spec);

  /// Times `plan` (mapped onto LPUs of this spec) with the best micro-batch count.
  [[nodiscard]] StepResult run(const Plan& plan) const;

  /// The timing of one micro-batch count, for tests and the search.
  struct Schedule {
    int micro_batches = 1;
    double fraction = 1;         ///< share of the step's tokens one micro-batch carries
    double path_s = 0;           ///< one micro-batch through every stage (and back, for decode)
    double slowest_stage_s = 0;  ///< busiest stage's occupancy per micro-batch
    double step_s = 0;           ///< the step: decode max(path, M × slowest); a pass path + (M−1) × slowest
  };
  /// The schedule of `plan` with exactly `micro_batches` in flight.
  [[nodiscard]] Schedule schedule(const Plan& plan, int micro_batches) const;

  /// Seconds of an all-reduce of `bytes` over `chips` consecutive chips starting at
  /// `first`: inside a node, a direct reduce-scatter and all-gather; across
  /// nodes, a ring between the nodes on top.
  [[nodiscard]] double allreduce_s(const LinkSpec& link, double bytes, int first, int chips) const;

 private:
  struct Terms;  // per-op and per-stage linear terms (lpu_step_model.cpp)
  [[nodiscard]] Terms terms(const Plan& plan) const;
  [[nodiscard]] Schedule evaluate(const Terms& t, int micro_batches) const;

  std::string name_;
  LpuSpec spec_;
  LpuApproxCost costs_;
};

}  // namespace wafersim::lpu
