#pragma once
// The wafersim command line (CLI11): parses argv, dispatches to a subcommand, and
// turns exceptions into the exit codes of CONTRACTS.md. Never lets one escape.

#include <iosfwd>

namespace wafersim::cli {

/// Runs the CLI; returns the exit code.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace wafersim::cli
