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


def _register_index_copy():
    """torch.index_copy (the resident cache's row update) -> xf.index_copy:
    positions are values, so one executable serves every decode step."""
    from . import _torch_import as ti

    if "index_copy" in ti._HANDLERS:
        return

    @ti._h("index_copy")
    def _index_copy(im, node, x, dim, index, source):
        x, source, index = im.val(x), im.val(source), im.val(index)
        if index.dt not in ("i32", "i64") or index.is_int or len(index.shape) != 1:
            raise ti._Unsupported("index_copy needs a 1-D integer index tensor that is an input or a constant")
        dim %= len(x.shape)
        types = f"{ti._ty(x.shape, x.dt)}, {ti._ty(index.shape, index.dt)}, {ti._ty(source.shape, source.dt)}"
        return im.b.op(f"xf.index_copy {x.name}[{index.name}], {source.name} {{axis = {dim} : i64}} : "
                       f"({types}) -> {ti._ty(x.shape, x.dt)}", x.shape, x.dt)


_register_index_copy()

_SLOT_CACHE = None


def _slot_cache(layers_kv, slots, past, attend_all):
    """A transformers Cache over caller-owned K/V tensors [B, Hkv, C, D]:
    each layer's update writes the new rows at positions `slots` with
    torch.index_copy (xf.index_copy: in place on the device) and returns
    either the whole cache (decode: attention over the C slots, the hidden
    ones masked) or only the new rows (prefill: attention over the prompt).
    `past` is the length the model sees as already cached (its cache
    positions and mask size follow from it)."""
    global _SLOT_CACHE
    if _SLOT_CACHE is None:
        from transformers.cache_utils import CacheLayerMixin

        class SlotLayer(CacheLayerMixin):
            is_compileable = False
            is_sliding = False

            def __init__(self, keys, values, slots, past, attend_all):
                super().__init__()
                self.keys, self.values, self.is_initialized = keys, values, True
                self.slots, self.past, self.attend_all = slots, past, attend_all

            def lazy_initialization(self, key_states, value_states):
                pass

            def update(self, key_states, value_states, *args, **kwargs):
                self.keys = torch.index_copy(self.keys, 2, self.slots, key_states)
                self.values = torch.index_copy(self.values, 2, self.slots, value_states)
                if self.attend_all:
                    return self.keys, self.values
                return key_states, value_states

            def get_mask_sizes(self, query_length):
                return (self.keys.shape[2] if self.attend_all else query_length), 0

            def get_seq_length(self):
                return self.past

            def get_max_length(self):
                return self.keys.shape[2]

        _SLOT_CACHE = SlotLayer
    from transformers.cache_utils import Cache
    return Cache(layers=[_SLOT_CACHE(k, v, slots, past, attend_all) for k, v in layers_kv])


class _PrefillInto(torch.nn.Module):
    """The prompt's K/V written into the resident cache: (ids [B, P], for a
    batch its mask and position ids [B, P], then K_0, V_0, ... [B, Hkv, C,
    D]) -> (logits [B, P, V], the caches with rows 0..P-1 written). The
    caches are arguments nothing else reads, so the executable updates them
    in place (xf.index_copy on a donated argument) and a session keeps them
    in device memory; attention runs over the prompt only."""

    def __init__(self, model, batched):
        super().__init__()
        self.model, self.kw, self.batched = model, _cache_kwarg(model), batched

    def forward(self, ids, *rest):
        extra = {}
        if self.batched:
            extra = {"attention_mask": rest[0], "position_ids": rest[1]}
            rest = rest[2:]
        slots = torch.arange(ids.shape[1])
        cache = _slot_cache(list(zip(rest[0::2], rest[1::2])), slots, 0, attend_all=False)
        out = self.model(ids, use_cache=True, **extra, **{self.kw: cache})
        return (out.logits,) + tuple(t for layer in cache.layers for t in (layer.keys, layer.values))


class _DecodeInto(torch.nn.Module):
    """One token per sequence written into the resident cache of C slots at
    run-time position `slot` [1], then attention over all C slots (mask
    [B, C]: 1 for the valid slots and the token's): (ids [B, 1], position
    [B, 1], mask, slot, K_0, V_0, ...) -> (logits [B, 1, V], the updated
    caches, in place)."""

    def __init__(self, model):
        super().__init__()
        self.model, self.kw = model, _cache_kwarg(model)

    def forward(self, ids, position, mask, slot, *kv):
        cap = kv[0].shape[2]
        cache = _slot_cache(list(zip(kv[0::2], kv[1::2])), slot, cap - 1, attend_all=True)
        out = self.model(ids, position_ids=position, attention_mask=mask, use_cache=True, **{self.kw: cache})
        return (out.logits,) + tuple(t for layer in cache.layers for t in (layer.keys, layer.values))


class Generator:
    """Greedy generation with a causal language model on the simulator.

        gen = muir.torch.Generator(model, target="trn2")
        tokens = gen.generate(input_ids, max_new_tokens=32)   # [1, prompt + new]
        gen.report  # steps, compiles, simulated seconds, tokens per simulated second

    With `kv_cache=True` (the default, as transformers models decode) the
    KV cache stays in simulated device memory (a `muir.session.Session`)
    for the whole generation: buffers [B, Hkv, C, D] per layer's K and V,
    C the capacity bucket of prompt + new tokens. A prefill executable runs
    the prompt right-padded to a length bucket and writes its K/V rows into
    them in place; each decode step runs one token, writes its K/V row at
    its position in place (xf.index_copy -> nc.dma_scatter at a run-time
    position) and attends over the C slots with the empty ones masked. Only
    the token, its position, the mask and the position of the row cross to
    the device per step, and only the logits come back; the prefix is never
    recomputed and the cache is never copied. `generate(...,
    past_key_values=cache)` accepts a transformers `DynamicCache` or
    `StaticCache`: its K/V are the prefix (written to the device once, only
    the tokens past it run) and the new positions' K/V are appended to it
    at the end (read back once), as `model.generate` does.

    With `kv_cache=False` each step runs the whole sequence, right-padded
    to a length bucket, and recomputes the prefix.

    Buckets are the smallest power of two >= the length, at least
    `min_bucket`; one executable per bucket, kind and batch size, compiled
    on first use (one prefill per prompt bucket and capacity, one decode
    per capacity). Right padding is exact for a causal decoder: no position
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
        self.session = None   # the simulated device holding the KV cache
        self._layout = None   # per cache tensor (Hkv, D), and the dtype
        self._cache = None    # (buffer names, batch, capacity) on the device
        self.report = {"steps": 0, "compiles": 0, "simulated_seconds": 0.0, "new_tokens": 0,
                       "mode": "kv_cache" if kv_cache else "recompute", "transfers": []}

    def bucket(self, n: int) -> int:
        b = max(self.min_bucket, 1 << (n - 1).bit_length())
        if self.limit is not None:
            if n > self.limit:
                raise ValueError(f"sequence of {n} tokens exceeds the model's {self.limit} positions")
            b = min(b, self.limit)
        return b

    def capacity(self, n: int) -> int:
        """The cache slots allocated for `n` positions: their bucket, at most
        the model's positions (running past them is refused when reached)."""
        b = max(self.min_bucket, 1 << max(n - 1, 0).bit_length())
        return min(b, self.limit) if self.limit is not None else b

    def _compiled(self, key, module, example, kwargs=None):
        """The executable for `key` (+ the batch size), compiled on first use
        from `example()` (the example arguments)."""
        key = key + (example.batch,)
        exe = self.executables.get(key)
        if exe is None:
            _log.info("muir: compiling the generator's %s for batch %d", key[:-1], key[-1])
            exe = self.executables[key] = compile(module, example(), target=self.target, example_kwargs=kwargs)
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
        exe = self._compiled(("sequence", length), self.model,
                             _Example(1, lambda: (torch.zeros(1, length, dtype=seq.dtype),)), self.kwargs)
        padded = torch.zeros(1, length, dtype=seq.dtype)
        padded[:, :n] = seq
        return self._run(exe, padded)[0][0, n - 1]

    # -- the resident KV cache --------------------------------------------------
    def _dtype(self):
        return next(self.model.parameters()).dtype

    def _kv_layout(self):
        """(Hkv, D) of each cache tensor (K_0, V_0, K_1, ...), from the
        model's own cache after one eager token."""
        if self._layout is None:
            from transformers import DynamicCache
            with torch.no_grad():
                out = self.model(torch.zeros(1, 1, dtype=torch.long), use_cache=True,
                                 **{_cache_kwarg(self.model): DynamicCache(config=self.model.config)})
            self._layout = [(t.shape[1], t.shape[3]) for kv in _cache_layers(out.past_key_values) for t in kv]
        return self._layout

    def _device(self):
        if self.session is None:
            from .session import Session
            self.session = Session(self.target)
        return self.session

    def _allocate_cache(self, b, cap, prefix=None):
        """Buffers kv0, kv1, ... [B, Hkv, cap, D] on the device, zeroed or
        holding `prefix` (K/V [B, Hkv, n, D] per buffer) in their first slots:
        the one upload of the cache."""
        sess = self._device()
        dtype = {torch.float32: "f32", torch.bfloat16: "bf16", torch.float16: "f16"}[self._dtype()]
        names = []
        for i, (h, d) in enumerate(self._kv_layout()):
            name = f"kv{i}"
            if name in sess:
                sess.release(name)
            sess.allocate(name, (b, h, cap, d), dtype)
            init = np.zeros((b, h, cap, d), np.float32)
            if prefix is not None:
                init[:, :, :prefix[i].shape[2]] = prefix[i].float().numpy()
            sess.write(name, init)
            names.append(name)
        self._cache = (names, b, cap)

    def _cache_examples(self):
        names, b, cap = self._cache
        return tuple(torch.zeros(b, h, cap, d, dtype=self._dtype()) for h, d in self._kv_layout())

    def _run_resident(self, kind, exe, args, first_cache_arg):
        """Runs `exe` on the device with the cache buffers bound from
        argument `first_cache_arg` on; returns the logits (result 0), the
        only result fetched."""
        names = self._cache[0]
        bind = {f"arg{first_cache_arg + i}": n for i, n in enumerate(names)}
        before = self.session.stats
        (logits,) = self.session.run(exe, list(args) + [None] * len(names), bind=bind, fetch=[0])
        after = self.session.stats
        self.report["steps"] += 1
        self.report["simulated_seconds"] += after["seconds"] - before["seconds"]
        self.report["transfers"].append({
            "kind": kind,
            "host_to_device_bytes": after["host_to_device_bytes"] - before["host_to_device_bytes"],
            "device_to_host_bytes": after["device_to_host_bytes"] - before["device_to_host_bytes"]})
        return logits

    def _prefill(self, ids, mask=None):
        """Logits [B, V] of each prompt's last token (the prompts [B, n],
        left-padded under `mask` for a batch); the prompts' K/V land in the
        device cache's slots 0..n-1."""
        b, n = ids.shape
        length = self.bucket(n)
        padded = torch.zeros(b, length, dtype=ids.dtype)
        padded[:, :n] = ids
        args = (padded,)
        if mask is not None:
            pmask = torch.zeros(b, length, dtype=torch.long)
            pmask[:, :n] = mask
            position = (pmask.cumsum(-1) - 1).masked_fill(pmask == 0, 1)
            args = (padded, pmask, position)
        cap = self._cache[2]
        kind = ("masked prefill" if mask is not None else "prefill", length, cap)
        exe = self._compiled(kind, _PrefillInto(self.model, mask is not None),
                             _Example(b, lambda: args + self._cache_examples()))
        logits = self._run_resident("prefill", exe, args, len(args))
        return np.asarray(logits, dtype=np.float32)[:, n - 1]

    def _decode(self, ids, position, valid):
        """Logits [B, V] of tokens `ids` [B, 1] at `position` [B, 1]; their
        K/V go to slot n = valid.shape[1] of the device cache, whose slots
        are valid where `valid` [B, n] is 1."""
        names, b, cap = self._cache
        n = valid.shape[1]
        if n >= cap:
            raise ValueError(f"sequence of {n + 1} tokens exceeds the model's {self.limit} positions")
        mask = torch.cat([valid.long(), torch.ones(b, 1, dtype=torch.long),
                          torch.zeros(b, cap - n - 1, dtype=torch.long)], dim=1)
        args = (ids, position, mask, torch.tensor([n]))
        exe = self._compiled(("decode", cap), _DecodeInto(self.model),
                             _Example(b, lambda: args + self._cache_examples()))
        logits = self._run_resident("decode", exe, args, len(args))
        return np.asarray(logits, dtype=np.float32)[:, 0]

    def _read_cache(self, n):
        """The device cache's first n slots, per buffer, as torch tensors
        (the one download of the cache)."""
        names = self._cache[0]
        return [torch.from_numpy(np.ascontiguousarray(self.session.read(name)[:, :, :n])).to(self._dtype())
                for name in names]

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
        self.bucket(n)  # refuses a prompt longer than the model's positions
        self._allocate_cache(b, self.capacity(n + max_new_tokens - 1))
        logits = self._prefill(input_ids, mask)
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
            logits = self._decode(nxt[:, None], mask.sum(-1, keepdim=True) - 1, mask[:, :-1])
        return seq, new_tokens

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
        cached, done = None, 0  # positions in the device cache; the prefix's
        if past_key_values is not None:
            prefix, done = self._prefix(past_key_values, input_ids, max_new_tokens)
            if done:
                self.bucket(input_ids.shape[1])
                self._allocate_cache(1, self.capacity(input_ids.shape[1] + max_new_tokens - 1), prefix)
                cached = done
        seq = input_ids.clone()
        new_tokens = 0
        for step in range(max_new_tokens):
            if not self.kv_cache:
                logits = self._recompute_step(seq)
            elif cached is None:
                self.bucket(seq.shape[1])
                self._allocate_cache(1, self.capacity(seq.shape[1] + max_new_tokens - 1))
                logits = self._prefill(seq)[0]
                cached = seq.shape[1]
            else:
                # Tokens not yet in the cache (a prefix cache's remainder,
                # then each new token) run one at a time.
                while cached < seq.shape[1]:
                    logits = self._decode(seq[:, cached:cached + 1], torch.tensor([[cached]]),
                                          torch.ones(1, cached, dtype=torch.long))[0]
                    cached += 1
            nxt = int(np.asarray(logits, dtype=np.float32).argmax())
            seq = torch.cat([seq, torch.tensor([[nxt]], dtype=seq.dtype)], dim=1)
            new_tokens += 1
            if nxt in stop:
                break
        if past_key_values is not None and cached is not None:
            kv = self._read_cache(cached)
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


class _Example:
    """Example arguments made only when a compile needs them; `batch` keys
    the executable."""

    def __init__(self, batch, make):
        self.batch, self.make = batch, make

    def __call__(self):
        return self.make()


def compile_generate(model, target: str = "trn2", **kwargs) -> Generator:
    """A `Generator` for `model` (see there)."""
    return Generator(model, target=target, **kwargs)
