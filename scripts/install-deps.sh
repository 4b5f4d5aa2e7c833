#!/usr/bin/env bash
# Installs whatever muir needs that this machine lacks (Debian 12 + Python 3); a no-op when all is there.
set -euo pipefail

APT_PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
              g++ ccache clang-format)
PY_MODULES=(numpy:numpy ml_dtypes:ml_dtypes pytest:pytest pybind11:pybind11
            scikit_build_core:scikit-build-core torch:torch==2.13.0 transformers:transformers
            onnx:onnx onnxruntime:onnxruntime jax:jax==0.10.2)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v cmake >/dev/null || missing+=(cmake)
command -v ninja >/dev/null || missing+=(ninja-build)
if [ ${#missing[@]} -gt 0 ]; then
  echo "muir: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
pip_missing=()
for entry in "${PY_MODULES[@]}"; do
  mod=${entry%%:*}; pkg=${entry#*:}
  "$PYTHON" -c "import $mod" 2>/dev/null || pip_missing+=("$pkg")
done
if [ ${#pip_missing[@]} -gt 0 ]; then
  echo "muir: installing Python packages: ${pip_missing[*]}"
  "$PYTHON" -m pip install -q "${pip_missing[@]}"
fi
