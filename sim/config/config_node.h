#pragma once
// A YAML document as wafersim sees it: every node knows its file, line, column and
// dotted path, and maps remember which keys were read so unknown keys can be
// reported with a did-you-mean. Built by YamlLoader from yaml-cpp's event stream
// (not yaml-cpp's node tree) so duplicate keys, alias bombs and absurd nesting are
// rejected while parsing. Leaves out YAML tags and merge keys (`<<`).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.h"

namespace wafersim {

/// Where a node came from.
struct SourceMark {
  std::string file;
  int line = 0;    ///< 1-based
  int column = 0;  ///< 1-based
};

class ConfigNode {
 public:
  enum class Type { Null, Scalar, Sequence, Map };

  ConfigNode() = default;
  static ConfigNode make_null(SourceMark mark, std::string path);
  static ConfigNode make_scalar(std::string value, SourceMark mark, std::string path, bool quoted = false);
  static ConfigNode make_sequence(SourceMark mark, std::string path);
  static ConfigNode make_map(SourceMark mark, std::string path);

  [[nodiscard]] Type type() const { return type_; }
  [[nodiscard]] bool is_null() const { return type_ == Type::Null; }
  [[nodiscard]] bool is_scalar() const { return type_ == Type::Scalar; }
  [[nodiscard]] bool is_sequence() const { return type_ == Type::Sequence; }
  [[nodiscard]] bool is_map() const { return type_ == Type::Map; }
  [[nodiscard]] static std::string type_name(Type t);

  [[nodiscard]] const std::string& scalar() const { return scalar_; }
  /// True when the scalar was written in quotes (so "8" is text, not a number).
  [[nodiscard]] bool quoted() const { return quoted_; }
  [[nodiscard]] const SourceMark& mark() const { return mark_; }
  /// Dotted path from the document root ("core.sram", "groups[1].count").
  [[nodiscard]] const std::string& path() const { return path_; }

  // Maps. Lookups mark the key as consumed.
  [[nodiscard]] const ConfigNode* find(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] const std::vector<std::string>& keys() const { return keys_; }
  [[nodiscard]] std::size_t size() const { return children_.size(); }
  /// i-th child (map value or sequence item); does not mark anything consumed.
  [[nodiscard]] const ConfigNode& at(std::size_t i) const { return children_.at(i); }
  /// Marks every key of this map consumed (for sections parsed as free-form).
  void consume_all() const;
  /// Keys of this map never looked up.
  [[nodiscard]] std::vector<std::string> unconsumed_keys() const;

  // Building (loader, preset merge, --set).
  void append(ConfigNode child);  ///< sequence item
  /// Map entry (replaces an existing key); `key_mark` is where the key is written
  /// (default: where the value is).
  void insert(std::string key, ConfigNode child, std::optional<SourceMark> key_mark = std::nullopt);
  ConfigNode* find_mutable(std::string_view key);
  void erase(std::string_view key);
  /// Re-roots paths below this node (after moving a subtree).
  void set_path(std::string path);
  /// Number of nodes in this subtree (for the size budget).
  [[nodiscard]] std::size_t node_count() const;

  /// A diagnostic located at this node.
  [[nodiscard]] Diagnostic error(std::string message) const;
  /// A diagnostic at the value of `key` below this node (or at this node if absent).
  [[nodiscard]] Diagnostic error_at_key(std::string_view key, std::string message) const;
  /// A diagnostic at the key itself (unknown keys, duplicate names).
  [[nodiscard]] Diagnostic error_at_key_name(std::string_view key, std::string message) const;

  /// Recursively overlays `over` onto `base` (maps merge, anything else replaces).
  static ConfigNode merge(const ConfigNode& base, const ConfigNode& over);
  /// Writes the node back as YAML text (for resolved.yaml).
  [[nodiscard]] std::string to_yaml(int indent = 0) const;

 private:
  Type type_ = Type::Null;
  std::string scalar_;
  bool quoted_ = false;
  SourceMark mark_;
  std::string path_;
  std::vector<std::string> keys_;      // maps only, parallel to children_
  std::vector<SourceMark> key_marks_;  // maps only, parallel to children_
  std::vector<ConfigNode> children_;
  mutable std::vector<bool> consumed_;  // maps only, parallel to children_
};

/// Joins a parent path and a key ("core" + "sram" = "core.sram").
[[nodiscard]] std::string join_path(std::string_view parent, std::string_view key);

}  // namespace wafersim
