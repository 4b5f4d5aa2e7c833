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

__all__ = ["compile", "to_xf", "to_module", "Generator", "compile_generate", "backend", "register", "UnsupportedOperatorError"]


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


class Generator:
    """Greedy generation with a causal language model on the simulator.

        gen = muir.torch.Generator(model, target="trn2")
        tokens = gen.generate(input_ids, max_new_tokens=32)   # [1, prompt + new]
        gen.report  # steps, compiles, simulated seconds, tokens per simulated second

    Each step runs the whole sequence, right-padded to a length bucket (the
    smallest power of two >= the length, at least `min_bucket`); one
    executable per bucket is compiled on first use. Right padding is exact
    for a causal decoder: no position attends to a later one, so the logits
    at the real positions do not depend on the padding. There is no KV cache
    yet: each step recomputes the prefix."""

    def __init__(self, model, target: str = "trn2", min_bucket: int = 8, example_kwargs=None):
        cfg = getattr(model, "config", None)
        if cfg is None or getattr(cfg, "is_encoder_decoder", False) or not hasattr(model, "generate"):
            raise TypeError("Generator needs a decoder-only transformers causal language model "
                            f"(a ...ForCausalLM / ...LMHeadModel), got {type(model).__name__}")
        self.model = model.eval()
        self.target = target
        self.min_bucket = min_bucket
        self.kwargs = dict({"use_cache": False}, **(example_kwargs or {}))
        self.limit = getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", None)
        self.executables = {}
        self.report = {"steps": 0, "compiles": 0, "simulated_seconds": 0.0, "new_tokens": 0}

    def bucket(self, n: int) -> int:
        b = max(self.min_bucket, 1 << (n - 1).bit_length())
        if self.limit is not None:
            if n > self.limit:
                raise ValueError(f"sequence of {n} tokens exceeds the model's {self.limit} positions")
            b = min(b, self.limit)
        return b

    def _executable(self, length, dtype):
        exe = self.executables.get(length)
        if exe is None:
            _log.info("muir: compiling the generator for a bucket of %d tokens", length)
            example = torch.zeros(1, length, dtype=dtype)
            exe = self.executables[length] = compile(self.model, (example,), target=self.target,
                                                     example_kwargs=self.kwargs)
            self.report["compiles"] += 1
        return exe

    def generate(self, input_ids, max_new_tokens: int, eos_token_id=None):
        """Greedy decoding of up to `max_new_tokens`, stopping after an end
        token (by default the model's generation_config.eos_token_id)."""
        if input_ids.dim() != 2 or input_ids.shape[0] != 1:
            raise ValueError(f"input_ids must be [1, S] (one sequence), got {tuple(input_ids.shape)}")
        if eos_token_id is None:
            eos_token_id = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        stop = set(eos_token_id if isinstance(eos_token_id, (list, tuple)) else
                   ([] if eos_token_id is None else [eos_token_id]))
        seq = input_ids.clone()
        for _ in range(max_new_tokens):
            n = seq.shape[1]
            length = self.bucket(n)
            exe = self._executable(length, seq.dtype)
            padded = torch.zeros(1, length, dtype=seq.dtype)
            padded[:, :n] = seq
            logits = exe.run(padded)[0]
            self.report["steps"] += 1
            self.report["simulated_seconds"] += exe.report["seconds"]
            nxt = int(np.asarray(logits[0, n - 1], dtype=np.float32).argmax())
            seq = torch.cat([seq, torch.tensor([[nxt]], dtype=seq.dtype)], dim=1)
            self.report["new_tokens"] += 1
            if nxt in stop:
                break
        sim = self.report["simulated_seconds"]
        self.report["tokens_per_second"] = self.report["new_tokens"] / sim if sim > 0 else float("nan")
        return seq


def compile_generate(model, target: str = "trn2", **kwargs) -> Generator:
    """A `Generator` for `model` (see there)."""
    return Generator(model, target=target, **kwargs)
