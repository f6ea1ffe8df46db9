#pragma once
// Errors that travel from the library to the CLI, which alone picks exit codes:
// InputError (the user's fault: bad config, bad option; exit 2) and InternalError
// (ours; exit 1). A model that does not fit is not an error: Plan says so.

#include <stdexcept>
#include <string>
#include <vector>

namespace wafersim {

/// One problem found in user input, located as precisely as we know.
struct Diagnostic {
  std::string file;     ///< file name, or "--set", "--system", ... for CLI input
  int line = 0;         ///< 1-based; 0 when unknown
  int column = 0;       ///< 1-based; 0 when unknown
  std::string path;     ///< dotted key path, e.g. "core.sram"
  std::string message;  ///< what is wrong, and what was expected

  /// "file:line:col: path: message" (parts that are unknown are left out).
  [[nodiscard]] std::string format() const;
};

/// Bad user input: one or more diagnostics. Maps to exit code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(Diagnostic diagnostic);
  /// An error about a command-line option (`option` like "--batch").
  static InputError option(const std::string& option, const std::string& message);
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// A bug in wafersim (a broken invariant). Maps to exit code 1.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Collects diagnostics so a whole file can be checked before reporting.
class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  /// Throws InputError with everything collected, if anything was.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace wafersim
