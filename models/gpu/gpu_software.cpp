#include "models/gpu/gpu_software.h"

#include <algorithm>
#include <fmt/format.h>

namespace wafersim::gpu {
namespace {

/// What a `software.gpu` section says; unset keys keep the profile's value.
struct SoftwareKeys {
  std::string profile;
  std::optional<bool> cuda_graphs;
  std::optional<Seconds> launch_overhead;
  std::optional<Seconds> step_overhead;
  std::optional<Fusion> fusion;
  std::optional<MlaParallel> mla_attention;
  std::string collective;
  std::optional<ConfigNode> collectives;
};

constexpr std::pair<std::string_view, Fusion> kFusions[] = {
    {"none", Fusion::None}, {"standard", Fusion::Standard}, {"full", Fusion::Full}};

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  for (const auto& p : gpu_software_profiles()) names.push_back(p.profile);
  return names;
}

const Schema<SoftwareKeys>& keys_schema() {
  static const Schema<SoftwareKeys> s = [] {
    Schema<SoftwareKeys> s;
    s.text("profile", &SoftwareKeys::profile,
           "The stack whose public figures fill every key below (A-202): tensorrt-llm (C++ runtime, CUDA graphs, "
           "full fusion, custom all-reduce), vllm (Python scheduler, CUDA graphs, standard fusion, custom "
           "all-reduce), eager (PyTorch eager: no graphs, no fusion, NCCL).",
           "tensorrt-llm")
        .custom("cuda_graphs", "true|false", "(the device's cuda_graphs; eager: false)",
                "Whether decode steps replay from CUDA graphs, hiding the CPU launch cost of each kernel (A-73).",
                [](const ConfigNode* n, const ConfigNode&, SoftwareKeys& k, Diagnostics& d) {
                  if (n != nullptr)
                    if (auto v = schema_detail::parse_flag(*n, d)) k.cuda_graphs = *v;
                })
        .optional_quantity("launch_overhead", &SoftwareKeys::launch_overhead, UnitKind::Seconds,
                           "CPU cost of issuing one kernel without graphs (profile: tensorrt-llm 3.3 us raw "
                           "cuLaunchKernel, vllm 6.8 us and eager 9.1 us torch launchers; calibration-public §B, "
                           "tritonbench PR #1017). Unset in a profile: the device's launch_overhead.",
                           Range::NonNegative)
        .optional_quantity("step_overhead", &SoftwareKeys::step_overhead, UnitKind::Seconds,
                           "Host time per step the GPUs wait for: scheduling, sampling, input preparation, graph "
                           "replay (A-202; profile: tensorrt-llm 50 us assumed, vllm 0.4 ms, eager 2 ms).",
                           Range::NonNegative)
        .custom("fusion", "one of: none, standard, full", "(profile: tensorrt-llm full, vllm standard, eager none)",
                "Which neighbouring ops share a kernel (A-203): none = every op its own kernel; standard = Q/K/V "
                "and gate/up GEMMs, residual add + norm; full = also activation and rope in GEMM epilogues and "
                "all-reduce + residual + norm in one kernel.",
                [](const ConfigNode* n, const ConfigNode&, SoftwareKeys& k, Diagnostics& d) {
                  if (n == nullptr) return;
                  std::vector<std::string> names;
                  for (const auto& [name, f] : kFusions) {
                    names.emplace_back(name);
                    if (n->is_scalar() && n->scalar() == name) {
                      k.fusion = f;
                      return;
                    }
                  }
                  const std::string v = n->is_scalar() ? n->scalar() : "";
                  d.add(n->error("unknown value '" + v + "'" + did_you_mean(v, names) +
                                 " (expected one of: " + quoted_list(names) + ")"));
                })
        .custom("mla_attention", "one of: tensor, data", "tensor",
                "How MLA (DeepSeek latent attention) layers split over a stage's GPUs (A-210): tensor = heads "
                "split, every GPU reads the whole latent cache, an all-reduce after the output projection; data = "
                "each GPU runs whole attention layers (all their weights) for 1/N of the sequences and no "
                "all-reduce, experts still spread (expert parallel): the split DeepSeek-V3 serves with.",
                [](const ConfigNode* n, const ConfigNode&, SoftwareKeys& k, Diagnostics& d) {
                  if (n == nullptr) return;
                  const std::string v = n->is_scalar() ? n->scalar() : "";
                  if (v == "tensor")
                    k.mla_attention = MlaParallel::Tensor;
                  else if (v == "data")
                    k.mla_attention = MlaParallel::Data;
                  else
                    d.add(n->error("unknown value '" + v + "' (expected one of: 'tensor', 'data')"));
                })
        .text("collective", &SoftwareKeys::collective,
              "Collective implementation: a name under `collectives`, or `formula` (ring/tree/one-shot/two-shot "
              "from link bandwidth and latency, A-80). Profiles prefer their own implementation when the system "
              "lists its table (tensorrt-llm: trtllm-custom, vllm: vllm-custom, eager: nccl), else formula.",
              "")
        .custom("collectives", "section (one measured table per implementation)", "(none)",
                "Measured collective times per implementation: `NAME: {source, all_reduce: {bytes: [...], time: "
                "{GPUS: [...]}}, all_to_all: ...}`; interpolated in log(size), exact at table points (A-200, "
                "A-201). Operations a table lacks use the link formulas.",
                [](const ConfigNode* n, const ConfigNode&, SoftwareKeys& k, Diagnostics& d) {
                  if (n == nullptr) return;
                  if (!n->is_map()) {
                    d.add(n->error("expected a map of implementation name to its tables"));
                    return;
                  }
                  k.collectives = *n;
                });
    return s;
  }();
  return s;
}

}  // namespace

std::string_view fusion_name(Fusion f) {
  for (const auto& [name, v] : kFusions)
    if (v == f) return name;
  return "standard";
}

std::string GpuSoftware::describe() const {
  const std::string graphs = cuda_graphs ? (*cuda_graphs ? "CUDA graphs" : "no CUDA graphs") : "device's CUDA graphs";
  return fmt::format("{}: {}, {} us per step, {} fusion, {} collectives", profile, graphs, step_overhead.value() * 1e6,
                     fusion_name(fusion), collective);
}

const CollectiveTable* GpuSoftware::table() const {
  const auto it = collectives.find(collective);
  return it == collectives.end() ? nullptr : &it->second;
}

const std::vector<GpuSoftware>& gpu_software_profiles() {
  static const std::vector<GpuSoftware> profiles = [] {
    std::vector<GpuSoftware> p(3);
    // TensorRT-LLM: C++ runtime replaying CUDA graphs; raw cuLaunchKernel 3.3 us (19 args,
    // calibration-public §B, tritonbench PR #1017); per-step host time not published: 50 us
    // assumed; fused all-reduce + norm and epilogue fusion.
    p[0].profile = "tensorrt-llm";
    p[0].launch_overhead = Seconds(3.3e-6);
    p[0].step_overhead = Seconds(50e-6);
    p[0].fusion = Fusion::Full;
    p[0].collective = "trtllm-custom";
    // vLLM / SGLang: Python scheduler, CUDA graphs for decode. torch launcher 6.8 us (§B,
    // tritonbench). Step time 0.4 ms derived from §B (Hazy Research: vLLM/SGLang reach at most
    // 50% of H100 bandwidth on Llama-3.2-1B at batch 1: 2.47 GB / (0.5 × 3.35 TB/s) = 1.47 ms
    // per token, less 0.84 ms of streaming at 88%, less 16 layers × 10 kernels × 1.3 us ⇒ ≈ 0.4 ms).
    p[1].profile = "vllm";
    p[1].launch_overhead = Seconds(6.8e-6);
    p[1].step_overhead = Seconds(0.4e-3);
    p[1].fusion = Fusion::Standard;
    p[1].collective = "vllm-custom";
    // PyTorch eager (Hugging Face generate): no graphs, one kernel per op, NCCL. torch
    // launcher with arguments 9.1 us (§B, tritonbench); per-step Python overhead 2 ms, the
    // order of the CPU bubble SGLang issue #5593 measured before each step (§B).
    p[2].profile = "eager";
    p[2].cuda_graphs = false;
    p[2].launch_overhead = Seconds(9.1e-6);
    p[2].step_overhead = Seconds(2e-3);
    p[2].fusion = Fusion::None;
    p[2].collective = "nccl";
    return p;
  }();
  return profiles;
}

std::shared_ptr<const GpuSoftware> default_gpu_software() {
  static const auto def = [] {
    auto s = std::make_shared<GpuSoftware>(gpu_software_profiles().front());
    s->collective = "formula";
    return s;
  }();
  return def;
}

std::shared_ptr<const SoftwareStack> parse_gpu_software(const ConfigNode* node, Diagnostics& d) {
  if (node == nullptr) return default_gpu_software();
  if (!node->is_map()) {
    d.add(node->error("expected a section (profile, cuda_graphs, step_overhead, fusion, collective, collectives)"));
    return nullptr;
  }
  SoftwareKeys keys;
  const std::size_t before = d.size();
  keys_schema().parse(*node, keys, d);
  if (d.size() != before) return nullptr;
  const auto& profiles = gpu_software_profiles();
  const auto it =
      std::find_if(profiles.begin(), profiles.end(), [&](const auto& p) { return p.profile == keys.profile; });
  if (it == profiles.end()) {
    const auto names = profile_names();
    d.add(node->error_at_key("profile", "unknown profile '" + keys.profile + "'" + did_you_mean(keys.profile, names) +
                                            " (profiles: " + quoted_list(names) + ")"));
    return nullptr;
  }
  auto s = std::make_shared<GpuSoftware>(*it);
  if (keys.cuda_graphs) s->cuda_graphs = keys.cuda_graphs;
  if (keys.launch_overhead) s->launch_overhead = keys.launch_overhead;
  if (keys.step_overhead) s->step_overhead = *keys.step_overhead;
  if (keys.fusion) s->fusion = *keys.fusion;
  if (keys.mla_attention) s->mla_attention = *keys.mla_attention;
  if (keys.collectives) {
    for (std::size_t i = 0; i < keys.collectives->size(); ++i) {
      (void)keys.collectives->find(keys.collectives->keys()[i]);
      if (auto t = parse_collective_table(keys.collectives->at(i), d)) s->collectives[keys.collectives->keys()[i]] = *t;
    }
  }
  if (d.size() != before) return nullptr;
  std::vector<std::string> names{"formula"};
  for (const auto& [name, t] : s->collectives) names.push_back(name);
  if (!keys.collective.empty()) {
    if (std::find(names.begin(), names.end(), keys.collective) == names.end()) {
      d.add(node->error_at_key("collective", "no collective table named '" + keys.collective + "'" +
                                                 did_you_mean(keys.collective, names) +
                                                 " (available: " + quoted_list(names) + ")"));
      return nullptr;
    }
    s->collective = keys.collective;
  } else if (s->collectives.find(s->collective) == s->collectives.end()) {
    s->collective = "formula";  // the profile's own implementation was not measured on this system
  }
  return s;
}

std::vector<FieldDoc> describe_gpu_software() {
  auto docs = keys_schema().describe();
  for (const auto& [op, name] :
       {std::pair{"all_reduce", "All-reduce"}, std::pair{"all_to_all", "All-to-all"},
        std::pair{"all_gather", "All-gather"}, std::pair{"reduce_scatter", "Reduce-scatter"}}) {
    docs.push_back(FieldDoc{std::string("collectives.NAME.") + op,
                            "section (bytes: list of sizes, time: map of GPU "
                            "count to a list of times)",
                            "", "(none)",
                            std::string(name) + " times measured per GPU count at each size (bytes per GPU); "
                                                "non-decreasing in size (A-200)."});
  }
  docs.push_back(FieldDoc{"collectives.NAME.source", "text", "", "\"\"", "Where the table's figures come from."});
  return docs;
}

const GpuSoftware& software_of(const std::shared_ptr<const SoftwareStack>& stack) {
  // Only the gpu kind's parser fills a GPU group's stack.
  if (stack != nullptr) return static_cast<const GpuSoftware&>(*stack);
  return *default_gpu_software();
}

}  // namespace wafersim::gpu
