"""A simulated device whose memory outlives one executable run.

    sess = muir.session.Session("trn2")
    sess.allocate("k0", (1, 2, 64, 16), "bf16")      # a buffer in simulated HBM
    sess.write("k0", np.zeros((1, 2, 64, 16)))        # host -> device (counted)
    outs = sess.run(exe, [ids, pos, None], bind={"arg2": "k0"}, fetch=[0])
    sess.read("k0")                                    # device -> host (counted)
    sess.stats   # runs, seconds (simulated, summed), host_to_device_bytes, ...

An executable's tensors are named `arg<i>` (inputs) and `out<i>` (results).
A tensor bound to a buffer reads and writes that buffer in place: nothing
crosses the host boundary for it. An executable that updates an argument in
place (`xf.index_copy` on an argument nothing else reads) writes the bound
buffer, and its result lies on it. A program is loaded on its first run:
its weights are written to device memory once and stay there.
"""
from __future__ import annotations

import json

import numpy as np

from . import _muir

__all__ = ["Session"]


def _executable(exe):
    native = getattr(exe, "_native", exe)
    if not hasattr(native, "arg_shapes"):
        raise TypeError(f"expected a muir.Executable, got {type(exe).__name__}")
    return native


class Session:
    """Device memory (simulated HBM) with named buffers, shared by runs of
    different executables for one target; simulated time accumulates."""

    def __init__(self, target: str = "trn2", check_hazards: bool = True):
        self._native = _muir.Session(target, check_hazards)
        self._buffers = {}  # name -> (shape, dtype)

    @property
    def target(self) -> str:
        return self._native.target

    def allocate(self, name: str, shape, dtype: str = "f32"):
        """A buffer of `shape` elements of `dtype` ("f32", "bf16", "f16",
        "i32", ...); its bytes start unwritten."""
        shape = tuple(int(d) for d in shape)
        self._native.allocate(name, list(shape), dtype)
        self._buffers[name] = (shape, dtype)

    def release(self, name: str):
        self._native.release(name)
        self._buffers.pop(name, None)

    def __contains__(self, name: str) -> bool:
        return self._native.has(name)

    def write(self, name: str, array):
        """Host -> device: the whole buffer, rounded to its element type."""
        shape, dtype = self._spec(name)
        a = _as_numpy(array)
        if tuple(a.shape) != shape:
            raise ValueError(f"buffer {name!r} is {shape}, got an array of shape {tuple(a.shape)}")
        self._native.write(name, np.ascontiguousarray(a), dtype)

    def read(self, name: str) -> np.ndarray:
        """Device -> host: the buffer's values (float32, or int64 for i32)."""
        shape, dtype = self._spec(name)
        return self._native.read(name, list(shape), dtype)

    def run(self, exe, args=(), bind=None, fetch=None):
        """Runs `exe` on the session's memory. `args`: one array per argument
        in order, None for the arguments bound in `bind` (or a dict
        {"arg<i>": array}); `bind`: {"arg<i>" or "out<i>": buffer name};
        `fetch`: result indices (default: every result not bound, nor an
        in-place update of a bound argument) returned in that order, device
        -> host."""
        native = _executable(exe)
        bind = dict(bind or {})
        if isinstance(args, dict):
            inputs = dict(args)
        else:
            args = list(args)
            if len(args) != len(native.arg_shapes):
                raise TypeError(f"expected {len(native.arg_shapes)} argument(s) (None for bound ones), "
                                f"got {len(args)}")
            inputs = {}
            for i, a in enumerate(args):
                name = f"arg{i}"
                if a is None:
                    if name not in bind:
                        raise ValueError(f"argument {i} is None but not bound to a buffer")
                    continue
                if name in bind:
                    raise ValueError(f"argument {i} is bound to buffer {bind[name]!r} and given an array")
                a = _as_numpy(a)
                if tuple(a.shape) != tuple(native.arg_shapes[i]):
                    raise ValueError(f"argument {i}: expected shape {tuple(native.arg_shapes[i])}, "
                                     f"got {tuple(a.shape)}")
                inputs[name] = np.ascontiguousarray(a)
        if fetch is None:
            fetch = [i for i in range(len(native.result_shapes))
                     if f"out{i}" not in bind and not self._updates_bound(native, i, bind)]
        names = [f"out{i}" for i in fetch]
        got = self._native.run(native, inputs, bind, names)
        return [got[n] for n in names]

    @staticmethod
    def _updates_bound(native, i, bind):
        """Whether result i lies on a bound argument (an in-place update)."""
        arg = _aliases(native).get(f"out{i}")
        return arg is not None and arg in bind

    @property
    def stats(self) -> dict:
        """runs, seconds (simulated device time of every run, summed),
        host_to_device_bytes, device_to_host_bytes, constant_bytes (weights
        written once per program), device_bytes_in_use."""
        return dict(self._native.stats)

    @property
    def report(self) -> dict:
        """The last run's simulator report (cycles, seconds, hbm bytes, ...)."""
        return json.loads(self._native.last_report)

    def _spec(self, name):
        if name not in self._buffers:
            raise KeyError(f"no buffer {name!r}")
        return self._buffers[name]


def _aliases(native):
    """{"out<i>": "arg<j>"} for results that update an argument in place (an
    output tensor declared on its input's HBM bytes)."""
    tensors = _muir.Session.tensors(native)
    inputs = {(off, size): name for name, kind, off, size in tensors if kind == "input"}
    return {name: inputs[(off, size)] for name, kind, off, size in tensors
            if kind == "output" and (off, size) in inputs}


def _as_numpy(a):
    if hasattr(a, "detach") and hasattr(a, "numpy"):  # a torch tensor
        a = a.detach().cpu()
        a = a.float().numpy() if str(a.dtype) == "torch.bfloat16" else a.numpy()
    a = np.asarray(a)
    if a.dtype.kind == "V":  # ml_dtypes bfloat16 / float8
        a = a.astype(np.float32)
    return a
