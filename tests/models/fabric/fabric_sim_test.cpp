// The core side of the cycle-level reference: when a receive wakes its core, how a
// stream keeps pace, SRAM capacity per core, and programs that can never finish.
#include <gtest/gtest.h>

#include "models/fabric/fabric_sim.h"
#include "sim/core/error.h"

namespace wafersim::fabric {
namespace {

wafer::MeshParams core_params(double alpha) {
  wafer::MeshParams p;
  p.hop_latency = 1;
  p.link_bytes = 4;
  p.sram_read = 16;
  p.sram_write = 8;
  p.flops = 16;
  p.task_overhead = alpha;
  return p;
}

NetworkParams line(int n) {
  NetworkParams p;
  p.width = n;
  p.height = 1;
  return p;
}

Instr send_to(int x, int buf, std::int64_t elems) {
  Instr in;
  in.kind = InstrKind::Send;
  in.route = Route{x, 0, false};
  in.buf = buf;
  in.elems = elems;
  in.elem_bytes = 4;
  return in;
}

Instr receive(InstrKind kind, int buf, std::int64_t elems) {
  Instr in;
  in.kind = kind;
  in.buf = buf;
  in.elems = elems;
  in.elem_bytes = 4;
  in.op = StreamOp::Add;
  return in;
}

TEST(FabricSim, AReceiveWakesItsCoreAlphaCyclesAfterTheLastFlitLands) {
  FabricSim sim(line(4), core_params(50), 1 << 20);
  const int a = sim.alloc(0, 100, 4, "out"), b = sim.alloc(3, 100, 4, "in");
  sim.buffer(0, a).assign(100, 2.0f);
  sim.emit(0, send_to(3, a, 100));
  sim.emit(3, receive(InstrKind::Recv, b, 100));
  // 3 hops, 100 flits (the last lands 99 cycles after the first), seen a cycle later, α = 50.
  EXPECT_EQ(sim.run(), 3u + 99u + 1u + 50u);
  EXPECT_EQ(sim.buffer(3, b)[99], 2.0f);
}

TEST(FabricSim, AStreamIsWokenByItsFirstFlitAndThenKeepsPace) {
  FabricSim sim(line(2), core_params(50), 1 << 20);
  const int a = sim.alloc(0, 20, 4, "out"), b = sim.alloc(1, 20, 4, "acc");
  sim.buffer(0, a).assign(20, 1.0f);
  sim.buffer(1, b).assign(20, 0.5f);
  sim.emit(0, send_to(1, a, 20));
  sim.emit(1, receive(InstrKind::Stream, b, 20));
  // First flit lands at cycle 1, seen at 2; α until 52; 20 flits consumed one per cycle.
  EXPECT_EQ(sim.run(), 2u + 50u + 19u);
  EXPECT_EQ(sim.buffer(1, b)[19], 1.5f);
}

TEST(FabricSim, SramIsCountedPerCoreAndNamesTheCore) {
  FabricSim sim(line(2), core_params(0), 1000);
  (void)sim.alloc(1, 200, 4, "its weights");
  EXPECT_TRUE(sim.fits());
  (void)sim.alloc(1, 101, 2, "its inputs");
  EXPECT_FALSE(sim.fits());
  EXPECT_EQ(sim.fit_error(), "core (1, 0) needs 1002 B of SRAM (at its inputs) and has 1000 B");
}

TEST(FabricSim, AProgramWaitingOnAMessageNeverSentIsAnErrorNotAHang) {
  FabricSim sim(line(3), core_params(10), 1 << 20);
  const int b = sim.alloc(2, 4, 4, "in");
  sim.emit(2, receive(InstrKind::Recv, b, 4));
  EXPECT_THROW((void)sim.run(), InternalError);
}

}  // namespace
}  // namespace wafersim::fabric
