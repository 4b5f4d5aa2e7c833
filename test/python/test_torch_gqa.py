"""Grouped-query attention written eagerly: a hand-written Llama block that
repeats K/V along the heads (transformers' repeat_kv, or
repeat_interleave) before scaled_dot_product_attention or a spelled-out
softmax(q k^T) v reaches one xf.attention with the un-repeated K/V (the
fused kernel maps query head h to K/V head h / (Hq / Hkv)); the repeated
copies are never materialised. Tolerance f32 rtol 1e-4 / atol 1e-4."""
import re
import sys

import numpy as np
import pytest

from conftest import BUILD

torch = pytest.importorskip("torch")
sys.path.insert(0, str(BUILD / "python_packages"))
import muir.torch  # noqa: E402

F = torch.nn.functional
B, S, D, H, HKV = 2, 16, 64, 8, 2
HD = D // H


def repeat_kv(x, n):
    """transformers' repeat_kv: [B, Hkv, S, D] -> [B, Hkv * n, S, D]."""
    b, h, s, d = x.shape
    return x[:, :, None, :, :].expand(b, h, n, s, d).reshape(b, h * n, s, d)


class Block(torch.nn.Module):
    def __init__(self, repeat, attention):
        super().__init__()
        torch.manual_seed(0)
        self.q = torch.nn.Linear(D, H * HD, bias=False)
        self.k = torch.nn.Linear(D, HKV * HD, bias=False)
        self.v = torch.nn.Linear(D, HKV * HD, bias=False)
        self.o = torch.nn.Linear(H * HD, D, bias=False)
        self.norm = torch.nn.RMSNorm(D, eps=1e-6)
        self.repeat, self.attention = repeat, attention
        inv = 1.0 / (10000 ** (torch.arange(0, HD, 2).float() / HD))
        ang = torch.outer(torch.arange(S).float(), inv)
        self.register_buffer("cos", torch.cat([ang, ang], -1).cos())
        self.register_buffer("sin", torch.cat([ang, ang], -1).sin())

    def rope(self, x):
        x1, x2 = x[..., : HD // 2], x[..., HD // 2:]
        return x * self.cos + torch.cat([-x2, x1], -1) * self.sin

    def forward(self, x):
        h = self.norm(x)
        q = self.q(h).view(B, S, H, HD).transpose(1, 2)
        k = self.k(h).view(B, S, HKV, HD).transpose(1, 2)
        v = self.v(h).view(B, S, HKV, HD).transpose(1, 2)
        q, k = self.rope(q), self.rope(k)
        n = H // HKV
        if self.repeat == "repeat_kv":
            k, v = repeat_kv(k, n), repeat_kv(v, n)
        else:
            k, v = k.repeat_interleave(n, dim=1), v.repeat_interleave(n, dim=1)
        if self.attention == "sdpa":
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # eager: masked_fill causal mask, softmax, @ v
            scores = q @ k.transpose(-1, -2) / HD ** 0.5
            mask = torch.ones(S, S, dtype=torch.bool).triu(1)
            o = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
        return x + self.o(o.transpose(1, 2).reshape(B, S, D))


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("repeat", ["repeat_kv", "repeat_interleave"])
def test_repeated_kv_reaches_grouped_attention(repeat, attention):
    model = Block(repeat, attention).eval()
    x = torch.randn(B, S, D)
    module = muir.torch.to_module(model, (x,))
    text = str(module)
    att = [line for line in text.splitlines() if "xf.attention" in line]
    assert len(att) == 1 and "causal = true" in att[0]
    tys = re.findall(r"tensor<[0-9x]+f32>", att[0].split(":")[-1])
    assert tys[:3] == [f"tensor<{B}x{H}x{S}x{HD}xf32>", f"tensor<{B}x{HKV}x{S}x{HD}xf32>",
                       f"tensor<{B}x{HKV}x{S}x{HD}xf32>"], att[0]
    assert "xf.broadcast_to" not in text  # the repeated K/V are not built
    exe = muir.compile(module, target="small")
    got = exe.run(x.numpy(), check=True)[0]
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_repeat_of_other_axes_is_left_alone():
    # Repeating the sequence axis is not a head repeat: computed as written.
    class SeqRepeat(torch.nn.Module):
        def forward(self, q, k, v):
            k, v = k.repeat_interleave(2, dim=2), v.repeat_interleave(2, dim=2)
            return F.scaled_dot_product_attention(q, k, v)

    q, k, v = torch.randn(1, 2, 8, 16), torch.randn(1, 2, 4, 16), torch.randn(1, 2, 4, 16)
    exe = muir.torch.compile(SeqRepeat(), (q, k, v), target="small")
    np.testing.assert_allclose(exe.run(q.numpy(), k.numpy(), v.numpy(), check=True)[0],
                               SeqRepeat()(q, k, v).numpy(), rtol=1e-4, atol=1e-4)
