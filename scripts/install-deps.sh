#!/usr/bin/env bash
# Installs the Debian packages wafersim needs, only those missing. Works as root
# (apt-get) or through sudo; says clearly what is missing when neither works.
set -euo pipefail
packages=(cmake make g++ pkg-config clang-format libeigen3-dev libfmt-dev libyaml-cpp-dev libgtest-dev
          libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev python3 python3-matplotlib
          libopenmpi-dev openmpi-bin)  # Open MPI: the optional MPI runner (docs/scale-out.md)
# `install-deps.sh fuzz`: also clang and its libFuzzer runtime (make fuzz, make fuzz-smoke).
[ "${1:-}" = "fuzz" ] && packages+=(clang libclang-rt-14-dev)
# `install-deps.sh tsan`: the ThreadSanitizer runtime g++ links with -fsanitize=thread (make tsan).
[ "${1:-}" = "tsan" ] && packages+=(libtsan2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "wafersim: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "wafersim: cannot install packages (not root, no password-less sudo)." >&2
  echo "Install them yourself: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
