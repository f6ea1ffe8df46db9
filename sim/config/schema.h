#pragma once
// Declarative config schemas. One Schema<T> per YAML section binds keys to the
// fields of a plain struct T, with type, unit, default and doc. The same
// declaration parses (collecting every error of a file in Diagnostics) and
// documents (`wafersim describe KIND`, docs/config-reference.md), so the two
// cannot drift. Unknown keys are reported with a did-you-mean.

#include <array>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

#include "sim/config/config_node.h"
#include "sim/config/unit_parser.h"
#include "sim/core/dtype.h"
#include "sim/core/text.h"

namespace wafersim {

/// One documented key, as `describe` prints it.
struct FieldDoc {
  std::string path;          ///< dotted, e.g. "core.sram"
  std::string type;          ///< "size", "integer", "one of: a, b", "section", ...
  std::string unit;          ///< base unit for quantities, else ""
  std::string default_text;  ///< "" when required; "(none)" when optional without default
  std::string doc;
};

/// Which values a number may take.
enum class Range { Any, NonNegative, Positive, Fraction /* 0 < x <= 1 */ };

/// A value per numeric format (FLOP/s per dtype, pJ/FLOP per dtype). Unset = unsupported.
template <class Q>
struct DTypeTable {
  std::array<std::optional<Q>, kDTypeCount> values{};
  [[nodiscard]] std::optional<Q> get(DType t) const { return values[static_cast<std::size_t>(t)]; }
  void set(DType t, Q q) { values[static_cast<std::size_t>(t)] = q; }
  /// The narrowest listed format values stored as `stored` can be computed in.
  [[nodiscard]] std::optional<DType> compute_format(DType stored) const {
    for (DType t : compute_formats(stored))
      if (get(t)) return t;
    return std::nullopt;
  }
  /// The value for the format `stored` values are computed in, if any.
  [[nodiscard]] std::optional<Q> for_stored(DType stored) const {
    if (auto t = compute_format(stored)) return get(*t);
    return std::nullopt;
  }
};

namespace schema_detail {
std::optional<double> parse_number(const ConfigNode& n, Range range, Diagnostics& d);
std::optional<std::int64_t> parse_integer(const ConfigNode& n, std::int64_t min, std::int64_t max, Diagnostics& d);
std::optional<bool> parse_flag(const ConfigNode& n, Diagnostics& d);
std::optional<double> parse_unit_value(const ConfigNode& n, UnitKind unit, Range range, Diagnostics& d);
bool check_range(const ConfigNode& n, double v, Range range, Diagnostics& d);
std::string range_text(Range r);
void report_unknown_keys(const ConfigNode& map, const std::vector<std::string>& known, Diagnostics& d);
/// Converts a parsed base-unit value to the strong type (Bytes rounds and range-checks).
template <class Q>
std::optional<Q> to_quantity(const ConfigNode& n, double v, Diagnostics& d) {
  if constexpr (std::is_integral_v<typename Q::rep>) {
    if (v >= 9.2e18) {
      d.add(n.error("value '" + n.scalar() + "' overflows 64 bits"));
      return std::nullopt;
    }
    return Q(static_cast<typename Q::rep>(std::llround(v)));
  } else {
    return Q(v);
  }
}
}  // namespace schema_detail

template <class T>
class Schema {
 public:
  /// `(node or nullptr when absent, the enclosing map, the struct, diagnostics)`.
  using Apply = std::function<void(const ConfigNode*, const ConfigNode&, T&, Diagnostics&)>;

  Schema() = default;

  /// A dimensioned value; `default_text` is parsed with the same units ("1.1 GHz").
  template <class Q>
  Schema& quantity(std::string key, Q T::*member, UnitKind unit, std::string doc,
                   std::optional<std::string> default_text = std::nullopt, Range range = Range::Positive) {
    std::optional<Q> def;
    if (default_text) def = Q(static_cast<typename Q::rep>(std::get<double>(parse_quantity(*default_text, unit))));
    add(key, unit_kind_name(unit), unit_kind_base(unit), default_text.value_or(""), doc,
        [key, member, unit, range, def](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr) {
            if (def)
              out.*member = *def;
            else
              d.add(parent.error_at_key(key, "missing required key (expected a " + unit_kind_name(unit) + ", e.g. " +
                                                 unit_kind_examples(unit) + ")"));
            return;
          }
          if (auto v = schema_detail::parse_unit_value(*n, unit, range, d))
            if (auto q = schema_detail::to_quantity<Q>(*n, *v, d)) out.*member = *q;
        });
    return *this;
  }

  /// An optional dimensioned value without default (absent = not set).
  template <class Q>
  Schema& optional_quantity(std::string key, std::optional<Q> T::*member, UnitKind unit, std::string doc,
                            Range range = Range::Positive) {
    add(key, unit_kind_name(unit), unit_kind_base(unit), "(none)", doc,
        [member, unit, range](const ConfigNode* n, const ConfigNode&, T& out, Diagnostics& d) {
          if (n == nullptr) return;
          if (auto v = schema_detail::parse_unit_value(*n, unit, range, d))
            if (auto q = schema_detail::to_quantity<Q>(*n, *v, d)) out.*member = *q;
        });
    return *this;
  }

  /// A whole number in [min, max].
  Schema& integer(std::string key, std::int64_t T::*member, std::string doc, std::optional<std::int64_t> def,
                  std::int64_t min = 1, std::int64_t max = INT64_MAX) {
    add(key, "integer >= " + std::to_string(min), "", def ? std::to_string(*def) : "", doc,
        [key, member, def, min, max](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr) {
            if (def)
              out.*member = *def;
            else
              d.add(parent.error_at_key(key, "missing required key (expected an integer)"));
            return;
          }
          if (auto v = schema_detail::parse_integer(*n, min, max, d)) out.*member = *v;
        });
    return *this;
  }

  /// A dimensionless number (an efficiency, a fraction).
  Schema& number(std::string key, double T::*member, std::string doc, std::optional<double> def,
                 Range range = Range::Positive) {
    add(key, "number" + schema_detail::range_text(range), "", def ? trim_number(*def) : "", doc,
        [key, member, def, range](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr) {
            if (def)
              out.*member = *def;
            else
              d.add(parent.error_at_key(key, "missing required key (expected a number)"));
            return;
          }
          if (auto v = schema_detail::parse_number(*n, range, d)) out.*member = *v;
        });
    return *this;
  }

  Schema& flag(std::string key, bool T::*member, std::string doc, bool def) {
    add(key, "true|false", "", def ? "true" : "false", doc,
        [member, def](const ConfigNode* n, const ConfigNode&, T& out, Diagnostics& d) {
          if (n == nullptr) {
            out.*member = def;
            return;
          }
          if (auto v = schema_detail::parse_flag(*n, d)) out.*member = *v;
        });
    return *this;
  }

  Schema& text(std::string key, std::string T::*member, std::string doc, std::optional<std::string> def) {
    add(key, "text", "", def ? (def->empty() ? "\"\"" : *def) : "", doc,
        [key, member, def](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr || n->is_null()) {
            if (def)
              out.*member = *def;
            else
              d.add(parent.error_at_key(key, "missing required key (expected text)"));
            return;
          }
          if (!n->is_scalar()) {
            d.add(n->error("expected text, got " + ConfigNode::type_name(n->type())));
            return;
          }
          out.*member = n->scalar();
        });
    return *this;
  }

  /// One of a closed set of names, stored as an enum.
  template <class E>
  Schema& choice(std::string key, E T::*member, std::vector<std::pair<std::string, std::type_identity_t<E>>> options,
                 std::string doc, std::optional<std::type_identity_t<E>> def) {
    std::vector<std::string> names;
    std::string def_text;
    for (const auto& [name, value] : options) {
      names.push_back(name);
      if (def && value == *def) def_text = name;
    }
    add(key, "one of: " + join_names(names), "", def_text, doc,
        [key, member, options, names, def](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr) {
            if (def)
              out.*member = *def;
            else
              d.add(parent.error_at_key(key, "missing required key (expected one of: " + join_names(names) + ")"));
            return;
          }
          if (!n->is_scalar()) {
            d.add(n->error("expected one of: " + join_names(names)));
            return;
          }
          for (const auto& [name, value] : options) {
            if (name == n->scalar()) {
              out.*member = value;
              return;
            }
          }
          d.add(n->error("unknown value '" + n->scalar() + "'" + did_you_mean(n->scalar(), names) +
                         " (expected one of: " + join_names(names) + ")"));
        });
    return *this;
  }

  /// A nested map parsed by its own schema. An absent optional section gets its defaults.
  template <class S>
  Schema& section(std::string key, S T::*member, Schema<S> sub, std::string doc, bool required = false) {
    auto shared = std::make_shared<Schema<S>>(std::move(sub));
    add(
        key, "section", "", required ? "" : "(defaults)", doc,
        [key, member, shared, required](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr || n->is_null()) {
            if (required) {
              d.add(parent.error_at_key(key, "missing required section"));
              return;
            }
            ConfigNode empty = ConfigNode::make_map(parent.mark(), join_path(parent.path(), key));
            shared->parse(empty, out.*member, d);
            return;
          }
          shared->parse(*n, out.*member, d);
        },
        [shared](const std::string& prefix) { return shared->describe(prefix); });
    return *this;
  }

  /// A list of maps, each parsed by `sub`.
  template <class S>
  Schema& list(std::string key, std::vector<S> T::*member, Schema<S> sub, std::string doc, bool required = false) {
    auto shared = std::make_shared<Schema<S>>(std::move(sub));
    add(
        key, "list of sections", "", required ? "" : "[]", doc,
        [key, member, shared, required](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr || n->is_null()) {
            if (required) d.add(parent.error_at_key(key, "missing required list"));
            return;
          }
          if (!n->is_sequence()) {
            d.add(n->error("expected a list, got " + ConfigNode::type_name(n->type())));
            return;
          }
          for (std::size_t i = 0; i < n->size(); ++i) {
            S item{};
            shared->parse(n->at(i), item, d);
            (out.*member).push_back(std::move(item));
          }
        },
        [shared](const std::string& prefix) { return shared->describe(prefix + "[]"); });
    return *this;
  }

  /// A value per dtype: `{fp16: 989 TFLOP/s, fp8: 1979 TFLOP/s}`.
  template <class Q>
  Schema& per_dtype(std::string key, DTypeTable<Q> T::*member, UnitKind unit, std::string doc, bool required = true) {
    add(key, "map dtype -> " + unit_kind_name(unit), unit_kind_base(unit), required ? "" : "(none)",
        doc + " Keys: " + dtype_list() + ".",
        [key, member, unit, required](const ConfigNode* n, const ConfigNode& parent, T& out, Diagnostics& d) {
          if (n == nullptr || n->is_null()) {
            if (required)
              d.add(parent.error_at_key(
                  key, "missing required key (expected a map of dtype to " + unit_kind_name(unit) + ")"));
            return;
          }
          if (!n->is_map()) {
            d.add(n->error("expected a map of dtype to " + unit_kind_name(unit)));
            return;
          }
          std::vector<std::string> names;
          for (DType t : all_dtypes()) names.emplace_back(dtype_name(t));
          for (std::size_t i = 0; i < n->size(); ++i) {
            const std::string& k = n->keys()[i];
            const ConfigNode& v = *n->find(k);
            auto t = parse_dtype(k);
            if (!t) {
              d.add(v.error("unknown dtype '" + k + "'" + did_you_mean(k, names) +
                            " (expected one of: " + dtype_list() + ")"));
              continue;
            }
            if (auto x = schema_detail::parse_unit_value(v, unit, Range::Positive, d))
              if (auto q = schema_detail::to_quantity<Q>(v, *x, d)) (out.*member).set(*t, *q);
          }
        });
    return *this;
  }

  /// Anything else: a hand-written parser for one key, documented like the rest.
  Schema& custom(std::string key, std::string type, std::string default_text, std::string doc, Apply apply) {
    add(key, std::move(type), "", std::move(default_text), std::move(doc), std::move(apply));
    return *this;
  }

  /// Keys this schema accepts but that someone else reads (e.g. `kind`, `preset`).
  Schema& reserved(std::string key, std::string doc) {
    add(key, "text", "", "(optional)", doc, [](const ConfigNode*, const ConfigNode&, T&, Diagnostics&) {});
    return *this;
  }

  /// Cross-field checks, run after every key parsed without error.
  Schema& validate(std::function<void(const ConfigNode&, const T&, Diagnostics&)> check) {
    validators_.push_back(std::move(check));
    return *this;
  }

  void parse(const ConfigNode& node, T& out, Diagnostics& d) const {
    if (!node.is_map()) {
      d.add(node.error("expected a map of keys, got " + ConfigNode::type_name(node.type())));
      return;
    }
    const std::size_t before = d.size();
    std::vector<std::string> known;
    for (const auto& f : fields_) {
      known.push_back(f.key);
      f.apply(node.find(f.key), node, out, d);
    }
    schema_detail::report_unknown_keys(node, known, d);
    if (d.size() == before)
      for (const auto& v : validators_) v(node, out, d);
  }

  [[nodiscard]] std::vector<FieldDoc> describe(const std::string& prefix = "") const {
    std::vector<FieldDoc> out;
    for (const auto& f : fields_) {
      const std::string path = join_path(prefix, f.key);
      out.push_back(FieldDoc{path, f.type, f.unit, f.default_text, f.doc});
      if (f.sub) {
        auto nested = f.sub(path);
        out.insert(out.end(), nested.begin(), nested.end());
      }
    }
    return out;
  }

 private:
  struct Field {
    std::string key, type, unit, default_text, doc;
    Apply apply;
    std::function<std::vector<FieldDoc>(const std::string&)> sub;
  };

  void add(std::string key, std::string type, std::string unit, std::string def, std::string doc, Apply apply,
           std::function<std::vector<FieldDoc>(const std::string&)> sub = {}) {
    fields_.push_back(Field{std::move(key), std::move(type), std::move(unit), std::move(def), std::move(doc),
                            std::move(apply), std::move(sub)});
  }
  static std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }
  static std::string trim_number(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::vector<Field> fields_;
  std::vector<std::function<void(const ConfigNode&, const T&, Diagnostics&)>> validators_;
};

}  // namespace wafersim
