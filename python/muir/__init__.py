"""muir: a tensor compiler for a Trainium2-like accelerator, from Python.

    import muir, numpy as np
    exe = muir.compile(xf_text, target="trn2")      # or a torch.nn.Module
    (y,) = exe.run(x, w)                             # simulated on the accelerator model
    exe.report["pe_utilization"]; exe.trace("t.json")

Arguments are NumPy arrays. Float arguments accept any float dtype (float32,
float64, float16, ml_dtypes bfloat16/float8) and are rounded to the
argument's element type with round-to-nearest-even, as `muir-run` does;
integer arguments take integer arrays. Results come back in their own
element type (bf16 as ml_dtypes.bfloat16). torch is imported only by
`muir.torch` and by `compile` when given a torch module.
"""
from __future__ import annotations

import json
import os
import pathlib

import numpy as np

_HERE = pathlib.Path(__file__).resolve().parent
# An installed package carries its machine descriptions; a build tree finds
# them in the source tree it was configured from.
if (_HERE / "targets").is_dir():
    os.environ.setdefault("MUIR_TARGETS_DIR", str(_HERE / "targets"))

from . import _muir  # noqa: E402

__all__ = ["Module", "Executable", "parse", "compile", "passes", "check"]

_FLOAT_DTYPES = {"f32", "bf16", "f16", "f8E4M3FN", "f8E5M2"}


class Module:
    """An MLIR module (xf functions, or nc kernels after compilation)."""

    def __init__(self, native):
        self._native = native

    def __str__(self):
        return str(self._native)

    def __repr__(self):
        return f"<muir.Module\n{self}>"


def parse(text: str, name: str = "<string>", resources=None) -> Module:
    """Parses and verifies MLIR text; ValueError with the diagnostics otherwise.
    `resources` maps `dense_resource` names the text uses but does not define
    to their bytes (NumPy arrays or any buffer; copied once)."""
    if not isinstance(text, str):
        raise TypeError(f"parse() expects MLIR text (str), got {type(text).__name__}")
    return Module(_muir.parse(text, name, dict(resources or {})))


class passes:  # noqa: N801 - a namespace, as in `muir.passes.run`
    @staticmethod
    def run(module: Module | str, pipeline: str) -> Module:
        """Runs a pass pipeline (muir-opt syntax, e.g. "canonicalize,cse" or
        "muir-compile{target=small}") on a copy of `module` and returns it."""
        if isinstance(module, str):
            module = parse(module)
        if not isinstance(module, Module):
            raise TypeError(f"expected a muir.Module or MLIR text, got {type(module).__name__}")
        return Module(_muir.run_pipeline(module._native, pipeline))


def _np_dtype(name):
    if name == "f32":
        return np.float32
    if name == "f16":
        return np.float16
    if name in ("i32", "i64"):
        return np.int32 if name == "i32" else np.int64
    import ml_dtypes
    return {"bf16": ml_dtypes.bfloat16, "f8E4M3FN": ml_dtypes.float8_e4m3fn,
            "f8E5M2": ml_dtypes.float8_e5m2}[name]


def _is_float_array(a):
    if a.dtype.kind == "f":
        return True
    # ml_dtypes types are kind "V" with names like bfloat16 / float8_*.
    return a.dtype.kind == "V" and ("float" in a.dtype.name)


class Executable:
    """A function compiled for a target: run it, inspect its code and timeline."""

    def __init__(self, native, module: Module):
        self._native = native
        self._xf = module  # printed only on demand: its weights can be large
        self._trace = None

    # -- code -----------------------------------------------------------------
    @property
    def asm(self) -> str:
        """The program as readable assembly (one instruction a line)."""
        return self._native.asm

    @property
    def binary(self) -> bytes:
        """The program in muir's binary container."""
        return self._native.binary

    @property
    def mlir(self) -> str:
        """The nc kernel the compiler produced."""
        return self._native.nc

    @property
    def target(self) -> str:
        return self._native.target

    @property
    def cores(self) -> int:
        """Ranks of the program (the `mesh` it was compiled for; 1 unsharded)."""
        return self._native.cores

    @property
    def compile_seconds(self) -> float:
        return self._native.compile_seconds

    @property
    def signature(self):
        """((arg shapes, arg dtypes), (result shapes, result dtypes))."""
        n = self._native
        return ((n.arg_shapes, n.arg_dtypes), (n.result_shapes, n.result_dtypes))

    # -- running --------------------------------------------------------------
    def _convert(self, arrays):
        shapes, dtypes = self._native.arg_shapes, self._native.arg_dtypes
        if len(arrays) != len(shapes):
            raise TypeError(f"expected {len(shapes)} argument(s), got {len(arrays)}")
        out = []
        for i, (a, shape, dt) in enumerate(zip(arrays, shapes, dtypes)):
            if hasattr(a, "detach") and hasattr(a, "numpy"):  # a torch tensor
                import torch
                a = a.detach().cpu()
                a = a.float().numpy() if a.dtype in (torch.bfloat16,) else a.numpy()
            if not isinstance(a, np.ndarray):
                raise TypeError(f"argument {i}: expected a numpy.ndarray, got {type(a).__name__}")
            want = f"expected shape {tuple(shape)} {dt}"
            if tuple(a.shape) != tuple(shape):
                raise ValueError(f"argument {i}: {want}, got {tuple(a.shape)} {a.dtype}")
            if dt in _FLOAT_DTYPES:
                if not _is_float_array(a):
                    raise ValueError(f"argument {i}: {want} (a float array), got {a.dtype}")
                out.append(np.ascontiguousarray(a.astype(np.float32)))
            else:
                if a.dtype.kind not in "iu":
                    raise ValueError(f"argument {i}: {want} (an integer array), got {a.dtype}")
                out.append(np.ascontiguousarray(a.astype(np.int64)))
        return out

    def _results(self, raw):
        return [r.astype(_np_dtype(dt)) if dt not in ("f32", "i64") else r
                for r, dt in zip(raw, self._native.result_dtypes)]

    def run(self, *arrays, backend: str = "sim", check: bool = False, trace: bool = True,
            check_hazards: bool = True, numerics: bool = True):
        """Runs on `backend` ("sim": the accelerator simulator; "reference": the CPU
        oracle) and returns the results as NumPy arrays. With check=True the
        simulator's results are compared with the reference backend under the
        per-dtype tolerance (AssertionError on mismatch). numerics=False
        simulates timing only (no arrays needed, none returned; `report` and
        `trace` as usual)."""
        if backend not in ("sim", "reference"):
            raise ValueError(f"unknown backend {backend!r} (available: 'sim', 'reference')")
        if not numerics:
            if backend != "sim" or check or arrays:
                raise ValueError("numerics=False simulates timing only: it needs "
                                 "backend='sim', no check and no input arrays")
            self._native.run_sim([], trace, check_hazards, False)
            self._trace = self._native.last_trace if trace else None
            return []
        args = self._convert(arrays)
        if backend == "reference":
            return self._results(self._native.run_reference(args))
        raw = self._native.run_sim(args, trace, check_hazards)
        self._trace = self._native.last_trace if trace else None
        if check:
            want = self._native.run_reference(args)
            tols = self._native.result_tolerances
            sensitivity = None  # measured only if some element needs it
            for i, (g, w, tol) in enumerate(zip(raw, want, tols)):
                if _close(g, w, tol).all():
                    continue
                if sensitivity is None:
                    sensitivity = self._rounding_sensitivity(args, want)
                _assert_close(g, w, tol, f"result {i}", sensitivity[i])
        return self._results(raw)

    def _rounding_sensitivity(self, args, want):
        """Per result, per element: the largest move of the reference result
        when every intermediate moves by one ulp of its type (a few seeded
        runs; docs/numerics.md). What a check allows on top of the tolerance."""
        sens = [np.zeros(np.shape(w), np.float64) for w in want]
        for seed in range(1, _muir.SENSITIVITY_RUNS + 1):
            runs = self._native.run_reference(args, perturb_seed=seed)
            for s, p, w in zip(sens, runs, want):
                if np.asarray(w).dtype.kind in "iu":
                    continue
                d = np.abs(np.asarray(p, np.float64) - np.asarray(w, np.float64))
                np.fmax(s, np.where(np.isfinite(d), d, 0), out=s)
        return sens

    @property
    def report(self) -> dict:
        """Figures of the last simulator run: cycles, seconds, pe_utilization,
        hbm_bytes (read + written), hbm_bytes_read, hbm_bytes_written, busy, ..."""
        text = self._native.last_report
        if not text:
            raise RuntimeError("no simulator run yet: call run(..., backend='sim') first")
        r = json.loads(text)
        for c in r.get("per_core", [r]):  # a mesh: the multi-core report
            c["hbm_bytes"] = c["hbm_bytes_read"] + c["hbm_bytes_written"]
        return r

    def trace(self, path) -> pathlib.Path:
        """Writes the Perfetto/Chrome trace of the last simulator run."""
        if not self._trace:
            raise RuntimeError("no traced simulator run yet: call run(..., backend='sim') first")
        p = pathlib.Path(path)
        p.write_text(self._trace)
        return p


def _close(got, want, tolerance, sensitivity=None):
    """Element-wise: |got - want| <= atol * max(1, max|want|) + rtol * |want|
    (+ sensitivity * SENSITIVITY_FACTOR), NaN matching NaN (driver::compare)."""
    rtol, atol = tolerance
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0)))
    allowed = atol * scale
    if sensitivity is not None:
        allowed = allowed + _muir.SENSITIVITY_FACTOR * sensitivity
    return np.isclose(got, want, rtol=rtol, atol=allowed, equal_nan=True)


def _assert_close(got, want, tolerance, what, sensitivity=None):
    """`tolerance`: (rtol, atol) of the least precise type on the result's path;
    `sensitivity`: each element's rounding sensitivity, allowed on top."""
    bad = ~_close(got, want, tolerance, sensitivity)
    if bad.any():
        rtol, atol = tolerance
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        scale = max(1.0, float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0)))
        i = np.unravel_index(np.argmax(bad), bad.shape)
        extra = ("" if sensitivity is None else
                 f" (+ its rounding sensitivity {float(sensitivity[i]):g})")
        raise AssertionError(f"{what}: {int(bad.sum())}/{bad.size} elements differ from the reference "
                             f"beyond rtol={rtol} atol={atol}*{scale:g}{extra}; first at {i}: "
                             f"sim {got[i]!r}, reference {want[i]!r}")


def check(executable: Executable, *arrays):
    """Runs on the simulator and the reference backend; raises AssertionError
    if they differ beyond the per-dtype tolerance. Returns the results."""
    return executable.run(*arrays, backend="sim", check=True)


def _config_items(kernel_configs):
    """{"k3": {"schedule": "stream", "block_tiles": 2}} -> ["k3.schedule=stream", ...]."""
    if kernel_configs is None:
        return []
    if not isinstance(kernel_configs, dict):
        raise TypeError("kernel_configs must be a dict: kernel name -> {key: value}")
    items = []
    for name, cfg in kernel_configs.items():
        if not isinstance(name, str) or not isinstance(cfg, dict):
            raise TypeError(f"kernel_configs[{name!r}] must be a dict of config keys")
        for key, value in cfg.items():
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise TypeError(f"kernel_configs[{name!r}][{key!r}] must be a str or int, "
                                f"got {type(value).__name__}")
            text = str(value)
            if not text or any(c in text for c in ",=") or any(c in str(key) for c in ",=."):
                raise ValueError(f"kernel_configs[{name!r}][{key!r}] = {value!r}: "
                                 "keys and values may not be empty or contain ',', '=' or '.'")
            items.append(f"{name}.{key}={text}")
    return items


def compile(obj, example_inputs=None, target: str = "trn2", entry: str = "",  # noqa: A001
            kernel_configs=None, mesh=None, split_results=False, pipeline=None,
            microbatches=None, tile_loops=False) -> Executable:
    """Compiles an xf module (text or Module) or a torch.nn.Module for `target`.

    `kernel_configs` overrides kernel schedules chosen by the compiler, by
    kernel name (the names `muir.passes.run(module,
    "muir-xf-fuse{target=T},muir-xf-kernel-config{target=T}")` prints), e.g.
    ``{"k3": {"schedule": "stream", "block_tiles": 2}}``; keys per kind are
    listed in docs/passes.md. A bad key or value raises RuntimeError naming
    the kernel.

    `mesh=N` shards the function over N cores of a multi-core target
    (`trn2-chip`, `trn2-instance`, `small-mc`) with muir-xf-shard (Megatron
    tensor parallelism, see docs/scaleout.md): `run()` then takes and
    returns the global tensors, slices the arguments per rank, simulates
    every core, and `report` is the multi-core report (`per_core`,
    `collectives`, `collective_ns`, `collective_rank_ns`, `links`).
    `mesh=(B, R)` is a 2-D mesh of B blocks of R cores: the sequence split
    over the blocks (context parallelism), tensor parallelism inside each;
    `mesh=N` lets the pass choose (one block per chip when N spans chips
    and the graph allows it). `split_results=True` leaves results split
    on the ranks as a layer hands them to the next (run() still returns the
    global tensors, assembled).

    `pipeline=P, microbatches=M` (with `mesh=N`, P dividing N): pipeline
    parallelism. The function must be P structurally equal runs of layers
    (e.g. stacked blocks with weights as arguments); stage s runs on ranks
    s N/P .. (s+1) N/P - 1 with its own layers' weights, tensor parallelism
    inside the stage. The executable computes the function on M
    microbatches: its activation argument (the one the first layer takes)
    and its result gain a leading dimension M (`signature` shows it), and
    `run(..., check=True)` compares with the reference on each.

    `tile_loops=True` rolls each kernel's tiles into hardware loops before
    scheduling (--muir-compile's tile-loops=, docs/passes.md): compiles
    faster to a smaller program, which today runs slower (the scheduler
    does not reorder inside a loop)."""
    if not isinstance(tile_loops, bool):
        raise TypeError(f"tile_loops must be a bool, got {tile_loops!r}")
    if (pipeline is None) != (microbatches is None):
        raise ValueError("pipeline= and microbatches= go together: P stages run M microbatches")
    for name, v in (("pipeline", pipeline), ("microbatches", microbatches)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    if pipeline is not None and (mesh is None or isinstance(mesh, tuple)):
        raise ValueError("pipeline= splits a mesh of N cores into stages: pass mesh=N "
                         "(an int; stages and context parallelism do not combine)")
    context_parallel = 0
    if isinstance(mesh, tuple):
        if (len(mesh) != 2 or any(isinstance(x, bool) or not isinstance(x, int) or x < 1
                                  for x in mesh)):
            raise ValueError(f"a 2-D mesh is (blocks, cores per block), both >= 1, got {mesh!r}")
        context_parallel, mesh = mesh[0], mesh[0] * mesh[1]
    if mesh is not None and (isinstance(mesh, bool) or not isinstance(mesh, int) or mesh < 1):
        raise ValueError(f"mesh must be a number of cores >= 1 or (blocks, cores per block), "
                         f"got {mesh!r}")
    if split_results and mesh is None:
        raise ValueError("split_results leaves results split across a mesh: pass mesh=")
    if not isinstance(obj, (str, Module)):
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None and isinstance(obj, torch.nn.Module):
            from . import torch as muir_torch
            if pipeline is not None:
                raise TypeError("pipeline= applies to xf modules whose layers take their "
                                "weights as arguments; muir.torch.compile keeps weights as "
                                "constants")
            if kernel_configs is not None:
                raise TypeError("kernel_configs applies to xf modules; compile the module "
                                "muir.torch.to_module gives")
            if tile_loops:
                raise TypeError("tile_loops applies to xf modules; compile the module "
                                "muir.torch.to_module gives")
            if context_parallel:
                mesh = (context_parallel, mesh // context_parallel)
            return muir_torch.compile(obj, example_inputs, target=target, mesh=mesh)
        raise TypeError(f"compile() takes xf text, a muir.Module or a torch.nn.Module, "
                        f"got {type(obj).__name__}")
    items = _config_items(kernel_configs)
    module = parse(obj) if isinstance(obj, str) else obj
    return Executable(_muir.compile(module._native, target, entry, items, mesh or 0,
                                    context_parallel, bool(split_results), pipeline or 0,
                                    microbatches or 0, tile_loops), module)


def __getattr__(name):
    # `muir.torch` / `muir.jax` without importing torch or jax at `import muir` time.
    if name in ("torch", "jax"):
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError(name)


from .session import Session  # noqa: E402  (device memory across runs: docs/simulator.md)
