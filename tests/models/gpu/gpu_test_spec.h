#pragma once
// A small, valid GPU description shared by the gpu tests (round numbers, so closed
// forms are easy to read), as YAML and as a parsed spec.

#include <string>

#include "models/gpu/gpu_spec.h"
#include "sim/config/yaml_loader.h"

namespace wafersim::gpu::testing {

/// Line numbers matter: the bad-input tests assert file:line:col.
inline const std::string kTestGpuYaml =
    "description: test GPU\n"     // 1
    "sms: 100\n"                  // 2
    "clock: 1.5 GHz\n"            // 3
    "flops:\n"                    // 4
    "  fp16: 1000 TFLOP/s\n"      // 5
    "  bf16: 1000 TFLOP/s\n"      // 6
    "  int8: 2000 TOPS\n"         // 7
    "vector_flops: 50 TFLOP/s\n"  // 8
    "hbm:\n"                      // 9
    "  capacity: 80 GiB\n"        // 10
    "  bandwidth: 2 TB/s\n"       // 11
    "l2:\n"                       // 12
    "  size: 40 MiB\n"            // 13
    "nvlink:\n"                   // 14
    "  bandwidth: 300 GB/s\n"     // 15
    "  latency: 1 us\n"           // 16
    "scale_out:\n"                // 17
    "  bandwidth: 25 GB/s\n"      // 18
    "  latency: 5 us\n"           // 19
    "pcie:\n"                     // 20
    "  bandwidth: 32 GB/s\n"      // 21
    "power:\n"                    // 22
    "  tdp: 400 W\n"              // 23
    "efficiency:\n"               // 24
    "  compute: 0.8\n"            // 25
    "  memory: 0.9\n";            // 26

/// `kTestGpuYaml` with the first occurrence of `from` replaced by `to`.
inline std::string test_gpu_yaml_with(const std::string& from, const std::string& to) {
  std::string text = kTestGpuYaml;
  const auto at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// Parses YAML text with the gpu schema; diagnostics go to `d`.
inline GpuSpec parse_test_gpu(const std::string& yaml, Diagnostics& d) {
  const ConfigNode node = YamlLoader::load_string(yaml, "gpu.yaml");
  GpuSpec spec;
  gpu_schema().parse(node, spec, d);
  return spec;
}

}  // namespace wafersim::gpu::testing
