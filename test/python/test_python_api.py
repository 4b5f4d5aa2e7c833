"""The `muir` Python package end to end, including every error path.

Uses the module the CMake build produced (build/python_packages), not a
second compile.
"""
import json
import os
import pathlib
import sys

import ml_dtypes
import numpy as np
import pytest

from conftest import BUILD, ROOT, ty

sys.path.insert(0, str(BUILD / "python_packages"))
muir = pytest.importorskip("muir")

MATMUL_BIAS = f"""func.func @main(%a: {ty((20, 24))}, %b: {ty((24, 36))}, %c: {ty((36,))}) -> {ty((20, 36))} {{
  %0 = xf.matmul %a, %b : ({ty((20, 24))}, {ty((24, 36))}) -> {ty((20, 36))}
  %1 = xf.add %0, %c : ({ty((20, 36))}, {ty((36,))}) -> {ty((20, 36))}
  %2 = xf.gelu %1 : {ty((20, 36))}
  return %2 : {ty((20, 36))}
}}"""


def np_gelu(x):
    import math
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


@pytest.fixture
def args():
    rng = np.random.default_rng(7)
    return [rng.uniform(-1, 1, s).astype(np.float32) for s in [(20, 24), (24, 36), (36,)]]


def test_parse_and_print_round_trip():
    m = muir.parse(MATMUL_BIAS)
    text = str(m)
    assert "xf.matmul" in text and "xf.gelu" in text
    assert str(muir.parse(text)) == text


def test_passes_run_canonicalize_folds_multiply_by_one():
    src = f"""func.func @main(%x: {ty((4,))}) -> {ty((4,))} {{
  %c = xf.constant dense<1.0> : {ty((4,))}
  %0 = xf.mul %x, %c : ({ty((4,))}, {ty((4,))}) -> {ty((4,))}
  return %0 : {ty((4,))}
}}"""
    before = muir.parse(src)
    after = muir.passes.run(before, "canonicalize")
    assert "xf.mul" in str(before) and "xf.mul" not in str(after)
    compiled = muir.passes.run(src, "builtin.module(muir-compile{target=small})")
    assert "nc.kernel @main" in str(compiled)


@pytest.mark.parametrize("target", ["small", "trn2"])
def test_compile_and_run_matches_numpy(args, target):
    exe = muir.compile(MATMUL_BIAS, target=target)
    assert exe.target == target
    (y,) = exe.run(*args)
    want = np_gelu(args[0].astype(np.float64) @ args[1] + args[2])
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-4)
    (ref,) = exe.run(*args, backend="reference")
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    r = exe.report
    for key in ("cycles", "seconds", "pe_utilization", "hbm_bytes", "hbm_bytes_read", "hbm_bytes_written"):
        assert key in r
    assert r["cycles"] > 0 and 0 < r["pe_utilization"] <= 1
    # Inputs are read once and the output written once, at least.
    assert r["hbm_bytes_read"] >= sum(a.nbytes for a in args)
    assert r["hbm_bytes_written"] >= y.nbytes
    assert muir.check(exe, *args)[0].shape == (20, 36)


def test_reference_runs_reuse_decoded_constants():
    # The executable decodes its constants once; every run must still see
    # them unchanged (a kernel writing into a shared constant would show).
    w = np.arange(12, dtype=np.float32).reshape(3, 4) / 8 - 0.5
    hexdata = "0x04000000" + w.astype("<f4").tobytes().hex().upper()
    exe = muir.compile(f"""func.func @main(%x: {ty((2, 3), "bf16")}) -> {ty((2, 4), "bf16")} {{
  %w = xf.constant dense_resource<w> : {ty((3, 4))}
  %c = xf.cast %w : {ty((3, 4))} to {ty((3, 4), "bf16")}
  %y = xf.matmul %x, %c : ({ty((2, 3), "bf16")}, {ty((3, 4), "bf16")}) -> {ty((2, 4), "bf16")}
  %z = xf.neg %y : {ty((2, 4), "bf16")}
  return %z : {ty((2, 4), "bf16")}
}}
{{-#
  dialect_resources: {{ builtin: {{ w: "{hexdata}" }} }}
#-}}
""", target="small")
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]], dtype=np.float32)
    want = -(x @ w)
    for _ in range(3):
        (y,) = exe.run(x, backend="reference")
        np.testing.assert_array_equal(y.astype(np.float32), want.astype(ml_dtypes.bfloat16).astype(np.float32))


def test_code_trace_and_binary(args, tmp_path):
    exe = muir.compile(MATMUL_BIAS, target="small")
    assert exe.asm.startswith(".kernel main target=small")
    assert exe.binary[:6] == b"MUIRNC"
    assert "nc.matmul" in exe.mlir
    assert exe.compile_seconds >= 0
    with pytest.raises(RuntimeError, match="no traced simulator run"):
        exe.trace(tmp_path / "t.json")
    exe.run(*args)
    path = exe.trace(tmp_path / "t.json")
    events = json.loads(path.read_text())["traceEvents"]
    assert any(e.get("ph") == "X" and e["name"] == "matmul" for e in events)


def test_bf16_in_and_out():
    src = f"""func.func @main(%a: {ty((8, 16), 'bf16')}, %b: {ty((16, 8), 'bf16')}) -> {ty((8, 8), 'bf16')} {{
  %0 = xf.matmul %a, %b : ({ty((8, 16), 'bf16')}, {ty((16, 8), 'bf16')}) -> {ty((8, 8), 'bf16')}
  return %0 : {ty((8, 8), 'bf16')}
}}"""
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, (8, 16)).astype(ml_dtypes.bfloat16)
    b = rng.uniform(-1, 1, (16, 8)).astype(np.float32)  # rounded to bf16 on the way in
    exe = muir.compile(src, target="small")
    (y,) = exe.run(a, b, check=True)
    assert y.dtype == ml_dtypes.bfloat16
    want = a.astype(np.float64) @ b.astype(ml_dtypes.bfloat16).astype(np.float64)
    np.testing.assert_allclose(y.astype(np.float32), want, rtol=2 ** -7, atol=1e-2)


# ----------------------------------------------------------------------------- errors

def test_parse_error_has_location_and_message():
    with pytest.raises(ValueError, match=r'loc\("model.mlir":1:\d+\): error: '):
        muir.parse("func.func @main( -> {", name="model.mlir")
    with pytest.raises(ValueError, match="do not broadcast"):
        muir.parse(f"""func.func @main(%a: {ty((2, 3))}, %b: {ty((4,))}) -> {ty((2, 3))} {{
  %0 = xf.add %a, %b : ({ty((2, 3))}, {ty((4,))}) -> {ty((2, 3))}
  return %0 : {ty((2, 3))}
}}""")
    with pytest.raises(TypeError):
        muir.parse(42)


def test_wrong_argument_count_and_types(args):
    exe = muir.compile(MATMUL_BIAS, target="small")
    with pytest.raises(TypeError, match="expected 3 argument"):
        exe.run(*args[:2])
    with pytest.raises(TypeError, match="argument 1: expected a numpy.ndarray"):
        exe.run(args[0], [[1.0]], args[2])
    with pytest.raises(ValueError, match=r"argument 1: expected shape \(24, 36\) f32, got \(36, 24\) float32"):
        exe.run(args[0], args[1].T.copy(), args[2])
    with pytest.raises(ValueError, match=r"argument 0: expected .* \(a float array\), got int32"):
        exe.run(args[0].astype(np.int32), args[1], args[2])


def test_gather_embedding_on_the_simulator():
    src = f"""func.func @main(%t: {ty((50, 8))}, %i: {ty((3,), 'i32')}) -> {ty((3, 8))} {{
  %0 = xf.gather %t[%i] : ({ty((50, 8))}, {ty((3,), 'i32')}) -> {ty((3, 8))}
  return %0 : {ty((3, 8))}
}}"""
    exe = muir.compile(src, target="small")
    table = np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32)
    idx = np.array([49, 0, 17], np.int32)
    (y,) = exe.run(table, idx)
    np.testing.assert_array_equal(y, table[idx])
    with pytest.raises(ValueError, match=r"argument 1: expected .* \(an integer array\), got float32"):
        exe.run(table, idx.astype(np.float32))
    # An int64 index beyond i32 is an error (as in muir-run), not a silent
    # wrap-around to row 0, on either backend.
    wide = np.array([49, 2**40, 17], np.int64)
    for backend in ("sim", "reference"):
        with pytest.raises(ValueError, match=r"argument 1: value 1099511627776 at flat index 1 does not fit in i32"):
            exe.run(table, wide, backend=backend)


def test_check_tolerance_follows_the_least_precise_type_on_the_path():
    # softmax computed in bf16 then cast to f32: the f32 result carries bf16
    # rounding, so check=True uses the bf16 tolerance for it; a pure f32
    # path keeps the f32 one.
    src = f"""func.func @main(%x: {ty((4, 40))}) -> ({ty((4, 40))}, {ty((4, 40))}) {{
  %0 = xf.cast %x : {ty((4, 40))} to {ty((4, 40), 'bf16')}
  %1 = xf.softmax %0 : {ty((4, 40), 'bf16')}
  %2 = xf.cast %1 : {ty((4, 40), 'bf16')} to {ty((4, 40))}
  %3 = xf.exp %x : {ty((4, 40))}
  return %2, %3 : {ty((4, 40))}, {ty((4, 40))}
}}"""
    exe = muir.compile(src, target="small")
    bf16, f32 = muir._muir.tolerance("bf16"), muir._muir.tolerance("f32")
    assert exe._native.result_tolerances == [bf16, f32]
    x = np.random.default_rng(3).normal(size=(4, 40)).astype(np.float32)
    exe.run(x, check=True)


def test_unknown_target_and_backend(args):
    with pytest.raises(ValueError, match="unknown target 'nosuch'"):
        muir.compile(MATMUL_BIAS, target="nosuch")
    exe = muir.compile(MATMUL_BIAS, target="small")
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        exe.run(*args, backend="gpu")
    with pytest.raises(RuntimeError, match="no simulator run yet"):
        muir.compile(MATMUL_BIAS, target="small").report


def test_does_not_fit_is_a_compile_error():
    # Attention streams K^T and V through key blocks of at least one 16-key
    # chunk beside a query tile: with 512-wide f32 keys two such blocks are
    # more than a small-target partition. (Softmax, norm, rope and reduce
    # rows that wide stream in chunks.)
    q, k, v = ty((1, 1, 8, 512)), ty((1, 1, 2048, 512)), ty((1, 1, 2048, 64))
    o = ty((1, 1, 8, 64))
    src = f"""func.func @main(%q: {q}, %k: {k}, %v: {v}) -> {o} {{
  %0 = xf.attention %q, %k, %v : ({q}, {k}, {v}) -> {o}
  return %0 : {o}
}}"""
    with pytest.raises(RuntimeError, match="does not fit on target 'small': attention needs 6272 bytes"):
        muir.compile(src, target="small")


def test_invalid_pipeline():
    with pytest.raises(ValueError, match="nosuchpass"):
        muir.passes.run(MATMUL_BIAS, "nosuchpass")


def test_log_edge_values_on_both_backends():
    src = f"""func.func @main(%a: {ty((4,))}) -> {ty((4,))} {{
  %0 = xf.log %a : {ty((4,))}
  return %0 : {ty((4,))}
}}"""
    exe = muir.compile(src, target="small")
    x = np.array([1.0, np.e, 0.0, -1.0], np.float32)
    for backend in ("reference", "sim"):
        (y,) = exe.run(x, backend=backend)
        assert y[0] == 0 and np.isclose(y[1], 1) and y[2] == -np.inf and np.isnan(y[3]), backend


def test_compile_rejects_other_objects():
    with pytest.raises(TypeError, match="compile\\(\\) takes xf text"):
        muir.compile(3.5)


def test_timing_only_run_reports_what_a_full_run_reports():
    src = open(os.path.join(ROOT, "examples", "gpt2_block.mlir")).read()
    exe = muir.compile(src, target="trn2")
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(shape).astype(np.float32) for shape in exe.signature[0][0]]
    exe.run(*args)
    full = exe.report
    assert exe.run(numerics=False) == []
    assert exe.report == full
    with pytest.raises(ValueError, match="timing only"):
        exe.run(*args, numerics=False)
    with pytest.raises(ValueError, match="timing only"):
        exe.run(numerics=False, check=True)


def test_parse_rejects_what_crashes_the_mlir_parser():
    deep = "func.func @f() attributes {a = " + "[" * 200000 + "]" * 200000 + "} { return }"
    with pytest.raises(ValueError, match=r"<string>:1:543: brackets nest deeper than 512 levels"):
        muir.parse(deep)
    with pytest.raises(ValueError, match=r"a dense array needs an integer or float element type, got 'index'"):
        muir.compile("func.func @f() attributes {a = array<index: 1>} {\n  return\n}\n")


SCALED = """func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = xf.constant dense_resource<w> : tensor<2x3xf32>
  %b = xf.constant dense_resource<b> : tensor<3xbf16>
  %c = xf.cast %b : tensor<3xbf16> to tensor<3xf32>
  %0 = xf.mul %x, %w : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = xf.add %0, %c : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}"""


def test_parse_with_resources_passes_weights_as_bytes():
    # The weights are buffers, not hex text; parsing the same text twice
    # (the parser renames a resource key it has seen) still finds them.
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([0.5, -1, 2], dtype=ml_dtypes.bfloat16)
    x = np.ones((2, 3), np.float32)
    for _ in range(2):
        m = muir.parse(SCALED, resources={"w": w, "b": b.view(np.int16)})
        for backend in ("reference", "sim"):
            (got,) = muir.compile(m, target="small").run(x, backend=backend)
            np.testing.assert_array_equal(got, x * w + b.astype(np.float32))


def test_parse_with_resources_errors():
    w = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="no data for dense_resource.*b"):
        muir.parse(SCALED, resources={"w": w})
    with pytest.raises(ValueError, match="resource 'w' has 4 bytes, its type needs 24"):
        muir.parse(SCALED, resources={"w": np.zeros(1, np.float32), "b": np.zeros(3, np.int16)})


def test_lazy_submodules_and_session():
    # muir.torch / muir.jax are imported on first use, each itself.
    import muir as m
    assert m.Session is m.session.Session
    assert m.__getattr__("jax").__name__ == "muir.jax"
