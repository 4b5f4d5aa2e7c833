#!/usr/bin/env bash
# The README's second command: build incrementally, then run every suite (lit + pytest) under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${MUIR_BUILD_DIR:-build}"
ctest --output-on-failure
