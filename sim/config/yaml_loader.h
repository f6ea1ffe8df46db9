#pragma once
// Reads a YAML file into a ConfigNode tree through yaml-cpp's event interface, so
// that the limits below are enforced while parsing: one document per file, no
// duplicate keys, keys are plain scalars, aliases expand within a node budget (an
// alias bomb fails fast), nesting is at most kMaxDepth, files at most kMaxFileBytes.
// Every failure is an InputError naming file, line and column.

#include <string>

#include "sim/config/config_node.h"

namespace wafersim {

class YamlLoader {
 public:
  static constexpr std::size_t kMaxFileBytes = 8u << 20;
  static constexpr std::size_t kMaxNodes = 200'000;
  static constexpr int kMaxDepth = 64;

  /// Parses a file; `display_name` is what messages call it (default: the path).
  static ConfigNode load_file(const std::string& path, const std::string& display_name = "");
  /// Parses text held in memory (tests, inline values); `name` appears in messages.
  static ConfigNode load_string(const std::string& text, const std::string& name);
};

}  // namespace wafersim
