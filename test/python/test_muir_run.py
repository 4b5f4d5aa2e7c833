"""muir-run as a user meets it: the bundled GPT-2 example, --expect comparisons, and every error path."""
import math
import subprocess

import numpy as np

from conftest import MUIR_RUN, ROOT, ty
from test_reference_ops import np_attention

ADD = f"""func.func @main(%a: {ty((2, 3))}, %b: {ty((2, 3))}) -> {ty((2, 3))} {{
  %0 = xf.add %a, %b : ({ty((2, 3))}, {ty((2, 3))}) -> {ty((2, 3))}
  return %0 : {ty((2, 3))}
}}"""


def np_layer_norm(x, w, b, eps=1e-5):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def np_gpt2_block(x, ln1_w, ln1_b, w_qkv, b_qkv, w_o, b_o, ln2_w, ln2_b, w_fc, b_fc, w_proj, b_proj):
    s, d = x.shape
    heads, hd = 4, d // 4
    h = np_layer_norm(x, ln1_w, ln1_b)
    qkv = h @ w_qkv + b_qkv
    q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(1, s, heads, hd).transpose(0, 2, 1, 3) for i in range(3))
    a = np_attention(q, k, v, causal=True).transpose(0, 2, 1, 3).reshape(s, d)
    x1 = x + a @ w_o + b_o
    f = np_layer_norm(x1, ln2_w, ln2_b) @ w_fc + b_fc
    g = 0.5 * f * (1 + np.tanh(math.sqrt(2 / math.pi) * (f + 0.044715 * f**3)))
    return x1 + g @ w_proj + b_proj


def test_gpt2_block_example_matches_numpy(run, rng):
    shapes = [(128, 256), (256,), (256,), (256, 768), (768,), (256, 256), (256,), (256,), (256,),
              (256, 1024), (1024,), (1024, 256), (256,)]
    args = [rng.normal(0, 1, s).astype(np.float32) for s in shapes]
    for i in (3, 5, 9, 11):  # weight matrices scaled like a trained model's
        args[i] *= 1 / math.sqrt(shapes[i][0])
    for i in (1, 7):  # LayerNorm gains near 1
        args[i] = 1 + 0.1 * args[i]
    src = (ROOT / "examples" / "gpt2_block.mlir").read_text()
    got = run.one(src, *args)
    want = np_gpt2_block(*(a.astype(np.float64) for a in args))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_random_inputs_are_seeded(run):
    a = run.one(ADD, args=["--seed=7"])
    b = run.one(ADD, args=["--seed=7"])
    c = run.one(ADD, args=["--seed=8"])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(np.abs(a) <= 2)


def test_expect_match_and_mismatch(run, tmp_path):
    a = np.ones((2, 3), np.float32)
    good = tmp_path / "good.npy"
    bad = tmp_path / "bad.npy"
    np.save(good, a + a)
    wrong = a + a
    wrong[1, 2] += 1e-3
    np.save(bad, wrong)
    proc, _ = run.raw(ADD, [a, a], [f"--expect={good}"])
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout
    proc, _ = run.raw(ADD, [a, a], [f"--expect={bad}"])
    assert proc.returncode == 1
    assert "MISMATCH" in proc.stdout
    # Widening atol past the error makes it pass: the tolerance is really applied.
    proc, _ = run.raw(ADD, [a, a], [f"--expect={bad}", "--atol=2e-3"])
    assert proc.returncode == 0, proc.stdout


def test_print_values(run):
    a = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    proc, _ = run.raw(ADD, [a, a], ["--print"])
    assert proc.returncode == 0
    assert "[[2, 4, 6], [8, 10, 12]]" in proc.stdout


def test_wrong_input_shape(run):
    rc, err = run.fails(ADD, np.ones((3, 2), np.float32), np.ones((2, 3), np.float32))
    assert rc == 2
    assert "#0" in err or "argument 0" in err
    assert "3x2" in err or "[3, 2]" in err or "(3, 2)" in err


def test_float_data_for_integer_argument(run):
    prog = f"""func.func @main(%t: {ty((5, 2))}, %i: {ty((2,), 'i32')}) -> {ty((2, 2))} {{
  %0 = xf.gather %t[%i] : ({ty((5, 2))}, {ty((2,), 'i32')}) -> {ty((2, 2))}
  return %0 : {ty((2, 2))}
}}"""
    rc, err = run.fails(prog, np.ones((5, 2), np.float32), np.ones(2, np.float32))
    assert rc == 2 and "1" in err


def test_too_many_inputs(run):
    a = np.ones((2, 3), np.float32)
    rc, err = run.fails(ADD, a, a, a)
    assert rc == 2 and "input" in err


def test_unknown_backend(run):
    rc, err = run.fails(ADD, args=["--backend=tpu"])
    assert rc == 2 and "tpu" in err and "reference" in err


def test_parse_error_names_location(run):
    rc, err = run.fails("func.func @main( -> {")
    assert rc == 2 and "prog.mlir:1" in err


def test_verifier_error(run):
    prog = f"""func.func @main(%a: {ty((2, 3))}, %b: {ty((4,))}) -> {ty((2, 3))} {{
  %0 = xf.add %a, %b : ({ty((2, 3))}, {ty((4,))}) -> {ty((2, 3))}
  return %0 : {ty((2, 3))}
}}"""
    rc, err = run.fails(prog)
    assert rc == 2 and "do not broadcast" in err


def test_unsupported_op_is_named(run):
    # func.call parses and verifies but is not an xf op the backend runs.
    prog = f"""func.func @id(%a: {ty((2,))}) -> {ty((2,))} {{
  return %a : {ty((2,))}
}}
func.func @main(%a: {ty((2,))}) -> {ty((2,))} {{
  %0 = func.call @id(%a) : ({ty((2,))}) -> {ty((2,))}
  return %0 : {ty((2,))}
}}"""
    rc, err = run.fails(prog)
    assert rc == 2 and "func.call" in err


def test_corrupt_npy(run, tmp_path):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4',")
    rc, err = run.fails(ADD, input_paths=[bad])
    assert rc == 2 and "bad.npy" in err
    trunc = tmp_path / "trunc.npy"
    np.save(trunc, np.ones((2, 3), np.float32))
    trunc.write_bytes(trunc.read_bytes()[:-5])
    rc, err = run.fails(ADD, input_paths=[trunc])
    assert rc == 2 and "trunc.npy" in err


def test_missing_file():
    proc = subprocess.run([str(MUIR_RUN), "/nonexistent/x.mlir"], capture_output=True, text=True)
    assert proc.returncode == 2 and "/nonexistent/x.mlir" in proc.stderr


def test_ambiguous_function(run):
    prog = ADD.replace("@main", "@f") + "\n" + ADD.replace("@main", "@g")
    rc, err = run.fails(prog)
    assert rc == 2 and "--function" in err  # says how to choose
    assert "f, g" in err  # and lists the candidates
    np.testing.assert_array_equal(run.one(prog, np.ones((2, 3), np.float32), np.ones((2, 3), np.float32),
                                          args=["--function=g"]), 2 * np.ones((2, 3)))


def test_random_input_beyond_the_host_limit_is_an_error(run):
    # 2^31 f32 random values would be 8 GiB: refused before allocating, not
    # aborted in the allocator (muir's host limit is 2^30 elements).
    huge = ty((65536, 32768))
    src = f"""func.func @main(%a: {huge}) -> {huge} {{
  %0 = xf.exp %a : {huge}
  return %0 : {huge}
}}"""
    code, err = run.fails(src, args=["--backend=reference"])
    assert code == 2
    assert ("argument #0 of type tensor<65536x32768xf32> has more than 1073741824 "
            "elements, the host limit of muir-run") in err
    # The simulator's program is compiled first (its arguments may be the
    # microbatched ones of a pipeline): the target's HBM refuses it there.
    code, err = run.fails(src, args=["--backend=sim"])
    assert code == 2
    assert "bytes of HBM of target 'trn2'" in err


def test_reference_result_beyond_the_host_limit_is_an_error(run):
    big = ty((65536, 32768))
    src = f"""func.func @main(%a: {ty((65536, 1))}, %b: {ty((1, 32768))}) -> {big} {{
  %0 = xf.add %a, %b : ({ty((65536, 1))}, {ty((1, 32768))}) -> {big}
  return %0 : {big}
}}"""
    code, err = run.fails(src)
    assert code == 2
    assert "is too large for the reference backend (more than its host limit of 1073741824 elements)" in err
