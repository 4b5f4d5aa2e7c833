"""muir.compile(..., mesh=N): transformer blocks sharded by muir-xf-shard
(Megatron tensor parallelism, with sequence parallelism by default) and
run on N simulated cores of small-mc,
with global inputs, against the reference run of the unsharded graph and
against NumPy; bad meshes are errors that say why."""
import json

import numpy as np
import pytest

import muir
from muir import models


def _tp(text):
    """Tensor parallelism alone (sequence parallelism is the default), over
    one mesh axis."""
    return ("module attributes {xf.sequence_parallel = false, xf.context_parallel = 1 : i64} {\n"
            + text + "}\n")


def _one_axis(text):
    """One mesh axis over every core (on small-mc, 8 cores span two chips,
    where context parallelism is the default: test_context_parallel_*)."""
    if text.startswith("module attributes {"):
        return text.replace("module attributes {", "module attributes {xf.context_parallel = 1 : i64, ", 1)
    return "module attributes {xf.context_parallel = 1 : i64} {\n" + text + "}\n"


def _inputs(exe, seed=0):
    rng = np.random.default_rng(seed)
    (shapes, dtypes), _ = exe.signature
    # Small values keep bf16 products well inside the tolerance's scale.
    return [(rng.standard_normal(s) * 0.25).astype(np.float32) for s in shapes]


@pytest.mark.parametrize("sp", [False, True])
@pytest.mark.parametrize("cores", [2, 4, 8])
@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_gpt2_block_matches_reference(cores, dt, sp):
    text = models.gpt2_block(32, 64, 8, 128, dt)
    exe = muir.compile(_one_axis(text) if sp else _tp(text), target="small-mc", mesh=cores)
    assert exe.cores == cores
    exe.run(*_inputs(exe), check=True, trace=False)
    r = exe.report
    assert r["cores"] == cores and len(r["per_core"]) == cores
    # Tensor parallel: one all-reduce after the attention output projection,
    # one after the FFN down projection. Sequence parallel: the biased
    # partial sums are still all-reduced, and the rows split by the first
    # norm are gathered before the first product and at the end.
    assert r["collectives"] == (4 if sp else 2)
    assert r["collective_ns"] > 0 and r["link_bytes"] > 0


@pytest.mark.parametrize("sp", [False, True])
@pytest.mark.parametrize("cores,kv", [(2, 2), (4, 4), (8, 8), (2, 4), (4, 2), (8, 2), (8, 1)])
def test_llama_block_gqa_matches_reference(cores, kv, sp):
    text = models.llama_block(32, 64, 8, kv, 128, "bf16")
    exe = muir.compile(_one_axis(text) if sp else _tp(text), target="small-mc", mesh=cores)
    exe.run(*_inputs(exe, 1), check=True, trace=False)
    # Sequence parallel: all-gather, reduce-scatter per sub-block and the
    # result's all-gather; tensor parallel: two all-reduces.
    assert exe.report["collectives"] == (5 if sp else 2)


@pytest.mark.parametrize("cores", [4, 8])
def test_llama_decode_with_kv_cache_matches_reference(cores):
    # 8 cores, 4 KV heads: each KV head and its cache slice on 2 ranks.
    exe = muir.compile(models.llama_decode_block(64, 64, 8, 4, 128, "bf16"), target="small-mc",
                       mesh=cores)
    exe.run(*_inputs(exe, 2), check=True, trace=False)


def test_sharded_mlp_matches_numpy_and_single_core():
    text = models.mlp_swiglu(16, 32, 64, "f32")
    exe = muir.compile(text, target="small-mc", mesh=4)
    x, wg, wu, wd = _inputs(exe, 3)
    (got,) = exe.run(x, wg, wu, wd, trace=False)
    g = x @ wg
    want = (g / (1 + np.exp(-g)) * (x @ wu)) @ wd
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    (one,) = muir.compile(text, target="small-mc").run(x, wg, wu, wd, trace=False)
    np.testing.assert_allclose(got, one, rtol=1e-4, atol=1e-5)


def test_annotated_rows_are_sliced_per_rank():
    # The activation split by rows (dim 0): each rank gets 4 of 16 rows and
    # the gathered result must be the whole product, in order.
    text = """
    func.func @main(%x: tensor<16x8xf32> {xf.shard = {dim = 0 : i64}}, %w: tensor<8x8xf32>) -> tensor<16x8xf32> {
      %0 = xf.matmul %x, %w : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
      return %0 : tensor<16x8xf32>
    }"""
    exe = muir.compile(text, target="small-mc", mesh=4)
    x = np.arange(128, dtype=np.float32).reshape(16, 8) / 64
    w = np.eye(8, dtype=np.float32) * 2
    (got,) = exe.run(x, w, trace=False)
    np.testing.assert_array_equal(got, x * 2)


def test_timing_only_and_trace():
    exe = muir.compile(_tp(models.llama_block(32, 64, 8, 4, 128, "bf16")), target="small-mc", mesh=4)
    assert exe.run(numerics=False, trace=True) == []
    r = exe.report
    assert r["seconds"] > 0 and r["collectives"] == 2
    assert all(c["seconds"] <= r["seconds"] for c in r["per_core"])
    assert any(link["name"].startswith("chip0") for link in r["links"])


def test_heads_not_divisible_is_an_error():
    with pytest.raises(RuntimeError, match="'xf.attention' op cannot be sharded over 4 cores: "
                                           "6 query heads must be divisible by the number of cores"):
        muir.compile(models.llama_block(32, 48, 6, 2, 128, "bf16"), target="small-mc", mesh=4)


def test_more_cores_than_the_target_is_an_error():
    with pytest.raises(RuntimeError, match="a mesh of 16 cores does not fit target 'small-mc', "
                                           "which has 8 cores"):
        muir.compile(models.mlp_swiglu(16, 32, 64), target="small-mc", mesh=16)
    with pytest.raises(RuntimeError, match="which has 1 core"):
        muir.compile(models.mlp_swiglu(16, 32, 64), target="small", mesh=2)


@pytest.mark.parametrize("mesh", [0, -2, 2.0, True, "4"])
def test_bad_mesh_value(mesh):
    with pytest.raises(ValueError, match="mesh must be a number of cores >= 1"):
        muir.compile(models.mlp_swiglu(16, 32, 64), target="small-mc", mesh=mesh)


def test_torch_module_with_mesh():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.GELU(), torch.nn.Linear(64, 32))
    x = torch.randn(16, 32)
    exe = muir.torch.compile(m, (x,), target="small-mc", mesh=2)
    (got,) = exe.run(x, check=True, trace=False)
    np.testing.assert_allclose(got, m(x).detach().numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cores", [2, 4, 8])
def test_sequence_parallel_llama_block_matches_reference(cores):
    # The module attribute asks muir-xf-shard for sequence parallelism: the
    # residual stream split by rows, reduce-scatter + all-gather per
    # sub-block instead of one all-reduce.
    text = "module attributes {xf.sequence_parallel} {\n" + \
        models.llama_block(32, 64, 8, 4, 128, "bf16") + "}\n"
    exe = muir.compile(_one_axis(text), target="small-mc", mesh=cores)
    exe.run(*_inputs(exe, 4), check=True, trace=False)
    # all_gather before Q/K/V and gate/up, reduce_scatter after O and down,
    # all_gather of the result.
    assert exe.report["collectives"] == 5


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("kv", [8, 2])
@pytest.mark.parametrize("model", ["llama", "gpt2"])
def test_context_parallel_matches_reference(model, kv, split):
    # 8 cores of small-mc span its two chips: by default each chip takes
    # half of the sequence (a block of 4 ranks with tensor and sequence
    # parallelism inside), attention exchanging heads between the chips.
    text = (models.llama_block(32, 64, 8, kv, 128, "bf16") if model == "llama"
            else models.gpt2_block(32, 64, 8, 128, "bf16"))
    if split:
        text = "module attributes {xf.split_results} {\n" + text + "}\n"
    exe = muir.compile(text, target="small-mc", mesh=8)
    # check=True: against the reference backend's run of the unsharded block
    # (a split result assembled from the ranks' pieces).
    exe.run(*_inputs(exe, 5), check=True, trace=False)
    r = exe.report
    if model == "llama":
        # Per chip (4-rank groups, 2 of them): gather, reduce-scatter per
        # sub-block (+ the result's gather unless split); per mesh column
        # (2-rank groups, 4 of them): Q, K, V and the attention output
        # exchanged (+ the result's gather over the chips unless split).
        assert r["collectives"] == 2 * (4 + (0 if split else 1)) + 4 * (4 + (0 if split else 1))
    assert r["collective_ns"] > 0 and r["link_bytes"] > 0


def test_two_d_mesh_and_split_results_from_python():
    # mesh=(blocks, cores per block): context parallelism asked for
    # explicitly, here 2 blocks of 2 cores on one chip of small-mc; with
    # split_results the result stays split on the ranks and run() assembles it.
    text = models.llama_block(32, 64, 8, 2, 128, "bf16")
    exe = muir.compile(text, target="small-mc", mesh=(2, 2), split_results=True)
    assert exe.cores == 4
    out = exe.run(*_inputs(exe, 6), check=True, trace=False)
    assert np.asarray(out[0]).shape == (32, 64)
    r = exe.report
    # Per block (2 ranks): gather and reduce-scatter per sub-block; per
    # column (2 pairs): Q, K, V and the output exchanged; no result gather.
    assert r["collectives"] == 2 * 4 + 2 * 4
    assert 0 < r["collective_rank_ns"] <= r["collective_ns"]
    one = muir.compile(text, target="small-mc", mesh=(1, 4))
    one.run(*_inputs(one, 6), check=True, trace=False)
    assert one.report["collectives"] == 5  # one axis: no exchange around attention


def test_split_results_needs_a_mesh():
    with pytest.raises(ValueError, match="split_results leaves results split across a mesh"):
        muir.compile(models.llama_block(32, 64, 8, 2, 128, "bf16"), target="small-mc",
                     split_results=True)


@pytest.mark.parametrize("mesh", [(2,), (0, 4), (2, True), (2.0, 2)])
def test_bad_two_d_mesh(mesh):
    with pytest.raises(ValueError, match="2-D mesh"):
        muir.compile(models.llama_block(32, 64, 8, 2, 128, "bf16"), target="small-mc", mesh=mesh)


def test_context_parallel_errors_name_the_cause():
    text = models.llama_block(32, 64, 8, 2, 128, "bf16")
    with pytest.raises(RuntimeError, match="context parallelism over 3 blocks must divide the mesh of 8 cores"):
        muir.compile("module attributes {xf.context_parallel = 3 : i64} {\n" + text + "}\n",
                     target="small-mc", mesh=8)
    with pytest.raises(RuntimeError, match="'xf.attention' at .*8 query and 2 key/value heads on 2 ranks "
                                           "per block leave heads that 3 blocks cannot share"):
        muir.compile(text, target="small-mc", mesh=(3, 2))


def test_torch_block_context_parallel_across_chips():
    # An exported attention block ([1, S, d] activations, weights as
    # constants, which stay replicated) on small-mc's two chips: the
    # sequence is still split across the chips, attention exchanging heads.
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)

    class Block(torch.nn.Module):
        def __init__(self, d=64, h=8):
            super().__init__()
            self.h = h
            self.norm = torch.nn.LayerNorm(d)
            self.qkv = torch.nn.Linear(d, 3 * d, bias=False)
            self.o = torch.nn.Linear(d, d, bias=False)

        def forward(self, x):
            s, d = x.shape[1], x.shape[2]
            q, k, v = self.qkv(self.norm(x)).split(d, -1)
            q, k, v = (t.view(1, s, self.h, -1).transpose(1, 2) for t in (q, k, v))
            a = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            return x + self.o(a.transpose(1, 2).reshape(1, s, d))

    m = Block().eval()
    x = torch.randn(1, 32, 64)
    exe = muir.torch.compile(m, (x,), target="small-mc", mesh=8)
    out = exe.run(x.numpy(), check=True, trace=False)
    np.testing.assert_allclose(np.asarray(out[0] if isinstance(out, (list, tuple)) else out),
                               m(x).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert exe.report["collectives"] > 0  # the exchanges around attention
