"""xf text for standard transformer blocks (GPT-2, Llama) and their pieces.

Used by the end-to-end tests and the benchmarks; each builder returns the
MLIR text of one `func.func @main` whose arguments are the activations
followed by the weights, in the order documented by the builder.
"""
from __future__ import annotations


def ty(shape, dt="f32"):
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{dt}>" if dims else f"tensor<{dt}>"


class _Builder:
    def __init__(self, dt):
        self.dt = dt
        self.args = []
        self.lines = []
        self.n = 0

    def arg(self, name, shape, dt=None):
        self.args.append((name, shape, dt or self.dt))
        return f"%{name}", tuple(shape), dt or self.dt

    def op(self, text, shape, dt=None):
        self.n += 1
        name = f"%v{self.n}"
        self.lines.append(f"  {name} = {text}")
        return name, tuple(shape), dt or self.dt

    # -- ops -------------------------------------------------------------
    def binary(self, kind, a, b):
        shape = _broadcast(a[1], b[1])
        return self.op(f"xf.{kind} {a[0]}, {b[0]} : ({ty(a[1], a[2])}, {ty(b[1], b[2])}) -> {ty(shape, a[2])}",
                       shape, a[2])

    def unary(self, kind, a, attrs=""):
        return self.op(f"xf.{kind} {a[0]} {attrs}: {ty(a[1], a[2])}", a[1], a[2])

    def matmul(self, a, b, transpose_rhs=False):
        n = b[1][0] if transpose_rhs else b[1][1]
        shape = (a[1][0], n)
        attrs = " {transpose_rhs = true}" if transpose_rhs else ""
        return self.op(f"xf.matmul {a[0]}, {b[0]}{attrs} : ({ty(a[1], a[2])}, {ty(b[1], b[2])}) -> {ty(shape, a[2])}",
                       shape, a[2])

    def layer_norm(self, x, w, b, eps=1e-5):
        return self.op(f"xf.layer_norm {x[0]}, {w[0]}, {b[0]} {{eps = {eps:e} : f32}} : "
                       f"({ty(x[1], x[2])}, {ty(w[1], w[2])}, {ty(b[1], b[2])}) -> {ty(x[1], x[2])}", x[1], x[2])

    def rms_norm(self, x, w, eps=1e-6):
        return self.op(f"xf.rms_norm {x[0]}, {w[0]} {{eps = {eps:e} : f32}} : "
                       f"({ty(x[1], x[2])}, {ty(w[1], w[2])}) -> {ty(x[1], x[2])}", x[1], x[2])

    def slice_cols(self, x, start, size):
        s, _ = x[1]
        return self.op(f"xf.slice {x[0]} {{offsets = array<i64: 0, {start}>, sizes = array<i64: {s}, {size}>, "
                       f"strides = array<i64: 1, 1>}} : ({ty(x[1], x[2])}) -> {ty((s, size), x[2])}", (s, size), x[2])

    def reshape(self, x, shape):
        return self.op(f"xf.reshape {x[0]} : ({ty(x[1], x[2])}) -> {ty(shape, x[2])}", shape, x[2])

    def transpose(self, x, perm):
        shape = tuple(x[1][p] for p in perm)
        p = ", ".join(str(i) for i in perm)
        return self.op(f"xf.transpose {x[0]} {{permutation = array<i64: {p}>}} : ({ty(x[1], x[2])}) -> {ty(shape, x[2])}",
                       shape, x[2])

    def heads(self, x, h):
        """[S, h*d] -> [1, h, S, d]"""
        s, hd = x[1]
        r = self.reshape(x, (1, s, h, hd // h))
        return self.transpose(r, (0, 2, 1, 3))

    def merge_heads(self, x):
        """[1, h, S, d] -> [S, h*d]"""
        _, h, s, d = x[1]
        t = self.transpose(x, (0, 2, 1, 3))
        return self.reshape(t, (s, h * d))

    def attention(self, q, k, v, causal=True, scale=None):
        attrs = [f"causal = {'true' if causal else 'false'}"]
        if scale is not None:
            attrs.append(f"scale = {scale:e} : f32")
        shape = (q[1][0], q[1][1], q[1][2], v[1][3])
        return self.op(f"xf.attention {q[0]}, {k[0]}, {v[0]} {{{', '.join(attrs)}}} : "
                       f"({ty(q[1], q[2])}, {ty(k[1], k[2])}, {ty(v[1], v[2])}) -> {ty(shape, q[2])}", shape, q[2])

    def concat(self, xs, axis):
        shape = list(xs[0][1])
        shape[axis] = sum(x[1][axis] for x in xs)
        names = ", ".join(x[0] for x in xs)
        tys = ", ".join(ty(x[1], x[2]) for x in xs)
        return self.op(f"xf.concat {names} {{axis = {axis} : i64}} : ({tys}) -> {ty(shape, xs[0][2])}",
                       tuple(shape), xs[0][2])

    def rope(self, x, cos, sin):
        return self.op(f"xf.rope {x[0]}, {cos[0]}, {sin[0]} : ({ty(x[1], x[2])}, {ty(cos[1], cos[2])}, "
                       f"{ty(sin[1], sin[2])}) -> {ty(x[1], x[2])}", x[1], x[2])

    def text(self, results):
        args = ", ".join(f"%{n}: {ty(s, d)}" for n, s, d in self.args)
        rtys = ", ".join(ty(r[1], r[2]) for r in results)
        rets = ", ".join(r[0] for r in results)
        body = "\n".join(self.lines)
        return f"func.func @main({args}) -> ({rtys}) {{\n{body}\n  return {rets} : {rtys}\n}}\n"


def _broadcast(a, b):
    r = max(len(a), len(b))
    a = (1,) * (r - len(a)) + tuple(a)
    b = (1,) * (r - len(b)) + tuple(b)
    return tuple(max(x, y) for x, y in zip(a, b))


def matmul(m, k, n, dt="f32"):
    b = _Builder(dt)
    x = b.arg("a", (m, k))
    w = b.arg("b", (k, n))
    return b.text([b.matmul(x, w)])


def mlp_gelu(s, d, f, dt="f32"):
    """x, w1 [d, f], b1 [f], w2 [f, d], b2 [d] -> gelu(x w1 + b1) w2 + b2"""
    b = _Builder(dt)
    x = b.arg("x", (s, d))
    w1, b1 = b.arg("w1", (d, f)), b.arg("b1", (f,))
    w2, b2 = b.arg("w2", (f, d)), b.arg("b2", (d,))
    h = b.unary("gelu", b.binary("add", b.matmul(x, w1), b1), "approximate = tanh ")
    return b.text([b.binary("add", b.matmul(h, w2), b2)])


def mlp_swiglu(s, d, f, dt="f32"):
    """x, w_gate [d, f], w_up [d, f], w_down [f, d] -> (silu(x wg) * x wu) wd"""
    b = _Builder(dt)
    x = b.arg("x", (s, d))
    wg, wu, wd = b.arg("w_gate", (d, f)), b.arg("w_up", (d, f)), b.arg("w_down", (f, d))
    g = b.unary("silu", b.matmul(x, wg))
    h = b.binary("mul", g, b.matmul(x, wu))
    return b.text([b.matmul(h, wd)])


def gpt2_block(s, d, heads, f, dt="f32"):
    """Pre-LN GPT-2 block. Args: x [s, d], ln1_w, ln1_b, w_qkv [d, 3d], b_qkv,
    w_o [d, d], b_o, ln2_w, ln2_b, w_fc [d, f], b_fc, w_proj [f, d], b_proj."""
    return gpt2_stack(1, s, d, heads, f, dt)


def gpt2_stack(layers, s, d, heads, f, dt="f32"):
    """`layers` GPT-2 blocks in sequence, each with its own weights (layer
    i's args prefixed `l{i}_`, none for a single block)."""
    b = _Builder(dt)
    x = b.arg("x", (s, d))
    for i in range(layers):
        x = _gpt2_layer(b, x, s, d, heads, f, f"l{i}_" if layers > 1 else "")
    return b.text([x])


def _gpt2_layer(b, x, s, d, heads, f, prefix=""):
    ln1w, ln1b = b.arg(f"{prefix}ln1_w", (d,)), b.arg(f"{prefix}ln1_b", (d,))
    wqkv, bqkv = b.arg(f"{prefix}w_qkv", (d, 3 * d)), b.arg(f"{prefix}b_qkv", (3 * d,))
    wo, bo = b.arg(f"{prefix}w_o", (d, d)), b.arg(f"{prefix}b_o", (d,))
    ln2w, ln2b = b.arg(f"{prefix}ln2_w", (d,)), b.arg(f"{prefix}ln2_b", (d,))
    wfc, bfc = b.arg(f"{prefix}w_fc", (d, f)), b.arg(f"{prefix}b_fc", (f,))
    wpr, bpr = b.arg(f"{prefix}w_proj", (f, d)), b.arg(f"{prefix}b_proj", (d,))
    h = b.layer_norm(x, ln1w, ln1b)
    qkv = b.binary("add", b.matmul(h, wqkv), bqkv)
    q, k, v = (b.heads(b.slice_cols(qkv, i * d, d), heads) for i in range(3))
    a = b.merge_heads(b.attention(q, k, v, causal=True))
    x1 = b.binary("add", x, b.binary("add", b.matmul(a, wo), bo))
    h2 = b.layer_norm(x1, ln2w, ln2b)
    g = b.unary("gelu", b.binary("add", b.matmul(h2, wfc), bfc), "approximate = tanh ")
    return b.binary("add", x1, b.binary("add", b.matmul(g, wpr), bpr))


def _llama_layer(b, x, cos, sin, s, d, heads, kv_heads, f, prefix=""):
    """One Llama decoder layer on `x` with its own weights (args named with
    `prefix`); returns the layer's output."""
    hd = d // heads
    an = b.arg(f"{prefix}attn_norm", (d,))
    wq, wk = b.arg(f"{prefix}wq", (d, d)), b.arg(f"{prefix}wk", (d, kv_heads * hd))
    wv, wo = b.arg(f"{prefix}wv", (d, kv_heads * hd)), b.arg(f"{prefix}wo", (d, d))
    mn = b.arg(f"{prefix}mlp_norm", (d,))
    wg, wu = b.arg(f"{prefix}w_gate", (d, f)), b.arg(f"{prefix}w_up", (d, f))
    wd = b.arg(f"{prefix}w_down", (f, d))
    h = b.rms_norm(x, an)
    q = b.rope(b.heads(b.matmul(h, wq), heads), cos, sin)
    k = b.rope(b.heads(b.matmul(h, wk), kv_heads), cos, sin)
    v = b.heads(b.matmul(h, wv), kv_heads)
    a = b.merge_heads(b.attention(q, k, v, causal=True))
    x1 = b.binary("add", x, b.matmul(a, wo))
    h2 = b.rms_norm(x1, mn)
    g = b.unary("silu", b.matmul(h2, wg))
    m = b.binary("mul", g, b.matmul(h2, wu))
    return b.binary("add", x1, b.matmul(m, wd))


def llama_block(s, d, heads, kv_heads, f, dt="f32"):
    """Llama decoder block (prefill). Args: x [s, d], cos [s, hd], sin [s, hd],
    attn_norm [d], wq [d, d], wk [d, kv*hd], wv [d, kv*hd], wo [d, d],
    mlp_norm [d], w_gate [d, f], w_up [d, f], w_down [f, d]."""
    return llama_stack(1, s, d, heads, kv_heads, f, dt)


def llama_stack(layers, s, d, heads, kv_heads, f, dt="f32"):
    """`layers` Llama decoder blocks in sequence (prefill), each with its own
    weights (layer i's args prefixed `l{i}_`, none for a single block)."""
    hd = d // heads
    b = _Builder(dt)
    x = b.arg("x", (s, d))
    cos, sin = b.arg("cos", (s, hd)), b.arg("sin", (s, hd))
    for i in range(layers):
        x = _llama_layer(b, x, cos, sin, s, d, heads, kv_heads, f, f"l{i}_" if layers > 1 else "")
    return b.text([x])


def attention(b_, hq, hkv, sq, sk, d, causal=True, dt="f32"):
    b = _Builder(dt)
    q = b.arg("q", (b_, hq, sq, d))
    k = b.arg("k", (b_, hkv, sk, d))
    v = b.arg("v", (b_, hkv, sk, d))
    return b.text([b.attention(q, k, v, causal=causal)])


def llama_decode_block(ctx, d, heads, kv_heads, f, dt="bf16"):
    """One new token through a Llama block with a KV cache of `ctx` positions.
    Args: x [1, d], cos [1, hd], sin [1, hd], k_cache [1, kv, ctx, hd],
    v_cache [1, kv, ctx, hd], attn_norm, wq, wk, wv, wo, mlp_norm, w_gate,
    w_up, w_down."""
    hd = d // heads
    b = _Builder(dt)
    x = b.arg("x", (1, d))
    cos, sin = b.arg("cos", (1, hd)), b.arg("sin", (1, hd))
    kc = b.arg("k_cache", (1, kv_heads, ctx, hd))
    vc = b.arg("v_cache", (1, kv_heads, ctx, hd))
    an = b.arg("attn_norm", (d,))
    wq, wk = b.arg("wq", (d, d)), b.arg("wk", (d, kv_heads * hd))
    wv, wo = b.arg("wv", (d, kv_heads * hd)), b.arg("wo", (d, d))
    mn = b.arg("mlp_norm", (d,))
    wg, wu, wd = b.arg("w_gate", (d, f)), b.arg("w_up", (d, f)), b.arg("w_down", (f, d))
    h = b.rms_norm(x, an)
    q = b.rope(b.heads(b.matmul(h, wq), heads), cos, sin)
    k = b.rope(b.heads(b.matmul(h, wk), kv_heads), cos, sin)
    v = b.heads(b.matmul(h, wv), kv_heads)
    kall = b.concat([kc, k], 2)
    vall = b.concat([vc, v], 2)
    a = b.merge_heads(b.attention(q, kall, vall, causal=True))
    x1 = b.binary("add", x, b.matmul(a, wo))
    h2 = b.rms_norm(x1, mn)
    g = b.unary("silu", b.matmul(h2, wg))
    m = b.binary("mul", g, b.matmul(h2, wu))
    return b.text([b.binary("add", x1, b.matmul(m, wd))])
