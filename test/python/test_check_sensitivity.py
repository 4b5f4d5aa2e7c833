"""--check's rounding-sensitivity allowance (docs/numerics.md) from Python:
ill-conditioned results pass where the simulator rounds intermediates
elsewhere; a real error still fails; well-conditioned results get no
allowance."""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python_packages"))
muir = pytest.importorskip("muir")

# A layer_norm over rows that softmax and sigmoid made nearly constant.
ILL = """func.func @main(%a0: tensor<1x16x64xf32>, %a1: tensor<64xf32>, %a2: tensor<64xf32>) -> tensor<1x16x64xf32> {
  %v1 = xf.broadcast_to %a0 : (tensor<1x16x64xf32>) -> tensor<3x16x64xf32>
  %v2 = xf.softmax %v1 {axis = 2} : tensor<3x16x64xf32>
  %v3 = xf.sigmoid %v2 : tensor<3x16x64xf32>
  %v4 = xf.layer_norm %v3, %a1, %a2 : (tensor<3x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<3x16x64xf32>
  %v5 = xf.slice %v4 {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 1, 16, 64>, strides = array<i64: 1, 1, 1>} : (tensor<3x16x64xf32>) -> tensor<1x16x64xf32>
  return %v5 : tensor<1x16x64xf32>
}"""

EXACT = """func.func @main(%x: tensor<4x20xf32>, %y: tensor<4x20xf32>) -> (tensor<4x20xf32>, tensor<4x20xf32>) {
  %0 = xf.exp %x : tensor<4x20xf32>
  %1 = xf.add %x, %y : (tensor<4x20xf32>, tensor<4x20xf32>) -> tensor<4x20xf32>
  %2 = xf.tanh %1 : tensor<4x20xf32>
  %3 = xf.mul %2, %0 : (tensor<4x20xf32>, tensor<4x20xf32>) -> tensor<4x20xf32>
  return %0, %3 : tensor<4x20xf32>, tensor<4x20xf32>
}"""


def ill_args(rng):
    return tuple(rng.uniform(-1, 1, s).astype(np.float32) for s in [(1, 16, 64), (64,), (64,)])


@pytest.mark.parametrize("target", ["small", "trn2"])
def test_ill_conditioned_passes_within_sensitivity(target):
    exe = muir.compile(ILL, target=target)
    rng = np.random.default_rng(1)
    found = False
    for _ in range(24):  # some draws need the allowance; every one passes
        args = ill_args(rng)
        exe.run(*args, check=True)
        got = exe.run(*args)[0]
        want = exe.run(*args, backend="reference")[0]
        tol = exe._native.result_tolerances[0]
        found |= not muir._close(got, want, tol).all()
    assert found, "no draw needed the sensitivity allowance: the test lost its point"


def test_real_error_still_fails():
    exe = muir.compile(ILL, target="small")
    args = exe._convert(ill_args(np.random.default_rng(1)))
    want = exe._native.run_reference(args)
    sens = exe._rounding_sensitivity(args, want)
    got = np.array(exe._native.run_sim(args, False, True)[0], copy=True)
    tol = exe._native.result_tolerances[0]
    got.flat[5] += 0.05  # far beyond any element's sensitivity here
    assert float(sens[0].max()) < 0.01
    with pytest.raises(AssertionError, match="rounding sensitivity"):
        muir._assert_close(got, want[0], tol, "result 0", sens[0])


def test_sensitivity_runs_are_seeded_and_spare_results():
    exe = muir.compile(EXACT, target="small")
    rng = np.random.default_rng(2)
    args = exe._convert((rng.standard_normal((4, 20)).astype(np.float32),
                         rng.standard_normal((4, 20)).astype(np.float32)))
    plain = exe._native.run_reference(args)
    a = exe._native.run_reference(args, perturb_seed=3)
    b = exe._native.run_reference(args, perturb_seed=3)
    c = exe._native.run_reference(args, perturb_seed=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # exp(x) is returned: never perturbed (no allowance for a one-op result).
    np.testing.assert_array_equal(a[0], plain[0])
    # tanh(x + y) * exp(x): the add and the tanh move by an ulp, so the product
    # moves by a few ulps, and differently for another seed.
    assert not np.array_equal(a[1], plain[1])
    assert not np.array_equal(a[1], c[1])
    rel = np.abs(a[1].astype(np.float64) - plain[1]) / np.maximum(np.abs(plain[1]), 1e-30)
    assert rel.max() < 1e-5
    sens = exe._rounding_sensitivity(args, plain)
    assert not sens[0].any()
    with pytest.raises(AssertionError):  # 2e-4 > tolerance + sensitivity
        got = [np.array(x, copy=True) for x in plain]
        i = int(np.argmin(np.abs(plain[1])))
        got[1].flat[i] += 2e-4
        muir._assert_close(got[1], plain[1], exe._native.result_tolerances[1], "result 1", sens[1])
