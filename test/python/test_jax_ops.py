"""One small function per jaxpr primitive the JAX front end translates,
compiled for the small target, simulated (checked against the reference
backend) and compared with jax; then the errors: unsupported primitives
listed with their source lines, and bad arguments."""
import sys

import numpy as np
import pytest

from conftest import BUILD

jax = pytest.importorskip("jax")
jnp = jax.numpy
lax = jax.lax
sys.path.insert(0, str(BUILD / "python_packages"))
import muir.jax  # noqa: E402

KEYS = jax.random.split(jax.random.PRNGKey(3), 4)
X = jax.random.normal(KEYS[0], (4, 6, 8))
Y = jax.random.normal(KEYS[1], (4, 6, 8))
POS = jnp.abs(X) + 0.5
W = jax.random.normal(KEYS[2], (8, 16))


def check(fn, *args, rtol=1e-5, atol=1e-6):
    """fn's arrays are all inputs; returns the xf text."""
    c = muir.jax.compile(fn, *args, target="small")
    raw = c.executable.run(*[np.asarray(a) for a in jax.tree.leaves(args)], check=True)
    got = c._traced.outputs(raw)
    want = fn(*args)
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        np.testing.assert_allclose(np.asarray(g, np.float64), np.asarray(w, np.float64), rtol=rtol, atol=atol)
    return c.xf


@pytest.mark.parametrize("op", [jnp.add, jnp.subtract, jnp.multiply, jnp.divide, jnp.maximum, jnp.minimum])
def test_binary(op):
    check(op, X, Y)


@pytest.mark.parametrize("fn", [jnp.exp, jnp.tanh, jax.nn.sigmoid, jnp.negative, jnp.abs, jnp.sign, jax.nn.relu,
                                lambda x: x ** 2, lambda x: x ** 3, lambda x: lax.integer_pow(x, -2),
                                jnp.square, jnp.exp2, lambda x: jnp.clip(x, -0.5, 0.7)],
                         ids=["exp", "tanh", "logistic", "neg", "abs", "sign", "relu", "pow2", "pow3", "pow-2",
                              "square", "exp2", "clamp"])
def test_unary(fn):
    check(fn, X, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("fn", [jnp.log, jnp.sqrt, lax.rsqrt, jnp.log1p, lambda x: x ** 0.5],
                         ids=["log", "sqrt", "rsqrt", "log1p", "pow0.5"])
def test_unary_positive(fn):
    check(fn, POS, rtol=2e-5, atol=1e-5)


def test_erf_and_erfc_decomposed():
    # A&S 7.1.26: |error| <= 1.5e-7 (xf has no erf op).
    xf = check(lambda x: (lax.erf(x), lax.erfc(x)), X, atol=3e-7)
    assert "xf.exp" in xf


def test_gelu_erf_and_tanh_fuse():
    xf = check(lambda x: (jax.nn.gelu(x, approximate=False), jax.nn.gelu(x)), X, rtol=1e-5, atol=1e-6)
    assert "xf.gelu %arg0 :" in xf and "xf.gelu %arg0 approximate = tanh" in xf and "xf.tanh" not in xf


def test_silu_softmax_fuse():
    xf = check(lambda x: (jax.nn.silu(x), jax.nn.softmax(x, axis=1), jax.nn.log_softmax(x)), X)
    assert "xf.silu" in xf and "xf.softmax %arg0 {axis = 1 : i64}" in xf


def test_layer_norm_with_jnp_var_fuses():
    g, b = jax.random.normal(KEYS[3], (8,)), jnp.arange(8.0)

    def ln(x):
        return (x - x.mean(-1, keepdims=True)) * lax.rsqrt(jnp.var(x, -1, keepdims=True) + 1e-5) * g + b
    xf = check(ln, X, rtol=1e-4, atol=1e-5)
    assert xf.count("xf.layer_norm") == 1 and "xf.reduce_sum" not in xf


def test_reductions():
    check(lambda x: (x.sum(axis=(0, 2)), x.max(axis=1), x.min(axis=-1), x.mean(axis=0)), X, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda x, w: x @ w,                                            # [4, 6, 8] x [8, 16]
    lambda x, w: jnp.einsum("bsd,btd->bst", x, x),                 # batched, rhs contracted last
    lambda x, w: jnp.einsum("bsd,bsk->bdk", x, x),                 # batched, both transposed
    lambda x, w: jnp.einsum("bsd,df->fbs", x, w),                  # free dims permuted
    lambda x, w: w.T @ x.reshape(24, 8).T,                         # device value on the right
], ids=["matmul", "bmm_nt", "bmm_tn", "permuted", "rhs_device"])
def test_dot_general(fn):
    check(fn, X, W, rtol=1e-5, atol=1e-5)


def test_dot_general_mixed_f32_bf16():
    check(lambda x, w: x @ w, X, W.astype(jnp.bfloat16), rtol=1e-5, atol=1e-5)


def test_layout():
    check(lambda x: (x.reshape(24, 8), x.transpose(2, 0, 1), x[None, :, 0], jnp.squeeze(x[:, :1], 1),
                     jnp.broadcast_to(x[:, :1], (4, 6, 8)), jnp.expand_dims(x, 2)), X, rtol=0, atol=0)


def test_slicing_and_concat():
    check(lambda x: (x[1:3, ::2, 5:], lax.dynamic_slice(x, (1, 2, 9), (2, 3, 4)), jnp.split(x, 2, axis=-1)[1],
                     jnp.concatenate([x, 2 * x], axis=1)), X, rtol=0, atol=0)


def test_convert_element_type():
    check(lambda x: (x.astype(jnp.bfloat16), x.astype(jnp.bfloat16).astype(jnp.float32) * 3), X, rtol=0, atol=0)


def test_select_n_with_comparisons():
    def fn(x, y):
        masks = [x > y, x >= y, x < y, x <= y, x == jnp.maximum(x, 0), x != y, (x > 0) & (y > 0), (x > 0) | ~(y > 0)]
        return [jnp.where(m, x, y * 2.0) for m in masks] + [(x > y).astype(jnp.float32)]
    check(fn, X, Y, rtol=0, atol=0)


def test_where_with_constant_mask_and_infinite_fill():
    mask = jnp.arange(8) % 3 == 0
    check(lambda x: (jnp.where(mask, x, -jnp.inf), jnp.where(x > 0, x, -jnp.inf)), X, rtol=0, atol=0)


def test_gather_embedding_rows():
    table = jax.random.normal(KEYS[3], (50, 8))
    ids = jnp.array([[0, 7, 49], [3, 3, 12]], jnp.int32)
    xf = muir.jax.to_xf(lambda t, i: (t[i], jnp.take(t, i, axis=0)), {"table": table}["table"], ids,
                        weight_argnums=0)
    assert xf.count("xf.gather") == 2
    c = muir.jax.compile(lambda p, i: (p["table"][i] * 2.0, jnp.take(p["table"], i, axis=0)), {"table": table}, ids,
                         target="small")
    got = c({"table": table}, ids)
    np.testing.assert_array_equal(np.asarray(got[0]), np.asarray(table[ids] * 2.0))
    np.testing.assert_array_equal(np.asarray(got[1]), np.asarray(table[ids]))


def test_gather_along_other_axes():
    # x[:, ids] and x[..., ids, :] with ids from the program or constant
    # (Falcon's fused_qkv[..., [-2], :]): the table transposed so the axis
    # leads, rows gathered, the result laid out as jax lays it out.
    ids = jnp.array([[5, 0, 2], [1, 1, 4]], jnp.int32)
    xf = check(lambda x, i: (x[:, i], x[:, :, jnp.array([7, 0])], x[..., jnp.array([-2]), :],
                             jnp.take(x, i, axis=2)), X, ids)
    assert xf.count("xf.gather") == 4


def test_take_along_axis_is_refused_with_the_reason():
    with pytest.raises(muir.jax.UnsupportedPrimitiveError, match=r"gather \(only lookups along one axis"):
        muir.jax.compile(lambda x, i: jnp.take_along_axis(x, i, axis=1), X,
                         jnp.zeros((4, 2, 8), jnp.int32), target="small")


def test_stack_interleaved_rope():
    # GPT-J style rotary embedding: even/odd lanes rotated, stacked back.
    cos, sin = jnp.cos(X[0, :, :4]), jnp.sin(X[0, :, :4])

    def rope(x, c, s):
        x1, x2 = x[..., ::2], x[..., 1::2]
        return jnp.stack([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1).reshape(x.shape)

    xf = check(rope, X, cos, sin)
    assert "xf.concat" in xf
    check(lambda a, b: jnp.stack([a, b, a], axis=0), X, Y)


def test_integer_inputs_in_float_arithmetic():
    ids = jnp.array([[1, 2, 3], [4, 5, 6]], jnp.int32)
    check(lambda i, x: (i.astype(jnp.float32) * x[0, :2, :3], (i > 3).astype(jnp.float32)), ids, X, rtol=0, atol=0)


def test_calls_are_inlined():
    @jax.custom_jvp
    def double(x):
        return 2 * x
    double.defjvp(lambda p, t: (double(p[0]), 2 * t[0]))

    @jax.custom_vjp
    def triple(x):
        return 3 * x
    triple.defvjp(lambda x: (triple(x), None), lambda r, g: (3 * g,))

    @jax.jit
    def inner(x):
        return jnp.tanh(x) + 1

    @jax.checkpoint
    def remat(x):
        return x * x

    check(lambda x: remat(inner(triple(double(x)))), X, rtol=1e-5, atol=1e-5)


def test_pytree_weights_become_resources():
    params = {"w": W, "layers": [jnp.ones(16), jnp.arange(16.0)]}
    xf = muir.jax.to_xf(lambda p, x: (x @ p["w"] + p["layers"][1]) * p["layers"][0], params, X)
    assert xf.count("dense_resource<") >= 2 and "%arg1" not in xf
    assert "dialect_resources" in xf  # to_xf inlines them as hex
    c = muir.jax.compile(lambda p, x: (x @ p["w"] + p["layers"][1]) * p["layers"][0], params, X, target="small")
    np.testing.assert_allclose(np.asarray(c(params, X)), np.asarray(X @ W + jnp.arange(16.0)), rtol=1e-5, atol=1e-5)
    assert c.report["cycles"] > 0


def test_outputs_keep_the_pytree_and_dtypes():
    c = muir.jax.compile(lambda x: {"a": x + 1, "b": (x > 0, x.astype(jnp.bfloat16))}, X, target="small")
    out = c(X)
    assert set(out) == {"a", "b"} and out["b"][0].dtype == jnp.bool_ and out["b"][1].dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(out["b"][0]), np.asarray(X > 0))


# -- errors ------------------------------------------------------------------------


def test_unsupported_primitives_listed_with_their_lines():
    def fn(x):
        a = jnp.argmax(x, axis=-1)        # line A
        b = jnp.sin(x)                    # line B
        return a, b, jnp.cumsum(x, axis=1)  # line C

    with pytest.raises(muir.jax.UnsupportedPrimitiveError) as e:
        muir.jax.compile(fn, X, target="small")
    msg = str(e.value)
    assert "3 unsupported JAX primitive use(s)" in msg
    line = fn.__code__.co_firstlineno
    for prim, offset in (("argmax", 1), ("sin", 2), ("cumsum", 3)):
        assert any(p.startswith(prim) and f"test_jax_ops.py:{line + offset}:" in loc for p, loc in e.value.items), \
            (prim, e.value.items)


def test_unsupported_case_of_a_supported_primitive_gives_the_reason():
    with pytest.raises(muir.jax.UnsupportedPrimitiveError, match=r"dynamic_slice \(start indices computed on the"):
        muir.jax.compile(lambda x, i: lax.dynamic_slice(x, (i, 0, 0), (2, 6, 8)), X, jnp.int32(1), target="small")


def test_weights_must_be_the_compiled_ones():
    params = {"w": W}
    c = muir.jax.compile(lambda p, x: x @ p["w"], params, X, target="small")
    with pytest.raises(ValueError, match=r"arguments \[0\] are weights compiled into the program"):
        c({"w": W + 1}, X)
    with pytest.raises(TypeError, match="expected 2 argument"):
        c(X)


def test_bad_arguments():
    with pytest.raises(TypeError, match="input 0: dtype bool is not supported"):
        muir.jax.compile(lambda m: jnp.where(m, 1.0, 0.0), X > 0, target="small")
    with pytest.raises(ValueError, match="weight_argnums: argument 3 does not exist"):
        muir.jax.compile(lambda x: x, X, weight_argnums=3)
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        muir.jax.compile(lambda x: x + 1, X, backend="gpu")


def test_reference_backend():
    c = muir.jax.compile(lambda x: jnp.tanh(x) * 2, X, target="small", backend="reference")
    np.testing.assert_allclose(np.asarray(c(X)), np.asarray(jnp.tanh(X) * 2), rtol=1e-6, atol=1e-6)


def test_jax_nn_dot_product_attention():
    # jax's own attention (GQA as a 5-D einsum, softmax in f32): computed as
    # written (not fused: xf.attention takes 4-D operands).
    q = jax.random.normal(KEYS[0], (2, 8, 4, 16))
    k, v = (jax.random.normal(kk, (2, 8, 2, 16)) for kk in KEYS[1:3])
    check(lambda q, k, v: jax.nn.dot_product_attention(q, k, v, is_causal=True), q, k, v, rtol=1e-5, atol=1e-5)
