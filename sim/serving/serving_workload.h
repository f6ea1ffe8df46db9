#pragma once
// The requests of a serving run: synthetic (Poisson, gamma or offline arrivals with
// token lengths from distributions) or read from a trace CSV (the Azure LLM
// inference trace format `TIMESTAMP,ContextTokens,GeneratedTokens`, or
// `arrival_s,prompt,output`). Units: seconds, tokens, requests per second.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sim/serving/length_distribution.h"
#include "sim/serving/serving_request.h"

namespace wafersim::serving {

enum class ArrivalKind { Poisson, Gamma, Offline };
[[nodiscard]] std::optional<ArrivalKind> parse_arrival(const std::string& s);

struct SyntheticWorkload {
  ArrivalKind arrival = ArrivalKind::Poisson;
  double rate = 1;  ///< requests per second (Poisson, gamma)
  double cv = 1;    ///< gamma: coefficient of variation of the gaps (1 = Poisson, > 1 bursty)
  std::int64_t requests = 100;
  LengthDistribution prompt = LengthDistribution::parse("512", "--prompt");
  LengthDistribution output = LengthDistribution::parse("128", "--output");
  std::uint64_t seed = 1;
};

/// Draws the requests: arrival gaps first, then prompt and output lengths, from one
/// seeded generator, so the same seed gives the same workload.
[[nodiscard]] std::vector<ServeRequest> generate_requests(const SyntheticWorkload& w);

/// A trace read from a CSV file, its arrival times starting at 0.
struct Trace {
  std::string path;
  std::vector<ServeRequest> requests;
  [[nodiscard]] double natural_rate() const;  ///< requests per second as recorded
};

/// Reads a trace. Throws InputError naming the file and line for malformed rows, and
/// for an empty trace.
[[nodiscard]] Trace load_trace(const std::string& path);

/// The first `limit` requests (0 = all), arrival times scaled so the mean rate of those
/// requests is `rate` (0 = as recorded), or all at t = 0 when `offline`.
[[nodiscard]] std::vector<ServeRequest> replay(const Trace& trace, double rate, std::int64_t limit, bool offline);

}  // namespace wafersim::serving
