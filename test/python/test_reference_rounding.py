"""The reference backend's rounding and transcendental functions, over many values.

Rounding to bf16/f16/fp8 must be bit-exact round-to-nearest-even, checked
against ml_dtypes (NumPy for f16) on every value of each format, the ties
between neighbours and their f32 neighbours, subnormals, overflow, inf, NaN
and random f32 bit patterns; both the vectorised kernels (xf.cast) and the
scalar path that rounds arguments on the way in. exp and tanh are evaluated
in double and rounded once, so they must match the float64 functions
rounded to f32 within one ulp, and almost always exactly.
"""
import ml_dtypes
import numpy as np
import pytest

from conftest import ty

FORMATS = {"bf16": ml_dtypes.bfloat16, "f16": np.float16,
           "f8E4M3FN": ml_dtypes.float8_e4m3fn, "f8E5M2": ml_dtypes.float8_e5m2}


def as_f32(bits):
    return np.asarray(bits, dtype=np.uint32).view(np.float32)


def hard_values(dt, rng):
    """Every value of `dt`, the midpoints between neighbours (ties) and the
    f32 values either side of them, specials and random f32 bit patterns."""
    np_dt = FORMATS[dt]
    width = np.dtype(np_dt).itemsize * 8
    codes = np.arange(1 << width, dtype=np.uint16 if width == 16 else np.uint8)
    exact = codes.view(np_dt).astype(np.float32)
    exact = np.unique(exact[np.isfinite(exact)])  # sorted, -max .. max
    mids = ((exact[:-1].astype(np.float64) + exact[1:]) / 2).astype(np.float32)
    top = float(exact[-1])
    with np.errstate(over="ignore"):  # bf16's top * 2 is inf in f32 too
        beyond = np.array([top * 1.0625, top * 1.125, top * 2, 3e38], dtype=np.float32)
    beyond = np.concatenate([beyond, -beyond])
    tiny = as_f32([0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff])
    special = np.array([np.inf, -np.inf, np.nan, -np.nan], dtype=np.float32)
    random = as_f32(rng.integers(0, 1 << 32, 200_000, dtype=np.uint64))
    x = np.concatenate([exact, mids, np.nextafter(mids, np.float32(np.inf)),
                        np.nextafter(mids, np.float32(-np.inf)), beyond, tiny, special, random])
    return x.astype(np.float32)


def assert_same_bits(got, want):
    got = np.asarray(got).astype(np.float32)
    want = np.asarray(want).astype(np.float32)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    bad = np.flatnonzero(got[ok].view(np.uint32) != want[ok].view(np.uint32))
    assert bad.size == 0, (f"{bad.size} values differ, e.g. {want[ok][bad[:5]]!r} -> "
                           f"{got[ok][bad[:5]]!r}")


@pytest.mark.parametrize("dt", sorted(FORMATS))
def test_cast_rounding_is_bit_exact(run, rng, dt):
    x = hard_values(dt, rng)
    prog = f"""func.func @main(%x: {ty(x.shape)}) -> {ty(x.shape, dt)} {{
  %0 = xf.cast %x : {ty(x.shape)} to {ty(x.shape, dt)}
  return %0 : {ty(x.shape, dt)}
}}"""
    with np.errstate(over="ignore", invalid="ignore"):
        want = x.astype(FORMATS[dt])
    assert_same_bits(run.one(prog, x), want)


@pytest.mark.parametrize("dt", sorted(FORMATS))
def test_argument_rounding_is_bit_exact(run, rng, dt):
    # f32 data for a low-precision argument goes through the scalar roundTo.
    x = hard_values(dt, rng)
    prog = f"""func.func @main(%x: {ty(x.shape, dt)}) -> {ty(x.shape)} {{
  %0 = xf.cast %x : {ty(x.shape, dt)} to {ty(x.shape)}
  return %0 : {ty(x.shape)}
}}"""
    with np.errstate(over="ignore", invalid="ignore"):
        want = x.astype(FORMATS[dt])
    assert_same_bits(run.one(prog, x), want)


def ulp_distance(a, b):
    """Distance in f32 steps between finite values of the same or opposite sign."""
    def ordered(v):
        i = v.astype(np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)
    return np.abs(ordered(a) - ordered(b))


@pytest.mark.parametrize("op,fn,lo,hi", [("exp", np.exp, -110.0, 90.0),
                                         ("tanh", np.tanh, -12.0, 12.0)])
def test_transcendentals_round_once(run, rng, op, fn, lo, hi):
    x = np.concatenate([np.linspace(lo, hi, 300_001), rng.uniform(lo, hi, 100_000),
                        rng.normal(0, 1e-3, 20_000), [0.0, -0.0, 1e-30, -1e-30, 1e-45],
                        [88.72, 88.73, -87.3, -103.97, -103.98]]).astype(np.float32)
    got = run.one(f"""func.func @main(%x: {ty(x.shape)}) -> {ty(x.shape)} {{
  %0 = xf.{op} %x : {ty(x.shape)}
  return %0 : {ty(x.shape)}
}}""", x)
    with np.errstate(over="ignore"):
        want = fn(x.astype(np.float64)).astype(np.float32)
    assert np.array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    d = ulp_distance(got[finite], want[finite])
    assert d.max() <= 1
    assert np.count_nonzero(d) <= 1e-4 * d.size
    assert np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "silu", "gelu"])
def test_transcendentals_specials(run, op):
    x = np.array([np.inf, -np.inf, np.nan], dtype=np.float32)
    got = run.one(f"""func.func @main(%x: {ty(x.shape)}) -> {ty(x.shape)} {{
  %0 = xf.{op} %x : {ty(x.shape)}
  return %0 : {ty(x.shape)}
}}""", x)
    with np.errstate(invalid="ignore", over="ignore"):
        x64 = x.astype(np.float64)
        want = {"exp": np.exp(x64), "tanh": np.tanh(x64), "sigmoid": 1 / (1 + np.exp(-x64)),
                "silu": x64 / (1 + np.exp(-x64)),
                "gelu": 0.5 * x64 * (1 + np.tanh(0.7978845608 * (x64 + 0.044715 * x64**3)))}[op]
    np.testing.assert_array_equal(got, want.astype(np.float32))


@pytest.mark.parametrize("kernel", ["avx2", "portable"])
def test_matrix_products_do_not_depend_on_the_cpu(run, rng, kernel, monkeypatch):
    # Every element is one fused multiply-add chain in k order, so the
    # micro-kernels (MUIR_REFERENCE_GEMM forces one) agree bit for bit,
    # across the blocking's edges (k > 256, odd m and n) and in attention.
    m, k, n = 29, 531, 75
    a = rng.normal(0, 1, (m, k)).astype(np.float32)
    b = rng.normal(0, 1, (k, n)).astype(np.float32)
    q, kk, v = (rng.normal(0, 1, (1, 2, 70, 16)).astype(np.float32) for _ in range(3))
    t4 = ty(q.shape)
    progs = [(f"""func.func @main(%a: {ty(a.shape)}, %b: {ty(b.shape)}) -> {ty((m, n))} {{
  %0 = xf.matmul %a, %b : ({ty(a.shape)}, {ty(b.shape)}) -> {ty((m, n))}
  return %0 : {ty((m, n))}
}}""", (a, b)), (f"""func.func @main(%q: {t4}, %k: {t4}, %v: {t4}) -> {t4} {{
  %0 = xf.attention %q, %k, %v {{causal = true}} : ({t4}, {t4}, {t4}) -> {t4}
  return %0 : {t4}
}}""", (q, kk, v))]
    for prog, inputs in progs:
        monkeypatch.delenv("MUIR_REFERENCE_GEMM", raising=False)
        default = run.one(prog, *inputs)
        monkeypatch.setenv("MUIR_REFERENCE_GEMM", kernel)
        assert_same_bits(run.one(prog, *inputs), default)
