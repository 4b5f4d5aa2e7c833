#!/usr/bin/env bash
# Builds the tools with AddressSanitizer + UndefinedBehaviorSanitizer in a
# build directory of their own (build-sanitize/, or MUIR_SANITIZE_BUILD_DIR)
# and runs the lit suite under them: any sanitizer report fails its test.
#
#   scripts/sanitize.sh            # configure once, build incrementally, run lit
#   MUIR_JOBS=2 scripts/sanitize.sh -v
#
# Extra arguments go to lit. The Python module is not built (an instrumented
# extension needs an instrumented interpreter).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MUIR_SANITIZE_BUILD_DIR:-build-sanitize}
JOBS=${MUIR_JOBS:-2}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # -O1: sanitizer builds are slow to compile; -O1 keeps the suite quick.
  cmake -G Ninja -S . -B "$BUILD_DIR" -Wno-dev \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_C_FLAGS="$SAN" \
    -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DPython3_EXECUTABLE="$(command -v "${PYTHON:-python3}")" >/dev/null
fi
ninja -C "$BUILD_DIR" -j"$JOBS" muir-opt muir-run muir-sim muir-translate muir-docs
# allow_user_poisoning=0: LLVM's bump allocator poisons memory that the
# uninstrumented libMLIR.so then touches (false positives otherwise);
# detect_leaks=0: this run is about memory safety and UB, not leaks.
export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
exec /usr/lib/llvm-22/bin/lit -sv "$@" "$BUILD_DIR/test"
