"""PyTorch front end: torch.export -> xf -> muir.

    exe = muir.torch.compile(model, (input_ids,))
    (logits,) = exe.run(input_ids)                  # NumPy out
    fast = torch.compile(model, backend="muir")     # torch tensors out, via the simulator
"""
from __future__ import annotations

import numpy as np
import torch

from ._torch_import import UnsupportedOperatorError, to_xf as _to_xf

__all__ = ["compile", "to_xf", "backend", "register", "UnsupportedOperatorError"]


def to_xf(module, example_inputs, example_kwargs=None) -> str:
    """The xf MLIR text of `module` captured with torch.export."""
    return _to_xf(module, example_inputs, example_kwargs)[0]


def compile(module, example_inputs, target: str = "trn2", example_kwargs=None):  # noqa: A001
    """Captures `module` with torch.export and compiles it for `target`."""
    from . import compile as _compile
    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    return _compile(to_xf(module, example_inputs, example_kwargs), target=target)


def _to_torch(a, like_dtype=None):
    t = torch.from_numpy(np.asarray(a, dtype=np.float32) if a.dtype.kind == "V" else np.asarray(a))
    return t.to(like_dtype) if like_dtype is not None else t


def backend(gm, example_inputs, target: str = "trn2"):
    """A torch.compile backend: the captured graph runs on the simulator."""
    exe = compile(gm, tuple(example_inputs), target=target)
    out_dtypes = [{"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16,
                   "i64": torch.int64, "i32": torch.int32}.get(d) for d in exe.signature[1][1]]

    def run(*args):
        outs = exe.run(*args)
        return tuple(_to_torch(o, dt) for o, dt in zip(outs, out_dtypes))

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
