#pragma once
// The fixture the energy tests share: evaluate one request on a preset system.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "models/register_builtin.h"
#include "sim/scenario/eval_request.h"

namespace wafersim::energy_test {

inline std::filesystem::path root() {
  const char* env = std::getenv("WAFERSIM_CONFIGS");
  return env ? env : "configs";
}

struct Energy : ::testing::Test {
  Energy() { models::register_builtin(registry); }
  RunResult run(const std::string& system, const std::string& model, int batch = 1,
                std::vector<std::pair<std::string, std::string>> sets = {}, Phase phase = Phase::Decode,
                int context = 1024) {
    EvalRequest r;
    r.system = system;
    r.model = model;
    r.options.workload.batch = batch;
    r.options.workload.phase = phase;
    r.options.workload.context = context;
    r.options.workload.prompt = 512;
    r.options.workload.output = 64;
    for (auto& [k, v] : sets) r.overrides.push_back(Override{k, v, "--set"});
    return RequestRunner(registry, root()).run(r);
  }
  Registry registry;
};

inline double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

}  // namespace wafersim::energy_test
