"""PyTorch front end: torch.export -> xf -> muir.

    exe = muir.torch.compile(model, (input_ids,))
    (logits,) = exe.run(input_ids)                  # NumPy out
    fast = torch.compile(model, backend="muir")     # torch tensors out, via the simulator
"""
from __future__ import annotations

import logging

import numpy as np
import torch

from ._torch_import import UnsupportedOperatorError, resources_text, to_xf as _to_xf

_log = logging.getLogger("muir.torch")
_TORCH_DTYPE = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16,
                "i64": torch.int64, "i32": torch.int32}

__all__ = ["compile", "to_xf", "to_module", "backend", "register", "UnsupportedOperatorError"]


def to_xf(module, example_inputs, example_kwargs=None) -> str:
    """The xf MLIR text of `module` captured with torch.export, its weights
    inline as hex resources (self-contained, but large for large models:
    `compile` passes the weights' bytes instead)."""
    text, resources, _, _ = _to_xf(module, example_inputs, example_kwargs)
    return text + resources_text(resources)


def to_module(module, example_inputs, example_kwargs=None):
    """`module` captured with torch.export as a parsed muir.Module; the
    weights go to MLIR as `dense_resource` blobs, never as text."""
    from . import parse
    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    text, resources, _, _ = _to_xf(module, example_inputs, example_kwargs)
    return parse(text, resources=resources)


def compile(module, example_inputs, target: str = "trn2", example_kwargs=None):  # noqa: A001
    """Captures `module` with torch.export and compiles it for `target`."""
    from . import compile as _compile
    return _compile(to_module(module, example_inputs, example_kwargs), target=target)


def _to_torch(a, like_dtype=None):
    t = torch.from_numpy(np.asarray(a, dtype=np.float32) if a.dtype.kind == "V" else np.asarray(a))
    return t.to(like_dtype) if like_dtype is not None else t


def _is_concrete(a):
    if isinstance(a, torch.Tensor):
        return all(isinstance(d, int) for d in a.shape)
    return isinstance(a, (int, float, bool))


class _Specialized(torch.nn.Module):
    """A dynamo graph with its non-tensor inputs (the symbolic sizes of a
    dynamic-shape graph) fixed to concrete values, so torch.export sees
    static shapes only."""

    def __init__(self, gm, args):
        super().__init__()
        self.gm = gm
        self.args = list(args)
        self.tensor_pos = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor)]

    def forward(self, *tensors):
        full = list(self.args)
        for i, t in zip(self.tensor_pos, tensors):
            full[i] = t
        return self.gm(*full)


def _shape_key(args):
    return tuple((tuple(a.shape), a.dtype) if isinstance(a, torch.Tensor) else (type(a).__name__, a)
                 for a in args)


def backend(gm, example_inputs, target: str = "trn2"):
    """A torch.compile backend: the captured graph runs on the simulator.

    Shape policy (docs/torch.md): one executable per concrete input shape,
    compiled on the first call with that shape and cached. A graph that
    dynamo captured with symbolic sizes (its default after a shape change)
    is specialised to the sizes of each call; it never falls back to eager."""
    cache = {}

    def executable(args):
        key = _shape_key(args)
        hit = cache.get(key)
        if hit is None:
            _log.info("muir: compiling a dynamo graph for input shapes %s (%d cached)",
                      [k[0] for k in key], len(cache))
            tensors = tuple(a for a in args if isinstance(a, torch.Tensor))
            exe = compile(_Specialized(gm, args), tensors, target=target)
            out_dtypes = [_TORCH_DTYPE.get(d) for d in exe.signature[1][1]]
            hit = cache[key] = (exe, out_dtypes)
        return hit

    if all(_is_concrete(a) for a in example_inputs):
        executable(tuple(example_inputs))  # static graph: errors surface at compile time

    def run(*args):
        exe, out_dtypes = executable(args)
        outs = exe.run(*(a for a in args if isinstance(a, torch.Tensor)))
        return tuple(_to_torch(o, dt) for o, dt in zip(outs, out_dtypes))

    run.cache = cache
    return run


_registered = False


def register():
    """Makes `torch.compile(model, backend="muir")` available."""
    global _registered
    if not _registered:
        from torch._dynamo import register_backend
        register_backend(compiler_fn=backend, name="muir")
        _registered = True


register()

