#include "sim/workload/acceptance_sampler.h"

namespace wafersim {

double AcceptanceSampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int AcceptanceSampler::draw() {
  const double p = model_.acceptance();
  int tokens = 1;  // the target's own token, always produced
  for (int i = 0; i < model_.draft_tokens(); ++i) {
    if (uniform() >= p) break;  // p = 1 never breaks, p = 0 always does
    ++tokens;
  }
  return tokens;
}

}  // namespace wafersim
