"""muir.compile(..., mesh=N, pipeline=P, microbatches=M): stacked layers as P
pipeline stages (tensor parallelism inside a stage), M microbatches flowing
through them; results against the reference backend and against the
unpipelined program run once per microbatch; bad arguments are errors."""
import numpy as np
import pytest

import muir
from muir import models


def _inputs(exe, seed=0):
    rng = np.random.default_rng(seed)
    (shapes, _), _ = exe.signature
    return [(rng.standard_normal(s) * 0.25).astype(np.float32) for s in shapes]


@pytest.mark.parametrize("model", ["llama", "gpt2"])
@pytest.mark.parametrize("cores,stages,micro", [(2, 2, 3), (4, 4, 2), (4, 2, 2), (8, 2, 3), (8, 4, 4)])
def test_stack_pipeline_matches_reference(model, cores, stages, micro):
    text = (models.llama_stack(4, 32, 64, 8, 2, 128, "bf16") if model == "llama"
            else models.gpt2_stack(4, 32, 64, 8, 128, "bf16"))
    exe = muir.compile(text, target="small-mc", mesh=cores, pipeline=stages, microbatches=micro)
    (shapes, _), (rshapes, _) = exe.signature
    assert shapes[0] == [micro, 32, 64] and rshapes == [[micro, 32, 64]]
    args = _inputs(exe, cores + stages)
    out = exe.run(*args, check=True, trace=False)[0]
    # One collective_permute between consecutive steps: M + P - 2 of them,
    # plus the collectives inside the stages when a stage has several ranks.
    r = exe.report
    assert r["collectives"] >= micro + stages - 2
    assert np.asarray(out).shape == (micro, 32, 64)


@pytest.mark.parametrize("model", ["llama", "gpt2"])
def test_pipeline_matches_single_core(model):
    # f32, so that the two programs' sum orders stay within a tight
    # tolerance: each microbatch through the pipelined program equals the
    # unpipelined stack run on one core.
    text = (models.llama_stack(4, 32, 64, 8, 2, 128, "f32") if model == "llama"
            else models.gpt2_stack(4, 32, 64, 8, 128, "f32"))
    exe = muir.compile(text, target="small-mc", mesh=4, pipeline=2, microbatches=2)
    args = _inputs(exe, 11)
    out = exe.run(*args, trace=False)[0]
    single = muir.compile(text, target="small-mc")
    for m in range(2):
        want = single.run(args[0][m], *args[1:], trace=False)[0]
        np.testing.assert_allclose(out[m], want, rtol=1e-4, atol=1e-5)


def test_pipeline_stages_read_their_own_weights():
    # Four residual layers x + x W_i with W_i = s_i I (s = 1, 2, 3, 4) on 2
    # stages: the result is x (1 + 1)(1 + 2)(1 + 3)(1 + 4) only if stage 1
    # reads layers 2 and 3's weights (its own: 36 x if it read stage 0's).
    d = 16
    layer = ("  %h{i} = xf.matmul %x{i}, %w{i} : (tensor<8x{d}xf32>, tensor<{d}x{d}xf32>) -> tensor<8x{d}xf32>\n"
             "  %x{j} = xf.add %x{i}, %h{i} : (tensor<8x{d}xf32>, tensor<8x{d}xf32>) -> tensor<8x{d}xf32>\n")
    body = "".join(layer.format(i=i, j=i + 1, d=d) for i in range(4))
    args = ", ".join([f"%x0: tensor<8x{d}xf32>"] + [f"%w{i}: tensor<{d}x{d}xf32>" for i in range(4)])
    text = (f"func.func @main({args}) -> tensor<8x{d}xf32> {{\n{body}"
            f"  return %x4 : tensor<8x{d}xf32>\n}}\n")
    exe = muir.compile(text, target="small-mc", mesh=2, pipeline=2, microbatches=2)
    x = np.ones((2, 8, d), np.float32)
    ws = [np.eye(d, dtype=np.float32) * s for s in (1, 2, 3, 4)]
    out = exe.run(x, *ws, check=True, trace=False)[0]
    np.testing.assert_array_equal(out, np.full((2, 8, d), 120, np.float32))


def test_pipeline_argument_errors():
    text = models.llama_stack(2, 32, 64, 8, 2, 128, "bf16")
    with pytest.raises(ValueError, match="pipeline= and microbatches= go together"):
        muir.compile(text, target="small-mc", mesh=2, pipeline=2)
    with pytest.raises(ValueError, match="pass mesh=N"):
        muir.compile(text, target="small-mc", pipeline=2, microbatches=2)
    with pytest.raises(ValueError, match="pass mesh=N"):
        muir.compile(text, target="small-mc", mesh=(1, 2), pipeline=2, microbatches=2)
    for bad in (0, True, 2.0, -1):
        with pytest.raises(ValueError, match="must be an int >= 1"):
            muir.compile(text, target="small-mc", mesh=2, pipeline=bad, microbatches=2)
    with pytest.raises(RuntimeError, match="3 pipeline stages must divide the mesh of 4 cores"):
        muir.compile(text, target="small-mc", mesh=4, pipeline=3, microbatches=2)
    # Two layers do not make 4 equal stages: the error says where they differ.
    with pytest.raises(RuntimeError, match="4 pipeline stages: stage 1 differs from stage 0"):
        muir.compile(text, target="small-mc", mesh=4, pipeline=4, microbatches=2)
    exe = muir.compile(text, target="small-mc", mesh=2, pipeline=2, microbatches=2)
    args = _inputs(exe)
    with pytest.raises(ValueError, match=r"argument 0: expected shape \(2, 32, 64\)"):
        exe.run(args[0][0], *args[1:])


def test_torch_module_with_pipeline_is_an_error():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="pipeline= applies to xf modules"):
        muir.compile(torch.nn.Linear(4, 4), (torch.zeros(2, 4),), target="small-mc", mesh=2,
                     pipeline=2, microbatches=2)


def test_jax_stack_with_weights_as_inputs_pipelines():
    # muir.jax keeps bare arrays as the program's inputs: a JAX stack whose
    # layers' weights are passed as arrays (not a pytree of constants) is a
    # chain of equal stages the pipeline takes.
    jax = pytest.importorskip("jax")
    import muir.jax as mj

    def stack(x, w0, w1, w2, w3):
        for w in (w0, w1, w2, w3):
            x = x + jax.nn.gelu(x @ w)
        return x

    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 16)).astype(np.float32)
    ws = [(rng.standard_normal((16, 16)) * 0.1).astype(np.float32) for _ in range(4)]
    exe = muir.compile(mj.to_xf(stack, x, *ws), target="small-mc", mesh=2, pipeline=2,
                       microbatches=2)
    out = exe.run(np.stack([x, 2 * x]), *ws, check=True, trace=False)[0]
    want = [np.asarray(stack(m, *ws)) for m in (x, 2 * x)]
    np.testing.assert_allclose(out, np.stack(want), rtol=1e-4, atol=1e-4)
