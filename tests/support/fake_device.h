#pragma once
// A minimal device kind for testing sim/ without any real hardware model: a
// roofline op cost of F / peak and B / bandwidth with round numbers.

#include <memory>

#include "sim/timing/backend.h"
#include "sim/workload/graph.h"

namespace wafersim::testing {

class FakeDevice : public Device {
 public:
  FakeDevice(std::string name, Bytes capacity, double bandwidth, double flops, int max_tp) : name_(std::move(name)) {
    summary_.memory_capacity = capacity;
    summary_.memory_bandwidth = BytesPerSecond(bandwidth);
    summary_.memory_level = "RAM";
    summary_.peak_flops.set(DType::Fp16, FlopsPerSecond(flops));
    summary_.link = LinkSpec{BytesPerSecond(1e9), Seconds(1e-6), LinkTopology::Switch};
    summary_.max_tensor_parallel = max_tp;
  }
  const std::string& name() const override { return name_; }
  std::string_view kind() const override { return "fake"; }
  const DeviceSummary& summary() const override { return summary_; }
  std::string describe() const override { return "fake device"; }

 private:
  std::string name_;
  DeviceSummary summary_;
};

class FakeCost : public OpCostModel {
 public:
  explicit FakeCost(const Device& d) : d_(d) {}
  OpCost cost(const Op& op, const OpContext& ctx) const override {
    const double share = op.split == TpSplit::Replicated ? 1.0 : 1.0 / ctx.tp;
    OpCost c;
    c.compute = Seconds(op.flops * share / d_.summary().peak_flops.get(DType::Fp16)->value());
    c.memory = Seconds(static_cast<double>(op.bytes.total().value()) * share / d_.summary().memory_bandwidth.value());
    return c;
  }

 private:
  const Device& d_;
};

/// Registers the "fake" kind (devices parsed from `capacity`, no other keys).
inline void register_fake(Registry& r, bool tp_first) {
  DeviceKind kind{"fake", "test device",
                  [](const ConfigNode& n, const std::string& name, Diagnostics&) -> std::shared_ptr<const Device> {
                    n.consume_all();
                    return std::make_shared<FakeDevice>(name, Bytes(1'000'000), 1e9, 1e12, 8);
                  },
                  [] { return std::vector<FieldDoc>{}; }};
  Backend b{"fake",
            {Fidelity::Roofline},
            [tp_first](const Device& d) {
              MappingPolicy p;
              p.capacity_per_device = d.summary().memory_capacity;
              p.max_tp = d.summary().max_tensor_parallel;
              p.tp_first = tp_first;
              return p;
            },
            [](const Device& d, Fidelity) { return std::make_unique<FakeCost>(d); },
            {},
            {},
            {}};
  r.add(kind, b);
}

/// A graph of `layers` layers, each one Column matmul then one Row matmul with
/// `weight` bytes each, plus an embedding (layer -1) and head (layer L).
inline Graph toy_graph(int layers, std::int64_t weight, std::int64_t act = 100) {
  std::vector<Op> ops;
  auto add = [&](std::string name, int layer, TpSplit split, std::int64_t w) {
    Op op;
    op.id = static_cast<int>(ops.size());
    op.name = std::move(name);
    op.layer = layer;
    op.split = split;
    op.flops = 2.0 * static_cast<double>(w);
    op.bytes.weights = Bytes(w);
    op.bytes.activations_in = Bytes(act);
    op.bytes.activations_out = Bytes(act);
    op.weights_resident = Bytes(w);
    if (op.id > 0) op.inputs = {op.id - 1};
    ops.push_back(op);
  };
  add("embed", -1, TpSplit::Replicated, weight / 10);
  for (int l = 0; l < layers; ++l) {
    add("layers." + std::to_string(l) + ".up", l, TpSplit::Column, weight);
    add("layers." + std::to_string(l) + ".down", l, TpSplit::Row, weight);
  }
  add("head", layers, TpSplit::Column, weight);
  return Graph("toy", StepShape{}, layers, std::move(ops));
}

}  // namespace wafersim::testing
