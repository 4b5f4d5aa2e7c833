"""Shared helpers for muir's Python suites: run `muir-run` on MLIR text with NumPy data."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("MUIR_BUILD_DIR", ROOT / "build"))
MUIR_RUN = BUILD / "bin" / "muir-run"

DTYPE_NAMES = {"f32", "bf16", "f16", "f8E4M3FN", "f8E5M2", "i32", "i64"}


def ty(shape, dt="f32"):
    """MLIR tensor type text for a shape and element type name."""
    assert dt in DTYPE_NAMES
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{dt}>" if dims else f"tensor<{dt}>"


class MuirRunError(Exception):
    def __init__(self, returncode, stdout, stderr):
        super().__init__(f"muir-run exited {returncode}\n{stderr}")
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


class Runner:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.count = 0

    def raw(self, mlir, inputs=(), args=(), input_paths=None, nresults=1):
        """Runs muir-run; returns the CompletedProcess and the output paths."""
        self.count += 1
        d = self.tmp / f"run{self.count}"
        d.mkdir()
        src = d / "prog.mlir"
        src.write_text(mlir)
        cmd = [str(MUIR_RUN), str(src)]
        paths = list(input_paths or [])
        for i, a in enumerate(inputs):
            p = d / f"in{i}.npy"
            np.save(p, a)
            paths.append(p)
        cmd += [f"--input={p}" for p in paths]
        outs = [d / f"out{i}.npy" for i in range(nresults)]
        cmd += [f"--output={p}" for p in outs]
        cmd += list(args)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        return proc, outs

    def __call__(self, mlir, *inputs, nresults=1, args=()):
        proc, outs = self.raw(mlir, inputs, args, nresults=nresults)
        if proc.returncode != 0:
            raise MuirRunError(proc.returncode, proc.stdout, proc.stderr)
        return [np.load(outs[i]) for i in range(nresults)]

    def one(self, mlir, *inputs, args=()):
        return self(mlir, *inputs, args=args)[0]

    def fails(self, mlir, *inputs, args=(), input_paths=None):
        """Runs a program that must fail; returns (returncode, stderr)."""
        proc, _ = self.raw(mlir, inputs, args, input_paths)
        assert proc.returncode != 0, f"expected failure, got:\n{proc.stdout}"
        return proc.returncode, proc.stderr


@pytest.fixture
def run(tmp_path):
    if not MUIR_RUN.exists():
        pytest.fail(f"{MUIR_RUN} is missing: build muir first (scripts/build.sh)")
    return Runner(tmp_path)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
