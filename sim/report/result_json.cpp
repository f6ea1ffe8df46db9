#include "sim/report/result_json.h"

#include <fmt/format.h>

#include "sim/report/result_fields.h"

namespace wafersim {
namespace {

void flatten_into(const std::string& prefix, const Json& v, std::vector<std::pair<std::string, Json>>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      flatten_into(prefix.empty() ? it.key() : prefix + "." + it.key(), it.value(), out);
  } else {
    out.emplace_back(prefix, v);
  }
}

}  // namespace

/// Every field of the table (sim/report/result_fields.cpp), nested at its dots.
Json result_to_json(const RunResult& r) {
  Json j = Json::object();
  for (const ResultField& f : result_fields()) {
    if (f.speculative_only && !r.speculative) continue;
    std::string pointer = "/" + f.name;
    for (char& c : pointer)
      if (c == '.') c = '/';
    j[Json::json_pointer(pointer)] = f.value(r);
  }
  return j;
}

std::vector<std::pair<std::string, Json>> flatten(const Json& object) {
  std::vector<std::pair<std::string, Json>> out;
  flatten_into("", object, out);
  return out;
}

std::string csv_cell(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) return fmt::format("{:.10g}", v.get<double>());
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace wafersim
