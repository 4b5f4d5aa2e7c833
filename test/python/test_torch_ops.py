"""One small module per torch operator the importer translates (beyond the
basics in test_torch_frontend.py): captured with torch.export, compiled,
simulated, checked against the reference backend and against PyTorch."""
import sys

import numpy as np
import pytest

from conftest import BUILD

torch = pytest.importorskip("torch")
sys.path.insert(0, str(BUILD / "python_packages"))
import muir  # noqa: E402
import muir.torch  # noqa: E402,F401

F = torch.nn.functional
TARGET = "small"


class Fn(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def check(fn, *args, rtol=1e-5, atol=1e-6):
    mod = Fn(fn)
    exe = muir.torch.compile(mod, args, target=TARGET)
    got = exe.run(*args, check=True)
    want = mod(*args)
    want = list(want) if isinstance(want, (tuple, list)) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), w.double().numpy(), rtol=rtol, atol=atol)
    return exe


g = torch.Generator().manual_seed(3)
X = torch.randn(2, 5, 6, generator=g)
IDS = torch.tensor([[1, 4, 1, 7, 9], [3, 1, 1, 2, 5]])


@pytest.mark.parametrize("op", ["eq", "ne", "gt", "ge", "lt", "le"])
def test_comparisons_are_exact(op):
    # Ties, tiny differences and signed zeros: the step function is exact.
    a = torch.tensor([0.0, -0.0, 1.0, 1.0 + 2 ** -23, 1e-38, 3e38, -2.5, 7.0])
    b = torch.tensor([-0.0, 0.0, 1.0, 1.0, 0.0, -3e38, -2.5, 6.0])
    check(lambda x, y: getattr(x, op)(y).float() + getattr(x, op)(1.0).float(), a, b, rtol=0, atol=0)


def test_masked_fill_with_a_device_mask_and_infinities():
    x = torch.randn(3, 4, generator=g)
    check(lambda x: x.masked_fill(x > 0.3, float("-inf")).masked_fill(x < -1.0, 2.5)
          .masked_fill(x == x[0, 0], float("inf")), x, rtol=0, atol=0)


def test_masked_fill_with_a_constant_mask_then_softmax():
    check(lambda x: F.softmax(x.masked_fill(~torch.ones(5, 6, dtype=torch.bool).tril(), float("-inf")), -1), X)


def test_where_with_device_condition():
    check(lambda x, y: torch.where(x > y, x, y * 2.0), X, torch.randn(2, 5, 6, generator=g), rtol=0, atol=0)


def test_roberta_position_ids():
    # ne.Scalar -> int -> cumsum -> * mask -> + pad, then an embedding
    # lookup with the device-computed indices.
    table = torch.randn(16, 4, generator=g)

    def fn(ids):
        m = ids.ne(1).int()
        pos = (torch.cumsum(m, dim=1).type_as(m) * m).long() + 1
        return F.embedding(pos, table), pos.float()
    check(fn, IDS, rtol=0, atol=0)


def test_cumsum_of_floats():
    check(lambda x: torch.cumsum(x, dim=1), X, atol=1e-5)


def test_gather_with_device_and_constant_indices():
    idx = torch.tensor([[2, 0, 0, 5], [1, 1, 3, 4]])
    check(lambda x, i: (torch.gather(x[0], 1, i), torch.gather(x[1], 1, idx)),
          X, idx.clone(), rtol=0, atol=0)


def test_repeat_interleave_unbind_baddbmm():
    def fn(x):
        r = x.repeat_interleave(3, dim=1)
        a, b = torch.unbind(x, 0)
        return r, a - b, torch.baddbmm(x[:, :, :5], x, x.transpose(1, 2), beta=0.5, alpha=2.0)
    check(fn, X, atol=1e-5)


def test_patch_conv2d_im2col_and_unfold():
    img = torch.randn(2, 3, 9, 8, generator=g)   # 9: torch drops the ragged row
    w, b = torch.randn(5, 3, 4, 4, generator=g), torch.randn(5, generator=g)
    check(lambda x: (F.conv2d(x, w, b, stride=4), F.unfold(x[:, :, :8], 4, stride=4), x.unfold(3, 2, 2)),
          img, atol=1e-5)


def test_conv2d_other_than_patches_is_listed():
    with pytest.raises(muir.torch.UnsupportedOperatorError, match="stride == kernel"):
        muir.torch.to_xf(torch.nn.Conv2d(3, 4, 3, padding=1), (torch.randn(1, 3, 8, 8),))


def test_sin_cos_of_device_values():
    # Rotary angles up to hundreds of radians and both signs.
    x = torch.cat([torch.linspace(-400.0, 400.0, 97), torch.tensor([0.0, 1e-6, 3.14159265, -1.5707964])])
    check(lambda x: (torch.sin(x), torch.cos(x)), x, rtol=0, atol=1e-6 * 400)
    check(lambda x: (torch.sin(x), torch.cos(x)), torch.randn(64, generator=g) * 3, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 1, 5, 7), (1, 3, 5, 7), (2, 3, 5, 7), (5, 7)])
def test_sdpa_with_a_constant_additive_mask(shape):
    # ALiBi / relative position bias style: a float mask neither empty nor
    # causal, constant or an input, is the fused attention's full bias.
    q, k, v = torch.randn(2, 3, 5, 8, generator=g), torch.randn(2, 3, 7, 8, generator=g), \
        torch.randn(2, 3, 7, 8, generator=g)
    bias = torch.randn(*shape, generator=g)
    const = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=bias)  # noqa: E731
    given = lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m)  # noqa: E731
    check(const, q, k, v, atol=1e-5)
    check(given, q, k, v, bias, atol=1e-5)
    for text in (muir.torch.to_xf(Fn(const), (q, k, v)), muir.torch.to_xf(Fn(given), (q, k, v, bias))):
        assert " bias %" in text and "xf.softmax" not in text


def test_cat_and_stack_of_device_integers_and_integer_inputs():
    # An integer result mixing a device-computed part and an input is
    # carried in f32; integer inputs alone stay integers.
    table = torch.randn(12, 3, generator=g)

    def fn(ids):
        m = ids.ne(1).long()
        both = torch.cat([m, ids], dim=1)
        return F.embedding(both, table), F.embedding(torch.stack([ids, ids], 0), table), torch.cat([ids, ids], 1)
    check(fn, IDS, rtol=0, atol=0)


@pytest.mark.parametrize("pick,is_view", [
    (lambda x: x[..., [-2], :], True),            # Falcon's multi-query key slice
    (lambda x: x[:, [1, 3], 2:5:2], True),        # a strided slice
    (lambda x: x[torch.tensor([1]), torch.arange(2, 5)[:, None], torch.arange(3)], True),
    (lambda x: x[:, [3, 0, 0]], False),           # a repeat and a reversal: a gather
])
def test_constant_indices_as_strided_views(pick, is_view):
    x = torch.randn(2, 5, 6, generator=g)
    text = muir.torch.to_xf(Fn(pick), (x,))
    assert ("xf.gather" not in text) == is_view, text
    check(pick, x, rtol=0, atol=0)


def test_slice_of_a_concat_reads_its_part():
    # A KV cache's new row returned next to attention over cache + row: the
    # slice reads the row itself, so the concat keeps one use (attention,
    # which reads the parts as segments). A slice across parts still slices
    # the concatenation.
    q, cache, row = torch.randn(1, 2, 1, 8, generator=g), torch.randn(1, 2, 6, 8, generator=g), \
        torch.randn(1, 2, 1, 8, generator=g)

    def fn(q, cache, row):
        k = torch.cat([cache, row], dim=2)
        return F.scaled_dot_product_attention(q, k, k), k[:, :, -1:], k[:, :, 1:3], k[:, :, 5:7]
    check(fn, q, cache, row, atol=1e-5)
    text = muir.torch.to_xf(Fn(fn), (q, cache, row))
    assert text.count("xf.slice") == 2  # 1:3 inside the cache, 5:7 across both
    assert "xf.concat" in text
