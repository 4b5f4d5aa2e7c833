"""A flax.linen transformer block (LayerNorm, causal MultiHeadDotProductAttention,
GELU MLP) through muir.jax: `model.apply` with its variables as weights.
Skipped without flax (an optional install: `pip install flax`)."""
import sys

import numpy as np
import pytest

from conftest import BUILD

jax = pytest.importorskip("jax")
nn = pytest.importorskip("flax.linen")
jnp = jax.numpy
sys.path.insert(0, str(BUILD / "python_packages"))
import muir.jax  # noqa: E402


class Block(nn.Module):
    heads: int = 4

    @nn.compact
    def __call__(self, x):
        h = nn.LayerNorm()(x)
        mask = nn.make_causal_mask(jnp.ones(x.shape[:2]))
        x = x + nn.MultiHeadDotProductAttention(num_heads=self.heads)(h, h, mask=mask)
        h = nn.LayerNorm()(x)
        return x + nn.Dense(x.shape[-1])(nn.gelu(nn.Dense(4 * x.shape[-1])(h)))


@pytest.mark.parametrize("target", ["small", "trn2"])
def test_flax_linen_block(target):
    model = Block()
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 16, 64))
    variables = model.init(jax.random.PRNGKey(1), x)
    fn = muir.jax.compile(model.apply, variables, x, target=target)
    np.testing.assert_allclose(np.asarray(fn(variables, x)), np.asarray(model.apply(variables, x)),
                               rtol=1e-4, atol=1e-4)
    # flax writes P V as (V^T P^T)^T and masks with finfo.min: still one fused causal attention.
    att = [line for line in fn.xf.splitlines() if "xf.attention" in line]
    assert len(att) == 1 and "causal = true" in att[0] and "xf.gelu" in fn.xf
    # flax's LayerNorm (variance as E[x^2] - E[x]^2, scale times the rsqrt) is one xf.layer_norm.
    assert fn.xf.count("xf.layer_norm") == 2 and "xf.rsqrt" not in fn.xf
