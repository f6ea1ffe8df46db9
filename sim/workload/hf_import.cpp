#include "sim/workload/hf_import.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/core/error.h"
#include "sim/core/text.h"
#include "sim/workload/hf_fields.h"
#include "sim/workload/hf_model_types.h"

namespace wafersim {

namespace {

using nlohmann::json;

constexpr std::uintmax_t kMaxFileBytes = 8u << 20;  // config.json files are a few KiB
constexpr int kMaxDepth = 64;

struct TooDeep {};

// "line L, column C" of the byte where nlohmann's parser stopped (1-based byte index).
std::pair<int, int> line_and_column(const std::string& text, std::size_t byte) {
  int line = 1, column = 1;
  const std::size_t end = std::min(text.size(), byte > 0 ? byte - 1 : 0);
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's message without its "[json.exception...] parse error at line 1, column 2: " prefix.
std::string parse_message(const std::string& what) {
  const auto column = what.find("column ");
  if (column != std::string::npos) {
    const auto colon = what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  const auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

json parse_json(const std::string& text, const std::string& source) {
  json::parser_callback_t limit_depth = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth) throw TooDeep{};
    return true;
  };
  try {
    return json::parse(text, limit_depth);
  } catch (const json::parse_error& e) {
    const auto [line, column] = line_and_column(text, e.byte);
    throw InputError(Diagnostic{source, line, column, "", "invalid JSON: " + parse_message(e.what())});
  } catch (const json::out_of_range& e) {
    // A number too large for a double ("1e400"): point at the first place the text holds it.
    const std::string msg = parse_message(e.what());
    const auto open = msg.find('\''), close = msg.rfind('\'');
    const std::string token = open != std::string::npos && close > open ? msg.substr(open + 1, close - open - 1) : "";
    const std::size_t at = token.empty() ? std::string::npos : text.find(token);
    const auto [line, column] = at == std::string::npos ? std::pair<int, int>{0, 0} : line_and_column(text, at + 1);
    throw InputError(Diagnostic{source, line, column, "", "invalid JSON: " + msg});
  } catch (const TooDeep&) {
    throw InputError(Diagnostic{source, 0, 0, "", "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels"});
  }
}

// Consistency, in the file's own key names; check_model() backs these up.
void check_consistency(HfFields& f, const std::string& type, ModelSpec& m) {
  auto s = [](std::int64_t v) { return std::to_string(v); };
  const bool gpt2 = type == "gpt2";
  const std::string hidden_key = gpt2 ? "n_embd" : "hidden_size";
  const std::string heads_key = gpt2 ? "n_head" : "num_attention_heads";
  if (m.head_dim == 0) {
    if (m.hidden % m.heads != 0) {
      f.add(hidden_key,
            hidden_key + " (" + s(m.hidden) + ") is not divisible by " + heads_key + " (" + s(m.heads) + ")");
      return;
    }
    m.head_dim = m.hidden / m.heads;
  }
  if (m.heads % m.kv_heads != 0)
    f.add("num_key_value_heads",
          "num_attention_heads (" + s(m.heads) + ") is not divisible by num_key_value_heads (" + s(m.kv_heads) + ")");
  if (m.moe.experts_per_token > m.moe.experts)
    f.add("num_experts_per_tok",
          "num_experts_per_tok (" + s(m.moe.experts_per_token) + ") exceeds the " + s(m.moe.experts) + " experts");
  if (m.moe.dense_layers > m.layers)
    f.add("first_k_dense_replace",
          "first_k_dense_replace (" + s(m.moe.dense_layers) + ") exceeds num_hidden_layers (" + s(m.layers) + ")");
  if (!f.diagnostics.empty()) return;
  for (const ModelIssue& i : check_model(m)) f.add(i.key, i.message);
}

std::string read_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw InputError(Diagnostic{path, 0, 0, "", fs::exists(path, ec) ? "not a regular file" : "no such file"});
  const auto bytes = fs::file_size(path, ec);
  if (ec || bytes > kMaxFileBytes)
    throw InputError(Diagnostic{path, 0, 0, "", "file larger than " + std::to_string(kMaxFileBytes) + " bytes"});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw InputError(Diagnostic{path, 0, 0, "", "cannot read file"});
  return text.str();
}

// The model's name: the last part of `_name_or_path` ("Qwen/Qwen3-8B" -> "Qwen3-8B")
// when the file has one, else the folder holding config.json (resolved, so
// "./config.json" is named after the current folder), else the file's stem.
std::string model_name(const json& j, const std::string& path) {
  namespace fs = std::filesystem;
  if (auto it = j.find("_name_or_path"); it != j.end() && it->is_string()) {
    std::string n = it->get<std::string>();
    while (!n.empty() && n.back() == '/') n.pop_back();
    if (const auto slash = n.rfind('/'); slash != std::string::npos) n = n.substr(slash + 1);
    if (!n.empty()) return n;
  }
  const fs::path p(path);
  if (p.filename() == "config.json") {
    std::error_code ec;
    const fs::path folder = fs::weakly_canonical(fs::absolute(p, ec), ec).parent_path();
    if (!ec && !folder.filename().empty()) return folder.filename().string();
  }
  return p.stem().string();
}

ModelSpec build_spec(const json& j, const std::string& source, const std::string& name) {
  if (!j.is_object())
    throw InputError(Diagnostic{source, 0, 0, "", std::string("expected a JSON object, got ") + j.type_name()});
  const auto& types = HfModelTypes::supported();
  const std::string supported = quoted_list(types);
  auto type_it = j.find("model_type");
  if (type_it == j.end() || type_it->is_null())
    throw InputError(
        Diagnostic{source, 0, 0, "model_type", "missing required field 'model_type' (supported: " + supported + ")"});
  if (!type_it->is_string())
    throw InputError(Diagnostic{source, 0, 0, "model_type", std::string("expected text, got ") + type_it->type_name()});
  const std::string type = type_it->get<std::string>();
  if (std::find(types.begin(), types.end(), type) == types.end())
    throw InputError(Diagnostic{
        source, 0, 0, "model_type",
        "unsupported model_type '" + type + "'" + did_you_mean(type, types) + " (supported: " + supported + ")"});

  ModelSpec m;
  m.name = name;
  m.description = "imported from " + source + " (model_type " + type + ")";
  HfFields f(j, source);
  HfModelTypes::read(f, type, m);
  f.diagnostics.throw_if_any();
  check_consistency(f, type, m);
  f.diagnostics.throw_if_any();
  return m;
}

}  // namespace

ModelSpec HfImport::from_file(const std::string& path) {
  const json j = parse_json(read_file(path), path);
  return build_spec(j, path, model_name(j, path));
}

ModelSpec HfImport::from_text(const std::string& json_text, const std::string& source, const std::string& name) {
  return build_spec(parse_json(json_text, source), source, name);
}

}  // namespace wafersim
