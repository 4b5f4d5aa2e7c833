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


def compile(module, example_inputs, target: str = "trn2", example_kwargs=None,  # noqa: A001
            mesh=None):
    """Captures `module` with torch.export and compiles it for `target`
    (`mesh=N`: sharded over N cores, see muir.compile; the captured weights
    are constants, which the sharding pass keeps replicated)."""
    from . import compile as _compile
    return _compile(to_module(module, example_inputs, example_kwargs), target=target, mesh=mesh)


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


def _cache_kwarg(model):
    """The keyword the model's forward takes its KV cache by (transformers
    5 renamed `past_key_values` to `cache`)."""
    import inspect
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _cache_layers(cache):
    """[(keys, values)] of a transformers cache, one pair per layer."""
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    return list(zip(cache.key_cache, cache.value_cache))


class _Prefill(torch.nn.Module):
    """ids [B, P] (and for a batch its attention mask and position ids
    [B, P]) -> (logits [B, P, V], K_0, V_0, K_1, ...) with each K/V
    [B, Hkv, P, D]: the model's own cache, returned as plain tensors."""

    def __init__(self, model):
        super().__init__()
        self.model, self.kw = model, _cache_kwarg(model)

    def forward(self, ids, mask=None, position=None):
        from transformers import DynamicCache
        extra = {} if mask is None else {"attention_mask": mask, "position_ids": position}
        out = self.model(ids, use_cache=True, **extra, **{self.kw: DynamicCache(config=self.model.config)})
        return (out.logits,) + tuple(t for kv in _cache_layers(out.past_key_values) for t in kv)


class _Decode(torch.nn.Module):
    """One token per sequence against a cache of C slots: (ids [B, 1],
    position [B, 1], mask [B, C + 1] (1 for the valid slots and the token),
    K_0, V_0, ... [B, Hkv, C, D]) -> (logits [B, 1, V], the token's K_0,
    V_0, ... rows).
    The model concatenates the cache and the new row; xf.attention reads
    the two as sequence segments, so the cache is never copied."""

    def __init__(self, model):
        super().__init__()
        self.model, self.kw = model, _cache_kwarg(model)

    def forward(self, ids, position, mask, *kv):
        from transformers import DynamicCache
        cache = DynamicCache(config=self.model.config)
        for i in range(len(kv) // 2):
            cache.update(kv[2 * i], kv[2 * i + 1], i)
        out = self.model(ids, position_ids=position, attention_mask=mask, use_cache=True, **{self.kw: cache})
        return (out.logits,) + tuple(t[:, :, -1:] for kv in _cache_layers(out.past_key_values) for t in kv)


class Generator:
    """Greedy generation with a causal language model on the simulator.

        gen = muir.torch.Generator(model, target="trn2")
        tokens = gen.generate(input_ids, max_new_tokens=32)   # [1, prompt + new]
        gen.report  # steps, compiles, simulated seconds, tokens per simulated second

    With `kv_cache=True` (the default, as transformers models decode) a
    prefill executable runs the prompt right-padded to a length bucket and
    returns every layer's K/V; each decode step then runs one token against
    the cache padded to a capacity bucket (hidden slots masked), returns
    the token's K/V rows, and the cache grows by them: the prefix is never
    recomputed. `generate(..., past_key_values=cache)` accepts a
    transformers `DynamicCache` or `StaticCache`: its K/V are the prefix
    (only the tokens past it are run) and the new positions' K/V are
    appended to it, as `model.generate` does.

    With `kv_cache=False` each step runs the whole sequence, right-padded
    to a length bucket, and recomputes the prefix.

    Buckets are the smallest power of two >= the length, at least
    `min_bucket`; one executable per bucket, kind and batch size, compiled
    on first use. Right padding is exact for a causal decoder: no position
    attends to a later one.

    Batches (`input_ids` [B, S] with B > 1, or an `attention_mask`): the
    prompts are left-padded as transformers pads them (the mask is 0 on
    the padding), position ids count the real tokens, and a sequence that
    has produced an end token continues with `pad_token_id`, as
    `model.generate` does; generation stops when every sequence has ended.
    Batches need `kv_cache=True` and no `past_key_values`."""

    def __init__(self, model, target: str = "trn2", min_bucket: int = 8, example_kwargs=None,
                 kv_cache: bool = True):
        cfg = getattr(model, "config", None)
        if cfg is None or getattr(cfg, "is_encoder_decoder", False) or not hasattr(model, "generate"):
            raise TypeError("Generator needs a decoder-only transformers causal language model "
                            f"(a ...ForCausalLM / ...LMHeadModel), got {type(model).__name__}")
        self.model = model.eval()
        self.target = target
        self.min_bucket = min_bucket
        self.kv_cache = kv_cache
        self.kwargs = dict({"use_cache": False}, **(example_kwargs or {}))
        self.limit = getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", None)
        self.executables = {}
        self.report = {"steps": 0, "compiles": 0, "simulated_seconds": 0.0, "new_tokens": 0,
                       "mode": "kv_cache" if kv_cache else "recompute"}

    def bucket(self, n: int) -> int:
        b = max(self.min_bucket, 1 << (n - 1).bit_length())
        if self.limit is not None:
            if n > self.limit:
                raise ValueError(f"sequence of {n} tokens exceeds the model's {self.limit} positions")
            b = min(b, self.limit)
        return b

    def _compiled(self, key, module, example, kwargs=None):
        key = key + (example[0].shape[0],)  # the batch size
        exe = self.executables.get(key)
        if exe is None:
            _log.info("muir: compiling the generator's %s for a bucket of %d tokens, batch %d", *key)
            exe = self.executables[key] = compile(module, example, target=self.target, example_kwargs=kwargs)
            self.report["compiles"] += 1
        return exe

    def _run(self, exe, *args):
        outs = exe.run(*args)
        self.report["steps"] += 1
        self.report["simulated_seconds"] += exe.report["seconds"]
        return outs

    def _recompute_step(self, seq):
        n = seq.shape[1]
        length = self.bucket(n)
        exe = self._compiled(("sequence", length), self.model, (torch.zeros(1, length, dtype=seq.dtype),),
                             self.kwargs)
        padded = torch.zeros(1, length, dtype=seq.dtype)
        padded[:, :n] = seq
        return self._run(exe, padded)[0][0, n - 1]

    def _prefill(self, seq):
        """Logits of the last prompt token; the prompt's K/V per layer."""
        n = seq.shape[1]
        length = self.bucket(n)
        exe = self._compiled(("prefill", length), _Prefill(self.model), (torch.zeros(1, length, dtype=seq.dtype),))
        padded = torch.zeros(1, length, dtype=seq.dtype)
        padded[:, :n] = seq
        outs = self._run(exe, padded)
        dt = self._dtype()
        kv = [_to_torch(o, dt)[:, :, :n] for o in outs[1:]]
        return outs[0][0, n - 1], kv

    def _decode(self, token, kv):
        """Logits of `token` at position len(cache); the cache with its K/V."""
        n = kv[0].shape[2]
        logits, kv = self._decode_batch(torch.tensor([[token]]), torch.tensor([[n]]),
                                        torch.ones(1, n, dtype=torch.long), kv)
        return logits[0], kv

    def _decode_batch(self, ids, position, valid, kv):
        """Logits [B, V] of tokens `ids` [B, 1] at `position` [B, 1] against
        a cache whose slots are valid where `valid` [B, n] is 1; the cache
        with their K/V."""
        n = kv[0].shape[2]
        if self.limit is not None and n >= self.limit:
            raise ValueError(f"sequence of {n + 1} tokens exceeds the model's {self.limit} positions")
        cap = max(self.min_bucket, 1 << max(n - 1, 0).bit_length())
        padded = [torch.cat([t, t.new_zeros(t.shape[:2] + (cap - n,) + t.shape[3:])], dim=2) for t in kv]
        b = ids.shape[0]
        mask = torch.cat([valid.long(), torch.zeros(b, cap - n, dtype=torch.long),
                          torch.ones(b, 1, dtype=torch.long)], dim=1)
        args = (ids, position, mask, *padded)
        exe = self._compiled(("decode", cap), _Decode(self.model), args)
        outs = self._run(exe, *args)
        dt = self._dtype()
        return outs[0][:, 0], [torch.cat([t, _to_torch(o, dt)], dim=2) for t, o in zip(kv, outs[1:])]

    def _generate_batch(self, input_ids, attention_mask, max_new_tokens, stop, pad_token_id):
        """Greedy decoding of left-padded prompts (see the class docstring)."""
        b, n = input_ids.shape
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask.long()
        if tuple(mask.shape) != (b, n):
            raise ValueError(f"attention_mask must have the shape of input_ids {(b, n)}, got {tuple(mask.shape)}")
        if ((mask != 0) & (mask != 1)).any() or (mask[:, 1:] < mask[:, :-1]).any() or (mask[:, -1] == 0).any():
            raise ValueError("attention_mask must be 0/1 with the padding on the left of each prompt "
                             "(as transformers pads for generation) and at least one token per prompt")
        if not self.kv_cache:
            raise ValueError("generating a batch of sequences needs a Generator with kv_cache=True")
        if pad_token_id is None:
            pad_token_id = getattr(getattr(self.model, "generation_config", None), "pad_token_id", None)
        if pad_token_id is None:
            pad_token_id = min(stop) if stop else 0
        # Prefill: the prompts right-padded to a bucket (pads hidden by the mask).
        length = self.bucket(n)
        ids = torch.zeros(b, length, dtype=input_ids.dtype)
        ids[:, :n] = input_ids
        pmask = torch.zeros(b, length, dtype=torch.long)
        pmask[:, :n] = mask
        position = (pmask.cumsum(-1) - 1).masked_fill(pmask == 0, 1)
        exe = self._compiled(("masked prefill", length), _Prefill(self.model), (ids, pmask, position))
        outs = self._run(exe, ids, pmask, position)
        dt = self._dtype()
        kv = [_to_torch(o, dt)[:, :, :n] for o in outs[1:]]
        logits = np.asarray(outs[0], dtype=np.float32)[:, n - 1]
        seq, done, new_tokens = input_ids.clone(), torch.zeros(b, dtype=torch.bool), 0
        for step in range(max_new_tokens):
            nxt = torch.from_numpy(logits.argmax(-1)).to(seq.dtype)
            nxt = torch.where(done, torch.full_like(nxt, pad_token_id), nxt)
            seq = torch.cat([seq, nxt[:, None]], dim=1)
            mask = torch.cat([mask, torch.ones(b, 1, dtype=torch.long)], dim=1)
            new_tokens += int((~done).sum())
            done |= torch.tensor([int(t) in stop for t in nxt])
            if bool(done.all()) or step == max_new_tokens - 1:
                break
            logits, kv = self._decode_batch(nxt[:, None], mask.sum(-1, keepdim=True) - 1, mask[:, :-1], kv)
            logits = np.asarray(logits, dtype=np.float32)
        return seq, new_tokens

    def _dtype(self):
        return next(self.model.parameters()).dtype

    def generate(self, input_ids, max_new_tokens: int, eos_token_id=None, past_key_values=None,
                 attention_mask=None, pad_token_id=None):
        """Greedy decoding of up to `max_new_tokens`, stopping after an end
        token (by default the model's generation_config.eos_token_id).
        `past_key_values`: a transformers DynamicCache or StaticCache holding
        the K/V of a prefix of `input_ids` (or empty); it receives the K/V of
        every position run, as with `model.generate`. `input_ids` [B, S] with
        `attention_mask` [B, S] (left padding) decodes a batch."""
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must be [B, S], got {tuple(input_ids.shape)}")
        if eos_token_id is None:
            eos_token_id = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        stop = set(eos_token_id if isinstance(eos_token_id, (list, tuple)) else
                   ([] if eos_token_id is None else [eos_token_id]))
        if input_ids.shape[0] > 1 or (attention_mask is not None and not bool((attention_mask == 1).all())):
            if past_key_values is not None:
                raise ValueError("past_key_values is supported for one sequence (input_ids [1, S]) only")
            seq, new_tokens = self._generate_batch(input_ids, attention_mask, max_new_tokens, stop, pad_token_id)
            self._count(new_tokens)
            return seq
        kv, done = None, 0
        if past_key_values is not None:
            kv, done = self._prefix(past_key_values, input_ids, max_new_tokens)
        seq = input_ids.clone()
        new_tokens = 0
        for step in range(max_new_tokens):
            if not self.kv_cache:
                logits = self._recompute_step(seq)
            elif kv is None:
                logits, kv = self._prefill(seq)
            else:
                # Tokens not yet in the cache (a prefix cache's remainder,
                # then each new token) run one at a time.
                while kv[0].shape[2] < seq.shape[1]:
                    logits, kv = self._decode(int(seq[0, kv[0].shape[2]]), kv)
            nxt = int(np.asarray(logits, dtype=np.float32).argmax())
            seq = torch.cat([seq, torch.tensor([[nxt]], dtype=seq.dtype)], dim=1)
            new_tokens += 1
            if nxt in stop:
                break
        if past_key_values is not None and kv is not None:
            for i in range(0, len(kv), 2):
                past_key_values.update(kv[i][:, :, done:], kv[i + 1][:, :, done:], i // 2)
        self._count(new_tokens)
        return seq

    def _count(self, new_tokens):
        self.report["new_tokens"] += new_tokens
        sim = self.report["simulated_seconds"]
        self.report["tokens_per_second"] = self.report["new_tokens"] / sim if sim > 0 else float("nan")

    def _prefix(self, cache, input_ids, max_new_tokens):
        """The K/V of a transformers cache's prefix, and its length."""
        name = type(cache).__name__
        if not self.kv_cache:
            raise ValueError(f"past_key_values (a {name}) needs a Generator with kv_cache=True")
        if name not in ("DynamicCache", "StaticCache") or not hasattr(cache, "update"):
            raise TypeError(f"past_key_values must be a transformers DynamicCache or StaticCache, got {name}")
        done = int(cache.get_seq_length())
        room = cache.get_max_length() if name == "StaticCache" else None
        if room is not None and room > 0 and input_ids.shape[1] + max_new_tokens - 1 > room:
            raise ValueError(f"past_key_values (a {name}) holds at most {room} positions; "
                             f"{input_ids.shape[1]} tokens and {max_new_tokens} new ones need "
                             f"{input_ids.shape[1] + max_new_tokens - 1}")
        if done >= input_ids.shape[1]:
            raise ValueError(f"past_key_values holds {done} positions but input_ids has only "
                             f"{input_ids.shape[1]}: at least one token must be new")
        if done == 0:
            return None, 0
        layers = _cache_layers(cache)
        return [t[:, :, :done].to(self._dtype()) for kv in layers for t in kv], done


def compile_generate(model, target: str = "trn2", **kwargs) -> Generator:
    """A `Generator` for `model` (see there)."""
    return Generator(model, target=target, **kwargs)
