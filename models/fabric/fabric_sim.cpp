#include "models/fabric/fabric_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <queue>

#include "sim/core/error.h"

namespace wafersim::fabric {
namespace {

constexpr std::uint64_t kNever = ~std::uint64_t{0};

constexpr auto kLater = [](const std::pair<std::uint64_t, int>& a, const std::pair<std::uint64_t, int>& b) {
  return a > b;
};

}  // namespace

FabricSim::FabricSim(NetworkParams net, const wafer::MeshParams& core, std::int64_t sram_per_core)
    : net_(net),
      core_(core),
      sram_per_core_(sram_per_core),
      cores_(static_cast<std::size_t>(net.width) * static_cast<std::size_t>(net.height)),
      poked_(cores_.size(), 0) {}

void FabricSim::charge_ramps() {
  ramp_ = 2 * static_cast<std::uint64_t>(std::llround(std::max(0.0, core_.ramp_latency)));
}

int FabricSim::alloc(int core, std::int64_t elems, double elem_bytes, const char* what) {
  Core& c = cores_[static_cast<std::size_t>(core)];
  const auto bytes =
      static_cast<std::int64_t>(std::ceil(static_cast<double>(std::max<std::int64_t>(elems, 0)) * elem_bytes));
  c.sram_used += bytes;
  if (c.sram_used > sram_per_core_ && fit_error_.empty())
    fit_error_ = fmt::format("core ({}, {}) needs {} B of SRAM (at {}) and has {} B", core % width(), core / width(),
                             c.sram_used, what, sram_per_core_);
  c.buffers.emplace_back(static_cast<std::size_t>(std::max<std::int64_t>(elems, 0)), 0.0f);
  return static_cast<int>(c.buffers.size()) - 1;
}

void FabricSim::emit(int core, Instr instr) {
  cores_[static_cast<std::size_t>(core)].program.push_back(std::move(instr));
}

std::uint32_t FabricSim::flits_for(std::int64_t elems, double elem_bytes) const {
  const double flits = std::ceil(static_cast<double>(elems) * elem_bytes / core_.link_bytes);
  return static_cast<std::uint32_t>(std::max(1.0, flits));
}

void FabricSim::record(MessageId m, int tag) {
  if (payload_.size() <= m) {
    payload_.resize(m + 1);
    tag_.resize(m + 1, 0);
  }
  tag_[m] = tag;
}

void FabricSim::wake_at(int core, std::uint64_t cycle) {
  // One timer per core, the earliest: a core woken early re-arms for later.
  Core& c = cores_[static_cast<std::size_t>(core)];
  if (cycle >= c.timer_at) return;
  c.timer_at = cycle;
  timers_.emplace_back(cycle, core);
  std::push_heap(timers_.begin(), timers_.end(), kLater);
}

int FabricSim::find_inbound(Core& c, int color, int tag) const {
  for (std::size_t i = 0; i < c.inbox.size(); ++i)
    if (!c.inbox[i].taken && c.inbox[i].color == color && c.inbox[i].tag == tag) return static_cast<int>(i);
  return -1;
}

void FabricSim::deliver(const Delivery& d) {
  Core& c = cores_[static_cast<std::size_t>(d.core)];
  auto it = std::find_if(c.inbox.rbegin(), c.inbox.rend(), [&](const Inbound& in) { return in.msg == d.msg; });
  if (it == c.inbox.rend())
    c.inbox.push_back(Inbound{d.msg, net_.message(d.msg).color, tag_[d.msg], 1, false, net_.cycle()});
  else
    ++it->arrived;
  if (!poked_[static_cast<std::size_t>(d.core)]) {
    poked_[static_cast<std::size_t>(d.core)] = 1;
    poke_next_.push_back(d.core);
  }
}

void FabricSim::finish_instr(Core& c, std::uint64_t end) {
  const Instr& in = c.program[c.pc];
  c.phases[static_cast<int>(in.phase)] += end - c.phase_start;
  c.phase_start = end;
  c.stage = 0;
  ++c.pc;
}

void FabricSim::advance(int id, std::uint64_t now) {
  Core& c = cores_[static_cast<std::size_t>(id)];
  if (c.done) return;
  if (c.busy_until > now) {
    wake_at(id, c.busy_until);
    return;
  }
  const auto task = static_cast<std::uint64_t>(std::llround(core_.task_overhead));
  while (c.pc < c.program.size()) {
    Instr& in = c.program[c.pc];
    switch (in.kind) {
      case InstrKind::Activate:
      case InstrKind::Compute: {
        if (in.fn) in.fn();
        const std::uint64_t d = in.kind == InstrKind::Activate ? task : in.cycles;
        c.busy_until = now + d;
        finish_instr(c, c.busy_until);
        if (d > 0) {
          wake_at(id, c.busy_until);
          return;
        }
        break;
      }
      case InstrKind::Send: {
        const auto& buf = c.buffers[static_cast<std::size_t>(in.buf)];
        const std::uint32_t flits = flits_for(in.elems, in.elem_bytes);
        const MessageId m = net_.send(id, in.route, in.out_color, flits, flits, in.fan_out);
        record(m, in.tag);
        payload_[m].assign(buf.begin() + in.offset, buf.begin() + in.offset + in.elems);
        finish_instr(c, now);
        break;
      }
      case InstrKind::Recv:
      case InstrKind::Stream: {
        if (c.stage == 0) {
          c.inbound = find_inbound(c, in.in_color, in.tag);
          if (c.inbound < 0) return;
          c.inbox[static_cast<std::size_t>(c.inbound)].taken = true;
          c.stage = 1;
          if (in.kind == InstrKind::Stream && in.activate) {
            // Woken by the first flit: the task activation runs while the rest arrive.
            c.busy_until = now + task;
            if (task > 0) {
              wake_at(id, c.busy_until);
              return;
            }
          }
        }
        const Inbound& ib = c.inbox[static_cast<std::size_t>(c.inbound)];
        const std::uint32_t flits = net_.message(ib.msg).flits;
        if (in.kind == InstrKind::Stream) {
          // The task consumes one flit per cycle from its activation on; flits that
          // arrived earlier wait at the core.
          if (c.stage == 1) {
            // An armed stream has been adding since its first flit came,
            // even while the core was busy with an earlier one.
            c.stream_start = in.activate ? now : std::min(now, ib.first_at);
            c.stage = 2;
            if (in.forward) {
              c.out = net_.send(id, in.route, in.out_color, flits, 0);
              record(c.out, in.tag);
            }
          }
          const std::uint32_t consumed =
              static_cast<std::uint32_t>(std::min<std::uint64_t>(ib.arrived, now - c.stream_start + 1));
          if (in.forward) net_.make_available(c.out, consumed);
          if (consumed < flits) {
            if (consumed < ib.arrived) wake_at(id, c.stream_start + ib.arrived - 1);
            return;
          }
        } else if (ib.arrived < flits) {
          return;
        }
        auto& buf = c.buffers[static_cast<std::size_t>(in.buf)];
        const auto& values = payload_[ib.msg];
        const auto n = std::min<std::size_t>(values.size(), static_cast<std::size_t>(in.elems));
        float* dst = buf.data() + in.offset;
        switch (in.op) {
          case StreamOp::Copy:
            std::copy_n(values.begin(), n, dst);
            break;
          case StreamOp::Add:
            for (std::size_t j = 0; j < n; ++j) dst[j] += values[j];
            break;
          case StreamOp::Max:
            for (std::size_t j = 0; j < n; ++j) dst[j] = std::max(dst[j], values[j]);
            break;
        }
        if (in.kind == InstrKind::Stream && in.forward) payload_[c.out].assign(dst, dst + in.elems);
        // A receive that lands in SRAM wakes the core's task when it completes.
        const bool wake = in.kind == InstrKind::Recv && in.activate && task > 0;
        c.busy_until = wake ? now + task : now;
        finish_instr(c, c.busy_until);
        if (wake) {
          wake_at(id, c.busy_until);
          return;
        }
        break;
      }
    }
  }
  c.done = true;
  c.finished = std::max(c.busy_until, now);
}

std::uint64_t FabricSim::run(std::uint64_t stall_limit) {
  if (!fits()) throw InternalError("FabricSim::run on a program that does not fit: " + fit_error_);
  std::size_t remaining = 0;
  for (std::size_t i = 0; i < cores_.size(); ++i) {
    if (cores_[i].program.empty()) {
      cores_[i].done = true;
      continue;
    }
    ++remaining;
    wake_at(static_cast<int>(i), net_.cycle());
  }
  std::vector<int> due;
  std::uint64_t last_event = net_.cycle();
  auto step_core = [&](int id, std::uint64_t now) {
    const bool was_done = cores_[static_cast<std::size_t>(id)].done;
    const std::size_t pc = cores_[static_cast<std::size_t>(id)].pc;
    advance(id, now);
    const Core& c = cores_[static_cast<std::size_t>(id)];
    if (c.pc != pc) last_event = now;
    if (!was_done && c.done) --remaining;
  };
  while (remaining > 0) {
    const std::uint64_t now = net_.cycle();
    while (!timers_.empty() && timers_.front().first <= now) {
      const auto [at, id] = timers_.front();
      std::pop_heap(timers_.begin(), timers_.end(), kLater);
      timers_.pop_back();
      Core& c = cores_[static_cast<std::size_t>(id)];
      if (at != c.timer_at) continue;  // superseded by an earlier timer
      c.timer_at = kNever;
      step_core(id, now);
    }
    while (!ramping_.empty() && ramping_.front().first <= now) {
      deliver(ramping_.front().second);
      ramping_.pop_front();
    }
    due.swap(poke_next_);
    poke_next_.clear();
    for (int id : due) {
      poked_[static_cast<std::size_t>(id)] = 0;
      step_core(id, now);
    }
    due.clear();
    if (remaining == 0) break;
    if (net_.idle() && poke_next_.empty()) {
      if (!ramping_.empty() && (timers_.empty() || ramping_.front().first < timers_.front().first)) {
        net_.skip_to(ramping_.front().first);
        continue;
      }
      if (timers_.empty())
        throw InternalError(
            fmt::format("cycle model: {} cores wait on messages that were never sent (cycle {})", remaining, now));
      net_.skip_to(timers_.front().first);
      continue;
    }
    for (const Delivery& d : net_.step()) {
      // A flit leaves its core through the ramp and enters the receiver's through
      // another: 2 ramp latencies per message, charged at the receiver.
      if (ramp_ == 0)
        deliver(d);
      else
        ramping_.emplace_back(net_.cycle() + ramp_, d);
    }
    const std::uint64_t progress = std::max(last_event, net_.last_progress_cycle());
    if (net_.cycle() - progress > stall_limit)
      throw InternalError(fmt::format("cycle model: nothing moved for {} cycles with {} cores unfinished (deadlock)",
                                      stall_limit, remaining));
  }
  std::uint64_t end = 0;
  const Core* last = nullptr;
  for (const Core& c : cores_)
    if (!c.program.empty() && (last == nullptr || c.finished > end)) {
      end = c.finished;
      last = &c;
    }
  if (last != nullptr) std::copy(std::begin(last->phases), std::end(last->phases), critical_phases_);
  return end;
}

}  // namespace wafersim::fabric
