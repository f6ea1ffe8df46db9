#!/usr/bin/env bash
# Parallel efficiency of `mpirun -n 2 wafersim run` on a cycle-fidelity sweep whose
# points differ in cost (bench/scenarios/cycle-mixed.yaml): T1 / (2 x T2), with T1 one
# process on one thread and T2 two ranks on one thread each (docs/scale-out.md).
# Usage: bench/mpi_efficiency.sh [path/to/wafersim] (default build/dev/wafersim).
# On a machine shared with other sessions, PRIORITY=1 runs each measured command in its
# own scheduler autogroup at nice -19 (root only), as the figures in the docs were.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-build/dev/wafersim}
S=bench/scenarios/cycle-mixed.yaml
export WAFERSIM_CONFIGS=${WAFERSIM_CONFIGS:-$PWD/configs}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
prio() {
  if [ "${PRIORITY:-0}" = 1 ]; then setsid bash -c 'echo -19 > /proc/$$/autogroup; exec "$@"' _ "$@"; else "$@"; fi
}
seconds() { local s; s=$(date +%s.%N); prio "$@" > /dev/null; python3 -c "print(round($(date +%s.%N) - $s, 2))"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
t1=$(seconds "$W" run "$S" -o "$out/one" -j 1 --quiet)
t2=$(seconds mpirun -n 2 --oversubscribe "$W" run "$S" -o "$out/mpi" -j 1 --quiet)
cmp "$out/one/cycle-mixed/results.csv" "$out/mpi/cycle-mixed/results.csv"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "one process: ${t1} s; mpirun -n 2: ${t2} s; results.csv identical"
echo "parallel efficiency: $(python3 -c "print(round(100 * $t1 / (2 * $t2), 1))")%"
