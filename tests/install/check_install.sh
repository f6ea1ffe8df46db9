#!/usr/bin/env bash
# An installed wafersim works on its own: installs BUILD_DIR into a temp prefix, then,
# from another working directory and with no WAFERSIM_CONFIGS, runs a scenario that
# names shipped presets (found in PREFIX/share/wafersim/configs) and draws a chart
# (PREFIX/share/wafersim/charts/render.py). Usage: check_install.sh CMAKE BUILD_DIR
set -euo pipefail
cmake_bin=$1
build_dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cmake_bin" --install "$build_dir" --prefix "$tmp/prefix" > "$tmp/install.log"
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere"
cat > tiny.yaml <<'YAML'
kind: scenario
name: tiny
grid:
  batch: [1, 8]
fixed:
  system: h100-sxm5
  model: tiny-llama
  phase: decode
  context: 512
  fidelity: roofline
charts:
  - {type: bar, name: tiny-decode, x: batch, y: tokens_per_s_per_user, title: "Tiny decode"}
YAML
unset WAFERSIM_CONFIGS
"$tmp/prefix/bin/wafersim" run tiny.yaml -o out --quiet
for f in out/tiny/results.csv out/tiny/charts/tiny-decode.png; do
  [ -s "$f" ] || { echo "install check: $f missing after the run" >&2; ls -R out >&2; exit 1; }
done
[ "$(wc -l < out/tiny/results.csv)" -eq 3 ] || { echo "install check: results.csv should have 2 rows" >&2; exit 1; }
echo "install check: $tmp/prefix/bin/wafersim ran a scenario with charts from $tmp/elsewhere"
