#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the bundled GPT-2 block.
#   scripts/setup.sh --with-fuzz   also installs the fuzzing toolchain of
#                                  scripts/fuzz.sh (clang-22, libFuzzer, OpenMP)
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_PACKAGES=(clang-22 libclang-rt-22-dev libomp-22-dev)
for arg in "$@"; do
  case "$arg" in
    --with-fuzz)
      missing=()
      for p in "${FUZZ_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
      done
      if [ ${#missing[@]} -gt 0 ]; then
        SUDO=""
        if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
        echo "muir: installing the fuzzing toolchain: ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
      fi
      ;;
    *)
      echo "usage: scripts/setup.sh [--with-fuzz]" >&2
      exit 2
      ;;
  esac
done
scripts/install-deps.sh
scripts/build.sh
echo "== muir: GPT-2-style block (examples/gpt2_block.mlir) compiled for trn2, simulated, checked"
build/bin/muir-run examples/gpt2_block.mlir --backend=sim --target=trn2 --check --summary \
  --trace=build/gpt2_block.trace.json
echo "== timeline: build/gpt2_block.trace.json (open it at ui.perfetto.dev)"
