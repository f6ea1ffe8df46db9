#pragma once
// Reads typed fields of a Hugging Face config.json object for HfImport, collecting
// every problem with the file and the key it concerns (nested keys as
// "text_config.hidden_size"). Values that fail read as 0 / the default; the caller
// checks `diagnostics` before using them. No units: HF configs hold plain counts.

#include <climits>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/error.h"

namespace wafersim {

class HfFields {
 public:
  HfFields(const nlohmann::json& j, std::string source) : j_(&j), source_(std::move(source)) {}

  /// Reads from the nested object `key` from now on (multimodal configs keep the
  /// language model under text_config); messages name it "key.field". False when absent.
  bool enter(const std::string& key) {
    const nlohmann::json* v = find(key);
    if (v == nullptr || !v->is_object()) return false;
    j_ = v;
    prefix_ += key + ".";
    return true;
  }
  [[nodiscard]] bool has(const std::string& key) const { return find(key) != nullptr; }
  /// An optional list of strings (absent: empty).
  std::vector<std::string> strings(const std::string& key) {
    std::vector<std::string> out;
    const nlohmann::json* v = find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      add(key, std::string("expected a list of text, got ") + v->type_name());
      return out;
    }
    for (const nlohmann::json& e : *v) {
      if (!e.is_string()) {
        add(key, std::string("expected a list of text, found ") + e.type_name());
        return {};
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  /// An optional list of integers (absent: empty).
  std::vector<std::int64_t> integers(const std::string& key) {
    std::vector<std::int64_t> out;
    const nlohmann::json* v = find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      add(key, std::string("expected a list of integers, got ") + v->type_name());
      return out;
    }
    for (const nlohmann::json& e : *v) {
      auto n = integer(key, e);
      if (!n) return {};
      out.push_back(*n);
    }
    return out;
  }
  /// An optional text value (absent: `def`).
  std::string text_or(const std::string& key, const std::string& def) {
    const nlohmann::json* v = find(key);
    if (v == nullptr) return def;
    if (!v->is_string()) {
      add(key, std::string("expected text, got ") + v->type_name());
      return def;
    }
    return v->get<std::string>();
  }

  /// A required integer > 0.
  std::int64_t size(const std::string& key) {
    const nlohmann::json* v = find(key);
    if (v == nullptr) {
      add(key, "missing required field '" + key + "' (expected a positive integer)");
      return 0;
    }
    return positive(key, *v);
  }
  /// An optional integer > 0; absent or null gives `def`.
  std::int64_t size_or(const std::string& key, std::int64_t def) {
    const nlohmann::json* v = find(key);
    return v == nullptr ? def : positive(key, *v);
  }
  /// An optional integer >= 0; absent or null gives `def`.
  std::int64_t count_or(const std::string& key, std::int64_t def) {
    const nlohmann::json* v = find(key);
    if (v == nullptr) return def;
    auto n = integer(key, *v);
    if (n && *n < 0) {
      add(key, "expected an integer >= 0, got " + std::to_string(*n));
      return def;
    }
    return n.value_or(def);
  }
  bool flag_or(const std::string& key, bool def) {
    const nlohmann::json* v = find(key);
    if (v == nullptr) return def;
    if (!v->is_boolean()) {
      add(key, std::string("expected true or false, got ") + v->type_name());
      return def;
    }
    return v->get<bool>();
  }
  /// The name of the first of `keys` present (for fields with several spellings).
  std::string first_present(const std::vector<std::string>& keys) const {
    for (const auto& k : keys)
      if (find(k) != nullptr) return k;
    return keys.front();
  }
  void add(const std::string& key, std::string message) {
    diagnostics.add(Diagnostic{source_, 0, 0, prefix_ + key, std::move(message)});
  }

  Diagnostics diagnostics;

 private:
  [[nodiscard]] const nlohmann::json* find(const std::string& key) const {
    auto it = j_->find(key);
    if (it == j_->end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::optional<std::int64_t> integer(const std::string& key, const nlohmann::json& v) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      add(key, "value overflows 64 bits");
      return std::nullopt;
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e18) return static_cast<std::int64_t>(d);
      add(key, "expected an integer, got " + v.dump());
      return std::nullopt;
    }
    add(key, std::string("expected an integer, got ") + v.type_name());
    return std::nullopt;
  }
  std::int64_t positive(const std::string& key, const nlohmann::json& v) {
    auto n = integer(key, v);
    if (n && *n <= 0) {
      add(key, "expected a positive integer, got " + std::to_string(*n));
      return 0;
    }
    return n.value_or(0);
  }

  const nlohmann::json* j_;
  std::string source_;
  std::string prefix_;
};

}  // namespace wafersim
