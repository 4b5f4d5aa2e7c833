"""End to end: xf -> compiler -> nc -> simulator, checked against the reference backend.

Every case runs `muir-run --backend=sim --check` on both machine descriptions
(the small 16x16 test target and trn2), so multi-tile, edge and spill paths run
on small inputs, with the simulator's hazard checker on. --check compares with
the reference backend under the per-dtype tolerance of docs/numerics.md.
"""
import math
import pathlib
import subprocess
import sys

import pytest

from conftest import MUIR_RUN, ROOT, ty

import importlib.util  # noqa: E402

# The graph builders are pure Python: load them without the native package.
_spec = importlib.util.spec_from_file_location("muir_models", ROOT / "python" / "muir" / "models.py")
models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(models)

TARGETS = ["small", "trn2"]


def sim_check(tmp_path, text, target, seed=0, extra=()):
    src = tmp_path / "prog.mlir"
    src.write_text(text)
    proc = subprocess.run([str(MUIR_RUN), str(src), "--backend=sim", "--check", f"--target={target}",
                           f"--seed={seed}", *extra], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    checks = [l for l in proc.stdout.splitlines() if l.startswith("check #")]
    assert checks and all(l.endswith("OK") for l in checks), proc.stdout
    return proc.stdout


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("m,k,n", [(64, 64, 64), (200, 16, 24), (16, 300, 40), (1, 37, 130), (31, 17, 7),
                                   (1, 1, 1), (130, 129, 131)])
def test_matmul(tmp_path, target, m, k, n):
    sim_check(tmp_path, models.matmul(m, k, n), target)


@pytest.mark.parametrize("target,m,k,n", [("small", 69, 32, 1030), ("trn2", 300, 256, 4100)])
@pytest.mark.parametrize("residual", [False, True])
def test_matmul_row_panel(tmp_path, target, m, k, n, residual):
    # B much larger than A: A^T row panels stay resident and B streams once
    # per panel (ragged last row tile and column tile), with and without the
    # residual add fused into the evacuation.
    t_a, t_b, t_c = ty((m, k), "bf16"), ty((k, n), "bf16"), ty((m, n), "bf16")
    body = f"  %0 = xf.matmul %a, %b : ({t_a}, {t_b}) -> {t_c}\n"
    ret = "%0"
    args = f"%a: {t_a}, %b: {t_b}"
    if residual:
        args += f", %r: {t_c}"
        body += f"  %1 = xf.add %0, %r : ({t_c}, {t_c}) -> {t_c}\n"
        ret = "%1"
    text = f"func.func @main({args}) -> {t_c} {{\n{body}  return {ret} : {t_c}\n}}\n"
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
def test_matmul_bf16(tmp_path, target):
    sim_check(tmp_path, models.matmul(96, 160, 80, "bf16"), target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_mlp_gelu(tmp_path, target, dt):
    sim_check(tmp_path, models.mlp_gelu(20, 32, 64, dt), target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_mlp_swiglu(tmp_path, target, dt):
    sim_check(tmp_path, models.mlp_swiglu(24, 32, 48, dt), target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("shape,axis", [((5, 40), -1), ((4, 6, 8), 1), ((33, 9), 0)])
def test_softmax(tmp_path, target, shape, axis):
    text = f"""func.func @main(%x: {ty(shape)}) -> {ty(shape)} {{
  %0 = xf.softmax %x {{axis = {axis} : i64}} : {ty(shape)}
  return %0 : {ty(shape)}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("shape,axis,dt,cols", [
    ((5, 40), -1, "f32", 16),        # 40 = 16 + 16 + 8
    ((4, 6, 50), 1, "f32", 2),       # axis not last: strided chunks of 2
    ((33, 97), -1, "bf16", 32),      # bf16 out: a separate output chunk; ragged last chunk
    ((3, 7), 0, "f32", 1),           # one column per chunk
])
def test_softmax_chunked(tmp_path, target, shape, axis, dt, cols):
    # Rows streamed in chunks (online max and sum, then a second pass), forced
    # by chunk_cols on rows that would fit whole.
    text = f"""func.func @main(%x: {ty(shape, dt)}) -> {ty(shape, dt)} {{
  %0 = xf.softmax %x {{axis = {axis} : i64}} : {ty(shape, dt)}
  return %0 : {ty(shape, dt)}
}}"""
    sim_check(tmp_path, text, target, extra=(f"--kernel-config=k0.chunk_cols={cols}",))


def norm_program(shape, kind, dt):
    d = shape[-1]
    x, w = ty(shape, dt), ty((d,), dt)
    if kind == "layer_norm":
        return f"""func.func @main(%x: {x}, %w: {w}, %b: {w}) -> {x} {{
  %0 = xf.layer_norm %x, %w, %b : ({x}, {w}, {w}) -> {x}
  return %0 : {x}
}}"""
    return f"""func.func @main(%x: {x}, %w: {w}) -> {x} {{
  %0 = xf.rms_norm %x, %w : ({x}, {w}) -> {x}
  return %0 : {x}
}}"""


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("kind", ["layer_norm", "rms_norm"])
@pytest.mark.parametrize("shape,dt,cols", [((20, 100), "f32", 32), ((3, 5, 70), "bf16", 16), ((130, 40), "f32", 7)])
def test_norm_chunked(tmp_path, target, kind, shape, dt, cols):
    # Rows streamed in chunks (the statistics over passes, weight and bias
    # chunks beside each), forced by chunk_cols on rows that would fit.
    sim_check(tmp_path, norm_program(shape, kind, dt), target, extra=(f"--kernel-config=k0.chunk_cols={cols}",))


@pytest.mark.parametrize("target,shape", [("small", (20, 1500)), ("trn2", (3, 60000))])
@pytest.mark.parametrize("kind", ["layer_norm", "rms_norm"])
def test_norm_wider_than_sbuf(tmp_path, target, shape, kind):
    # Rows that do not fit beside their weight stream by default (did not
    # fit before).
    sim_check(tmp_path, norm_program(shape, kind, "f32"), target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("op,shape,axes,cfg", [
    ("reduce_sum", (20, 50), (1,), "k0.chunk_cols=16"),
    ("reduce_max", (6, 10, 7), (0, 2), "k0.chunk_cols=3"),        # two reduced groups, ragged chunks
    ("reduce_mean", (130, 9), (1,), "k0.chunk_cols=4,k0.buffers=1"),
])
def test_reduce_configs(tmp_path, target, op, shape, axes, cfg):
    out = tuple(d for i, d in enumerate(shape) if i not in axes)
    text = f"""func.func @main(%x: {ty(shape)}) -> {ty(out)} {{
  %0 = xf.{op} %x {{axes = array<i64: {', '.join(map(str, axes))}>}} : ({ty(shape)}) -> {ty(out)}
  return %0 : {ty(out)}
}}"""
    sim_check(tmp_path, text, target, extra=(f"--kernel-config={cfg}",))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("s,heads,d,dt", [(8, 2, 16, "f32"), (40, 4, 16, "bf16"), (130, 2, 32, "f32")])
def test_fused_qkv_slices_read_in_place(tmp_path, target, s, heads, d, dt):
    # Q, K and V sliced out of one projection and reshaped into heads are
    # strided views of it (muir-xf-fuse's slice-view), not copies.
    w = heads * d
    t3, t, t4, th = ty((s, 3 * w), dt), ty((s, w), dt), ty((1, s, heads, d), dt), ty((1, heads, s, d), dt)
    lines = [f"func.func @main(%qkv: {t3}) -> {th} {{"]
    for i, n in enumerate("qkv"):
        lines.append(f"  %{n} = xf.slice %qkv {{offsets = array<i64: 0, {i * w}>, sizes = array<i64: {s}, {w}>, "
                     f"strides = array<i64: 1, 1>}} : ({t3}) -> {t}")
        lines.append(f"  %{n}4 = xf.reshape %{n} : ({t}) -> {t4}")
        lines.append(f"  %{n}t = xf.transpose %{n}4 {{permutation = array<i64: 0, 2, 1, 3>}} : ({t4}) -> {th}")
    lines.append(f"  %a = xf.attention %qt, %kt, %vt {{causal = true}} : ({th}, {th}, {th}) -> {th}")
    lines.append(f"  return %a : {th}\n}}")
    sim_check(tmp_path, "\n".join(lines), target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("donated", [True, False])
def test_index_copy_against_reference(tmp_path, target, donated):
    # muir-run draws positions inside the destination's axis; the simulator
    # (dma_scatter, in place when the destination argument is donated) and
    # the reference backend agree, repeated positions included.
    tc, tp, tr = ty((2, 40, 16)), ty((5,), "i64"), ty((2, 5, 16))
    extra = f"  %1 = xf.add %c, %c : ({tc}, {tc}) -> {tc}\n" if not donated else ""
    res = "%0, %1" if not donated else "%0"
    rt = f"{tc}, {tc}" if not donated else tc
    text = f"""func.func @main(%c: {tc}, %p: {tp}, %r: {tr}) -> ({rt}) {{
  %0 = xf.index_copy %c[%p], %r {{axis = 1}} : ({tc}, {tp}, {tr}) -> {tc}
{extra}  return {res} : {rt}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("shape", [(40000, 3), (20000, 200)])
def test_softmax_along_long_columns_trn2(tmp_path, shape):
    # Softmax along axis 0: the output rows are element-strided columns that
    # interleave in HBM. Such writes are not split over queues unless each
    # piece stays exactly checkable, and the ones the hazard checker can
    # only bound are ordered on one queue (both shapes were reported as
    # unordered writes before).
    text = f"""func.func @main(%x: {ty(shape)}) -> {ty(shape)} {{
  %0 = xf.softmax %x {{axis = 0 : i64}} : {ty(shape)}
  return %0 : {ty(shape)}
}}"""
    sim_check(tmp_path, text, "trn2")


@pytest.mark.parametrize("target,shape", [("small", (20, 1500)), ("trn2", (2, 60000)), ("trn2", (1, 128256))])
def test_softmax_wider_than_sbuf(tmp_path, target, shape):
    # Rows that do not fit SBUF whole (a 128k vocabulary in f32 on trn2)
    # stream in chunks by default (muir-run's random inputs in [-1, 1): the
    # running max changes between chunks).
    text = f"""func.func @main(%x: {ty(shape)}) -> {ty(shape)} {{
  %0 = xf.softmax %x {{axis = -1 : i64}} : {ty(shape)}
  return %0 : {ty(shape)}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_norms(tmp_path, target, dt):
    t, w = ty((20, 48), dt), ty((48,), dt)
    text = f"""func.func @main(%x: {t}, %w: {w}, %b: {w}) -> ({t}, {t}) {{
  %0 = xf.layer_norm %x, %w, %b : ({t}, {w}, {w}) -> {t}
  %1 = xf.rms_norm %x, %w : ({t}, {w}) -> {t}
  return %0, %1 : {t}, {t}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("hq,hkv,sq,sk,d,causal", [
    (2, 2, 8, 8, 16, False),
    (4, 2, 24, 24, 16, True),      # grouped-query, causal, several query tiles on small
    (4, 1, 1, 40, 8, True),        # decode: one query, multi-query
    (2, 2, 70, 70, 32, True),
    (2, 1, 20, 45, 16, True),      # causal with a key prefix: diagonal offsets not tile-aligned
    (1, 1, 1, 1, 4, False),
    (2, 1, 16, 80, 8, False),      # small: a whole key block (V interleaved) and a partial one
    (1, 1, 32, 64, 8, True),       # small: causal tiles using a prefix of an interleaved block
])
def test_attention(tmp_path, target, hq, hkv, sq, sk, d, causal):
    sim_check(tmp_path, models.attention(1, hq, hkv, sq, sk, d, causal), target)


@pytest.mark.parametrize("hq,hkv,sq,sk,d,causal", [
    (2, 1, 16, 80, 8, False),      # small: a whole key block (V interleaved) and a partial one
    (1, 1, 32, 64, 8, True),       # small: causal tiles using a prefix of an interleaved block
])
def test_attention_interleaved_v_small(tmp_path, hq, hkv, sq, sk, d, causal):
    sim_check(tmp_path, models.attention(1, hq, hkv, sq, sk, d, causal), "small",
              extra=("--kernel-config=k0.v_interleave=1",))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("causal,dt", [(False, "f32"), (True, "f32"), (True, "bf16")])
def test_attention_key_bias(tmp_path, target, causal, dt):
    # A per-batch key bias (padding masks) added into the scores by the PE.
    b, hq, hkv, s, d = 2, 4, 2, 40, 16
    tq, tk, tm = ty((b, hq, s, d), dt), ty((b, hkv, s, d), dt), ty((b, s), dt)
    text = f"""func.func @main(%q: {tq}, %k: {tk}, %v: {tk}, %m: {tm}) -> {tq} {{
  %0 = xf.attention %q, %k, %v key_bias %m {{causal = {str(causal).lower()}}} : ({tq}, {tk}, {tk}, {tm}) -> {tq}
  return %0 : {tq}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("m,k,n,act,dt", [
    (40, 48, 70, "silu", "bf16"),     # SwiGLU, ragged tiles
    (130, 64, 96, "gelu", "f32"),     # GeGLU, two row tiles on trn2
    (16, 2048, 64, "silu", "f32"),    # K too large to keep both B blocks on small: unfused there
])
def test_gated_matmul(tmp_path, target, m, k, n, act, dt):
    # act(x Wg^T) * (x Wu^T) with torch-linear weights [n, k]: one kernel
    # when both B blocks fit, else two matmuls and an elementwise kernel.
    tx, tw, to = ty((m, k), dt), ty((n, k), dt), ty((m, n), dt)
    text = f"""func.func @main(%x: {tx}, %wg: {tw}, %wu: {tw}) -> {to} {{
  %g = xf.matmul %x, %wg {{transpose_rhs = true}} : ({tx}, {tw}) -> {to}
  %u = xf.matmul %x, %wu {{transpose_rhs = true}} : ({tx}, {tw}) -> {to}
  %a = xf.{act} %g : {to}
  %r = xf.mul %u, %a : ({to}, {to}) -> {to}
  return %r : {to}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
def test_head_transposes_as_views(tmp_path, target):
    # The lit test layout-views.mlir, run: rope and attention read the head
    # transposes in place and attention writes the merged layout.
    text = (ROOT / "test" / "Conversion" / "XfToNc" / "layout-views.mlir").read_text()
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("hq,hkv,sq,sk,d,causal,dt", [
    (2, 1, 1, 1537, 128, False, "bf16"),  # decode: interleaved V blocks, then one key
    (1, 1, 300, 1100, 96, True, "f32"),   # causal tiles ending inside interleaved blocks
    (2, 2, 640, 640, 64, True, "bf16"),
])
@pytest.mark.parametrize("v_interleave", [0, 1])
def test_attention_interleaved_v_trn2(tmp_path, hq, hkv, sq, sk, d, causal, dt, v_interleave):
    # Both V layouts, whatever the plan would pick for the shape.
    sim_check(tmp_path, models.attention(1, hq, hkv, sq, sk, d, causal, dt), "trn2",
              extra=(f"--kernel-config=k0.v_interleave={v_interleave}",))


def test_attention_long_context_trn2(tmp_path):
    # 20,000 f32 keys of 128: one head's K^T and V (160 KiB of the 224 KiB
    # per partition) leave room for one resident K/V set only (kv_sets = 1);
    # two heads run one after the other through it. Did not fit before.
    sim_check(tmp_path, models.attention(1, 2, 2, 16, 20000, 128, False), "trn2")


def test_attention_key_prefix_trn2(tmp_path):
    # Causal with a key prefix across a 128-query tile boundary: diagonal
    # offsets that are not multiples of the tile (K/V too big for small).
    sim_check(tmp_path, models.attention(1, 1, 1, 130, 300, 32, True), "trn2")


@pytest.mark.parametrize("target", TARGETS)
def test_attention_bf16(tmp_path, target):
    sim_check(tmp_path, models.attention(1, 2, 1, 32, 32, 16, True, "bf16"), target)


@pytest.mark.parametrize("target", TARGETS)
def test_elementwise_and_data_movement(tmp_path, target):
    a, b = ty((6, 10)), ty((10,))
    text = f"""func.func @main(%x: {a}, %y: {b}) -> ({ty((10, 6))}, {ty((6, 4))}, {ty((6, 20))}, {ty((6,))}) {{
  %0 = xf.sub %x, %y : ({a}, {b}) -> {a}
  %1 = xf.tanh %0 : {a}
  %2 = xf.transpose %1 {{permutation = array<i64: 1, 0>}} : ({a}) -> {ty((10, 6))}
  %3 = xf.slice %x {{offsets = array<i64: 0, 1>, sizes = array<i64: 6, 4>, strides = array<i64: 1, 2>}} : ({a}) -> {ty((6, 4))}
  %4 = xf.concat %x, %1 {{axis = 1 : i64}} : ({a}, {a}) -> {ty((6, 20))}
  %5 = xf.reduce_mean %1 {{axes = array<i64: 1>}} : ({a}) -> {ty((6,))}
  return %2, %3, %4, %5 : {ty((10, 6))}, {ty((6, 4))}, {ty((6, 20))}, {ty((6,))}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
def test_gpt2_block(tmp_path, target):
    sim_check(tmp_path, models.gpt2_block(32, 32, 2, 64), target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_llama_block(tmp_path, target, dt):
    sim_check(tmp_path, models.llama_block(24, 32, 4, 2, 48, dt), target)


def test_trace_is_valid_json(tmp_path):
    import json
    trace = tmp_path / "t.json"
    sim_check(tmp_path, models.matmul(40, 40, 40), "small", extra=[f"--trace={trace}"])
    events = json.loads(trace.read_text())["traceEvents"]
    names = {e.get("args", {}).get("name") for e in events if e.get("ph") == "M"}
    assert "pe" in str(names) and any(e.get("ph") == "X" for e in events)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("ctx", [40, 128])
def test_llama_decode_block_with_kv_cache(tmp_path, target, ctx):
    # The KV-cache concat is fused into attention (read in place, never copied).
    sim_check(tmp_path, models.llama_decode_block(ctx, 32, 4, 2, 48, "f32"), target)


@pytest.mark.parametrize("target", TARGETS)
def test_gather_constant_i64_indices(tmp_path, target):
    # Constant i64 indices are stored as the target's i32.
    text = """func.func @main(%t: tensor<5x3xf32>) -> tensor<2x2x3xf32> {
  %i = xf.constant dense<[[4, 0], [2, 2]]> : tensor<2x2xi64>
  %0 = xf.gather %t[%i] : (tensor<5x3xf32>, tensor<2x2xi64>) -> tensor<2x2x3xf32>
  return %0 : tensor<2x2x3xf32>
}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_embedding_gather(tmp_path, target, dt):
    # 300 rows: several 128-row (or 16-row) chunks of the one-hot matmul.
    text = f"""func.func @main(%t: {ty((300, 40), dt)}, %i: {ty((2, 9), 'i64')}) -> {ty((2, 9, 40), dt)} {{
  %0 = xf.gather %t[%i] : ({ty((300, 40), dt)}, {ty((2, 9), 'i64')}) -> {ty((2, 9, 40), dt)}
  return %0 : {ty((2, 9, 40), dt)}
}}"""
    sim_check(tmp_path, text, target)


@pytest.mark.parametrize("k,n,dt", [(300, 2100, "bf16"), (129, 1030, "f32")])
def test_matmul_weight_ring(tmp_path, k, n, dt):
    # One row tile on trn2: B flows through the ring of K-tile slots, blocks
    # as wide as half of PSUM (ragged last K tile and last column block).
    sim_check(tmp_path, models.matmul(1, k, n, dt), "trn2")


def test_swiglu_decode_ring(tmp_path):
    # The gated product with one row tile: both B operands through the ring.
    sim_check(tmp_path, models.mlp_swiglu(1, 256, 1100, "bf16"), "trn2")


@pytest.mark.parametrize("target", TARGETS)
def test_causal_attention_f16(tmp_path, target):
    # The causal mask cannot be a finite f16 constant (-3e38 is -inf there
    # and the identity's zeros times -inf are NaN): f16 masks a scaled copy.
    sim_check(tmp_path, models.attention(1, 2, 2, 24, 24, 16, True, "f16"), target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dt,scale", [("f32", None), ("f32", 0.3), ("bf16", None)])
def test_attention_key_bias_minus_inf(tmp_path, target, dt, scale):
    # A PyTorch-style padding mask: 0 for kept keys, -inf for padding. With
    # an exact 1/scale the bias goes through one row (0 * -inf would be NaN).
    np = pytest.importorskip("numpy")
    B, H, S, D = 2, 2, 20, 16
    t4, tb = ty((B, H, S, D), dt), ty((B, S), dt)
    attrs = f" {{scale = {scale} : f32}}" if scale else ""
    text = (f"func.func @main(%q: {t4}, %k: {t4}, %v: {t4}, %m: {tb}) -> {t4} {{\n"
            f"  %0 = xf.attention %q, %k, %v key_bias %m{attrs} : ({t4}, {t4}, {t4}, {tb}) -> {t4}\n"
            f"  return %0 : {t4}\n}}\n")
    rng = np.random.default_rng(1)
    inputs = []
    for i, shape in enumerate([(B, H, S, D)] * 3):
        path = tmp_path / f"in{i}.npy"
        np.save(path, rng.standard_normal(shape).astype(np.float32))
        inputs.append(f"--input={path}")
    mask = np.zeros((B, S), np.float32)
    mask[0, 15:] = -np.inf
    mask[1, 7:] = -np.inf
    np.save(tmp_path / "mask.npy", mask)
    sim_check(tmp_path, text, target, extra=inputs + [f"--input={tmp_path / 'mask.npy'}"])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("shape", [(1001, 255), (10007,), (3, 1031), (8, 40)])
def test_elementwise_ragged_spread(tmp_path, target, shape):
    # Contiguous lengths the partitions do not divide: [p, q] over the
    # partitions plus a remainder space (a prime length, odd widths).
    t = ty(shape)
    text = (f"func.func @main(%a: {t}, %b: {t}) -> {t} {{\n"
            f"  %0 = xf.mul %a, %b : ({t}, {t}) -> {t}\n"
            f"  %1 = xf.add %0, %a : ({t}, {t}) -> {t}\n"
            f"  return %1 : {t}\n}}\n")
    sim_check(tmp_path, text, target)
