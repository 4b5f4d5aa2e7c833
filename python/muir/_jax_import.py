"""jaxprs to xf MLIR text (the converter behind muir.jax).

The jaxpr of a function (`jax.make_jaxpr`) is interpreted equation by
equation. Every value is either a NumPy array (a constant: weights, literals,
masks and tables computed from them, which jax itself evaluates on the host)
or an `_V`, an SSA value of the xf function being built. Each primitive with
a device operand goes through the converter table `_HANDLERS` (one decorated
function per primitive); call-like primitives (jit/pjit, custom_jvp_call,
custom_vjp_call, closed_call, checkpoint) are inlined. Primitives without a
converter are collected with their source lines and raised together as
`UnsupportedPrimitiveError`.

Patterns with an exact fused xf op are recognised from the values' producers
(`_V.src`): softmax, silu, gelu (erf and tanh forms), RMSNorm, LayerNorm and
scaled dot-product attention (causal or with a constant additive mask, grouped
K/V heads repeated with `jnp.repeat` read un-repeated).
"""
from __future__ import annotations

import math

import jax
import ml_dtypes
import numpy as np

_DT = {np.dtype(np.float32): "f32", np.dtype(ml_dtypes.bfloat16): "bf16", np.dtype(np.float16): "f16",
       np.dtype(np.int32): "i32", np.dtype(np.int64): "i64"}
_NP = {v: k for k, v in _DT.items()}
_CALLS = ("pjit", "jit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call",
          "custom_vjp_call_jaxpr", "remat", "remat2", "checkpoint", "custom_lin")


class UnsupportedPrimitiveError(NotImplementedError):
    """Every jaxpr primitive use the converter cannot translate, with its source line."""

    def __init__(self, items):
        self.items = items
        lines = "\n".join(f"  {prim} at {loc}" for prim, loc in items)
        super().__init__(f"{len(items)} unsupported JAX primitive use(s):\n{lines}")


class _Unsupported(Exception):
    """Raised by a converter for a case it cannot translate (the reason)."""


class _V:
    """An SSA value of the xf function being built. Bools are carried as
    0.0 / 1.0 and integers computed on the device exactly in f32 (xf has no
    i1 and casts only to floats)."""

    def __init__(self, name, shape, dt, src=None):
        self.name, self.shape, self.dt = name, tuple(int(d) for d in shape), dt
        self.src = src  # (primitive, operands, params) that produced it, for patterns
        self.is_bool = False
        self.is_int = dt in ("i32", "i64")
        self.scores = None  # an _Attn when this value is attention scores (pre-softmax)
        self.probs = None  # an _Attn when this value is their softmax
        self.unit_norm = None  # (kind, x, eps) for a norm not yet multiplied by its weight
        self.repeat_of = None  # (value, axis, times) for jnp.repeat along a head axis
        self.weighted = None  # (kind, x, eps, weight) for a norm with its weight, before a bias
        self.flat = None  # the [M, N] value this one reshapes (a matmul result and ops on it)
        self.array = None  # the NumPy array of a constant


def _ty(shape, dt):
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{dt}>" if dims else f"tensor<{dt}>"


def _scalar_text(x, dt):
    if dt in ("i32", "i64"):
        return str(int(x))
    v = float(x)
    if math.isfinite(v):
        return f"{v:.9e}"
    if dt == "f32":
        return "0x{:08X}".format(int(np.array(v, np.float32).view(np.uint32)))
    return "0x{:04X}".format(int(np.array(v, _NP[dt]).view(np.uint16)))


class _Builder:
    """Emits xf ops; `lines` are (name, text, operand names) so that values
    replaced by a fused op can be dropped by a walk from the results."""

    def __init__(self):
        self.lines = []
        self.resources = {}
        self.consts = {}
        self.n = 0

    def op(self, text, operands, shape, dt, src=None):
        self.n += 1
        v = _V(f"%v{self.n}", shape, dt, src)
        self.lines.append((v.name, text, [o.name for o in operands]))
        return v

    def const(self, a, dt=None):
        a = np.asarray(a)
        if a.dtype == np.bool_:
            a = a.astype(np.float32)
        dt = dt or _DT.get(a.dtype)
        if dt is None:
            raise _Unsupported(f"a constant of dtype {a.dtype}")
        a = a.astype(_NP[dt], order="C", copy=False)  # (np.ascontiguousarray makes scalars 1-D)
        key = (a.tobytes(), a.shape, dt) if a.size <= 64 else (id(a), a.shape, dt)
        hit = self.consts.get(key)
        if hit is not None:
            return hit[0]
        flat = a.reshape(-1)
        if flat.size and not np.isnan(flat.astype(np.float64)).any() and (flat == flat[0]).all():
            attr = f"dense<{_scalar_text(flat[0], dt)}>"
        else:
            name = f"c{len(self.resources)}"
            self.resources[name] = a.view(np.uint16) if a.dtype.itemsize == 2 else a
            attr = f"dense_resource<{name}>"
        v = self.op(f"xf.constant {attr} : {_ty(a.shape, dt)}", [], a.shape, dt)
        v.array = a
        self.consts[key] = (v, a)  # the array stays alive, so its id is not reused
        return v

    # Element-wise ops on a matmul result that jax reshaped to [..., N] (a
    # dense layer on [B, S, D]) are emitted on the [M, N] matmul result
    # itself, then reshaped: bias, activation and residual then sit right
    # after the matmul, where muir-xf-fuse makes them its epilogue.
    def _in_flat(self, y, x):
        """y in the [M, N] layout of x.flat, or None."""
        flat = x.flat
        if y.flat is not None and y.shape == x.shape:
            return y.flat
        if y.shape == x.shape:
            return self.reshape(y, flat.shape)
        if y.array is not None and all(d == 1 for d in y.shape[:-1]) and (y.shape[-1:] or (1,))[0] in (1, flat.shape[1]):
            return self.const(y.array.reshape(y.shape[-1:]), y.dt)
        return None

    def _flat_result(self, r2, shape, kind, operands):
        out = self.reshape(r2, shape)
        out.flat, out.src = r2, (kind, tuple(operands), {})
        return out

    def binary(self, kind, a, b):
        shape = tuple(np.broadcast_shapes(a.shape, b.shape))
        for x, y in ((a, b), (b, a)):
            if x.flat is not None and x.shape == shape and x.dt == y.dt:
                y2 = self._in_flat(y, x)
                if y2 is not None:
                    r2 = self.binary(kind, x.flat, y2) if x is a else self.binary(kind, y2, x.flat)
                    return self._flat_result(r2, shape, kind, (a, b))
        return self.op(f"xf.{kind} {a.name}, {b.name} : ({_ty(a.shape, a.dt)}, {_ty(b.shape, b.dt)}) -> "
                       f"{_ty(shape, a.dt)}", [a, b], shape, a.dt, (kind, (a, b), {}))

    def unary(self, kind, a, attrs=""):
        if a.flat is not None:
            return self._flat_result(self.unary(kind, a.flat, attrs), a.shape, kind, (a,))
        return self.op(f"xf.{kind} {a.name} {attrs}: {_ty(a.shape, a.dt)}", [a], a.shape, a.dt, (kind, (a,), {}))

    def cast(self, a, dt):
        if a.dt == dt:
            return a
        v = self.op(f"xf.cast {a.name} : {_ty(a.shape, a.dt)} to {_ty(a.shape, dt)}", [a], a.shape, dt,
                    ("cast", (a,), {}))
        v.is_bool, v.is_int = a.is_bool, a.is_int
        return v

    def _layout(self, kind, a, shape, attrs=""):
        v = self.op(f"xf.{kind} {a.name}{attrs} : ({_ty(a.shape, a.dt)}) -> {_ty(shape, a.dt)}", [a], shape, a.dt,
                    (kind, (a,), {}))
        v.is_bool, v.is_int = a.is_bool, a.is_int
        return v

    def reshape(self, a, shape):
        shape = tuple(int(s) for s in shape)
        if a.flat is not None and shape == a.flat.shape:
            return a.flat
        return a if shape == a.shape else self._layout("reshape", a, shape)

    def broadcast(self, a, shape):
        shape = tuple(int(s) for s in shape)
        return a if shape == a.shape else self._layout("broadcast_to", a, shape)

    def transpose(self, a, perm):
        perm = [int(p) for p in perm]
        inner = a.src[2]["perm"] if a.src is not None and a.src[0] == "transpose" else None
        if inner is not None:  # a transpose of a transpose: one, or none (k.T.T is k)
            a, perm = a.src[1][0], [inner[p] for p in perm]
        if perm == list(range(len(a.shape))):
            return a
        p = ", ".join(str(i) for i in perm)
        v = self._layout("transpose", a, tuple(a.shape[i] for i in perm), f" {{permutation = array<i64: {p}>}}")
        v.src = ("transpose", (a,), {"perm": perm})
        if a.repeat_of is not None:  # a transposed repeat is a repeat of the transposed tensor
            base, axis, n = a.repeat_of
            v.repeat_of = (self.transpose(base, perm), perm.index(axis), n)
        return v

    def slice(self, a, offsets, sizes, strides):
        def arr(xs):
            return ", ".join(str(int(x)) for x in xs)
        if list(offsets) == [0] * len(sizes) and tuple(sizes) == a.shape:
            return a
        v = self._layout("slice", a, tuple(sizes), f" {{offsets = array<i64: {arr(offsets)}>, sizes = array<i64: "
                         f"{arr(sizes)}>, strides = array<i64: {arr(strides)}>}}")
        v.src = ("slice", (a,), {"offsets": [int(o) for o in offsets], "strides": [int(t) for t in strides]})
        return v

    def concat(self, vs, axis):
        shape = list(vs[0].shape)
        shape[axis] = sum(v.shape[axis] for v in vs)
        tys = ", ".join(_ty(v.shape, v.dt) for v in vs)
        return self.op(f"xf.concat {', '.join(v.name for v in vs)} {{axis = {axis} : i64}} : ({tys}) -> "
                       f"{_ty(shape, vs[0].dt)}", vs, shape, vs[0].dt, ("concat", tuple(vs), {"axis": axis}))

    def reduce(self, kind, a, axes, keep_dims=False):
        axes = sorted(int(x) for x in axes)
        shape = tuple(d for i, d in enumerate(a.shape) if i not in axes or keep_dims) if not keep_dims else \
            tuple(1 if i in axes else d for i, d in enumerate(a.shape))
        keep = ", keep_dims = true" if keep_dims else ""
        return self.op(f"xf.{kind} {a.name} {{axes = array<i64: {', '.join(map(str, axes))}>{keep}}} : "
                       f"({_ty(a.shape, a.dt)}) -> {_ty(shape, a.dt)}", [a], shape, a.dt, (kind, (a,), {"axes": axes}))

    def matmul(self, a, b, transpose_rhs, dt):
        n = b.shape[-2] if transpose_rhs else b.shape[-1]
        kind = "matmul" if len(a.shape) == 2 else "batch_matmul"
        shape = a.shape[:-1] + (n,)
        attrs = " {transpose_rhs = true}" if transpose_rhs else ""
        return self.op(f"xf.{kind} {a.name}, {b.name}{attrs} : ({_ty(a.shape, a.dt)}, {_ty(b.shape, b.dt)}) -> "
                       f"{_ty(shape, dt)}", [a, b], shape, dt)

    def norm(self, kind, x, w, b, eps):
        ops = [x, w] + ([b] if b is not None else [])
        tys = ", ".join(_ty(o.shape, o.dt) for o in ops)
        return self.op(f"xf.{kind} {', '.join(o.name for o in ops)} {{eps = {float(eps):e} : f32}} : ({tys}) -> "
                       f"{_ty(x.shape, x.dt)}", ops, x.shape, x.dt)

    def text(self, args, results):
        live, body = {r.name for r in results}, []
        for name, text, operands in reversed(self.lines):
            if name in live:
                live.update(operands)
                body.append(f"  {name} = {text}")
        sig = ", ".join(f"{a.name}: {_ty(a.shape, a.dt)}" for a in args)
        rtys = ", ".join(_ty(r.shape, r.dt) for r in results)
        return (f"func.func @main({sig}) -> ({rtys}) {{\n" + "\n".join(body[::-1]) +
                f"\n  return {', '.join(r.name for r in results)} : {rtys}\n}}\n")


def resources_text(resources):
    """The `dialect_resources` section defining `resources` as hex (for
    reading; compilation passes the bytes themselves)."""
    if not resources:
        return ""
    blobs = [f'      {name}: "0x{np.uint32(a.dtype.itemsize).tobytes().hex().upper()}{a.tobytes().hex().upper()}"'
             for name, a in resources.items()]
    return "{-#\n  dialect_resources: {\n    builtin: {\n" + ",\n".join(blobs) + "\n    }\n  }\n#-}\n"


def _loc(eqn):
    from jax._src import source_info_util
    try:
        return source_info_util.summarize(eqn.source_info)
    except Exception:  # noqa: BLE001 - a location is a courtesy
        return ""


def _is_literal(a):
    return type(a).__name__ == "Literal"


class Importer:
    def __init__(self):
        self.b = _Builder()
        self.unsupported = []
        self.where = []  # locations of the calls being inlined (inner equations may have none)

    def val(self, x, like=None):
        """`x` as an xf value (constants become xf.constant in `like`'s type)."""
        if isinstance(x, _V):
            return x
        a = np.asarray(x)
        if like is not None and (a.dtype.kind in "fb" or a.dtype.kind in "iu"):
            return self.b.const(a, like.dt if not like.is_int and like.dt not in ("i32", "i64") else "f32")
        return self.b.const(a)

    def jaxpr(self, jaxpr, consts, args):
        env = {}

        def read(a):
            return np.asarray(a.val) if _is_literal(a) else env[a]

        for var, c in zip(jaxpr.constvars, consts):
            env[var] = np.asarray(c)
        for var, a in zip(jaxpr.invars, args):
            env[var] = a
        for eqn in jaxpr.eqns:
            outs = self.eqn(eqn, [read(a) for a in eqn.invars])
            for var, o in zip(eqn.outvars, outs):
                env[var] = o
        return [read(v) for v in jaxpr.outvars]

    def eqn(self, eqn, ins):
        name = eqn.primitive.name
        if name in _CALLS:
            inner = eqn.params.get("jaxpr", eqn.params.get("call_jaxpr", eqn.params.get("fun_jaxpr")))
            if inner is not None:
                self.where.append(_loc(eqn) or (self.where[-1] if self.where else ""))
                try:
                    if hasattr(inner, "jaxpr"):
                        return self.jaxpr(inner.jaxpr, inner.consts, ins)
                    return self.jaxpr(inner, [], ins)
                finally:
                    self.where.pop()
        if not any(isinstance(x, _V) for x in ins):
            try:  # jax evaluates what does not depend on an input
                out = eqn.primitive.bind(*ins, **eqn.params)
                outs = out if eqn.primitive.multiple_results else [out]
                return [np.asarray(o) for o in outs]
            except Exception as e:  # noqa: BLE001 - reported with the others
                return self._refuse(eqn, f"{name} (constant evaluation failed: {e})")
        handler = _HANDLERS.get(name)
        if handler is None:
            return self._refuse(eqn, name)
        try:
            out = handler(self, eqn, *ins, **eqn.params)
        except _Unsupported as e:
            return self._refuse(eqn, f"{name} ({e})")
        outs = out if isinstance(out, list) else [out]
        for o, var in zip(outs, eqn.outvars):
            want = tuple(var.aval.shape)
            if isinstance(o, _V) and o.shape != want:
                raise AssertionError(f"converter for {name} made shape {o.shape}, jax says {want}")
        return outs

    def _refuse(self, eqn, what):
        loc = _loc(eqn) or (self.where[-1] if self.where else "") or "unknown location"
        self.unsupported.append((what, loc))
        return [_V("%poison", var.aval.shape, _DT.get(np.dtype(var.aval.dtype), "f32")) for var in eqn.outvars]


# ----------------------------------------------------------------------------- converter table

_HANDLERS = {}  # primitive name -> converter(im, eqn, *operands, **params)


def _h(*names):
    """Registers the decorated converter for the primitives `names`."""
    return lambda fn: _HANDLERS.update(dict.fromkeys(names, fn)) or fn


def _out_dt(eqn, i=0):
    return _DT.get(np.dtype(eqn.outvars[i].aval.dtype))


def _src(v, *kinds):
    """The operands of `v` if an op in `kinds` produced it, else None."""
    if isinstance(v, _V) and v.src is not None and v.src[0] in kinds:
        return v.src[1]
    return None


def _scalar(x):
    """The value of a constant whose entries are all equal, else None."""
    if isinstance(x, _V):
        return None
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    return float(a[0]) if a.size and (a == a[0]).all() else None


def _f32(im, x):
    """A device integer or bool as f32 (exact below 2**24)."""
    v = im.b.cast(x, "f32") if x.dt in ("i32", "i64") else x
    v.is_int, v.is_bool = x.is_int, x.is_bool
    return v


def _operands(im, a, b):
    if isinstance(a, _V) and (a.is_int or a.is_bool):
        a = _f32(im, a)
    if isinstance(b, _V) and (b.is_int or b.is_bool):
        b = _f32(im, b)
    like = a if isinstance(a, _V) else b
    return im.val(a, like), im.val(b, like)


def _binary(kind):
    def conv(im, eqn, a, b, **_):
        pattern = _PATTERNS.get(kind)
        if pattern is not None:
            hit = pattern(im, a, b)
            if hit is not None:
                return hit
        x, y = _operands(im, a, b)
        r = im.b.binary(kind, x, y)
        r.src = (kind, (a, b), {})  # the original operands: patterns read constants from them
        r.is_int = kind != "div" and all(o.is_int if isinstance(o, _V) else np.asarray(o).dtype.kind in "iu"
                                         for o in (a, b))
        if kind in ("mul", "max", "min") and all(o.is_bool for o in (x, y)):
            r.is_bool = True
        return r
    return conv


for _k in ("add", "sub", "mul", "div", "max", "min"):
    _h(_k)(_binary(_k))
_h("add_any")(_binary("add"))


def _unary(kind):
    def conv(im, eqn, x, **_):
        return im.b.unary(kind, x)
    return conv


for _prim, _k in (("exp", "exp"), ("log", "log"), ("tanh", "tanh"), ("logistic", "sigmoid"), ("sqrt", "sqrt"),
                  ("rsqrt", "rsqrt"), ("neg", "neg")):
    _h(_prim)(_unary(_k))


@_h("stop_gradient", "copy", "copy_p", "optimization_barrier", "reduce_precision_identity")
def _identity(im, eqn, *xs, **_):
    return list(xs) if len(xs) > 1 else xs[0]


@_h("abs")
def _abs(im, eqn, x, **_):
    return im.b.binary("max", x, im.b.unary("neg", x))


@_h("square")
def _square(im, eqn, x, **_):
    r = im.b.binary("mul", x, x)
    r.src = ("square", (x,), {})
    return r


@_h("integer_pow")
def _integer_pow(im, eqn, x, y, **_):
    if y == 0:
        return im.b.broadcast(im.val(np.ones((), _NP[x.dt])), x.shape)
    r, base, n = None, x, abs(y)
    while n:  # square-and-multiply: the products jax's own lowering forms
        if n & 1:
            r = base if r is None else im.b.binary("mul", r, base)
        n >>= 1
        if n:
            base = im.b.binary("mul", base, base)
    if y < 0:
        r = im.b.binary("div", im.val(np.ones((), _NP[x.dt])), r)
    r.src = ("integer_pow", (x,), {"y": y})
    return r


@_h("exp2")
def _exp2(im, eqn, x, **_):
    return im.b.unary("exp", im.b.binary("mul", x, im.val(np.float32(math.log(2)), x)))


@_h("log1p")
def _log1p(im, eqn, x, **_):
    return im.b.unary("log", im.b.binary("add", x, im.val(np.float32(1), x)))


@_h("pow")
def _pow(im, eqn, x, y, **_):
    e = _scalar(y)
    if e == 0.5:
        return im.b.unary("sqrt", x)
    if e == -0.5:
        return im.b.unary("rsqrt", x)
    if e is not None and e == int(e) and abs(e) <= 8:
        return _integer_pow(im, eqn, x, int(e))
    raise _Unsupported("an exponent that is not a constant integer or ±0.5")


@_h("clamp")
def _clamp(im, eqn, lo, x, hi, **_):
    return _binary("min")(im, eqn, _binary("max")(im, eqn, x, lo), hi)


def _sign(im, x):
    """-1, 0 or 1 from two steps."""
    return im.b.binary("sub", _step(im, x), _step(im, im.b.unary("neg", x)))


@_h("sign")
def _sign_h(im, eqn, x, **_):
    return _sign(im, x)


# erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7, below f32 tolerances):
# erf(|x|) = 1 - (a1 t + ... + a5 t^5) e^(-x^2), t = 1 / (1 + p |x|), odd in x.
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(im, x):
    f = im.b.cast(x, "f32")
    one = im.val(np.float32(1), f)
    ax = im.b.binary("max", f, im.b.unary("neg", f))
    t = im.b.binary("div", one, im.b.binary("add", one, im.b.binary("mul", ax, im.val(np.float32(_ERF_P), f))))
    poly = im.val(np.float32(_ERF_A[-1]), f)
    for a in reversed(_ERF_A[:-1]):
        poly = im.b.binary("add", im.b.binary("mul", poly, t), im.val(np.float32(a), f))
    poly = im.b.binary("mul", poly, t)
    e = im.b.unary("exp", im.b.unary("neg", im.b.binary("mul", f, f)))
    r = im.b.binary("mul", _sign(im, f), im.b.binary("sub", one, im.b.binary("mul", poly, e)))
    return im.b.cast(r, x.dt)


@_h("erf")
def _erf_h(im, eqn, x, **_):
    r = _erf(im, x)
    r.src = ("erf", (x,), {})
    return r


@_h("erfc")
def _erfc_h(im, eqn, x, **_):
    r = im.b.binary("sub", im.val(np.ones((), _NP[x.dt]), x), _erf(im, x))
    r.src = ("erfc", (x,), {})
    return r


# -- comparisons and selection (bools are 0.0 / 1.0) ---------------------------

def _step(im, d):
    """1 where d > 0 else 0, exact for finite f32 (2**-149 * 2**252 > 1)."""
    big = im.val(np.float32(2.0 ** 126), d)
    s = im.b.binary("mul", im.b.binary("mul", im.b.binary("max", d, im.val(np.float32(0), d)), big), big)
    return im.b.binary("min", s, im.val(np.float32(1), d))


def _compare(kind):
    def conv(im, eqn, a, b, **_):
        x, y = _operands(im, a, b)
        x, y = im.b.cast(x, "f32"), im.b.cast(y, "f32")
        one = im.val(np.float32(1), x)
        if kind in ("gt", "lt"):
            r = _step(im, im.b.binary("sub", x, y) if kind == "gt" else im.b.binary("sub", y, x))
        elif kind in ("ge", "le"):
            r = im.b.binary("sub", one, _step(im, im.b.binary("sub", y, x) if kind == "ge" else
                                              im.b.binary("sub", x, y)))
        else:
            d = im.b.binary("sub", x, y)
            r = _step(im, im.b.binary("max", d, im.b.unary("neg", d)))
            if kind == "eq":
                r = im.b.binary("sub", one, r)
        r.is_bool = True
        r.src = (kind, (a, b), {})
        return r
    return conv


for _k in ("eq", "ne", "gt", "ge", "lt", "le"):
    _h(_k)(_compare(_k))


@_h("and")
def _and(im, eqn, a, b, **_):
    return _binary("mul")(im, eqn, a, b)


@_h("or")
def _or(im, eqn, a, b, **_):
    return _binary("max")(im, eqn, a, b)


@_h("not")
def _not(im, eqn, x, **_):
    if not x.is_bool:
        raise _Unsupported("bitwise not of an integer tensor")
    r = im.b.binary("sub", im.val(np.float32(1), x), x)
    r.is_bool = True
    return r


def _selected(im, case, sel, like):
    """`case` where `sel` is 1, else 0, never forming inf * 0: an infinite
    constant gives ±sel / (1 - sel)."""
    c = _scalar(case)
    if c is not None and math.isinf(c):
        one = im.val(np.float32(1), sel)
        r = im.b.binary("div", sel, im.b.binary("sub", one, sel))  # 0 or +inf
        return im.b.cast(r if c > 0 else im.b.unary("neg", r), like.dt)
    return im.b.binary("mul", im.val(case, like), im.b.cast(sel, like.dt))


@_h("select_n")
def _select_n(im, eqn, pred, *cases):
    if len(cases) != 2:
        raise _Unsupported(f"{len(cases)} cases (only two are supported)")
    f, t = cases
    if not isinstance(pred, _V):
        p = np.asarray(pred).astype(bool)
        if p.all():
            return t
        if not p.any():
            return f
        return _select_const(im, p, f, t)
    # jnp indexing's wrap of negative indices: select_n(i < 0, i, i + n).
    ops = _src(pred, "lt")
    if ops is not None and ops[0] is f and _scalar(ops[1]) == 0 and _src(t, "add") and _src(t, "add")[0] is f:
        return f  # xf.gather reports a negative index as an execution error instead of wrapping
    like = next((c for c in (t, f) if isinstance(c, _V)), None)
    if like is None:
        like = im.val(np.asarray(t).astype(np.float32))
    if like.is_int or like.is_bool:
        like = _f32(im, like)
    p = _f32(im, pred)
    not_p = im.b.binary("sub", im.val(np.float32(1), p), p)
    r = im.b.binary("add", _selected(im, t, p, like), _selected(im, f, not_p, like))
    r.is_bool = all((c.is_bool if isinstance(c, _V) else np.asarray(c).dtype == np.bool_) for c in cases)
    return r


def _select_const(im, p, f, t):
    """select_n with a constant predicate: x * keep + constant fill, or an
    additive mask on attention scores."""
    if isinstance(f, _V) and isinstance(t, _V):
        keep = im.val(p.astype(np.float32), f)
        drop = im.val((~p).astype(np.float32), f)
        return im.b.binary("add", im.b.binary("mul", t, keep), im.b.binary("mul", f, drop))
    x, fill, keep = (t, np.broadcast_to(np.asarray(f), p.shape), p) if isinstance(t, _V) else \
        (f, np.broadcast_to(np.asarray(t), p.shape), ~p)
    add = np.where(keep, 0, fill.astype(np.float64)).astype(_NP[x.dt] if x.dt in _NP else np.float32)
    if x.scores is not None:
        return x.scores.masked(im, keep, add, x)
    r = im.b.binary("mul", x, im.val(keep.astype(np.float32), x))
    return im.b.binary("add", r, im.val(add, x))


# -- layout --------------------------------------------------------------------

@_h("convert_element_type")
def _convert(im, eqn, x, new_dtype=None, **_):
    want = np.dtype(new_dtype)
    if want == np.bool_:
        if x.is_bool:
            return x
        d = _f32(im, x)
        r = _step(im, im.b.binary("max", d, im.b.unary("neg", d)))
        r.is_bool = True
        return r
    if want.kind in "iu":
        if x.is_int or x.is_bool:
            if x.dt in ("i32", "i64"):
                return x
            r = _f32(im, x)
            r.is_int, r.is_bool = True, False
            return r
        raise _Unsupported(f"conversion of a float tensor to {want}")
    dt = _DT.get(want)
    if dt is None:
        raise _Unsupported(f"conversion to {want}")
    r = im.b.cast(x, dt)
    r.is_int = r.is_bool = False
    if r is not x:
        r.src = ("convert", (x,), {})
        # A softmax taken in f32 on bf16 scores (and cast back) is still the
        # fused attention, which keeps its scores in f32 anyway.
        if x.scores is not None and dt == "f32":
            r.scores = x.scores
        if x.probs is not None:
            r.probs = x.probs
    return r


@_h("reshape")
def _reshape(im, eqn, x, *dyn, new_sizes=None, dimensions=None, **_):
    if dimensions is not None:
        raise _Unsupported("reshape with dimensions (a transposing reshape)")
    r = im.b.reshape(x, new_sizes)
    rep = x.repeat_of
    if rep is not None:
        base, axis, n = rep
        merged = base.shape[:axis] + (base.shape[axis] * n,) + base.shape[axis + 1:]
        if r.shape == merged:
            r.repeat_of = rep
    return r


@_h("squeeze")
def _squeeze(im, eqn, x, dimensions=(), **_):
    return im.b.reshape(x, eqn.outvars[0].aval.shape)


@_h("expand_dims")
def _expand_dims(im, eqn, x, dimensions=(), **_):
    return im.b.reshape(x, eqn.outvars[0].aval.shape)


@_h("transpose")
def _transpose(im, eqn, x, permutation=(), **_):
    return im.b.transpose(x, permutation)


@_h("broadcast_in_dim")
def _broadcast_in_dim(im, eqn, x, *dyn, shape=(), broadcast_dimensions=(), **_):
    kept = [1] * len(shape)
    for src_axis, dst_axis in enumerate(broadcast_dimensions):
        kept[dst_axis] = x.shape[src_axis]
    r = im.b.broadcast(im.b.reshape(x, kept), shape)
    # jnp.repeat(k, n, axis=h) is broadcast_in_dim [.., h, 1, ..] -> [.., h, n, ..]
    # then a reshape merging the two: remember it so attention reads k itself.
    new = [a for a in range(len(shape)) if a not in broadcast_dimensions]
    if len(new) == 1 and new[0] > 0 and r is not x and len(shape) == 5:
        r.repeat_of = (x, new[0] - 1, shape[new[0]])
    return r


@_h("concatenate")
def _concatenate(im, eqn, *xs, dimension=0):
    like = next(x for x in xs if isinstance(x, _V))
    return im.b.concat([im.val(x, like) for x in xs], int(dimension))


@_h("stack")
def _stack(im, eqn, *xs, axis=0):
    # jnp.stack: each operand gains a size-1 axis, then one concat along it
    # (interleaved rope stacks its rotated halves on a new last axis).
    like = next(x for x in xs if isinstance(x, _V))
    axis = int(axis)
    parts = []
    for x in xs:
        v = im.val(x, like)
        parts.append(im.b.reshape(v, v.shape[:axis] + (1,) + v.shape[axis:]))
    return im.b.concat(parts, axis)


@_h("slice")
def _slice(im, eqn, x, start_indices=(), limit_indices=(), strides=None):
    strides = strides or (1,) * len(x.shape)
    sizes = [max(0, -(-(hi - lo) // s)) for lo, hi, s in zip(start_indices, limit_indices, strides)]
    return im.b.slice(x, start_indices, sizes, strides)


@_h("dynamic_slice")
def _dynamic_slice(im, eqn, x, *idx, slice_sizes=()):
    if any(isinstance(i, _V) for i in idx):
        raise _Unsupported("start indices computed on the device")
    # jax clamps the start so the slice stays inside the operand.
    starts = [min(max(int(np.asarray(i)), 0), d - s) for i, d, s in zip(idx, x.shape, slice_sizes)]
    return im.b.slice(x, starts, slice_sizes, [1] * len(slice_sizes))


@_h("split")
def _split(im, eqn, x, sizes=(), axis=0):
    outs, start = [], 0
    for s in sizes:
        offsets = [0] * len(x.shape)
        offsets[axis] = start
        shape = list(x.shape)
        shape[axis] = int(s)
        outs.append(im.b.slice(x, offsets, shape, [1] * len(shape)))
        start += int(s)
    return outs


@_h("gather")
def _gather(im, eqn, table, idx, dimension_numbers=None, slice_sizes=(), mode=None, fill_value=None, **_):
    # Lookups along one axis `a` (table[ids] rows, x[:, ids], x[..., ids, :]
    # with ids from the program or constant): the table transposed so `a`
    # leads, an xf.gather of rows, and the result's dimensions put where
    # dimension_numbers say (offset_dims: the table's other dimensions, in
    # order; the rest: the index dimensions).
    dn = dimension_numbers
    rank = len(table.shape)
    smap = tuple(int(d) for d in dn.start_index_map)
    a = smap[0] if len(smap) == 1 else None
    ishape = tuple(np.shape(idx))
    one_axis = (a is not None and tuple(dn.collapsed_slice_dims) == (a,)
                and all(int(s) == (1 if d == a else table.shape[d]) for d, s in enumerate(slice_sizes))
                and len(ishape) >= 1 and ishape[-1] == 1
                and not getattr(dn, "operand_batching_dims", ()))
    if not one_axis:
        raise _Unsupported(f"only lookups along one axis (table[ids], x[:, ids]) are supported, got {dn}")
    if not isinstance(table, _V):
        table = im.val(table)
    if isinstance(idx, _V):
        if idx.dt not in ("i32", "i64"):
            raise _Unsupported("indices computed on the device (xf.gather needs an integer input)")
        ids = im.b.reshape(idx, ishape[:-1])
    else:
        ids_np = np.asarray(idx).reshape(ishape[:-1]).astype(np.int64)
        # jax clamps out-of-range gather indices (mode clip/fill aside):
        # negative python indices were already normalised by jnp.
        ids = im.b.const(np.clip(ids_np, 0, table.shape[a] - 1).astype(np.int32), "i32")
    others = [d for d in range(rank) if d != a]
    t = im.b.transpose(table, [a] + others) if a != 0 else table
    shape = ids.shape + t.shape[1:]
    g = im.b.op(f"xf.gather {t.name}[{ids.name}] : ({_ty(t.shape, t.dt)}, {_ty(ids.shape, ids.dt)}) -> "
                f"{_ty(shape, t.dt)}", [t, ids], shape, t.dt)
    nb, offs = len(ids.shape), [int(d) for d in dn.offset_dims]
    perm, batch = [], 0
    for p in range(len(shape)):
        if p in offs:
            perm.append(nb + offs.index(p))
        else:
            perm.append(batch)
            batch += 1
    return g if perm == list(range(len(shape))) else im.b.transpose(g, perm)


# -- reductions ----------------------------------------------------------------

@_h("reduce_sum")
def _reduce_sum(im, eqn, x, axes=(), **_):
    if x.is_bool or x.is_int:
        x = _f32(im, x)
    r = im.b.reduce("reduce_sum", x, axes)
    r.is_int = x.is_int or x.is_bool
    return r


@_h("reduce_max")
def _reduce_max(im, eqn, x, axes=(), **_):
    r = im.b.reduce("reduce_max", x, axes)
    r.is_bool, r.is_int = x.is_bool, x.is_int
    return r


@_h("reduce_min")
def _reduce_min(im, eqn, x, axes=(), **_):
    r = im.b.unary("neg", im.b.reduce("reduce_max", im.b.unary("neg", x), axes))
    r.is_bool, r.is_int = x.is_bool, x.is_int
    return r


@_h("dot_general")
def _dot_general(im, eqn, a, b, dimension_numbers=None, preferred_element_type=None, **_):
    (lc, rc), (lb, rb) = dimension_numbers
    dt = _out_dt(eqn)
    if isinstance(a, _V) and a.probs is not None and isinstance(b, _V):
        hit = a.probs.apply(im, b, lc, rc, lb, rb, dt)
        if hit is not None:
            return hit
    if isinstance(b, _V) and b.probs is not None and isinstance(a, _V):  # (V^T P^T, as flax writes it)
        hit = b.probs.apply(im, a, rc, lc, rb, lb, dt)
        if hit is not None:
            return im.b.transpose(hit, [0, 1, 3, 2])
    x, y = _operands(im, a, b)
    if dt not in ("f32", "bf16", "f16"):
        raise _Unsupported(f"a {dt} result")
    if x.dt != y.dt:  # jax multiplies f32 by bf16 as f32 (exact widening)
        wide = "f32" if "f32" in (x.dt, y.dt) else dt
        x, y = im.b.cast(x, wide), im.b.cast(y, wide)
    lf = [d for d in range(len(x.shape)) if d not in lc and d not in lb]
    rf = [d for d in range(len(y.shape)) if d not in rc and d not in rb]
    nb = [x.shape[d] for d in lb]
    m = int(np.prod([x.shape[d] for d in lf], dtype=np.int64))
    n = int(np.prod([y.shape[d] for d in rf], dtype=np.int64))
    k = int(np.prod([x.shape[d] for d in lc], dtype=np.int64))
    lhs = im.b.reshape(im.b.transpose(x, list(lb) + lf + list(lc)), nb + [m, k])
    # The rhs as [N, K] read transposed when its contracted axes come last
    # (x @ W^T, q k^T): no transpose op.
    natural_t = list(rb) + rf + list(rc)
    if natural_t == list(range(len(y.shape))) and rf:
        rhs, tr = im.b.reshape(y, nb + [n, k]), True
    else:
        rhs, tr = im.b.reshape(im.b.transpose(y, list(rb) + list(rc) + rf), nb + [k, n]), False
    mm = im.b.matmul(lhs, rhs, tr, dt)
    out = im.b.reshape(mm, eqn.outvars[0].aval.shape)
    if out is not mm and not nb and len(rf) == 1:
        out.flat = mm
    if isinstance(a, _V) and isinstance(b, _V):
        attn = _Attn.of_scores(im, a, b, lc, rc, lb, rb, out)
        if attn is not None:
            out.scores = attn
    return out


# -- fused patterns ------------------------------------------------------------

def _keepdims_source(v):
    """The value under reshapes/broadcasts (a [.., 1] statistic)."""
    while _src(v, "reshape", "broadcast_to") is not None:
        v = _src(v, "reshape", "broadcast_to")[0]
    return v


def _unconverted(v):
    while _src(v, "convert") is not None:
        v = v.src[1][0]
    return v


def _strip(v):
    """v under reshapes, broadcasts and casts."""
    while True:
        w = _unconverted(_keepdims_source(v))
        if w is v:
            return v
        v = w


def _flax_variance(v):
    """x when v = max(0, mean(x^2) - mean(x)^2) (flax's LayerNorm)."""
    ops = _src(_strip(v), "max")
    if ops is None or 0.0 not in [_scalar(o) for o in ops]:
        return None
    d = _src(next((o for o in ops if isinstance(o, _V)), None), "sub")
    if d is None:
        return None
    x = _squared(_mean_operand(d[0]))
    m = _squared(d[1])
    return x if x is not None and _mean_operand(m) is x else None


def _mean_operand(v):
    """y when v = sum(y over its last axis) / D, kept as [..., 1] (jnp.mean
    of bf16 sums in f32: casts around the sum are allowed; the fused norms
    keep their statistics in f32)."""
    ops = _src(_strip(v), "div")
    if ops is None:
        return None
    s = _strip(ops[0])
    red = _src(s, "reduce_sum")
    if red is None or s.src[2]["axes"] != [len(red[0].shape) - 1] or _scalar(ops[1]) != red[0].shape[-1]:
        return None
    return _unconverted(red[0])


def _squared(v):
    """y when v = y * y (square, integer_pow 2 or a product with itself)."""
    if _src(v, "square") is not None:
        return v.src[1][0]
    if _src(v, "integer_pow") is not None and v.src[2]["y"] == 2:
        return v.src[1][0]
    m = _src(v, "mul")
    return m[0] if m is not None and m[0] is m[1] else None


def _centred(v):
    """x when v = x - mean(x) over the last axis."""
    ops = _src(v, "sub")
    if ops is not None and isinstance(ops[0], _V) and _mean_operand(ops[1]) is ops[0]:
        return ops[0]
    return None


def _norm_of(x, arg):
    """(kind, input, eps) when x * rsqrt(arg) (or x / sqrt(arg)) is an
    RMSNorm or a LayerNorm with unit weight: arg = mean(y^2) + eps with
    y = x (RMS; LayerNorm when x is centred) or y another centring of the
    same input (jnp.var), else None."""
    add = _src(_keepdims_source(arg), "add")
    if add is None:
        return None
    stat, eps = (add[0], _scalar(add[1])) if isinstance(add[0], _V) else (add[1], _scalar(add[0]))
    x0 = _centred(x)
    if eps is not None and x0 is not None and _flax_variance(stat) is x0:
        return ("layer_norm", x0, eps)
    base = _squared(_mean_operand(stat))
    if eps is None or base is None:
        return None
    if base is x:
        return ("layer_norm", x0, eps) if x0 is not None else ("rms_norm", x, eps)
    if x0 is not None and _centred(base) is x0:
        return ("layer_norm", x0, eps)
    return None


def _norm(im, x, inv):
    hit = _norm_of(x, inv)
    if hit is None:
        return None
    kind, src, eps = hit
    one = im.val(np.ones(src.shape[-1], _NP[src.dt]))
    zero = im.val(np.zeros(src.shape[-1], _NP[src.dt]))
    r = im.b.norm(kind, src, one, zero if kind == "layer_norm" else None, eps)
    r.unit_norm = (kind, src, eps)
    return r


def _weighted_norm(im, n, w):
    """A unit-weight norm times a constant [D] weight: the weight goes in."""
    if n.unit_norm is None or isinstance(w, _V):
        return None
    w = np.asarray(w)
    if w.shape not in ((n.shape[-1],), (1,) * (len(n.shape) - 1) + (n.shape[-1],)):
        return None
    kind, src, eps = n.unit_norm
    zero = im.val(np.zeros(src.shape[-1], _NP[src.dt]))
    r = im.b.norm(kind, src, im.val(w.reshape(-1).astype(_NP[src.dt])), zero if kind == "layer_norm" else None, eps)
    r.weighted = (kind, src, eps, w.reshape(-1))
    return r


def _biased_norm(im, n, bias):
    hit = n.weighted
    if hit is None or isinstance(bias, _V) or hit[0] != "layer_norm":
        return None
    bias = np.asarray(bias)
    if bias.shape not in ((n.shape[-1],), (1,) * (len(n.shape) - 1) + (n.shape[-1],)):
        return None
    kind, src, eps, w = hit
    return im.b.norm(kind, src, im.val(w.astype(_NP[src.dt])), im.val(bias.reshape(-1).astype(_NP[src.dt])), eps)


def _mul_pattern(im, a, b):
    for x, y in ((a, b), (b, a)):
        if not isinstance(x, _V):
            continue
        if _src(y, "sigmoid") is not None and _src(y, "sigmoid")[0] is x:
            return im.b.unary("silu", x)
        hit = _gelu_erf(im, x, y) or _gelu_tanh(im, x, y)
        if hit is not None:
            return hit
        inv = _src(_keepdims_source(y), "rsqrt")
        if inv is not None:
            hit = _norm(im, x, inv[0])
            if hit is not None:
                return hit
        scaled = _src(y, "mul")  # x * (rsqrt(var + eps) * weight), as flax writes it
        for r, w in ((scaled, scaled[::-1]) if scaled else ()):
            inv = _src(_keepdims_source(r), "rsqrt")
            if inv is not None and not isinstance(w, _V):
                hit = _norm(im, x, inv[0])
                if hit is not None:
                    return _weighted_norm(im, hit, w) or im.b.binary("mul", hit, im.val(w, hit))
        hit = _weighted_norm(im, x, y)
        if hit is not None:
            return hit
        if x.scores is not None and _scalar(y) is not None:
            return x.scores.scaled(im, _scalar(y), x, y)
    return None


def _div_pattern(im, a, b):
    if not isinstance(a, _V) or not isinstance(b, _V):
        if isinstance(a, _V) and a.scores is not None and _scalar(b) is not None:
            return a.scores.scaled(im, 1.0 / _scalar(b), a, b)
        return None
    # softmax: exp(x - max(x)) / sum(exp(x - max(x))) along one axis (a
    # bf16 sum is taken in f32: casts around it are allowed).
    s = _keepdims_source(_unconverted(b))
    red = _src(s, "reduce_sum")
    e = _src(a, "exp")
    if red is not None and _unconverted(red[0]) is a and e is not None and len(s.src[2]["axes"]) == 1:
        axis = s.src[2]["axes"][0]
        sub = _src(e[0], "sub")
        if sub is not None:
            # jax.nn.softmax takes max(-inf, reduce_max(x)).
            mx = _src(_keepdims_source(sub[1]), "max") or (_keepdims_source(sub[1]),)
            mx = next((m for m in mx if _src(m, "reduce_max") is not None), None)
            rm = _src(mx, "reduce_max")
            if rm is not None and rm[0] is sub[0] and mx.src[2]["axes"] == [axis]:
                x = sub[0]
                if x.scores is not None and axis == len(x.shape) - 1:
                    r = im.b.op(f"xf.softmax {x.name} : {_ty(x.shape, x.dt)}", [x], x.shape, x.dt)
                    r.probs = x.scores
                    return r
                return im.b.op(f"xf.softmax {x.name} {{axis = {axis} : i64}} : {_ty(x.shape, x.dt)}",
                               [x], x.shape, x.dt)
    # LayerNorm spelled (x - mean) / sqrt(var + eps).
    sq = _src(_keepdims_source(b), "sqrt")
    if sq is not None:
        return _norm(im, a, sq[0])
    return None


def _half(v, x, upper):
    """True when v = x[..., D/2:] (upper) or x[..., :D/2] along the last axis."""
    if _src(v, "slice") is None or v.src[1][0] is not x or set(v.src[2]["strides"]) != {1}:
        return False
    d = x.shape[-1]
    want = [0] * (len(x.shape) - 1) + [d // 2 if upper else 0]
    return d % 2 == 0 and v.shape == x.shape[:-1] + (d // 2,) and v.src[2]["offsets"] == want


def _rope(im, a, b):
    """x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x[..., D/2:],
    x[..., :D/2]), with constant tables of shape [S, D] (leading 1s
    allowed): xf.rope."""
    for u, w in ((a, b), (b, a)):
        m1, m2 = _src(u, "mul"), _src(w, "mul")
        if m1 is None or m2 is None:
            continue
        for x, cos in (m1, m1[::-1]):
            for rot, sin in (m2, m2[::-1]):
                cat = _src(rot, "concat")
                if not isinstance(x, _V) or isinstance(cos, _V) or isinstance(sin, _V) or cat is None or \
                        len(cat) != 2 or rot.src[2]["axis"] != len(x.shape) - 1 or len(x.shape) < 2:
                    continue
                neg = _src(cat[0], "neg")
                if neg is None or not _half(neg[0], x, True) or not _half(cat[1], x, False):
                    continue
                tables = [np.asarray(t) for t in (cos, sin)]
                sd = x.shape[-2:]
                if any(t.ndim > len(x.shape) or t.shape[-2:] != sd or any(d != 1 for d in t.shape[:-2])
                       for t in tables):
                    continue
                c, s = (im.val(t.reshape(sd).astype(_NP[x.dt])) for t in tables)
                return im.b.op(f"xf.rope {x.name}, {c.name}, {s.name} : ({_ty(x.shape, x.dt)}, {_ty(sd, x.dt)}, "
                               f"{_ty(sd, x.dt)}) -> {_ty(x.shape, x.dt)}", [x, c, s], x.shape, x.dt)
    return None


def _add_pattern(im, a, b):
    if isinstance(a, _V) and isinstance(b, _V):
        return _rope(im, a, b)
    for x, y in ((a, b), (b, a)):
        if isinstance(x, _V) and not isinstance(y, _V):
            hit = _biased_norm(im, x, y)
            if hit is not None:
                return hit
            if x.scores is not None:
                add = np.broadcast_to(np.asarray(y), x.shape)
                return x.scores.masked(im, None, add, x)
    return None


_PATTERNS = {"mul": _mul_pattern, "div": _div_pattern, "add": _add_pattern}


_HALF_ULP = {"f32": 2.0 ** -24, "bf16": 2.0 ** -8, "f16": 2.0 ** -11}


def _times(v, c):
    """x when v = x * c' with c' the constant c rounded to v's type (jax
    rounds gelu's constants to bf16 in bf16; the fused op keeps them exact)."""
    ops = _src(v, "mul")
    if ops is None:
        return None
    tol = 2 * _HALF_ULP.get(v.dt, 2.0 ** -24)
    for x, y in (ops, ops[::-1]):
        s = _scalar(y)
        if isinstance(x, _V) and s is not None and abs(s - c) <= tol * abs(c):
            return x
    return None


def _gelu_erf(im, x, y):
    """0.5 x * erfc(-x / sqrt 2) (jax.nn.gelu(approximate=False)) or
    x * 0.5 * (1 + erf(x / sqrt 2))."""
    half = _times(x, 0.5)
    e = _src(y, "erfc")
    if half is not None and e is not None:
        inner = _times(e[0], 1 / math.sqrt(2))
        neg = _src(inner, "neg") if inner is not None else None
        if neg is not None and neg[0] is half:
            return im.b.unary("gelu", half)
    return None


def _gelu_tanh(im, x, y):
    """x * (0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))) (jax.nn.gelu)."""
    inner = _times(y, 0.5)
    add = _src(inner, "add")
    if add is None:
        return None
    th = next((_src(o, "tanh") for o in add if _src(o, "tanh")), None)
    if th is None or 1.0 not in [_scalar(o) for o in add]:
        return None
    poly = _times(th[0], math.sqrt(2 / math.pi))
    p = _src(poly, "add")
    if p is None:
        return None
    for u, w in (p, p[::-1]):
        cube = _times(w, 0.044715)
        if u is x and cube is not None and _src(cube, "integer_pow") and cube.src[2]["y"] == 3 and \
                cube.src[1][0] is x:
            return im.b.unary("gelu", x, "approximate = tanh ")
    return None


class _Attn:
    """Attention spelled out: S = (Q K^T) * scale (+ constant mask), P =
    softmax(S), O = P V -> one xf.attention (flash attention on the device)."""

    def __init__(self, q, k, scale=1.0, add=None, causal=False):
        self.q, self.k, self.scale, self.add, self.causal = q, k, scale, add, causal

    @staticmethod
    def of_scores(im, a, b, lc, rc, lb, rb, out):
        if len(a.shape) != 4 or len(b.shape) != 4 or len(lc) != 1 or len(lb) != 2:
            return None
        lf = [d for d in range(4) if d not in lc and d not in lb]
        rf = [d for d in range(4) if d not in rc and d not in rb]
        q = im.b.transpose(a, list(lb) + lf + list(lc))
        k = im.b.transpose(b, list(rb) + rf + list(rc))
        return _Attn(q, k)

    def _with(self, **kw):
        r = _Attn(self.q, self.k, self.scale, self.add, self.causal)
        r.__dict__.update(kw)
        return r

    def scaled(self, im, c, x, y):
        r = im.b.binary("mul", x, im.val(np.asarray(c, _NP[x.dt]), x))
        if self.add is None:
            r.scores = self._with(scale=self.scale * c)
        return r

    def masked(self, im, keep, add, x):
        """x + add, or x where keep else add (x: these scores)."""
        add = np.asarray(add, np.float64)
        if keep is not None:
            r = im.b.binary("add", im.b.binary("mul", x, im.val(keep.astype(np.float32), x)), im.val(add, x))
        else:
            r = im.b.binary("add", x, im.val(add.astype(_NP[x.dt]), x))
        total = add if self.add is None else self.add + add
        r.scores = self._with(add=total)
        return r

    def apply(self, im, v, lc, rc, lb, rb, dt):
        """P V as xf.attention, or None when the layout is not P [B, H, Sq, Sk] V [B, H, Sk, Dv]."""
        if len(v.shape) != 4 or tuple(lc) != (3,) or tuple(lb) != (0, 1) or len(rc) != 1 or len(rb) != 2:
            return None
        rf = [d for d in range(4) if d not in rc and d not in rb]
        v = im.b.transpose(v, list(rb) + list(rc) + rf)
        q, k = self.q, self.k
        k, v = _unrepeated(im, k, q), _unrepeated(im, v, q)
        if q.dt != k.dt or q.dt != v.dt or q.dt != dt or k.shape[0] != q.shape[0] or k.shape[0] != v.shape[0] \
                or k.shape[1:3] != v.shape[1:3] or q.shape[1] % k.shape[1] or q.shape[3] != k.shape[3]:
            return None
        causal, bias = False, None
        if self.add is not None:
            sq, sk = q.shape[2], k.shape[2]
            hidden = self.add <= -0.5 * float(np.finfo(np.float32).max) if q.dt == "f32" else \
                self.add <= -0.5 * float(ml_dtypes.finfo(_NP[q.dt]).max)
            hidden = hidden | np.isneginf(self.add)
            upper = np.triu(np.ones((sq, sk), bool), 1 + sk - sq)
            rest = np.where(hidden, 0.0, self.add)
            if (hidden == upper).all() and not rest.any():
                causal = True
            else:
                b = np.broadcast_to(self.add, q.shape[:3] + k.shape[2:3])
                for axis in range(3):  # [B or 1, H or 1, Sq or 1, Sk]
                    first = np.take(b, [0], axis=axis)
                    if (b == first).all():
                        b = first
                bias = im.val(np.asarray(b, np.float32).astype(_NP[q.dt]))
        attrs = [f"scale = {self.scale:.9e} : f32"]
        if causal:
            attrs.append("causal = true")
        ops = [q, k, v] + ([bias] if bias is not None else [])
        tys = ", ".join(_ty(o.shape, o.dt) for o in ops)
        shape = q.shape[:3] + v.shape[3:]
        bias_text = f" bias {bias.name}" if bias is not None else ""
        return im.b.op(f"xf.attention {q.name}, {k.name}, {v.name}{bias_text} {{{', '.join(attrs)}}} : ({tys}) -> {_ty(shape, dt)}",
                       ops, shape, dt)


def _unrepeated(im, kv, q):
    """K or V [B, H, S, D] repeated from [B, Hkv, S, D] by jnp.repeat along
    the heads: the un-repeated tensor (xf.attention maps query head h to
    K/V head h / (H / Hkv))."""
    rep = kv.repeat_of
    if rep is None:
        return kv
    base, axis, n = rep
    if axis == 1 and len(base.shape) == 4 and base.shape[1] * n == q.shape[1]:
        return base
    return kv


def convert(closed, input_mask, consts):
    """xf text, resources, inputs and results of a ClosedJaxpr whose invars
    flagged in `input_mask` are inputs and the others the `consts` given."""
    im = Importer()
    args, it, env_args = [], iter(consts), []
    for i, (var, is_input) in enumerate(zip(closed.jaxpr.invars, input_mask)):
        if is_input:
            dt = _DT.get(np.dtype(var.aval.dtype))
            if dt is None:
                raise TypeError(f"input {i}: dtype {var.aval.dtype} is not supported (f32, bf16, f16, i32, i64)")
            v = _V(f"%arg{len(args)}", var.aval.shape, dt)
            args.append(v)
            env_args.append(v)
        else:
            env_args.append(np.asarray(next(it)))
    outs = im.jaxpr(closed.jaxpr, closed.consts, env_args)
    if im.unsupported:
        raise UnsupportedPrimitiveError(im.unsupported)
    results = [im.val(o) for o in outs]
    results = [im.b.cast(r, "f32") if r.dt in ("i32", "i64") and r.is_int is False else r for r in results]
    return im.b.text(args, results), im.b.resources, args, results
