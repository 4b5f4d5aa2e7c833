#!/usr/bin/env bash
# Configures (once) and builds muir incrementally in build/ with Ninja.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MUIR_BUILD_DIR:-build}
# ccache keys on paths relative to the checkout, so another clone (CI's) hits
# the same cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
JOBS=${MUIR_JOBS:-2}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" -Wno-dev \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DPython3_EXECUTABLE="$(command -v "${PYTHON:-python3}")" >/dev/null
fi
ninja -C "$BUILD_DIR" -j"$JOBS"
