#!/usr/bin/env bash
# WaferLLM's end-to-end rows (calibration-public.md §I: WSE-2, batch 1, bare
# hardware) as wafersim predicts them, the way WaferLLM measured them: the time
# of one layer (a 2-layer model minus a 1-layer model of the same shapes, so the
# embeddings and LM head cancel) on a forced P × P region, times the layer count
# (CodeLlama-34B 48, Qwen2-72B 80). Decode at context 4096, prefill of 4,096
# tokens. Prints a markdown table; extra arguments are passed to every eval
# (e.g. --set wse2.mapping.schedule=dataflow).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${WAFERSIM:-build/dev/wafersim}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

model() {  # name layers ffn
  cat > "$dir/$1-$2.yaml" <<EOF
kind: model
description: WaferLLM row shapes
architecture: decoder
layers: $2
hidden: 8192
heads: 64
kv_heads: 8
head_dim: 128
ffn: $3
ffn_kind: swiglu
norm: rmsnorm
vocab: 32000
tied_embeddings: false
bias: false
max_positions: 0
EOF
}
for l in 1 2; do model cl34 $l 22016; model q72 $l 29568; done

latency() {  # model-file side phase-args...
  local m=$1 side=$2
  shift 2
  "$bin" eval --system wse2 --model "$m" --set wse2.mapping.mode=wafer_parallel \
    --set "wse2.mapping.region=${side}x${side}" "$@" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["latency_s"])'
}

per_layer() {  # name side phase-args...
  local name=$1 side=$2
  shift 2
  local one two
  one=$(latency "$dir/$name-1.yaml" "$side" "$@")
  two=$(latency "$dir/$name-2.yaml" "$side" "$@")
  python3 -c "print($two - $one)"
}

extra=("$@")
echo "| row | grid | published | wafersim | error | per layer |"
echo "|---|---|---|---|---|---|"
row() {  # id name layers kind side published
  local id=$1 name=$2 layers=$3 kind=$4 side=$5 pub=$6 t
  if [ "$kind" = decode ]; then
    t=$(per_layer "$name" "$side" --context 4096 ${extra[@]+"${extra[@]}"})
    python3 -c "t=$t*$layers; v=1/t; p=$pub; print(f'| $id | ${side}² | {p:,.1f} tok/s | {v:,.0f} tok/s | {100*(v-p)/p:+.1f}% | {$t*1e6:.2f} µs |')"
  else
    t=$(per_layer "$name" "$side" --phase prefill --prompt 4096 ${extra[@]+"${extra[@]}"})
    python3 -c "v=$t*$layers; p=$pub; print(f'| $id | ${side}² | {p:.3f} s | {v:.3f} s | {100*(v-p)/p:+.1f}% | {$t*1e3:.2f} ms |')"
  fi
}
row WL-DEC-CL34 cl34 48 decode 420 1450.8
row WL-DEC-CL34 cl34 48 decode 540 1407.7
row WL-DEC-CL34 cl34 48 decode 660 1359.2
row WL-DEC-Q72 q72 80 decode 420 839.7
row WL-DEC-Q72 q72 80 decode 540 824.3
row WL-DEC-Q72 q72 80 decode 660 787.1
row WL-PRE-CL34 cl34 48 prefill 480 0.749
row WL-PRE-CL34 cl34 48 prefill 600 0.543
row WL-PRE-CL34 cl34 48 prefill 720 0.480
row WL-PRE-Q72 q72 80 prefill 480 1.471
row WL-PRE-Q72 q72 80 prefill 600 1.085
row WL-PRE-Q72 q72 80 prefill 720 0.926
