"""Kernel configs: every matmul schedule, forced through `kernel_configs`,
computes the same values as the reference (both targets, hazard checker on),
and bad configs are refused naming the kernel."""
import sys

import numpy as np
import pytest

from conftest import BUILD, ty

sys.path.insert(0, str(BUILD / "python_packages"))
muir = pytest.importorskip("muir")


def program(m, k, n, dt="f32", residual=False):
    a, b, c = ty((m, k), dt), ty((k, n), dt), ty((m, n), dt)
    body = f"  %0 = xf.matmul %a, %b : ({a}, {b}) -> {c}\n"
    args = f"%a: {a}, %b: {b}"
    out = "%0"
    if residual:
        args += f", %r: {c}"
        body += f"  %1 = xf.add %r, %0 : ({c}, {c}) -> {c}\n"
        out = "%1"
    return f"func.func @main({args}) -> {c} {{\n{body}  return {out} : {c}\n}}"


GATED = """func.func @main(%a: tensor<130x96xf32>, %g: tensor<96x300xf32>, %u: tensor<96x300xf32>) -> tensor<130x300xf32> {
  %0 = xf.matmul %a, %g : (tensor<130x96xf32>, tensor<96x300xf32>) -> tensor<130x300xf32>
  %1 = xf.silu %0 : tensor<130x300xf32>
  %2 = xf.matmul %a, %u : (tensor<130x96xf32>, tensor<96x300xf32>) -> tensor<130x300xf32>
  %3 = xf.mul %1, %2 : (tensor<130x300xf32>, tensor<130x300xf32>) -> tensor<130x300xf32>
  return %3 : tensor<130x300xf32>
}"""


def kernels(text, target):
    fused = muir.passes.run(text, f"muir-xf-fuse{{target={target}}},"
                                  f"muir-xf-kernel-config{{target={target}}}")
    return str(fused)


def args_for(exe, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in exe._native.arg_shapes]


# Shapes with several row, K and column tiles on each target.
SHAPES = {"small": (48, 32, 100), "trn2": (300, 200, 700)}

CASES = [
    # (one row tile?, residual, config)
    (False, False, {"schedule": "resident", "block_tiles": 1}),
    (False, False, {"schedule": "resident", "b_buffers": 2}),
    (False, False, {"schedule": "stream", "block_tiles": 2}),
    (False, True, {"schedule": "stream"}),
    (False, False, {"schedule": "row_panel", "panel_rows": 2}),
    (False, True, {"schedule": "row_panel", "panel_rows": 3}),
    (True, False, {"schedule": "weight_ring", "ring_slots": 3}),
    # (with a residual, no ring fits in half of small's SBUF)
    (True, True, {"schedule": "weight_ring", "block_tiles": 1}),
    (True, True, {"schedule": "resident"}),
]


@pytest.mark.parametrize("target", ["small", "trn2"])
@pytest.mark.parametrize("one_row,residual,config", CASES)
def test_forced_schedule_matches_reference(target, one_row, residual, config):
    m, k, n = SHAPES[target]
    if target == "small" and one_row and residual and config["schedule"] == "weight_ring":
        with pytest.raises(RuntimeError, match="'k0': kernel config: schedule 'weight_ring' "
                                               "does not fit in half of SBUF"):
            muir.compile(program(1, k, n, residual=True), target=target,
                         kernel_configs={"k0": config})
        return
    text = program(1 if one_row else m, k, n, residual=residual)
    exe = muir.compile(text, target=target, kernel_configs={"k0": config})
    exe.run(*args_for(exe), check=True)
    # The plan the compiler uses is the one asked for, completed by the
    # planner.
    items = ",".join(f"k0.{key}={v}" for key, v in config.items())
    shown = str(muir.passes.run(
        text, f"muir-xf-fuse{{target={target}}},"
              f"muir-xf-kernel-config{{target={target} overrides={items}}}"))
    for key, v in config.items():
        assert (f'{key} = "{v}"' if isinstance(v, str) else f"{key} = {v} : i64") in shown, shown


def test_schedules_change_the_program_not_the_values():
    text = program(300, 200, 700)
    exes = {s: muir.compile(text, target="trn2", kernel_configs={"k0": {"schedule": s}})
            for s in ["resident", "stream", "row_panel"]}
    asms = {s: e.asm for s, e in exes.items()}
    assert len(set(asms.values())) == 3
    args = args_for(exes["resident"], seed=3)
    outs = [e.run(*args, check=True)[0] for e in exes.values()]
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])  # same K order: bit-identical


@pytest.mark.parametrize("target", ["small", "trn2"])
def test_gated_kernel_configs(target):
    text = GATED if target == "trn2" else GATED.replace("130x", "20x").replace("x300", "x64").replace("96", "32")
    assert "gated_matmul" in str(muir.passes.run(text, f"muir-xf-fuse{{target={target}}}"))
    exe = muir.compile(text, target=target, kernel_configs={"k0": {"block_tiles": 1}})
    exe.run(*args_for(exe), check=True)
    with pytest.raises(RuntimeError, match="'k0': kernel config: a gated matmul has only"):
        muir.compile(text, target=target, kernel_configs={"k0": {"schedule": "stream"}})


def test_default_configs_are_shown():
    text = kernels(program(1, 300, 700), "trn2")
    assert 'xf.kernel "k0" matmul config {block_tiles = 2 : i64, ring_slots = ' in text
    assert 'schedule = "weight_ring"' in text


@pytest.mark.parametrize("configs,match", [
    ({"k0": {"schedule": "bogus"}}, "'k0': kernel config: unknown schedule 'bogus'"),
    ({"k0": {"bogus": 1}}, "unknown key 'bogus' for a matmul"),
    ({"k0": {"block_tiles": 0}}, "'block_tiles' = 0 is outside"),
    ({"k0": {"schedule": "stream", "ring_slots": 4}}, "'ring_slots' does not apply to schedule 'stream'"),
    ({"k0": {"schedule": "weight_ring"}}, "'weight_ring' needs one row tile"),
    ({"k7": {"schedule": "stream"}}, "names kernel 'k7', which is not in the function"),
    ({"k0": {"schedule": "resident", "b_buffers": 2, "block_tiles": 4}},
     "does not fit on target 'small'.* B block"),
])
def test_bad_configs_are_errors(configs, match):
    with pytest.raises(RuntimeError, match=match):
        muir.compile(program(40, 200, 700), target="small", kernel_configs=configs)


@pytest.mark.parametrize("configs,exc", [
    ([("k0", "x")], TypeError),
    ({"k0": "stream"}, TypeError),
    ({"k0": {"schedule": 1.5}}, TypeError),
    ({"k0": {"schedule": "a,b"}}, ValueError),
    ({"k0": {"sched.ule": "x"}}, ValueError),
])
def test_malformed_kernel_configs(configs, exc):
    with pytest.raises(exc):
        muir.compile(program(4, 4, 4), target="small", kernel_configs=configs)


CHAIN = """func.func @main(%x: tensor<300x130xf32>, %b: tensor<130xf32>) -> tensor<300x130xf32> {
  %0 = xf.add %x, %b : (tensor<300x130xf32>, tensor<130xf32>) -> tensor<300x130xf32>
  %1 = xf.gelu %0 : tensor<300x130xf32>
  return %1 : tensor<300x130xf32>
}"""


@pytest.mark.parametrize("target", ["small", "trn2"])
@pytest.mark.parametrize("config", [{"tile_cols": 1}, {"tile_cols": 7, "buffers": 1},
                                    {"buffers": 2}, {"tile_cols": 60, "buffers": 3}])
def test_elementwise_tiling_configs(target, config):
    default = muir.compile(CHAIN, target=target)
    exe = muir.compile(CHAIN, target=target, kernel_configs={"k0": config})
    args = args_for(exe, seed=5)
    got = exe.run(*args, check=True)[0]
    np.testing.assert_array_equal(got, default.run(*args)[0])
    shown = str(muir.passes.run(CHAIN, f"muir-xf-fuse{{target={target}}},muir-xf-kernel-config{{target={target}}}"))
    assert 'xf.kernel "k0" elementwise config {buffers = ' in shown


@pytest.mark.parametrize("config,match", [
    ({"tile_cols": 131}, "'tile_cols' = 131 is outside \\[1, 130\\]"),
    ({"buffers": 4}, "'buffers' = 4 is outside \\[1, 3\\]"),
    ({"schedule": "stream"}, "unknown key 'schedule' for an elementwise kernel"),
])
def test_elementwise_config_errors(config, match):
    with pytest.raises(RuntimeError, match=match):
        muir.compile(CHAIN, target="trn2", kernel_configs={"k0": config})


def test_elementwise_config_that_does_not_fit():
    with pytest.raises(RuntimeError, match="does not fit on target 'small': a fused "
                                           "intermediate tile needs 520 bytes"):
        muir.compile(CHAIN, target="small", kernel_configs={"k0": {"tile_cols": 130, "buffers": 3}})


def epilogue_program(m, k, n, dt, extra_shapes):
    """x @ w, then + each extra (broadcast), gelu on the first sum, cast-free."""
    a, b, c = ty((m, k), dt), ty((k, n), dt), ty((m, n), dt)
    args = [f"%a: {a}", f"%b: {b}"] + [f"%e{i}: {ty(s, dt)}" for i, s in enumerate(extra_shapes)]
    body = [f"  %v0 = xf.matmul %a, %b : ({a}, {b}) -> {c}"]
    cur = "%v0"
    for i, s in enumerate(extra_shapes):
        body.append(f"  %s{i} = xf.add {cur}, %e{i} : ({c}, {ty(s, dt)}) -> {c}")
        cur = f"%s{i}"
        if i == 0:
            body.append(f"  %g = xf.gelu {cur} : {c}")
            cur = "%g"
    return (f"func.func @main({', '.join(args)}) -> {c} {{\n" + "\n".join(body)
            + f"\n  return {cur} : {c}\n}}")


@pytest.mark.parametrize("dt", ["f32", "bf16"])
@pytest.mark.parametrize("target,one_row,schedule", [
    ("small", False, None), ("small", False, "stream"), ("small", True, None),
    ("trn2", False, None), ("trn2", False, "stream"), ("trn2", False, "row_panel"),
    ("trn2", True, "weight_ring"), ("trn2", True, "resident")])
def test_matmul_epilogue_matches_reference(target, dt, one_row, schedule):
    """Bias [N], a per-row column [M, 1] and a residual [M, N] in the
    evacuation of every schedule, rounding the product to bf16 first
    (small's 4 KiB partitions hold the epilogue of the default and stream
    schedules of a narrower product)."""
    m, k, n = SHAPES[target] if target == "trn2" else (48, 32, 64)
    m = 1 if one_row else m
    extras = [(n,), (m, 1), (m, n)] if target == "trn2" else [(m, 1), (m, n)]
    text = epilogue_program(m, k, n, dt, extras)
    fused = str(muir.passes.run(text, f"muir-xf-fuse{{target={target}}}"))
    assert fused.count("xf.kernel") == 1, fused
    configs = {"k0": {"schedule": schedule}} if schedule else None
    exe = muir.compile(text, target=target, kernel_configs=configs)
    rng = np.random.default_rng(11)
    args = [rng.standard_normal(s).astype(np.float32) for s in exe._native.arg_shapes]
    exe.run(*args, check=True)
    assert "scratch" not in exe.mlir  # nothing goes through HBM


def attention_program(hq, hkv, sq, sk, d, causal, dt="f32"):
    q, kv = ty((1, hq, sq, d), dt), ty((1, hkv, sk, d), dt)
    attrs = " {causal = true}" if causal else ""
    return (f"func.func @main(%q: {q}, %k: {kv}, %v: {kv}) -> {q} {{\n"
            f"  %0 = xf.attention %q, %k, %v{attrs} : ({q}, {kv}, {kv}) -> {q}\n"
            f"  return %0 : {q}\n}}")


@pytest.mark.parametrize("target,shape", [
    ("small", (4, 2, 24, 40, 16, True)),     # GQA, causal, several query tiles
    ("trn2", (4, 2, 1, 700, 64, False)),     # decode-like: several heads per set
    ("trn2", (2, 1, 300, 600, 32, True)),
])
@pytest.mark.parametrize("config", [{"tiles_in_flight": 1}, {"tiles_in_flight": 2, "kv_heads_per_set": 1},
                                    {"dma_piece_bytes": 512}, {"dma_piece_bytes": 1 << 20, "tiles_in_flight": 3},
                                    {"v_interleave": 0}, {"v_interleave": 1},
                                    {"kv_sets": 1, "kv_heads_per_set": 1}, {"kv_sets": 1}])
def test_attention_configs_match_reference(target, shape, config):
    # Plans change how the kernel is scheduled, not what it computes: every
    # config matches the reference, and the default plan bit for bit unless
    # it changes the V layout (an interleaved block sums P V over its keys
    # in another order: 4p + r instead of p).
    text = attention_program(*shape)
    default = muir.compile(text, target=target)
    exe = muir.compile(text, target=target, kernel_configs={"k0": config})
    args = args_for(exe, seed=3)
    got = exe.run(*args, check=True)[0]
    if "v_interleave" not in config:
        np.testing.assert_array_equal(got, default.run(*args)[0])


def test_attention_config_is_shown_and_followed():
    text = attention_program(2, 2, 256, 256, 64, True)
    shown = str(muir.passes.run(text, "muir-xf-fuse{target=trn2},muir-xf-kernel-config{target=trn2}"))
    assert 'xf.kernel "k0" attention config {dma_piece_bytes = ' in shown
    one = muir.compile(text, target="trn2", kernel_configs={"k0": {"tiles_in_flight": 1}})
    six = muir.compile(text, target="trn2", kernel_configs={"k0": {"tiles_in_flight": 6}})
    # One chain at a time leaves the engines idle between its stages.
    one.run(numerics=False)
    six.run(numerics=False)
    assert one.report["seconds"] > six.report["seconds"]


@pytest.mark.parametrize("config,match", [
    ({"tiles_in_flight": 0}, "'tiles_in_flight' = 0 is outside \\[1, "),
    ({"kv_heads_per_set": 3}, "'kv_heads_per_set' = 3 is outside \\[1, 2\\]"),
    ({"schedule": "resident"}, "unknown key 'schedule' for an attention kernel"),
    ({"v_interleave": -1}, "'v_interleave' = -1 is outside \\[0, 1\\]"),
])
def test_attention_config_errors(config, match):
    with pytest.raises(RuntimeError, match=match):
        muir.compile(attention_program(2, 2, 64, 64, 16, False), target="trn2", kernel_configs={"k0": config})


ROWS = """func.func @main(%x: tensor<300x1000xf32>, %w: tensor<1000xf32>, %b: tensor<1000xf32>, %q: tensor<1x4x130x64xf32>, %c: tensor<130x64xf32>) -> (tensor<300x1000xbf16>, tensor<300x1000xf32>, tensor<1x4x130x64xf32>) {
  %0 = xf.softmax %x {axis = -1 : i64} : tensor<300x1000xf32>
  %1 = xf.layer_norm %0, %w, %b {eps = 1.0e-5 : f32} : (tensor<300x1000xf32>, tensor<1000xf32>, tensor<1000xf32>) -> tensor<300x1000xf32>
  %2 = xf.cast %1 : tensor<300x1000xf32> to tensor<300x1000xbf16>
  %3 = xf.rope %q, %c, %c : (tensor<1x4x130x64xf32>, tensor<130x64xf32>, tensor<130x64xf32>) -> tensor<1x4x130x64xf32>
  return %2, %0, %3 : tensor<300x1000xbf16>, tensor<300x1000xf32>, tensor<1x4x130x64xf32>
}"""


@pytest.mark.parametrize("configs", [{"k0": {"buffers": 1}, "k1": {"buffers": 1}},
                                     {"k3": {"heads_per_tile": 1}}, {"k3": {"heads_per_tile": 3, "buffers": 1}}])
def test_row_kernel_configs_match_reference(configs):
    default = muir.compile(ROWS, target="trn2")
    exe = muir.compile(ROWS, target="trn2", kernel_configs=configs)
    args = args_for(exe, seed=7)
    got = exe.run(*args, check=True)
    for g, d in zip(got, default.run(*args)):
        np.testing.assert_array_equal(g, d)


@pytest.mark.parametrize("width", [20000, 40000])
def test_long_softmax_rows(width):
    # One buffer set where two do not fit, the f32 result written over its
    # row tile: rows up to about 57k f32 elements on trn2's 224 KiB partitions.
    t = ty((130, width))
    text = f"func.func @main(%x: {t}) -> {t} {{\n  %0 = xf.softmax %x {{axis = -1 : i64}} : {t}\n  return %0 : {t}\n}}"
    shown = str(muir.passes.run(text, "muir-xf-fuse{target=trn2},muir-xf-kernel-config{target=trn2}"))
    assert f"softmax config {{buffers = {2 if width == 20000 else 1} : i64}}" in shown
    exe = muir.compile(text, target="trn2")
    exe.run(*args_for(exe, seed=2), check=True)
