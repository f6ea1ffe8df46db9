#!/usr/bin/env bash
# Regenerates docs/config-reference.md from the schemas (`wafersim describe --markdown`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${WAFERSIM:-build/release/wafersim}
{
  echo "# Config reference"
  echo
  echo "Every key of every config kind, generated from the same schema declarations that"
  echo "parse the files (\`wafersim describe --markdown all\`; regenerate with"
  echo "\`scripts/gen-config-reference.sh\`). Quantities take units: sizes \`48 KiB\`, \`80 GB\`,"
  echo "bits \`256 Mb\`; bandwidths \`3.35 TB/s\`, \`214 Pb/s\`, \`4 B/cycle\`, \`32 b/cycle\`;"
  echo "\`1.1 GHz\`, \`5 us\`, \`700 W\`, \`4 pJ/bit\`, \`989 TFLOP/s\`. Any file may start from a"
  echo "preset (\`preset: NAME\`) and override keys; \`--set NAME.key=VALUE\` does the same"
  echo "from the command line. The last section lists every result field (\`wafersim describe"
  echo "results\`): what \`eval --json\` prints and results.csv holds, with units."
  echo
  "$bin" describe --markdown all
} > docs/config-reference.md.tmp
mv docs/config-reference.md.tmp docs/config-reference.md
