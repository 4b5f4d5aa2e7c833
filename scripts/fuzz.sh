#!/usr/bin/env bash
# Builds muir's libFuzzer harnesses (tools/muir-fuzz) with clang-22, ASan and
# UBSan in build-fuzz/, seeds each from the test suite and runs each for a
# given time, keeping reproducers.
#
#   scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]
#   scripts/fuzz.sh 1800                 # 30 minutes each, all seven
#   scripts/fuzz.sh 60 sim binary        # a quick pass over two
#
# Harnesses: parse (muir-opt parse + verify), compile (--muir-compile on
# small and trn2), binary (binary reader, --bin-to-nc, program validation),
# asm (assembly reader, printer, binary writer), sim (muir-sim --no-verify on
# nc text or binaries), npy (muir-run --input: .npy reader and conversion),
# python (scripts/fuzz_python.py: muir.parse, muir.compile, Executable.run,
# muir.passes.run through a watchdog worker; needs the normal build in
# MUIR_BUILD_DIR, default build/, and no clang).
# Needs clang-22, libclang-rt-22-dev (libFuzzer) and libomp-22-dev:
#   apt-get install clang-22 libclang-rt-22-dev libomp-22-dev
# (or scripts/setup.sh --with-fuzz)
#
# Output in fuzz-out/ (MUIR_FUZZ_OUT): corpus/<h> (grows across runs),
# reproducers/<h>/crash-*|timeout-*|oom-* (replay: build-fuzz/bin/muir-fuzz-<h>
# FILE; slow-unit-* are inputs over 10 s), logs/<h>.log. Exit status 1 when
# any harness found a crash, sanitizer report, timeout or out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/.."
TIME=${1:-60}
shift || true
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(parse compile binary asm sim npy python)
LIBFUZZER=()
for h in "${HARNESSES[@]}"; do [ "$h" = python ] || LIBFUZZER+=("$h"); done
BUILD_DIR=${MUIR_FUZZ_BUILD_DIR:-build-fuzz}
OUT=${MUIR_FUZZ_OUT:-fuzz-out}
JOBS=${MUIR_JOBS:-2}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

if [ ${#LIBFUZZER[@]} -gt 0 ] && [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" -Wno-dev -DMUIR_FUZZ=ON \
    -DCMAKE_C_COMPILER="${MUIR_FUZZ_CC:-clang-22}" \
    -DCMAKE_CXX_COMPILER="${MUIR_FUZZ_CXX:-clang++-22}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $SAN" \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link $SAN" \
    -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DPython3_EXECUTABLE="$(command -v "${PYTHON:-python3}")" >/dev/null
fi
[ ${#LIBFUZZER[@]} -eq 0 ] ||
  ninja -C "$BUILD_DIR" -j"$JOBS" muir-translate \
    $(printf 'muir-fuzz-%s ' "${LIBFUZZER[@]}")

# Seed corpora from the test suite (regenerated each run; cheap).
SEEDS="$OUT/seeds"
mkdir -p "$OUT/logs"
if [ ${#LIBFUZZER[@]} -gt 0 ]; then
rm -rf "$SEEDS"
mkdir -p "$SEEDS"/{parse,compile,binary,asm,sim,npy} "$OUT/logs"
python3 - "$SEEDS" <<'PY'
import pathlib, sys
seeds = pathlib.Path(sys.argv[1])
n = 0
for f in sorted(pathlib.Path("test").rglob("*.mlir")) + sorted(pathlib.Path("examples").glob("*.mlir")):
    for i, chunk in enumerate(f.read_text().split("// -----")):
        n += 1
        (seeds / "parse" / f"{f.stem}-{i}.mlir").write_text(chunk)
        lines = chunk.splitlines()
        starts = [j for j, l in enumerate(lines) if l.startswith("nc.kernel")]
        if not starts:
            (seeds / "compile" / f"{f.stem}-{i}.mlir").write_text(chunk)
        # One seed per top-level kernel (muir-translate takes one).
        for k, j in enumerate(starts):
            end = next((e for e in range(j, len(lines)) if lines[e] == "}"), len(lines) - 1)
            (seeds / "sim" / f"{f.stem}-{i}-{k}.mlir").write_text("\n".join(lines[j:end + 1]) + "\n")
print(f"{n} MLIR seeds")
PY
for f in "$SEEDS"/sim/*.mlir; do
  b=$(basename "$f" .mlir)
  "$BUILD_DIR/bin/muir-translate" --nc-to-bin "$f" -o "$SEEDS/binary/$b.bin" 2>/dev/null || rm -f "$SEEDS/binary/$b.bin"
  "$BUILD_DIR/bin/muir-translate" --nc-to-asm "$f" -o "$SEEDS/asm/$b.s" 2>/dev/null || rm -f "$SEEDS/asm/$b.s"
done
cp "$SEEDS"/binary/*.bin "$SEEDS/sim/" 2>/dev/null || true
python3 - "$SEEDS/npy" <<'PY'
import pathlib, sys
import numpy as np
d = pathlib.Path(sys.argv[1])
rng = np.random.default_rng(0)
for i, (shape, dt) in enumerate([((3,), "<f4"), ((2, 3), "<f8"), ((4,), "<f2"), ((2, 2), "<i4"),
                                 ((5,), "<i8"), ((), "<f4"), ((0, 3), "<f4"), ((2, 1, 2), "|u1"),
                                 ((3,), "|b1"), ((2,), "<u2")]):
    np.save(d / f"seed{i}.npy", (rng.normal(size=shape) * 10).astype(dt))
try:
    import ml_dtypes
    np.save(d / "bf16.npy", np.ones((2, 3), ml_dtypes.bfloat16))
    np.save(d / "fp8.npy", np.ones((4,), ml_dtypes.float8_e4m3fn))
except ImportError:
    pass
PY
fi

# allow_user_poisoning=0: LLVM's bump allocator poisons memory the
# uninstrumented libMLIR.so then touches; leaks are not findings here.
export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
found=0
for h in "${HARNESSES[@]}"; do
  mkdir -p "$OUT/corpus/$h" "$OUT/reproducers/$h"
  status=0
  if [ "$h" = python ]; then
    # Seeds come from test/ directly; reproducers are case files
    # (replay: scripts/fuzz_python.py --replay FILE).
    python3 scripts/fuzz_python.py --time "$TIME" --out "$OUT/reproducers/python" \
      --build "${MUIR_BUILD_DIR:-build}" >"$OUT/logs/python.log" 2>&1 || status=$?
    repro=$(find "$OUT/reproducers/python" -type f | wc -l)
    echo "python: $(tail -1 "$OUT/logs/python.log"), reproducers ${repro}, exit ${status}"
    if [ "$status" != 0 ] || [ "$repro" != 0 ]; then
      found=1
      grep -m3 "^case " "$OUT/logs/python.log" || true
    fi
    continue
  fi
  "$BUILD_DIR/bin/muir-fuzz-$h" "$OUT/corpus/$h" "$SEEDS/$h" \
    -max_total_time="$TIME" -timeout=25 -rss_limit_mb=4096 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$OUT/reproducers/$h/" \
    >"$OUT/logs/$h.log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/logs/$h.log" | grep -o '[0-9]*$' || echo "?")
  # crash-, timeout-, oom-, leak- files are findings; slow-unit- files
  # (over 10 s, under the timeout) are worth a look but not failures.
  repro=$(find "$OUT/reproducers/$h" -type f ! -name 'slow-unit-*' | wc -l)
  slow=$(find "$OUT/reproducers/$h" -type f -name 'slow-unit-*' | wc -l)
  corpus=$(find "$OUT/corpus/$h" -type f | wc -l)
  echo "$h: ${runs} runs in ${TIME} s, corpus ${corpus}, reproducers ${repro}, slow units ${slow}, exit ${status}"
  if [ "$status" != 0 ] || [ "$repro" != 0 ]; then
    found=1
    grep -m3 -E "ERROR|runtime error|SUMMARY|deadly signal|timeout" "$OUT/logs/$h.log" || true
  fi
done
exit "$found"
