#pragma once
// A plain-text table for the terminal: columns sized to their content, numbers
// right-aligned, a rule under the header.

#include <string>
#include <vector>

namespace wafersim {

class TextTable {
 public:
  enum class Align { Left, Right };
  explicit TextTable(std::vector<std::string> header, std::vector<Align> align = {});
  void add_row(std::vector<std::string> cells);
  [[nodiscard]] std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

/// Compact human formats for tables.
[[nodiscard]] std::string format_seconds(double s);                      ///< "12.3 ms", "850 us"
[[nodiscard]] std::string format_count(double v);                        ///< "1,834", "12.5", "0.041"
[[nodiscard]] std::string format_si(double v, const std::string& unit);  ///< "1.2 TFLOP"

}  // namespace wafersim
