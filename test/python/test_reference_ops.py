"""Reference-backend numerics for every xf op, checked against independent NumPy formulas.

Each expectation is computed here from the documented semantics (dialects/xf/XfOps.td),
never from muir's own output. Low-precision rounding uses ml_dtypes, an independent
implementation of bf16/fp8 round-to-nearest-even.
"""
import math

import ml_dtypes
import numpy as np
import pytest

from conftest import ty

F32_TOL = dict(rtol=1e-5, atol=1e-6)
NP_LOWP = {
    "bf16": ml_dtypes.bfloat16,
    "f16": np.float16,
    "f8E4M3FN": ml_dtypes.float8_e4m3fn,
    "f8E5M2": ml_dtypes.float8_e5m2,
}


def round_to(x, dt):
    """Independent RNE rounding of f32 values to dt, returned as f32."""
    x = np.asarray(x, dtype=np.float32)
    if dt == "f32":
        return x
    return x.astype(NP_LOWP[dt]).astype(np.float32)


def ulp_tol(dt):
    """One unit in the last place of dt, relative: the computation may round either way."""
    return {"f32": 1e-5, "bf16": 2.0**-7, "f16": 2.0**-10, "f8E4M3FN": 2.0**-2, "f8E5M2": 2.0**-1}[dt]


def close(got, want, dt="f32", atol=1e-6):
    np.testing.assert_allclose(got, want, rtol=ulp_tol(dt), atol=atol)


def unary_prog(op, shape, dt="f32", attrs=""):
    t = ty(shape, dt)
    return f"""func.func @main(%x: {t}) -> {t} {{
  %0 = xf.{op} %x {attrs} : {t}
  return %0 : {t}
}}"""


def binary_prog(op, sa, sb, so, dt="f32"):
    ta, tb, to = ty(sa, dt), ty(sb, dt), ty(so, dt)
    return f"""func.func @main(%a: {ta}, %b: {tb}) -> {to} {{
  %0 = xf.{op} %a, %b : ({ta}, {tb}) -> {to}
  return %0 : {to}
}}"""


# --------------------------------------------------------------------------- elementwise

BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "max": np.maximum,
    "min": np.minimum,
}
BROADCASTS = [
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((4, 1, 3), (1, 5, 1)),
    ((1,), (7,)),
    ((3, 1), (1,)),
    ((), (2, 2)),
]


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", BROADCASTS)
def test_binary_broadcast_f32(run, rng, op, sa, sb):
    a = rng.uniform(-2, 2, sa).astype(np.float32)
    b = rng.uniform(0.5, 2, sb).astype(np.float32)
    want = BINARY[op](a, b)
    got = run.one(binary_prog(op, sa, sb, want.shape), a, b)
    assert got.shape == want.shape
    close(got, want)


@pytest.mark.parametrize("dt", ["bf16", "f16", "f8E4M3FN", "f8E5M2"])
@pytest.mark.parametrize("op", ["add", "mul", "div"])
def test_binary_low_precision_rounds_once(run, rng, op, dt):
    a = round_to(rng.uniform(-2, 2, (3, 16)), dt)
    b = round_to(rng.uniform(0.5, 2, (16,)), dt)
    want = round_to(BINARY[op](a, b), dt)
    got = run.one(binary_prog(op, (3, 16), (16,), (3, 16), dt), a, b)
    close(got, want, dt, atol=1e-6)
    # Results are representable in dt: rounding them again changes nothing.
    np.testing.assert_array_equal(round_to(got, dt), got)


def np_gelu_erf(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


UNARY = {
    "neg": (lambda x: -x, (-3, 3)),
    "exp": (np.exp, (-5, 5)),
    "log": (np.log, (0.01, 10)),
    "tanh": (np.tanh, (-4, 4)),
    "sqrt": (np.sqrt, (0, 10)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.01, 10)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-8, 8)),
    "relu": (lambda x: np.maximum(x, 0), (-3, 3)),
    "silu": (lambda x: x / (1 + np.exp(-x)), (-8, 8)),
}


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_f32(run, rng, op):
    fn, (lo, hi) = UNARY[op]
    x = rng.uniform(lo, hi, (5, 33)).astype(np.float32)
    got = run.one(unary_prog(op, x.shape), x)
    close(got, fn(x.astype(np.float64)), atol=1e-6)


@pytest.mark.parametrize("op", ["exp", "silu", "rsqrt"])
def test_unary_bf16(run, rng, op):
    fn, (lo, hi) = UNARY[op]
    x = round_to(rng.uniform(lo, hi, (4, 64)), "bf16")
    got = run.one(unary_prog(op, x.shape, "bf16"), x)
    close(got, round_to(fn(x.astype(np.float64)), "bf16"), "bf16")


@pytest.mark.parametrize("form,fn", [("", np_gelu_erf), ("approximate = tanh", np_gelu_tanh),
                                     ("approximate = none", np_gelu_erf)])
def test_gelu_forms(run, rng, form, fn):
    x = rng.uniform(-5, 5, (3, 50)).astype(np.float32)
    got = run.one(unary_prog("gelu", x.shape, attrs=form), x)
    close(got, fn(x.astype(np.float64)), atol=1e-6)


def test_gelu_forms_differ(run):
    # The two forms differ by up to ~1e-3 near |x| = 2: a backend mixing them up fails here.
    x = np.array([2.0, -2.0, 1.5], dtype=np.float32)
    erf_form = run.one(unary_prog("gelu", (3,)), x)
    tanh_form = run.one(unary_prog("gelu", (3,), attrs="approximate = tanh"), x)
    assert np.max(np.abs(erf_form - tanh_form)) > 1e-4


# --------------------------------------------------------------------------- cast and rounding

@pytest.mark.parametrize("dt", ["bf16", "f16", "f8E4M3FN", "f8E5M2"])
def test_cast_rounds_to_nearest_even(run, rng, dt):
    x = np.concatenate([rng.normal(0, 3, 200), [0.0, -0.0, 1e-8, 65504.0]]).astype(np.float32)
    if dt == "f8E4M3FN":
        x = np.clip(x, -448, 448)
    if dt == "f8E5M2":
        x = np.clip(x, -57344, 57344)
    prog = f"""func.func @main(%x: {ty(x.shape)}) -> {ty(x.shape, dt)} {{
  %0 = xf.cast %x : {ty(x.shape)} to {ty(x.shape, dt)}
  return %0 : {ty(x.shape, dt)}
}}"""
    got = run.one(prog, x)
    np.testing.assert_array_equal(got, round_to(x, dt))


def test_bf16_ties_round_to_even(run):
    # 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1).
    # 1 + 3*2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: the even one is 1 + 2^-6.
    x = np.array([1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8), 1 + 2**-8 + 2**-20], dtype=np.float32)
    want = np.array([1.0, 1 + 2**-6, -1.0, 1 + 2**-7], dtype=np.float32)
    prog = f"""func.func @main(%x: {ty((4,))}) -> {ty((4,), 'bf16')} {{
  %0 = xf.cast %x : {ty((4,))} to {ty((4,), 'bf16')}
  return %0 : {ty((4,), 'bf16')}
}}"""
    np.testing.assert_array_equal(run.one(prog, x), want)


def test_bf16_overflow_and_nan(run):
    x = np.array([3.4e38, -3.4e38, np.nan, np.inf], dtype=np.float32)  # beyond bf16's max finite
    prog = f"""func.func @main(%x: {ty((4,))}) -> {ty((4,), 'bf16')} {{
  %0 = xf.cast %x : {ty((4,))} to {ty((4,), 'bf16')}
  return %0 : {ty((4,), 'bf16')}
}}"""
    got = run.one(prog, x)
    assert got[0] == np.inf and got[1] == -np.inf and np.isnan(got[2]) and got[3] == np.inf


def test_cast_int_to_float(run):
    x = np.array([0, 1, -7, 257, 1 << 20], dtype=np.int32)
    prog = f"""func.func @main(%x: {ty((5,), 'i32')}) -> {ty((5,), 'bf16')} {{
  %0 = xf.cast %x : {ty((5,), 'i32')} to {ty((5,), 'bf16')}
  return %0 : {ty((5,), 'bf16')}
}}"""
    np.testing.assert_array_equal(run.one(prog, x), round_to(x.astype(np.float32), "bf16"))


def test_input_is_rounded_to_argument_type(run):
    # f32 data fed to a bf16 argument is rounded on the way in (documented muir-run behaviour).
    x = np.array([1 + 2**-8, 1 + 3 * 2**-8], dtype=np.float32)
    got = run.one(unary_prog("neg", (2,), "bf16"), x)
    np.testing.assert_array_equal(got, -round_to(x, "bf16"))


# --------------------------------------------------------------------------- matmul

def matmul_prog(sa, sb, so, dt="f32", odt=None, attrs="", op="matmul"):
    odt = odt or dt
    ta, tb, to = ty(sa, dt), ty(sb, dt), ty(so, odt)
    return f"""func.func @main(%a: {ta}, %b: {tb}) -> {to} {{
  %0 = xf.{op} %a, %b {attrs} : ({ta}, {tb}) -> {to}
  return %0 : {to}
}}"""


@pytest.mark.parametrize("m,k,n", [(4, 8, 5), (1, 64, 33), (37, 1, 3), (1, 1, 1), (130, 129, 7),
                                   (128, 128, 128), (3, 300, 1)])
def test_matmul_shapes(run, rng, m, k, n):
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    got = run.one(matmul_prog((m, k), (k, n), (m, n)), a, b)
    close(got, a.astype(np.float64) @ b, atol=1e-5 * math.sqrt(k))


@pytest.mark.parametrize("tl,tr", [(True, False), (False, True), (True, True)])
def test_matmul_transposed(run, rng, tl, tr):
    m, k, n = 6, 10, 4
    a = rng.uniform(-1, 1, (k, m) if tl else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if tr else (k, n)).astype(np.float32)
    attrs = "{" + f"transpose_lhs = {str(tl).lower()}, transpose_rhs = {str(tr).lower()}" + "}"
    got = run.one(matmul_prog(a.shape, b.shape, (m, n), attrs=attrs), a, b)
    want = (a.T if tl else a).astype(np.float64) @ (b.T if tr else b)
    close(got, want, atol=1e-5)


def test_matmul_bf16_inputs_f32_accumulation(run, rng):
    # bf16 operands, f32 result: products and sums are exact-ish in f32, no bf16 rounding of the sum.
    m, k, n = 8, 512, 16
    a = round_to(rng.uniform(-1, 1, (m, k)), "bf16")
    b = round_to(rng.uniform(-1, 1, (k, n)), "bf16")
    got = run.one(matmul_prog((m, k), (k, n), (m, n), "bf16", "f32", "{acc_type = f32}"), a, b)
    close(got, a.astype(np.float64) @ b, atol=1e-4)
    # The same product rounded to a bf16 result.
    got16 = run.one(matmul_prog((m, k), (k, n), (m, n), "bf16"), a, b)
    close(got16, round_to(a.astype(np.float64) @ b, "bf16"), "bf16", atol=1e-2)
    np.testing.assert_array_equal(round_to(got16, "bf16"), got16)


def test_matmul_long_reduction(run, rng):
    k = 8192
    a = rng.uniform(-1, 1, (2, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, 3)).astype(np.float32)
    got = run.one(matmul_prog((2, k), (k, 3), (2, 3)), a, b)
    close(got, a.astype(np.float64) @ b, atol=1e-3)


@pytest.mark.parametrize("sa,sb", [((3, 4, 5), (3, 5, 2)), ((2, 1, 4, 5), (1, 3, 5, 6)),
                                   ((1, 7, 3), (4, 3, 2))])
def test_batch_matmul_broadcast(run, rng, sa, sb):
    a = rng.uniform(-1, 1, sa).astype(np.float32)
    b = rng.uniform(-1, 1, sb).astype(np.float32)
    want = np.matmul(a.astype(np.float64), b)
    got = run.one(matmul_prog(sa, sb, want.shape, op="batch_matmul"), a, b)
    close(got, want, atol=1e-5)


def test_batch_matmul_transpose_rhs(run, rng):
    a = rng.uniform(-1, 1, (2, 3, 8)).astype(np.float32)
    b = rng.uniform(-1, 1, (2, 5, 8)).astype(np.float32)
    got = run.one(matmul_prog(a.shape, b.shape, (2, 3, 5), op="batch_matmul",
                              attrs="{transpose_rhs = true}"), a, b)
    close(got, np.matmul(a.astype(np.float64), b.transpose(0, 2, 1)), atol=1e-5)


# --------------------------------------------------------------------------- softmax, norms, reductions

def np_softmax(x, axis):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("shape,axis", [((4, 7), -1), ((4, 7), 0), ((2, 3, 5), 1), ((2, 3, 5), -3),
                                        ((1, 1), 0), ((3, 4096), -1)])
def test_softmax_axes(run, rng, shape, axis):
    x = rng.normal(0, 3, shape).astype(np.float32)
    got = run.one(unary_prog("softmax", shape, attrs=f"{{axis = {axis} : i64}}"), x)
    close(got, np_softmax(x, axis), atol=1e-7)


def test_softmax_large_values_stable(run):
    x = np.array([[1000.0, 1000.0], [-1000.0, 0.0]], dtype=np.float32)
    got = run.one(unary_prog("softmax", x.shape), x)
    close(got, np.array([[0.5, 0.5], [0.0, 1.0]]))


def test_softmax_non_finite_rows(run):
    # Masked (-inf) entries, an all -inf row (NaN, as NumPy), +inf and NaN.
    x = np.array([[0.0, -np.inf, -np.inf, 2.0], [-np.inf] * 4, [np.inf, 0.0, 1.0, -np.inf],
                  [np.nan, 0.0, 1.0, 2.0]], dtype=np.float32)
    with np.errstate(invalid="ignore"):
        want = np_softmax(x, -1).astype(np.float32)
    np.testing.assert_allclose(run.one(unary_prog("softmax", x.shape), x), want, rtol=1e-6)


def test_softmax_bf16(run, rng):
    x = round_to(rng.normal(0, 2, (4, 64)), "bf16")
    got = run.one(unary_prog("softmax", x.shape, "bf16"), x)
    close(got, round_to(np_softmax(x, -1), "bf16"), "bf16", atol=1e-3)


def norm_prog(op, shape, dt="f32", eps=None, bias=True):
    t, p = ty(shape, dt), ty((shape[-1],), dt)
    eps_attr = f" {{eps = {eps} : f32}}" if eps is not None else ""
    if bias:
        return f"""func.func @main(%x: {t}, %w: {p}, %b: {p}) -> {t} {{
  %0 = xf.{op} %x, %w, %b{eps_attr} : ({t}, {p}, {p}) -> {t}
  return %0 : {t}
}}"""
    return f"""func.func @main(%x: {t}, %w: {p}) -> {t} {{
  %0 = xf.{op} %x, %w{eps_attr} : ({t}, {p}) -> {t}
  return %0 : {t}
}}"""


@pytest.mark.parametrize("shape", [(4, 16), (2, 3, 768), (1, 1), (5, 1)])
def test_layer_norm(run, rng, shape):
    x = rng.normal(1, 2, shape).astype(np.float32)
    w = rng.uniform(0.5, 1.5, shape[-1:]).astype(np.float32)
    b = rng.uniform(-1, 1, shape[-1:]).astype(np.float32)
    got = run.one(norm_prog("layer_norm", shape, eps="1.0e-05"), x, w, b)
    xd = x.astype(np.float64)
    mean = xd.mean(-1, keepdims=True)
    var = ((xd - mean) ** 2).mean(-1, keepdims=True)
    close(got, (xd - mean) / np.sqrt(var + 1e-5) * w + b, atol=1e-5)


def test_layer_norm_default_eps_matters(run):
    # A constant row has var 0: the result is bias exactly, and eps keeps it finite.
    x = np.full((2, 8), 3.0, dtype=np.float32)
    w = np.ones(8, np.float32)
    b = np.arange(8, dtype=np.float32)
    got = run.one(norm_prog("layer_norm", (2, 8)), x, w, b)
    close(got, np.broadcast_to(b, (2, 8)))


@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_rms_norm(run, rng, dt):
    shape = (3, 5, 64)
    x = round_to(rng.normal(0, 2, shape), dt)
    w = round_to(rng.uniform(0.5, 1.5, 64), dt)
    got = run.one(norm_prog("rms_norm", shape, dt, eps="1.0e-06", bias=False), x, w)
    xd = x.astype(np.float64)
    want = xd / np.sqrt((xd**2).mean(-1, keepdims=True) + 1e-6) * w
    close(got, round_to(want, dt), dt, atol=1e-5)


REDUCE = {"reduce_sum": np.sum, "reduce_max": np.max, "reduce_mean": np.mean}


@pytest.mark.parametrize("op", sorted(REDUCE))
@pytest.mark.parametrize("shape,axes,keep", [((3, 4, 5), [1], False), ((3, 4, 5), [0, 2], True),
                                             ((3, 4, 5), [-1, 0], False), ((6, 1), [1], True),
                                             ((3, 4), [], False), ((2, 3), [0, 1], False)])
def test_reductions(run, rng, op, shape, axes, keep):
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    want = REDUCE[op](x.astype(np.float64), axis=tuple(axes), keepdims=keep)
    want = np.asarray(want)
    axes_s = ", ".join(str(a) for a in axes)
    t_in, t_out = ty(shape), ty(want.shape)
    prog = f"""func.func @main(%x: {t_in}) -> {t_out} {{
  %0 = xf.{op} %x {{axes = array<i64{': ' + axes_s if axes else ''}>, keep_dims = {str(keep).lower()}}} : ({t_in}) -> {t_out}
  return %0 : {t_out}
}}"""
    close(run.one(prog, x), want, atol=1e-5)


def test_long_reduction_sum(run, rng):
    n = 200_000
    x = rng.uniform(0, 1, (1, n)).astype(np.float32)
    prog = f"""func.func @main(%x: {ty((1, n))}) -> {ty((1,))} {{
  %0 = xf.reduce_sum %x {{axes = array<i64: 1>}} : ({ty((1, n))}) -> {ty((1,))}
  return %0 : {ty((1,))}
}}"""
    close(run.one(prog, x), x.astype(np.float64).sum(axis=1), atol=1e-2)


# --------------------------------------------------------------------------- data movement

def test_transpose_3d(run, rng):
    x = rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    prog = f"""func.func @main(%x: {ty((2, 3, 4))}) -> {ty((4, 2, 3))} {{
  %0 = xf.transpose %x {{permutation = array<i64: 2, 0, 1>}} : ({ty((2, 3, 4))}) -> {ty((4, 2, 3))}
  return %0 : {ty((4, 2, 3))}
}}"""
    np.testing.assert_array_equal(run.one(prog, x), x.transpose(2, 0, 1))


def test_reshape_keeps_row_major_order(run, rng):
    x = rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    prog = f"""func.func @main(%x: {ty((2, 3, 4))}) -> {ty((4, 6))} {{
  %0 = xf.reshape %x : ({ty((2, 3, 4))}) -> {ty((4, 6))}
  return %0 : {ty((4, 6))}
}}"""
    np.testing.assert_array_equal(run.one(prog, x), x.reshape(4, 6))


@pytest.mark.parametrize("src,dst", [((3,), (2, 3)), ((2, 1), (2, 5)), ((1, 1, 4), (3, 2, 4)), ((), (2, 2))])
def test_broadcast_to(run, rng, src, dst):
    x = np.asarray(rng.uniform(-1, 1, src), dtype=np.float32)
    prog = f"""func.func @main(%x: {ty(src)}) -> {ty(dst)} {{
  %0 = xf.broadcast_to %x : ({ty(src)}) -> {ty(dst)}
  return %0 : {ty(dst)}
}}"""
    np.testing.assert_array_equal(run.one(prog, x), np.broadcast_to(x, dst))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(run, rng, axis):
    shapes = [(2, 3), (2, 3), (2, 3)]
    shapes = [tuple(s if i != (axis % 2) else s + j for i, s in enumerate(sh)) for j, sh in enumerate(shapes)]
    xs = [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]
    want = np.concatenate(xs, axis=axis)
    args = ", ".join(f"%x{i}: {ty(s)}" for i, s in enumerate(shapes))
    names = ", ".join(f"%x{i}" for i in range(3))
    tys = ", ".join(ty(s) for s in shapes)
    prog = f"""func.func @main({args}) -> {ty(want.shape)} {{
  %0 = xf.concat {names} {{axis = {axis} : i64}} : ({tys}) -> {ty(want.shape)}
  return %0 : {ty(want.shape)}
}}"""
    np.testing.assert_array_equal(run.one(prog, *xs), want)


def test_slice_strided(run, rng):
    x = rng.uniform(-1, 1, (7, 10)).astype(np.float32)
    want = x[1:7:2, 3:10:3]
    prog = f"""func.func @main(%x: {ty((7, 10))}) -> {ty(want.shape)} {{
  %0 = xf.slice %x {{offsets = array<i64: 1, 3>, sizes = array<i64: 3, 3>, strides = array<i64: 2, 3>}} : ({ty((7, 10))}) -> {ty(want.shape)}
  return %0 : {ty(want.shape)}
}}"""
    np.testing.assert_array_equal(run.one(prog, x), want)


@pytest.mark.parametrize("idt,npdt", [("i32", np.int32), ("i64", np.int64)])
def test_gather_embedding(run, rng, idt, npdt):
    table = rng.uniform(-1, 1, (50, 8)).astype(np.float32)
    idx = np.array([[0, 49, 7], [7, 3, 3]], dtype=npdt)
    prog = f"""func.func @main(%t: {ty((50, 8))}, %i: {ty((2, 3), idt)}) -> {ty((2, 3, 8))} {{
  %0 = xf.gather %t[%i] : ({ty((50, 8))}, {ty((2, 3), idt)}) -> {ty((2, 3, 8))}
  return %0 : {ty((2, 3, 8))}
}}"""
    np.testing.assert_array_equal(run.one(prog, table, idx), table[idx])


def test_gather_out_of_range_is_an_error(run, rng):
    table = rng.uniform(-1, 1, (5, 2)).astype(np.float32)
    idx = np.array([1, 5], dtype=np.int32)
    prog = f"""func.func @main(%t: {ty((5, 2))}, %i: {ty((2,), 'i32')}) -> {ty((2, 2))} {{
  %0 = xf.gather %t[%i] : ({ty((5, 2))}, {ty((2,), 'i32')}) -> {ty((2, 2))}
  return %0 : {ty((2, 2))}
}}"""
    rc, err = run.fails(prog, table, idx)
    assert rc == 2 and "5" in err and "gather" in err


def index_copy_prog(cs, ps, rs, axis, pdt="i64"):
    tc, tp, tr = ty(cs), ty(ps, pdt), ty(rs)
    return f"""func.func @main(%c: {tc}, %p: {tp}, %r: {tr}) -> {tc} {{
  %0 = xf.index_copy %c[%p], %r {{axis = {axis}}} : ({tc}, {tp}, {tr}) -> {tc}
  return %0 : {tc}
}}"""


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_index_copy(run, rng, axis):
    # torch.index_copy: rows of `r` written at positions `p` along `axis`,
    # the last of a repeated position winning.
    cs = [5, 7, 4]
    rs = list(cs)
    rs[axis] = 3
    c = rng.uniform(-1, 1, cs).astype(np.float32)
    r = rng.uniform(-1, 1, rs).astype(np.float32)
    p = np.array([cs[axis] - 1, 0, cs[axis] - 1], dtype=np.int64)
    want = c.copy()
    for j, pos in enumerate(p):
        idx = [slice(None)] * 3
        idx[axis] = pos
        src = [slice(None)] * 3
        src[axis] = j
        want[tuple(idx)] = r[tuple(src)]
    np.testing.assert_array_equal(run.one(index_copy_prog(cs, (3,), rs, axis % 3), c, p, r), want)


def test_index_copy_out_of_range_is_an_error(run, rng):
    c = rng.uniform(-1, 1, (2, 4)).astype(np.float32)
    r = rng.uniform(-1, 1, (2, 1)).astype(np.float32)
    rc, err = run.fails(index_copy_prog((2, 4), (1,), (2, 1), 1, "i32"), c, np.array([4], dtype=np.int32), r)
    assert rc == 2 and "index_copy position 4" in err and "[0, 4)" in err


# --------------------------------------------------------------------------- transformer blocks

def np_rope(x, cos, sin):
    half = x.shape[-1] // 2
    rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + rot * sin


def test_rope(run, rng):
    shape = (2, 3, 5, 8)
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    pos = np.arange(5)[:, None] / (10000 ** (np.arange(0, 8, 2) / 8))[None, :]
    ang = np.concatenate([pos, pos], -1)
    cos, sin = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    prog = f"""func.func @main(%x: {ty(shape)}, %c: {ty((5, 8))}, %s: {ty((5, 8))}) -> {ty(shape)} {{
  %0 = xf.rope %x, %c, %s : ({ty(shape)}, {ty((5, 8))}, {ty((5, 8))}) -> {ty(shape)}
  return %0 : {ty(shape)}
}}"""
    close(run.one(prog, x, cos, sin), np_rope(x.astype(np.float64), cos, sin))


def np_attention(q, k, v, causal=False, scale=None, key_bias=None):
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    b, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    rep = hq // hkv
    k = np.repeat(k, rep, axis=1)
    v = np.repeat(v, rep, axis=1)
    scale = 1 / math.sqrt(d) if scale is None else scale
    s = scale * q @ k.transpose(0, 1, 3, 2)
    if key_bias is not None:
        s = s + key_bias.astype(np.float64)[:, None, None, :]
    if causal:
        i = np.arange(sq)[:, None]
        j = np.arange(sk)[None, :]
        s = np.where(j > i + (sk - sq), -np.inf, s)
    return np_softmax(s, -1) @ v


@pytest.mark.parametrize("b,hq,hkv,sq,sk,d,dv,causal,scale", [
    (1, 2, 2, 8, 8, 16, 16, False, None),
    (2, 4, 2, 8, 8, 16, 16, True, None),      # grouped-query, causal
    (1, 8, 1, 5, 12, 8, 4, True, None),       # multi-query, queries are the last 5 of 12 keys
    (1, 2, 2, 1, 9, 8, 8, True, 0.5),         # decode: one query
    (1, 1, 1, 1, 1, 4, 4, False, None),
    (1, 3, 3, 33, 33, 64, 64, True, 0.125),
    (1, 2, 1, 150, 150, 32, 16, True, None),  # several blocks of score rows
])
def test_attention(run, rng, b, hq, hkv, sq, sk, d, dv, causal, scale):
    q = rng.normal(0, 1, (b, hq, sq, d)).astype(np.float32)
    k = rng.normal(0, 1, (b, hkv, sk, d)).astype(np.float32)
    v = rng.normal(0, 1, (b, hkv, sk, dv)).astype(np.float32)
    attrs = [f"causal = {str(causal).lower()}"]
    if scale is not None:
        attrs.append(f"scale = {scale} : f32")
    tq, tk, tv, to = ty(q.shape), ty(k.shape), ty(v.shape), ty((b, hq, sq, dv))
    prog = f"""func.func @main(%q: {tq}, %k: {tk}, %v: {tv}) -> {to} {{
  %0 = xf.attention %q, %k, %v {{{', '.join(attrs)}}} : ({tq}, {tk}, {tv}) -> {to}
  return %0 : {to}
}}"""
    close(run.one(prog, q, k, v), np_attention(q, k, v, causal, scale), atol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_key_bias(run, rng, causal):
    # A padding mask as a bias: batch 1 hides its last 4 keys; batch 0 gets
    # small arbitrary biases.
    b, hq, hkv, sq, sk, d = 2, 4, 2, 6, 10, 8
    q = rng.normal(0, 1, (b, hq, sq, d)).astype(np.float32)
    k = rng.normal(0, 1, (b, hkv, sk, d)).astype(np.float32)
    v = rng.normal(0, 1, (b, hkv, sk, d)).astype(np.float32)
    m = np.zeros((b, sk), np.float32)
    m[0] = rng.uniform(-2, 2, sk)
    m[1, 6:] = -1e30
    tq, tk, tm = ty(q.shape), ty(k.shape), ty(m.shape)
    prog = f"""func.func @main(%q: {tq}, %k: {tk}, %v: {tk}, %m: {tm}) -> {tq} {{
  %0 = xf.attention %q, %k, %v key_bias %m {{causal = {str(causal).lower()}}} : ({tq}, {tk}, {tk}, {tm}) -> {tq}
  return %0 : {tq}
}}"""
    close(run.one(prog, q, k, v, m), np_attention(q, k, v, causal, key_bias=m), atol=1e-5)


def test_attention_bf16(run, rng):
    shape = (1, 2, 16, 32)
    q, k, v = (round_to(rng.normal(0, 1, shape), "bf16") for _ in range(3))
    t = ty(shape, "bf16")
    prog = f"""func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{
  %0 = xf.attention %q, %k, %v {{causal = true}} : ({t}, {t}, {t}) -> {t}
  return %0 : {t}
}}"""
    got = run.one(prog, q, k, v)
    close(got, round_to(np_attention(q, k, v, True), "bf16"), "bf16", atol=1e-3)


# --------------------------------------------------------------------------- constants

def test_constant_dense_and_splat(run):
    prog = f"""func.func @main(%x: {ty((2, 2))}) -> {ty((2, 2))} {{
  %c = xf.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : {ty((2, 2))}
  %s = xf.constant dense<0.5> : {ty((2, 2))}
  %0 = xf.mul %x, %c : ({ty((2, 2))}, {ty((2, 2))}) -> {ty((2, 2))}
  %1 = xf.add %0, %s : ({ty((2, 2))}, {ty((2, 2))}) -> {ty((2, 2))}
  return %1 : {ty((2, 2))}
}}"""
    x = np.array([[1, -1], [2, 0]], dtype=np.float32)
    np.testing.assert_array_equal(run.one(prog, x), x * np.array([[1, 2], [3, 4]]) + 0.5)


@pytest.mark.parametrize("dt,npdt", [("f32", np.float32), ("bf16", ml_dtypes.bfloat16), ("f16", np.float16)])
def test_constant_dense_resource(run, rng, dt, npdt):
    w = rng.uniform(-1, 1, (3, 4)).astype(npdt)
    # Resource blobs start with a 4-byte little-endian alignment word.
    blob = "0x" + (np.uint32(np.dtype(npdt).itemsize).tobytes() + w.tobytes()).hex().upper()
    t = ty((3, 4), dt)
    prog = f"""func.func @main() -> {t} {{
  %c = xf.constant dense_resource<w> : {t}
  return %c : {t}
}}
{{-#
  dialect_resources: {{
    builtin: {{
      w: "{blob}"
    }}
  }}
#-}}
"""
    np.testing.assert_array_equal(run.one(prog), w.astype(np.float32))
