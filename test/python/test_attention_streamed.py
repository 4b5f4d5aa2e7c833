"""Attention with K/V streamed through two key-block buffers (kv_sets = 0):
the plan's choice when one head's K^T and V do not fit SBUF (long contexts),
forced here by kernel config on shapes that would fit, so that every feature
of the kernel (causal masks, GQA, key and full biases, KV-cache segments, the
interleaved V layout, ragged blocks) runs through it; results against the
reference backend."""
import re
import sys

import numpy as np
import pytest

from conftest import BUILD, ty

sys.path.insert(0, str(BUILD / "python_packages"))
muir = pytest.importorskip("muir")
from muir import models  # noqa: E402

STREAMED = {"kv_sets": 0, "kv_heads_per_set": 1}


def attention_kernels(text, target):
    fused = str(muir.passes.run(text, f"muir-xf-fuse{{target={target}}},muir-xf-kernel-config{{target={target}}}"))
    return re.findall(r'xf\.kernel "(k\d+)" attention config \{([^}]*)\}', fused)


def run_streamed(text, target, seed=0, **extra):
    names = [n for n, _ in attention_kernels(text, target)]
    assert names, "no attention kernel"
    exe = muir.compile(text, target=target, kernel_configs={n: dict(STREAMED, **extra) for n in names})
    rng = np.random.default_rng(seed)
    args = []
    for shape, dt in zip(exe._native.arg_shapes, exe._native.arg_dtypes):
        if dt.startswith("i"):
            args.append(rng.integers(0, 4, shape).astype(np.int64))
        else:
            args.append(rng.standard_normal(shape).astype(np.float32))
    exe.run(*args, check=True)


@pytest.mark.parametrize("target,shape", [
    ("small", (1, 4, 2, 24, 40, 16, True, "f32")),    # GQA, causal, ragged last block
    ("small", (2, 2, 1, 1, 70, 8, False, "f32")),     # decode rows, two batches
    ("small", (1, 1, 1, 32, 64, 8, True, "f32")),     # one whole block (interleaved V when DMA-bound)
    ("trn2", (1, 2, 1, 300, 1100, 96, True, "f32")),  # three 512-key blocks, ragged query tiles
    ("trn2", (1, 2, 2, 1, 1537, 128, False, "bf16")),  # decode: interleaved V blocks, then one key
    ("trn2", (1, 2, 2, 640, 640, 64, True, "bf16")),
])
def test_streamed_attention(target, shape):
    run_streamed(models.attention(*shape), target)


@pytest.mark.parametrize("target,shape,blocks", [
    ("small", (1, 2, 1, 20, 300, 8, True, "f32"), 2),    # 5 blocks of 64 keys
    ("small", (1, 2, 1, 20, 300, 8, True, "f32"), 3),
    ("trn2", (1, 2, 2, 130, 2600, 64, False, "bf16"), 2),  # 6 blocks of 512, ragged
    ("trn2", (1, 2, 2, 130, 2600, 64, False, "bf16"), 3),
    ("trn2", (1, 2, 2, 130, 2600, 64, False, "bf16"), 8),
])
def test_streamed_ring_depths(target, shape, blocks):
    # The ring of key blocks: 2 (one ahead) up to more blocks than the head
    # has (a ring that does not fit the small target is a "does not fit").
    run_streamed(models.attention(*shape), target, kv_blocks=blocks)


@pytest.mark.parametrize("target", ["small", "trn2"])
@pytest.mark.parametrize("causal", [False, True])
def test_streamed_key_bias(target, causal):
    b, hq, hkv, s, d = 2, 4, 2, 40, 16
    tq, tk, tm = ty((b, hq, s, d)), ty((b, hkv, s, d)), ty((b, s))
    text = f"""func.func @main(%q: {tq}, %k: {tk}, %v: {tk}, %m: {tm}) -> {tq} {{
  %0 = xf.attention %q, %k, %v key_bias %m {{causal = {str(causal).lower()}}} : ({tq}, {tk}, {tk}, {tm}) -> {tq}
  return %0 : {tq}
}}"""
    run_streamed(text, target)


@pytest.mark.parametrize("target", ["small", "trn2"])
def test_streamed_full_bias(target):
    tq, tk, tb = ty((2, 4, 40, 16)), ty((2, 2, 70, 16)), ty((1, 4, 40, 70))
    text = f"""func.func @main(%q: {tq}, %k: {tk}, %v: {tk}, %b: {tb}) -> {tq} {{
  %0 = xf.attention %q, %k, %v bias %b {{causal = true}} : ({tq}, {tk}, {tk}, {tb}) -> {tq}
  return %0 : {tq}
}}"""
    run_streamed(text, target)


@pytest.mark.parametrize("target", ["small", "trn2"])
def test_streamed_kv_cache_segments(target):
    # A decode block: the cache and the new token's K/V are two segments the
    # blocks are assembled from.
    run_streamed(models.llama_decode_block(40, 32, 4, 2, 48, "f32"), target)


def test_long_context_streams_by_default():
    # 60,000 bf16 keys of 128: one head's K^T and V (234 KiB per partition)
    # exceed trn2's 224 KiB, so the plan streams key blocks; did not fit
    # before.
    text = models.attention(1, 1, 1, 16, 60000, 128, False, "bf16")
    [(name, config)] = attention_kernels(text, "trn2")
    assert "kv_sets = 0" in config and "kv_heads_per_set = 1" in config
    exe = muir.compile(text, target="trn2")
    rng = np.random.default_rng(1)
    exe.run(*[rng.standard_normal(s).astype(np.float32) for s in exe._native.arg_shapes], check=True)
