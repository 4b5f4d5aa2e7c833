"""muir.session.Session: device memory (simulated HBM) shared by runs of
different executables, tensors bound to buffers by name, in-place updates,
what crosses the host boundary, and every error it reports."""
import sys

import numpy as np
import pytest

from conftest import BUILD

sys.path.insert(0, str(BUILD / "python_packages"))
import muir  # noqa: E402
from muir.session import Session  # noqa: E402

TARGET = "small"

# One row per call written at a run-time position of a [1, 2, 8, 4] cache,
# plus a result computed from the row (so something comes back).
STEP = """func.func @step(%cache: tensor<1x2x8x4xf32>, %pos: tensor<1xi64>, %row: tensor<1x2x1x4xf32>)
    -> (tensor<1x2x8x4xf32>, tensor<1x2x1x4xf32>) {
  %0 = xf.index_copy %cache[%pos], %row {axis = 2} : (tensor<1x2x8x4xf32>, tensor<1xi64>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  %1 = xf.mul %row, %row : (tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x1x4xf32>
  return %0, %1 : tensor<1x2x8x4xf32>, tensor<1x2x1x4xf32>
}"""

# Three rows at the constant positions 0..2 (a prefill) and the sum of the
# cache with a constant (weights: uploaded once per program).
FILL = """func.func @fill(%cache: tensor<1x2x8x4xf32>, %rows: tensor<1x2x3x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x3x4xf32>) {
  %p = xf.constant dense<[0, 1, 2]> : tensor<3xi64>
  %w = xf.constant dense<[[[[1.0, 2.0, 3.0, 4.0]]]]> : tensor<1x1x1x4xf32>
  %0 = xf.index_copy %cache[%p], %rows {axis = 2} : (tensor<1x2x8x4xf32>, tensor<3xi64>, tensor<1x2x3x4xf32>) -> tensor<1x2x8x4xf32>
  %1 = xf.add %rows, %w : (tensor<1x2x3x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x3x4xf32>
  return %0, %1 : tensor<1x2x8x4xf32>, tensor<1x2x3x4xf32>
}"""


@pytest.fixture(scope="module")
def step():
    return muir.compile(STEP, target=TARGET)


@pytest.fixture(scope="module")
def fill():
    return muir.compile(FILL, target=TARGET)


def test_buffer_shared_by_two_executables(step, fill):
    rng = np.random.default_rng(0)
    s = Session(TARGET)
    s.allocate("k", (1, 2, 8, 4), "f32")
    s.write("k", np.zeros((1, 2, 8, 4)))
    want = np.zeros((1, 2, 8, 4), np.float32)
    rows = rng.standard_normal((1, 2, 3, 4)).astype(np.float32)
    (plus,) = s.run(fill, [None, rows], bind={"arg0": "k"})
    np.testing.assert_array_equal(plus, rows + np.array([1, 2, 3, 4], np.float32))
    want[:, :, :3] = rows
    for pos in (3, 4, 7):
        row = rng.standard_normal((1, 2, 1, 4)).astype(np.float32)
        (sq,) = s.run(step, [None, np.array([pos]), row], bind={"arg0": "k"})
        np.testing.assert_array_equal(sq, row * row)
        want[:, :, pos] = row[:, :, 0]
    np.testing.assert_array_equal(s.read("k"), want)
    st = s.stats
    assert st["runs"] == 4 and st["seconds"] > 0
    # The cache (256 bytes) crossed once each way (write, read); every run
    # moved only its unbound inputs in and its fetched results out.
    assert st["host_to_device_bytes"] == 256 + 96 + 3 * (4 + 32)
    assert st["device_to_host_bytes"] == 96 + 3 * 32 + 256
    assert st["constant_bytes"] == 12 + 16  # @fill's positions and weights


def test_weights_are_written_once(fill):
    s = Session(TARGET)
    s.allocate("k", (1, 2, 8, 4), "f32")
    s.write("k", np.zeros((1, 2, 8, 4)))
    rows = np.ones((1, 2, 3, 4), np.float32)
    s.run(fill, [None, rows], bind={"arg0": "k"})
    first = s.stats
    s.run(fill, [None, rows], bind={"arg0": "k"})
    assert s.stats["constant_bytes"] == first["constant_bytes"] == 28
    assert s.stats["device_bytes_in_use"] == first["device_bytes_in_use"]
    seconds = s.stats["seconds"]
    assert seconds == pytest.approx(2 * first["seconds"])


def test_reading_an_unwritten_buffer_is_an_error(step):
    s = Session(TARGET)
    s.allocate("k", (1, 2, 8, 4), "f32")
    # Only row 3 is written; the result (the whole cache) is not read back,
    # so the run is fine, but a program that read the cache would not be.
    s.run(step, [None, np.array([3]), np.ones((1, 2, 1, 4))], bind={"arg0": "k"})
    add = muir.compile("""func.func @twice(%c: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
      %0 = xf.add %c, %c : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
      return %0 : tensor<1x2x8x4xf32>
    }""", target=TARGET)
    with pytest.raises(RuntimeError, match=r"read of uninitialized memory: .* reads hbm tensor @arg0 \(input\) byte 0"):
        s.run(add, [None], bind={"arg0": "k"})


def test_out_of_range_position_is_reported(step):
    s = Session(TARGET)
    s.allocate("k", (1, 2, 8, 4), "f32")
    s.write("k", np.zeros((1, 2, 8, 4)))
    with pytest.raises(RuntimeError, match=r"instruction #\d+ \(dma\d+ dma_scatter\): index 8 in row 0 of the "
                                           r"indices tile \(SBUF partition 0\) is outside the table's 8 rows \[0, 8\)"):
        s.run(step, [None, np.array([8]), np.ones((1, 2, 1, 4))], bind={"arg0": "k"})


def test_errors_name_what_is_wrong(step, fill):
    s = Session(TARGET)
    s.allocate("k", (1, 2, 8, 4), "f32")
    s.allocate("small", (4,), "f32")
    s.allocate("b", (1, 2, 8, 4), "bf16")
    s.allocate("k2", (1, 2, 8, 4), "f32")
    args = [None, np.array([0]), np.ones((1, 2, 1, 4))]
    with pytest.raises(RuntimeError, match="buffer 'k' already exists"):
        s.allocate("k", (2,), "f32")
    with pytest.raises(RuntimeError, match="program 'step' has no tensor 'arg9' to bind to buffer 'k'"):
        s.run(step, {"arg1": np.array([0]), "arg2": np.ones((1, 2, 1, 4))}, bind={"arg0": "k", "arg9": "k"})
    with pytest.raises(RuntimeError, match="tensor 'arg0' is bound to buffer 'nope', which the session does not have"):
        s.run(step, args, bind={"arg0": "nope"})
    with pytest.raises(RuntimeError, match=r"tensor 'arg0' \(64 x f32\) does not fit buffer 'small' \(4 x f32\)"):
        s.run(step, args, bind={"arg0": "small"})
    with pytest.raises(RuntimeError, match=r"tensor 'arg0' \(64 x f32\) does not fit buffer 'b' \(64 x bf16\)"):
        s.run(step, args, bind={"arg0": "b"})
    with pytest.raises(RuntimeError, match="tensor 'out0' updates input 'arg0' in place, so it can only be bound "
                                           "where that input is"):
        s.run(step, args, bind={"arg0": "k", "out0": "k2"})
    with pytest.raises(ValueError, match="argument 0 is None but not bound to a buffer"):
        s.run(step, args)
    with pytest.raises(ValueError, match="argument 1 is bound to buffer 'k' and given an array"):
        s.run(step, [None, np.array([0]), np.ones((1, 2, 1, 4))], bind={"arg0": "k", "arg1": "k"})
    with pytest.raises(RuntimeError, match="input 'arg2' of program 'step' is neither bound to a buffer nor given"):
        s.run(step, {"arg1": np.array([0])}, bind={"arg0": "k"})
    with pytest.raises(RuntimeError, match="program 'step' has no input tensor 'out1'"):
        s.run(step, {"arg1": np.array([0]), "arg2": np.ones((1, 2, 1, 4)), "out1": np.ones((1, 2, 1, 4))},
              bind={"arg0": "k"})
    with pytest.raises(ValueError, match="the executable has no tensor 'arg7'"):
        s.run(step, {"arg7": np.array([0])}, bind={"arg0": "k"})
    with pytest.raises(ValueError, match="the executable has no tensor 'out5'"):
        s.run(step, args[:1] + args[1:], bind={"arg0": "k"}, fetch=[5])
    with pytest.raises(ValueError, match=r"argument 2: expected shape \(1, 2, 1, 4\), got \(2,\)"):
        s.run(step, [None, np.array([0]), np.ones(2)], bind={"arg0": "k"})
    with pytest.raises(ValueError, match=r"buffer 'small' is \(4,\), got an array of shape \(3,\)"):
        s.write("small", np.ones(3))
    with pytest.raises(KeyError, match="no buffer 'nope'"):
        s.read("nope")
    trn2 = Session("trn2")
    trn2.allocate("k", (1, 2, 8, 4), "f32")
    with pytest.raises(RuntimeError, match="program 'step' is for target 'small' but the session simulates 'trn2'"):
        trn2.run(step, args, bind={"arg0": "k"})
    with pytest.raises(ValueError, match="unknown target .no-such-target.: no no-such-target.json"):
        Session("no-such-target")


def test_device_memory_is_bounded():
    s = Session(TARGET)
    with pytest.raises(RuntimeError, match=r"device memory is full: buffer 'huge' needs \d+ bytes"):
        s.allocate("huge", (1 << 20, 1 << 12), "f32")
    s.allocate("a", (1024,), "f32")
    s.release("a")
    assert s.stats["device_bytes_in_use"] == 0
    assert "a" not in s


def test_sharded_executable_is_refused():
    # A Session simulates one core; a program sharded over a mesh runs its
    # collectives with the other ranks (Executable.run simulates them all).
    from muir import models
    exe = muir.compile(models.llama_block(32, 64, 8, 2, 128, "f32"), target="small-mc", mesh=2)
    s = muir.Session("small-mc")
    with pytest.raises(ValueError, match="a Session simulates one core; this executable is sharded over 2 cores"):
        s.run(exe, [np.zeros(sh, np.float32) for sh in exe.signature[0][0]])
