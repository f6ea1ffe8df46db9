#pragma once
// Times a Plan: walks the stages in order, costs each op with the device kind's
// OpCostModel, and inserts the communication the plan implies: an all-reduce after
// every row-split op when a stage is tensor parallel (A-10; the fastest algorithm the
// link allows, A-80), all-to-alls around expert-split ops, and an activation
// transfer between consecutive stages (over the domain link, or the scale-out link
// when the stages sit in different domains). One micro-batch goes through the
// pipeline at a time, so step latency is the sum; kinds that overlap
// micro-batches (wafer approx and cycle, the LPU) time whole steps themselves
// (Backend::step_model).

#include "sim/timing/step_result.h"

namespace wafersim {

class PipelineEngine {
 public:
  [[nodiscard]] static StepResult run(const Plan& plan, const OpCostModel& costs);
};

}  // namespace wafersim
