"""muir.multicore.run_cores: an nc kernel on N simulated cores with per-rank
NumPy inputs, against NumPy (the binding: python/MultiCoreBinding.cpp)."""
import numpy as np
import pytest

import muir
from muir import _muir, multicore


def test_binding_is_registered():
    assert hasattr(_muir, "simulate_cores")

KERNEL = """
nc.kernel @k target = "small-mc" semaphores = 1 {
  nc.tensor input @x : tensor<4x8xbf16> at 0
  nc.tensor output @s : tensor<4x8xbf16> at 64
  nc.tensor output @g : tensor<16x8xbf16> at 128
  nc.all_reduce add #nc.ap<hbm @s[4 x 8] at 0 dims [8] strides [1] : bf16>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : bf16> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>
  nc.all_gather #nc.ap<hbm @g[16 x 8] at 0 dims [8] strides [1] : bf16>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : bf16> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64> {queue = #nc.queue<dma1>}
}
"""


def test_all_reduce_and_all_gather_match_numpy():
    rng = np.random.default_rng(0)
    # Small integers: exact in bf16, so the sums are exact too.
    x = rng.integers(-8, 8, size=(4, 4, 8)).astype(np.float32)
    outs, report = multicore.run_cores(KERNEL, {"x": x}, cores=4)
    assert len(outs) == 4
    for r in range(4):
        np.testing.assert_array_equal(outs[r]["s"], x.sum(axis=0))
        np.testing.assert_array_equal(outs[r]["g"], x.reshape(16, 8))
    assert report["cores"] == 4 and report["collectives"] == 2
    assert len(report["per_core"]) == 4 and report["link_bytes"] > 0


def test_per_rank_list_and_threads_give_the_same_result():
    x = [np.full((4, 8), r + 1, np.float32) for r in range(4)]
    a, ra = multicore.run_cores(KERNEL, [{"x": v} for v in x], threads=1)
    b, rb = multicore.run_cores(KERNEL, [{"x": v} for v in x], threads=4)
    for r in range(4):
        np.testing.assert_array_equal(a[r]["s"], np.full((4, 8), 10, np.float32))
        np.testing.assert_array_equal(a[r]["s"], b[r]["s"])
    assert ra == rb


def test_errors_carry_the_simulators_message():
    with pytest.raises(RuntimeError, match="target 'small-mc' has 8 cores, the run asks for 9"):
        multicore.run_cores(KERNEL, {"x": np.zeros((9, 4, 8), np.float32)}, cores=9)
    with pytest.raises(RuntimeError, match="rank 1 input 'x' has 4 elements, the tensor 32"):
        multicore.run_cores(KERNEL, [{"x": np.zeros((4, 8))}, {"x": np.zeros(4)},
                                     {"x": np.zeros((4, 8))}, {"x": np.zeros((4, 8))}])
    with pytest.raises(RuntimeError, match="rank 0 input 'y' is not an input tensor"):
        multicore.run_cores(KERNEL, [{"y": np.zeros((4, 8))}] * 4)
    with pytest.raises(RuntimeError, match="the rank is in no replica group"):
        multicore.run_cores(KERNEL, [{"x": np.zeros((4, 8))}] * 8)
    with pytest.raises(RuntimeError, match="cannot parse the kernel"):
        multicore.run_cores("nc.kernel @k {", [{}], cores=1)
    with pytest.raises(ValueError, match="leading rank dimension of 3"):
        multicore.run_cores(KERNEL, {"x": np.zeros((4, 8))}, cores=3)
