#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the bundled GPT-2 block.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo "== muir: GPT-2-style block (examples/gpt2_block.mlir) compiled for trn2, simulated, checked"
build/bin/muir-run examples/gpt2_block.mlir --backend=sim --target=trn2 --check --summary \
  --trace=build/gpt2_block.trace.json
echo "== timeline: build/gpt2_block.trace.json (open it at ui.perfetto.dev)"
