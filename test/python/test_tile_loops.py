"""muir.compile(..., tile_loops=True): each kernel's tiles become hardware
loops before scheduling, and scheduling and synchronisation keep them (a
loop with per-iteration wait counts can only come from the synchronisation
of a loop). The program is a different one that computes bit for bit what
the default pipeline's program computes, with the hazard checker on, on
both targets; a non-bool is refused. (Whether it is smaller or faster is a
matter for bench/bench.py: loops estimated slower than their iterations
are written out by the scheduler.)"""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python_packages"))
muir = pytest.importorskip("muir")

# An MLP block of R rows: products, an epilogue, softmax, a residual, a norm.
MLP = """func.func @main(%x: tensor<Rx256xf32>, %w: tensor<256x512xf32>, %b: tensor<512xf32>,
                 %w2: tensor<512x256xf32>, %b2: tensor<256xf32>) -> tensor<Rx256xf32> {
  %h = xf.matmul %x, %w : (tensor<Rx256xf32>, tensor<256x512xf32>) -> tensor<Rx512xf32>
  %hb = xf.add %h, %b : (tensor<Rx512xf32>, tensor<512xf32>) -> tensor<Rx512xf32>
  %a = xf.gelu %hb : tensor<Rx512xf32>
  %s = xf.softmax %a {axis = 1 : i64} : tensor<Rx512xf32>
  %o = xf.matmul %s, %w2 : (tensor<Rx512xf32>, tensor<512x256xf32>) -> tensor<Rx256xf32>
  %y = xf.add %x, %o : (tensor<Rx256xf32>, tensor<Rx256xf32>) -> tensor<Rx256xf32>
  %n = xf.rms_norm %y, %b2 {eps = 1.0e-6 : f32} : (tensor<Rx256xf32>, tensor<256xf32>) -> tensor<Rx256xf32>
  return %n : tensor<Rx256xf32>
}"""


def program(text, target, **kw):
    return muir.compile(text, target=target, **kw)


@pytest.mark.parametrize("target,rows", [("small", 512), ("trn2", 2048)])
def test_tile_loops_compute_the_default_programs_values(target, rows):
    text = MLP.replace("R", str(rows))
    rng = np.random.default_rng(1)
    args = [rng.standard_normal(s).astype(np.float32) * 0.1
            for s in [(rows, 256), (256, 512), (512,), (512, 256), (256,)]]
    plain = program(text, target)
    tiled = program(text, target, tile_loops=True)
    assert tiled.mlir != plain.mlir
    assert "nc.loop" in tiled.mlir and "wait_steps" in tiled.mlir
    ref = plain.run(*args)
    out = tiled.run(*args, check=True)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))


def test_tile_loops_must_be_a_bool():
    with pytest.raises(TypeError, match="tile_loops must be a bool"):
        muir.compile(MLP.replace("R", "128"), target="trn2", tile_loops="yes")


def test_tile_loops_with_a_torch_module_is_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="tile_loops applies to xf modules"):
        muir.compile(torch.nn.Linear(4, 4), (torch.zeros(2, 4),), target="trn2", tile_loops=True)
