#include "sim/serving/serving_workload.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fstream>

#include "sim/core/error.h"
#include "sim/core/text.h"

namespace wafersim::serving {
namespace {

constexpr std::int64_t kMaxTokens = 1'000'000'000;

double uniform01(std::mt19937_64& rng) { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; }

[[noreturn]] void row_error(const std::string& path, int line, const std::string& column, const std::string& msg) {
  throw InputError(Diagnostic{path, line, 0, column, msg});
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',')
      out.emplace_back();
    else if (c != '\r')
      out.back() += c;
  }
  for (auto& s : out) s = trim(s);
  return out;
}

std::int64_t tokens(const std::string& s, const std::string& path, int line, const std::string& column,
                    bool allow_zero) {
  bool digits = !s.empty() && s.size() <= 10;
  for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) row_error(path, line, column, fmt::format("'{}' is not a whole token count", s));
  const std::int64_t v = std::stoll(s);
  if (v > kMaxTokens) row_error(path, line, column, fmt::format("{} tokens exceed the limit of 1e9", v));
  if (v < (allow_zero ? 0 : 1)) row_error(path, line, column, fmt::format("{} tokens: must be at least 1", v));
  return v;
}

/// "2023-11-16 18:15:46.6805900" → seconds since midnight of that day, plus days (days from civil).
std::optional<double> parse_timestamp(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double sec = 0;
  char rest = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%lf%c", &y, &mo, &d, &h, &mi, &sec, &rest) != 6) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec >= 61)
    return std::nullopt;
  // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
  y -= mo <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const double days = era * 146097.0 + doe - 719468.0;
  return days * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
}

}  // namespace

std::optional<ArrivalKind> parse_arrival(const std::string& s) {
  if (s == "poisson") return ArrivalKind::Poisson;
  if (s == "gamma") return ArrivalKind::Gamma;
  if (s == "offline") return ArrivalKind::Offline;
  return std::nullopt;
}

std::vector<ServeRequest> generate_requests(const SyntheticWorkload& w) {
  std::mt19937_64 rng(w.seed);
  std::vector<ServeRequest> out(static_cast<std::size_t>(w.requests));
  // Gamma gaps with shape k = 1/cv^2 and mean 1/rate: cv = 1 is Poisson, larger is burstier.
  const double shape = 1.0 / (w.cv * w.cv);
  std::gamma_distribution<double> gamma(shape, 1.0 / (w.rate * shape));
  double t = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].id = static_cast<std::int64_t>(i);
    if (i > 0) {
      switch (w.arrival) {
        case ArrivalKind::Poisson:
          t += -std::log(uniform01(rng)) / w.rate;
          break;
        case ArrivalKind::Gamma:
          t += gamma(rng);
          break;
        case ArrivalKind::Offline:
          break;
      }
    }
    out[i].arrival_s = t;
  }
  for (auto& r : out) {
    r.prompt = w.prompt.sample(rng);
    r.output = w.output.sample(rng);
  }
  return out;
}

double Trace::natural_rate() const {
  if (requests.size() < 2 || requests.back().arrival_s <= 0) return 0;
  return static_cast<double>(requests.size() - 1) / requests.back().arrival_s;
}

Trace load_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(Diagnostic{path, 0, 0, "--trace", "cannot open the trace file"});
  Trace t;
  t.path = path;
  std::string line;
  int n = 0;
  bool azure = false, header = false;
  double t0 = 0, previous = -1;
  while (std::getline(in, line)) {
    ++n;
    if (trim(line).empty()) continue;
    const auto cells = split_csv(line);
    if (!header) {
      header = true;
      if (cells.size() == 3 && cells[0] == "TIMESTAMP" && cells[1] == "ContextTokens" &&
          cells[2] == "GeneratedTokens") {
        azure = true;
        continue;
      }
      if (cells.size() == 3 && cells[0] == "arrival_s" && cells[1] == "prompt" && cells[2] == "output") continue;
      row_error(path, n, "header",
                "expected the header 'TIMESTAMP,ContextTokens,GeneratedTokens' (Azure LLM trace) or "
                "'arrival_s,prompt,output', got '" +
                    trim(line) + "'");
    }
    if (cells.size() != 3) row_error(path, n, "", fmt::format("expected 3 columns, got {}", cells.size()));
    ServeRequest r;
    double at = 0;
    if (azure) {
      const auto ts = parse_timestamp(cells[0]);
      if (!ts) row_error(path, n, "TIMESTAMP", "'" + cells[0] + "' is not a time like 2023-11-16 18:15:46.6805900");
      at = *ts;
    } else {
      char* end = nullptr;
      at = std::strtod(cells[0].c_str(), &end);
      if (cells[0].empty() || *end != '\0' || !std::isfinite(at) || at < 0)
        row_error(path, n, "arrival_s", "'" + cells[0] + "' is not a time in seconds >= 0");
    }
    if (t.requests.empty()) t0 = at;
    if (at < previous)
      row_error(path, n, azure ? "TIMESTAMP" : "arrival_s", "arrival times must not decrease (rows are in time order)");
    previous = at;
    r.arrival_s = at - t0;
    r.prompt = tokens(cells[1], path, n, azure ? "ContextTokens" : "prompt", false);
    // A request that generated nothing still produced its first token in the trace's accounting.
    r.output = std::max<std::int64_t>(1, tokens(cells[2], path, n, azure ? "GeneratedTokens" : "output", true));
    r.id = static_cast<std::int64_t>(t.requests.size());
    t.requests.push_back(r);
  }
  if (t.requests.empty()) throw InputError(Diagnostic{path, n, 0, "--trace", "the trace has no requests"});
  return t;
}

std::vector<ServeRequest> replay(const Trace& trace, double rate, std::int64_t limit, bool offline) {
  std::vector<ServeRequest> out = trace.requests;
  if (limit > 0 && static_cast<std::size_t>(limit) < out.size()) out.resize(static_cast<std::size_t>(limit));
  // The rate of the requests kept, so `rate` is what the replay offers.
  const double natural =
      out.size() > 1 && out.back().arrival_s > 0 ? static_cast<double>(out.size() - 1) / out.back().arrival_s : 0;
  const double scale = offline ? 0.0 : (rate > 0 && natural > 0 ? natural / rate : 1.0);
  for (auto& r : out) r.arrival_s *= scale;
  return out;
}

}  // namespace wafersim::serving
