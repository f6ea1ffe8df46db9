#!/usr/bin/env bash
# Runs every libFuzzer target in tests/fuzz for SECONDS seconds each (default 60),
# seeded from the shipped configs and the test inputs. Exits non-zero when any
# target finds a crash, a hang (an input slower than 10 s) or an exit code other
# than 0, 2 or 3; the input is kept under build/fuzz/findings/ — make it a case in
# tests/bad_inputs/.
#   scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]      (FUZZ_RUNS=N: N inputs from seed 1 instead)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/fuzz}
seconds=${2:-60}
shift 2 || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config scenario hf_import units cli)

corpus=$build/corpus
findings=$build/findings
mkdir -p "$findings"

seed() {  # seed NAME FILES...: copies seed files into the target's corpus once
  local dir=$corpus/$1; shift
  [ -d "$dir" ] && return 0
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
}
seed config configs/devices/*.yaml configs/systems/*.yaml configs/models/*.yaml tests/bad_inputs/*.yaml
seed scenario configs/scenarios/*.yaml tests/bad_inputs/scenario-*.yaml
seed hf_import tests/data/hf/*.json
if [ ! -d "$corpus/units" ]; then
  mkdir -p "$corpus/units"; i=0
  for q in "48 KiB" "3.35 TB/s" "1.1 GHz" "4 B/cycle" "2 us" "100 cycles" "700 W" "1 J" "4 pJ/bit" "0.5 pJ/FLOP" \
           "989 TFLOP/s" "64 FLOP/cycle" "1e3 MB" "0x10 B" "-1 GB" "nan W"; do
    printf "\\x$(printf %02x $((i % 12)))%s" "$q" > "$corpus/units/seed$i"; i=$((i + 1))
  done
fi
if [ ! -d "$corpus/cli" ]; then
  mkdir -p "$corpus/cli"
  for f in tests/bad_inputs/*.args; do
    # first byte 0 picks `eval`; one argument a line
    { printf '\x00'; sed -e 's/^eval //' "$f" | tr ' ' '\n'; } > "$corpus/cli/$(basename "$f")"
  done
  printf '\x00--system\nwse3\n--model\ntiny-llama\n--batch\n8' > "$corpus/cli/eval-ok"
  printf '\x01--system\nh100-sxm5\n--model\nllama-3.1-8b' > "$corpus/cli/explain-ok"
fi

status=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz: $bin is not built (make fuzz builds it)" >&2; exit 1; }
  if [ -n "${FUZZ_RUNS:-}" ]; then echo "fuzz: $t on $FUZZ_RUNS inputs"; else echo "fuzz: $t for ${seconds}s"; fi
  # FUZZ_RUNS=N: a fixed number of inputs from a fixed seed (the CI smoke: the same inputs every run).
  if [ -n "${FUZZ_RUNS:-}" ]; then budget=(-runs="$FUZZ_RUNS" -seed=1); else budget=(-max_total_time="$seconds"); fi
  if ! ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
      "$bin" "$corpus/$t" "${budget[@]}" -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
      -print_final_stats=1 -artifact_prefix="$findings/$t-" > "$build/fuzz-$t.log" 2>&1; then
    echo "fuzz: $t FOUND a problem; input kept in $findings/ (log: $build/fuzz-$t.log)" >&2
    tail -30 "$build/fuzz-$t.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz-$t.log" | tr '\n' ' '; echo
  fi
done
exit $status
