#pragma once
// Small text helpers shared by config parsing and the CLI.

#include <string>
#include <string_view>
#include <vector>

namespace wafersim {

/// Levenshtein distance (for did-you-mean suggestions).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
/// " (did you mean 'x'?)" for the closest candidate within a small distance, else "".
[[nodiscard]] std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
/// Joins with ", ", each item quoted with ''.
[[nodiscard]] std::string quoted_list(const std::vector<std::string>& items);
/// Splits on a single character; keeps empty parts.
[[nodiscard]] std::vector<std::string> split(std::string_view text, char sep);
[[nodiscard]] std::string trim(std::string_view text);

}  // namespace wafersim
