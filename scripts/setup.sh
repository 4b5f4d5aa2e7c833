#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the bundled GPT-2 block.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo "== muir: GPT-2-style block (examples/gpt2_block.mlir) on the reference backend"
build/bin/muir-run examples/gpt2_block.mlir --seed=0 --summary
