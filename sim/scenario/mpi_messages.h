#pragma once
// The messages between rank 0 and the other ranks of an MPI run (mpi_pool.h), and
// how a rank waits for them. Internal to the MPI runner: only built with MPI.

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "sim/scenario/point_pool.h"

namespace wafersim::mpi_messages {

enum Tag : int { kReady = 1, kWork = 2, kStop = 3, kResult = 4, kDone = 5, kError = 6 };

// a chunk of points should take about this long on one thread, so the
// round trip to rank 0 stays a small share of it; slow points go one at a time.
constexpr double kChunkSeconds = 0.05;
constexpr std::size_t kMaxChunk = 64;

struct Message {
  int source = 0, tag = 0;
  std::string payload;
};

inline void send(int dest, int tag, const std::string& payload) {
  MPI_Send(payload.data(), static_cast<int>(payload.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

/// The next message from `source` (or any rank), without waiting.
inline std::optional<Message> poll(int source = MPI_ANY_SOURCE) {
  int flag = 0;
  MPI_Status status;
  MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
  if (flag == 0) return std::nullopt;
  int bytes = 0;
  MPI_Get_count(&status, MPI_BYTE, &bytes);
  Message m{status.MPI_SOURCE, status.MPI_TAG, std::string(static_cast<std::size_t>(bytes), '\0')};
  MPI_Recv(m.payload.data(), bytes, MPI_BYTE, m.source, m.tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return m;
}

/// Sleeps a little longer each idle turn (20 us to 1 ms): a waiting rank must not
/// spin on a core another rank's evaluation needs.
class Backoff {
 public:
  void turn(bool busy) {
    if (busy) {
      us_ = 20;
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(us_));
    us_ = std::min(us_ * 2, 1000);
  }

 private:
  int us_ = 20;
};

inline std::string result_message(std::size_t i, const PointOutput& out) {
  return Json{{"i", i}, {"row", out.row}, {"ops", out.ops}, {"trace", out.trace}, {"seconds", out.seconds}}.dump();
}

inline std::pair<std::size_t, PointOutput> parse_result(const std::string& payload) {
  Json j = Json::parse(payload);
  return {j.at("i").get<std::size_t>(), PointOutput{std::move(j.at("row")), std::move(j.at("ops")),
                                                    j.at("trace").get<std::string>(), j.at("seconds").get<double>()}};
}

}  // namespace wafersim::mpi_messages
