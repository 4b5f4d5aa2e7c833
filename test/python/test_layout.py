"""Layout assignment from Python: muir-xf-layout's decisions are printed as
attributes, a program whose layouts were overridden (every head transpose
a copy) compiles and computes the reference's values, and an override that
cannot be realised is refused naming why."""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python_packages"))
muir = pytest.importorskip("muir")

HEADS = """func.func @main(%q: tensor<64x256xf32>, %k: tensor<64x256xf32>, %v: tensor<64x256xf32>,
                 %cos: tensor<64x64xf32>, %sin: tensor<64x64xf32>) -> tensor<64x256xf32> {
  %q4 = xf.reshape %q : (tensor<64x256xf32>) -> tensor<1x64x4x64xf32>
  %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x4x64xf32>) -> tensor<1x4x64x64xf32>
  %qr = xf.rope %qt, %cos, %sin : (tensor<1x4x64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<1x4x64x64xf32>
  %k4 = xf.reshape %k : (tensor<64x256xf32>) -> tensor<1x64x4x64xf32>
  %kt = xf.transpose %k4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x4x64xf32>) -> tensor<1x4x64x64xf32>
  %v4 = xf.reshape %v : (tensor<64x256xf32>) -> tensor<1x64x4x64xf32>
  %vt = xf.transpose %v4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x4x64xf32>) -> tensor<1x4x64x64xf32>
  %a = xf.attention %qr, %kt, %vt {causal = true} : (tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>) -> tensor<1x4x64x64xf32>
  %at = xf.transpose %a {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x64x64xf32>) -> tensor<1x64x4x64xf32>
  %o = xf.reshape %at : (tensor<1x64x4x64xf32>) -> tensor<64x256xf32>
  return %o : tensor<64x256xf32>
}"""


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    x = [rng.standard_normal((64, 256)).astype(np.float32) for _ in range(3)]
    ang = rng.uniform(0, 3, (64, 64)).astype(np.float32)
    return x + [np.cos(ang), np.sin(ang)]


def laid_out(text, target, views=True):
    return str(muir.passes.run(
        text, f"muir-xf-fuse{{target={target}}},muir-xf-layout{{views={str(views).lower()}}}"))


@pytest.mark.parametrize("target", ["small", "trn2"])
def test_views_and_copies_compute_the_same(target):
    shown = laid_out(HEADS, target)
    assert shown.count('xf.layout = "view"') == 3
    assert shown.count('xf.layout = "in_place"') == 1
    copies = laid_out(HEADS, target, views=False)
    assert copies.count('xf.layout = "copy"') == 4
    assert "xf.view_strides" not in copies
    args = inputs()
    ref = muir.compile(HEADS, target=target).run(*args, backend="reference")
    for text in (HEADS, copies):
        exe = muir.compile(text, target=target)
        out = exe.run(*args, check=True)
        np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-4, atol=1e-4)


def test_override_that_cannot_hold_is_refused():
    shown = laid_out(HEADS, "trn2")
    # The attention's output is written in place; asking the same of the
    # rope's input transpose cannot hold.
    bad = shown.replace('xf.layout = "view"', 'xf.layout = "in_place"', 1)
    with pytest.raises(RuntimeError, match="xf.layout \"in_place\" cannot be realised here: only an "
                                           "attention's output transpose is written in place"):
        muir.compile(bad, target="trn2")
