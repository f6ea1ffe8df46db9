#include "sim/timing/phase_steps.h"

#include <algorithm>

namespace wafersim {
namespace {

/// Decode steps are timed at most this many contexts; others are interpolated.
constexpr std::int64_t kDecodeSamples = 33;

/// Generate: each sampled decode step's weight, the output tokens it stands for
/// (linear interpolation in the step index between samples, A-13).
std::vector<double> decode_weights(std::size_t n, std::int64_t output) {
  std::vector<double> weight(n, 0.0);
  if (static_cast<std::int64_t>(n) == output) {
    std::fill(weight.begin(), weight.end(), 1.0);
    return weight;
  }
  for (std::int64_t k = 0; k < output; ++k) {
    const double pos = static_cast<double>(k) * static_cast<double>(n - 1) / static_cast<double>(output - 1);
    const auto j = std::min<std::size_t>(static_cast<std::size_t>(pos), n - 2);
    const double t = pos - static_cast<double>(j);
    weight[j] += 1 - t;
    weight[j + 1] += t;
  }
  return weight;
}

}  // namespace

PhaseSteps plan_phase_steps(const ModelSpec& model, const Workload& w, std::int64_t decode_tokens) {
  // a decode step past a learned position table (the step timed for the first
  // token after a prompt that fills it) is timed at the table's last position.
  auto in_table = [&](std::int64_t context) {
    return model.max_positions > 0 ? std::min(context, model.max_positions) : context;
  };
  PhaseSteps p;
  const std::int64_t dt = std::max<std::int64_t>(1, decode_tokens);  // k + 1 when verifying
  switch (w.phase) {
    case Phase::Prefill:
      p.steps = {{StepKind::Prefill, w.prompt, w.prompt}, {StepKind::Decode, dt, in_table(w.prompt + dt)}};
      break;
    case Phase::Decode:
      p.steps = {{StepKind::Decode, dt, w.context}};
      break;
    case Phase::Encode:
      p.steps = {{StepKind::Encode, w.prompt, w.prompt}};
      break;
    case Phase::Generate: {
      p.steps = {{StepKind::Prefill, w.prompt, w.prompt}};
      const std::int64_t n = std::min(w.output, kDecodeSamples);
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t step = n == 1 ? 0 : (i * (w.output - 1)) / (n - 1);
        p.decode_contexts.push_back(in_table(w.prompt + dt + step));
        p.steps.push_back({StepKind::Decode, dt, in_table(w.prompt + dt + step)});
      }
      break;
    }
  }
  return p;
}

void combine_steps(RunResult& r, const Workload& w, const PhaseSteps& phase, const std::vector<StepResult>& results,
                   EnergyInputs& energy_in) {
  const double batch = static_cast<double>(w.batch);
  switch (w.phase) {
    case Phase::Decode:
    case Phase::Encode:
      r.latency_s = results[0].latency_s;
      r.time = results[0].time;
      if (w.phase == Phase::Decode) {
        r.tpot_s = r.latency_s;
        r.tokens_per_s_per_user = 1.0 / *r.tpot_s;
        r.tokens_per_s = batch * *r.tokens_per_s_per_user;
      } else {
        r.tokens_per_s = batch * static_cast<double>(w.prompt) / *r.latency_s;
      }
      break;
    case Phase::Prefill:
      r.latency_s = results[0].latency_s;
      r.time = results[0].time;
      r.ttft_s = results[0].latency_s + r.kv_transfer_s + results[1].latency_s;
      r.tokens_per_s = batch * static_cast<double>(w.prompt) / *r.latency_s;
      break;
    case Phase::Generate: {
      const std::vector<double> weight = decode_weights(phase.decode_contexts.size(), w.output);
      double decode_sum = 0;
      r.time = results[0].time;
      for (std::size_t j = 0; j < weight.size(); ++j) {
        decode_sum += weight[j] * results[j + 1].latency_s;
        energy_in.step_weights[j + 1] = weight[j];
        r.time += results[j + 1].time.scaled(weight[j]);
      }
      r.time.interconnect += r.kv_transfer_s;
      r.ttft_s = results[0].latency_s + r.kv_transfer_s + results[1].latency_s;
      r.latency_s = results[0].latency_s + r.kv_transfer_s + decode_sum;
      r.tpot_s = decode_sum / static_cast<double>(w.output);
      // one definition for decode and generate: a user receives 1 / tpot tokens
      // per second while decoding; all users together, batch times that.
      r.tokens_per_s_per_user = 1.0 / *r.tpot_s;
      r.tokens_per_s = batch * *r.tokens_per_s_per_user;
      break;
    }
  }
  r.bound = r.time.dominant();
}

}  // namespace wafersim
