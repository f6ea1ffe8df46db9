#!/usr/bin/env bash
# Fails when a C++ source differs from what clang-format (.clang-format) makes of it;
# `clang-format -i FILE` fixes one. Run by `make test` (and so by CI).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (make deps installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find sim models tests bench -name '*.cpp' -o -name '*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted as .clang-format says"
