"""Attention with additive biases reaches the fused xf.attention from the
PyTorch front end: SDPA with a float mask (T5's relative position bias) and
attention spelled out by hand (Bloom's baddbmm with ALiBi, eager
implementations) become one xf.attention with a `bias` operand, and the
scores are never materialised. Numerics against PyTorch on the simulator
(checked against the reference backend too)."""
import math
import sys

import numpy as np
import pytest

from conftest import BUILD

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
sys.path.insert(0, str(BUILD / "python_packages"))
import muir  # noqa: E402
import muir.torch  # noqa: E402,F401

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import test_torch_models as suite  # noqa: E402

TARGET = "small"


def _attention_lines(text):
    return [line for line in text.splitlines() if "xf.attention" in line]


@pytest.mark.parametrize("name", ["t5-encoder", "bloom"])
@pytest.mark.parametrize("dt", ["f32", "bf16"])
def test_suite_t5_and_bloom_use_the_fused_bias(name, dt):
    # The model suite checks their numbers; here, that they take the fused
    # path: one attention per layer with a full bias, no softmax, no
    # score matmuls. Bloom's constant causal mask becomes `causal`.
    dtype = suite.DTYPES[dt]
    model = suite._make(name, dtype)
    args = tuple(suite._cast_in(x, dtype) for x in suite._inputs(name))
    text = muir.torch.to_xf(model, args, example_kwargs=suite._kwargs(name))
    att = _attention_lines(text)
    assert len(att) == 1 and " bias %" in att[0], att
    assert ("causal = true" in att[0]) == (name == "bloom")
    assert "xf.softmax" not in text and "xf.batch_matmul" not in text


class Alibi(torch.nn.Module):
    """Bloom-style attention written by hand: ALiBi through baddbmm, a
    padding mask from the input, softmax in f32, bmm with V."""

    def __init__(self, heads=2, d=8):
        super().__init__()
        self.h, self.d = heads, d
        self.slopes = torch.tensor([2.0 ** -(i + 1) for i in range(heads)])

    def forward(self, q, k, v, keep):
        b, h, s, d = q.shape
        pos = torch.arange(s, dtype=torch.float32)
        alibi = (self.slopes[:, None] * pos[None, :]).reshape(1, h, 1, s).expand(b, h, 1, s).reshape(b * h, 1, s)
        scores = torch.baddbmm(alibi, q.reshape(b * h, s, d), k.reshape(b * h, s, d).transpose(-1, -2),
                               beta=1.0, alpha=1 / math.sqrt(d))
        mask = torch.where(keep[:, None, None, :] > 0, 0.0, torch.finfo(torch.float32).min)
        scores = scores.view(b, h, s, s) + mask
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        return torch.bmm(probs.view(b * h, s, s), v.reshape(b * h, s, d)).view(b, h, s, d)


def test_hand_written_alibi_with_an_input_mask():
    torch.manual_seed(4)
    q, k, v = (torch.randn(2, 2, 20, 8) for _ in range(3))
    keep = torch.ones(2, 20)
    keep[1, 13:] = 0
    args = (q, k, v, keep)
    text = muir.torch.to_xf(Alibi(), args)
    att = _attention_lines(text)
    assert len(att) == 1 and " bias %" in att[0] and "xf.softmax" not in text, text
    (got,) = muir.torch.compile(Alibi(), args, target=TARGET).run(*args, check=True)
    np.testing.assert_allclose(got, Alibi()(*args).numpy(), rtol=1e-4, atol=1e-4)


class ScaledByInput(torch.nn.Module):
    """Scores times a value computed from the input: not a constant scale,
    so the attention stays spelled out."""

    def forward(self, q, k, v, t):
        s = torch.matmul(q, k.transpose(-1, -2)) * t.exp()
        return torch.matmul(torch.softmax(s, dim=-1), v)


def test_scores_not_recognised_stay_decomposed():
    torch.manual_seed(5)
    args = (torch.randn(1, 2, 6, 8), torch.randn(1, 2, 6, 8), torch.randn(1, 2, 6, 8), torch.randn(1, 1, 1, 1))
    text = muir.torch.to_xf(ScaledByInput(), args)
    assert "xf.attention" not in text and "xf.softmax" in text
    (got,) = muir.torch.compile(ScaledByInput(), args, target=TARGET).run(*args, check=True)
    np.testing.assert_allclose(got, ScaledByInput()(*args).numpy(), rtol=1e-4, atol=1e-4)


def test_eager_llama_attention_is_fused():
    # transformers' eager attention: matmul * scaling + causal mask,
    # softmax in f32, matmul; grouped-query heads repeated by repeat_kv.
    torch.manual_seed(6)
    cfg = transformers.LlamaConfig(hidden_size=64, intermediate_size=128, num_attention_heads=4,
                                   num_key_value_heads=2, num_hidden_layers=1, vocab_size=100,
                                   max_position_embeddings=64)
    cfg._attn_implementation = "eager"
    model = transformers.LlamaModel(cfg).eval()
    ids = torch.randint(0, 100, (1, 10))
    text = muir.torch.to_xf(model, (ids,), example_kwargs={"use_cache": False})
    att = _attention_lines(text)
    assert len(att) == 1 and "causal = true" in att[0] and "xf.softmax" not in text, att
    exe = muir.torch.compile(model, (ids,), target=TARGET, example_kwargs={"use_cache": False})
    (got,) = exe.run(ids, check=True)
    with torch.no_grad():
        want = model(ids, use_cache=False).last_hidden_state.numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fill,fused", [(float("-inf"), True), (-3.4028234663852886e38, True), (0.0, False),
                                        (-1e4, False)])
def test_masked_fill_on_scores(fill, fused):
    # masked_fill of the scores with a constant mask and a value that hides
    # keys (-inf, the type's most negative) is a 0 / -inf bias: the causal
    # flag here. Any other fill value changes the softmax: left spelled out.
    class Eager(torch.nn.Module):
        def forward(self, q, k, v):
            s = q.shape[2]
            scores = q @ k.transpose(-1, -2) / 4.0
            return scores.masked_fill(torch.ones(s, s, dtype=torch.bool).triu(1), fill).softmax(-1) @ v

    q, k, v = (torch.randn(2, 4, 8, 16) for _ in range(3))
    text = muir.torch.to_xf(Eager(), (q, k, v))
    att = _attention_lines(text)
    assert (len(att) == 1 and "causal = true" in att[0] and "bias" not in att[0]) if fused else not att
    exe = muir.torch.compile(Eager(), (q, k, v), target=TARGET)
    got = exe.run(q.numpy(), k.numpy(), v.numpy(), check=True)[0]
    np.testing.assert_allclose(got, Eager()(q, k, v).numpy(), rtol=1e-4, atol=1e-4)
