"""torch.export graphs to xf MLIR text.

Every node whose inputs are all constants (weights, buffers, shapes, masks
built from arange/compare/cumsum, rotary cos/sin tables) is evaluated by
torch itself and becomes a constant; everything that depends on a user input
is translated to xf ops. Unsupported operators are collected, with their
source locations, and reported all at once.
"""
from __future__ import annotations

import math
import operator
import struct

import numpy as np
import torch

_DT = {torch.float32: "f32", torch.bfloat16: "bf16", torch.float16: "f16",
       torch.int64: "i64", torch.int32: "i32", torch.float8_e4m3fn: "f8E4M3FN",
       torch.float8_e5m2: "f8E5M2"}
_ALIGN = {"f32": 4, "bf16": 2, "f16": 2, "i64": 8, "i32": 4, "f8E4M3FN": 1, "f8E5M2": 1}


class UnsupportedOperatorError(NotImplementedError):
    """Raised with the list of every operator the importer cannot translate."""

    def __init__(self, items):
        self.items = items
        lines = "\n".join(f"  {op} at {loc}" for op, loc in items)
        super().__init__(f"{len(items)} unsupported operator use(s):\n{lines}")


class _V:
    """An SSA value of the xf function being built."""

    def __init__(self, name, shape, dt, is_bool=False):
        self.name, self.shape, self.dt = name, tuple(int(d) for d in shape), dt
        # torch.bool values are carried as 0.0 / 1.0 in f32 (xf has no i1).
        self.is_bool = is_bool
        # A [B, *, *, Sk] bool mask known to be `key_pad[b, k]` (a [B, Sk]
        # input-derived value) and `const_mask` (a constant, or None): such
        # a mask becomes the fused attention's key bias.
        self.key_pad = None
        self.const_mask = None


def _ty(shape, dt):
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{dt}>" if dims else f"tensor<{dt}>"


def _loc(node):
    trace = node.meta.get("stack_trace")
    if trace:
        frames = [l.strip() for l in trace.strip().splitlines() if l.strip().startswith("File ")]
        if frames:
            return frames[-1]
    return f"node {node.name}"


class _Builder:
    def __init__(self):
        self.lines = []
        self.resources = []
        self.n = 0
        self.consts = {}
        self.alive = []

    def op(self, text, shape, dt, like=None):
        """A new value; `like` (for layout ops) passes on its bool flag."""
        self.n += 1
        name = f"%v{self.n}"
        self.lines.append(f"  {name} = {text}")
        return _V(name, shape, dt, is_bool=like is not None and like.is_bool)

    # -- constants ----------------------------------------------------------
    def const(self, t: torch.Tensor, dt=None):
        t = t.detach().contiguous()
        dt = dt or _DT.get(t.dtype)
        if t.dtype == torch.bool:
            t, dt = t.to(torch.float32), dt if dt and dt != "i1" else "f32"
        if dt is None:
            raise TypeError(f"unsupported constant dtype {t.dtype}")
        key = (t.data_ptr(), tuple(t.shape), str(t.dtype), dt, t.storage_offset())
        if key in self.consts:
            return self.consts[key]
        # Keep the tensor alive so its address is never reused by another.
        self.alive.append(t)
        tt = _torch_dtype(dt)
        t = t.to(tt)
        shape = tuple(t.shape)
        flat = t.reshape(-1)
        if flat.numel() > 0 and bool((flat == flat[0]).all()) and not _isnan_any(flat):
            attr = f"dense<{_scalar_text(flat[0], dt)}>"
        else:
            name = f"c{len(self.resources)}"
            raw = _raw_bytes(t)
            blob = struct.pack("<I", _ALIGN[dt]) + raw
            self.resources.append(f'      {name}: "0x{blob.hex().upper()}"')
            attr = f"dense_resource<{name}>"
        v = self.op(f"xf.constant {attr} : {_ty(shape, dt)}", shape, dt)
        self.consts[key] = v
        return v

    # -- ops ------------------------------------------------------------------
    def binary(self, kind, a, b):
        shape = tuple(np.broadcast_shapes(a.shape, b.shape))
        return self.op(f"xf.{kind} {a.name}, {b.name} : ({_ty(a.shape, a.dt)}, {_ty(b.shape, b.dt)}) -> "
                       f"{_ty(shape, a.dt)}", shape, a.dt)

    def unary(self, kind, a, attrs=""):
        return self.op(f"xf.{kind} {a.name} {attrs}: {_ty(a.shape, a.dt)}", a.shape, a.dt)

    def cast(self, a, dt):
        if a.dt == dt:
            return a
        return self.op(f"xf.cast {a.name} : {_ty(a.shape, a.dt)} to {_ty(a.shape, dt)}", a.shape, dt)

    def reshape(self, a, shape):
        shape = tuple(int(s) for s in shape)
        if shape == a.shape:
            return a
        return self.op(f"xf.reshape {a.name} : ({_ty(a.shape, a.dt)}) -> {_ty(shape, a.dt)}", shape, a.dt, a)

    def transpose(self, a, perm):
        perm = [p % len(a.shape) for p in perm]
        if perm == list(range(len(a.shape))):
            return a
        shape = tuple(a.shape[p] for p in perm)
        p = ", ".join(str(i) for i in perm)
        return self.op(f"xf.transpose {a.name} {{permutation = array<i64: {p}>}} : ({_ty(a.shape, a.dt)}) -> "
                       f"{_ty(shape, a.dt)}", shape, a.dt, a)

    def broadcast(self, a, shape):
        shape = tuple(int(s) for s in shape)
        if shape == a.shape:
            return a
        v = self.op(f"xf.broadcast_to {a.name} : ({_ty(a.shape, a.dt)}) -> {_ty(shape, a.dt)}", shape, a.dt, a)
        if a.key_pad is not None and len(shape) == 4 and len(a.shape) == 4 and \
                a.shape[0] == shape[0] and a.shape[3] == shape[3]:
            v.key_pad, v.const_mask = a.key_pad, a.const_mask
        return v

    def slice(self, a, offsets, sizes, strides):
        def arr(xs):
            return ", ".join(str(int(x)) for x in xs)
        return self.op(f"xf.slice {a.name} {{offsets = array<i64: {arr(offsets)}>, sizes = array<i64: {arr(sizes)}>, "
                       f"strides = array<i64: {arr(strides)}>}} : ({_ty(a.shape, a.dt)}) -> {_ty(sizes, a.dt)}",
                       sizes, a.dt, a)

    def matmul(self, a, b, transpose_rhs=False):
        if len(a.shape) == 2 and len(b.shape) == 2:
            n = b.shape[0] if transpose_rhs else b.shape[1]
            shape = (a.shape[0], n)
            attrs = " {transpose_rhs = true}" if transpose_rhs else ""
            return self.op(f"xf.matmul {a.name}, {b.name}{attrs} : ({_ty(a.shape, a.dt)}, {_ty(b.shape, b.dt)}) -> "
                           f"{_ty(shape, a.dt)}", shape, a.dt)
        n = b.shape[-2] if transpose_rhs else b.shape[-1]
        batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        shape = batch + (a.shape[-2], n)
        attrs = " {transpose_rhs = true}" if transpose_rhs else ""
        return self.op(f"xf.batch_matmul {a.name}, {b.name}{attrs} : ({_ty(a.shape, a.dt)}, {_ty(b.shape, b.dt)}) -> "
                       f"{_ty(shape, a.dt)}", shape, a.dt)


def _isnan_any(flat):
    return flat.is_floating_point() and bool(torch.isnan(flat).any())


def _torch_dtype(dt):
    return {v: k for k, v in _DT.items()}[dt]


def _raw_bytes(t):
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy().tobytes()
    if t.dtype in (torch.float8_e4m3fn, torch.float8_e5m2):
        return t.view(torch.uint8).numpy().tobytes()
    return t.numpy().tobytes()


def _scalar_text(x, dt):
    if dt in ("i64", "i32"):
        return str(int(x))
    v = float(x)
    if math.isfinite(v):
        return repr(v) if dt != "f32" else f"{v:.9e}"
    bits = {"f32": ("<f", "<I", "0x{:08X}"), "bf16": None}.get(dt)
    if dt == "f32":
        return "0x{:08X}".format(struct.unpack("<I", struct.pack("<f", v))[0])
    raw = _raw_bytes(torch.tensor([v], dtype=_torch_dtype(dt)))
    return "0x" + raw[::-1].hex().upper()


class Importer:
    def __init__(self, ep):
        self.ep = ep
        self.b = _Builder()
        self.env = {}
        self.unsupported = []

    # Values are _V (graph-dependent), torch.Tensor (constants), or Python data.
    def val(self, x, like=None):
        if isinstance(x, _V):
            return x
        if isinstance(x, torch.Tensor):
            return self.b.const(x)
        if isinstance(x, (int, float, bool)):
            dt = like.dt if like is not None else "f32"
            return self.b.const(torch.tensor(x, dtype=_torch_dtype(dt)), dt)
        raise TypeError(f"unexpected operand {x!r}")

    def lookup(self, a):
        if isinstance(a, torch.fx.Node):
            return self.env[a]
        if isinstance(a, (list, tuple)):
            return type(a)(self.lookup(x) for x in a)
        return a

    def run(self):
        gm = self.ep.graph_module
        sig = self.ep.graph_signature
        from torch.export.graph_signature import InputKind
        specs = {s.arg.name: s for s in sig.input_specs}
        args = []
        for node in gm.graph.nodes:
            if node.op == "placeholder":
                spec = specs.get(node.name)
                if spec is not None and spec.kind != InputKind.USER_INPUT:
                    if spec.kind == InputKind.CONSTANT_TENSOR:
                        self.env[node] = self.ep.constants[spec.target]
                    else:
                        self.env[node] = self.ep.state_dict.get(spec.target,
                                                                self.ep.constants.get(spec.target))
                    continue
                meta = node.meta.get("val")
                if not isinstance(meta, torch.Tensor):
                    raise NotImplementedError(f"input {node.name}: only tensor inputs are supported")
                if any(not isinstance(d, int) for d in meta.shape):
                    raise NotImplementedError(f"input {node.name}: dynamic shapes are not supported")
                dt = _DT.get(meta.dtype)
                if dt is None:
                    raise NotImplementedError(f"input {node.name}: dtype {meta.dtype} is not supported")
                v = _V(f"%{node.name}", meta.shape, dt)
                args.append(v)
                self.env[node] = v
            elif node.op == "call_function":
                self.call(node)
            elif node.op == "output":
                outs = [self.lookup(o) for o in _flatten(node.args[0])]
        if self.unsupported:
            raise UnsupportedOperatorError(self.unsupported)
        results = []
        for o in outs:
            if o is None:
                continue
            if not isinstance(o, _V):
                o = self.val(o)
            results.append(o)
        sig_args = ", ".join(f"{a.name}: {_ty(a.shape, a.dt)}" for a in args)
        rtys = ", ".join(_ty(r.shape, r.dt) for r in results)
        body = "\n".join(self.b.lines)
        text = (f"func.func @main({sig_args}) -> ({rtys}) {{\n{body}\n"
                f"  return {', '.join(r.name for r in results)} : {rtys}\n}}\n")
        if self.b.resources:
            text += "{-#\n  dialect_resources: {\n    builtin: {\n" + ",\n".join(self.b.resources) + \
                    "\n    }\n  }\n#-}\n"
        return text, args, results

    def call(self, node):
        args = self.lookup(node.args)
        kwargs = {k: self.lookup(v) for k, v in node.kwargs.items()}
        target = node.target
        if not any(isinstance(x, _V) for x in _flatten((args, kwargs))):
            # Constant folding: torch evaluates anything that does not depend
            # on a user input (masks, rotary tables, position ids, shapes).
            try:
                self.env[node] = target(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - reported as unsupported
                self.unsupported.append((f"{_name(target)} (constant evaluation failed: {e})", _loc(node)))
                self.env[node] = None
            return
        handler = _HANDLERS.get(_name(target))
        if handler is None:
            self.unsupported.append((_name(target), _loc(node)))
            self.env[node] = _poison(node)
            return
        try:
            self.env[node] = handler(self, node, *args, **kwargs)
        except _Unsupported as e:
            self.unsupported.append((f"{_name(target)} ({e})", _loc(node)))
            self.env[node] = _poison(node)


class _Unsupported(Exception):
    pass


def _poison(node):
    meta = node.meta.get("val")
    if isinstance(meta, torch.Tensor):
        return _V("%poison", tuple(int(d) for d in meta.shape), _DT.get(meta.dtype, "f32"))
    if isinstance(meta, (list, tuple)):
        return [(_V("%poison", tuple(int(d) for d in m.shape), _DT.get(m.dtype, "f32"))
                 if isinstance(m, torch.Tensor) else None) for m in meta]
    return None


def _flatten(x):
    if isinstance(x, (list, tuple)):
        for y in x:
            yield from _flatten(y)
    elif isinstance(x, dict):
        for y in x.values():
            yield from _flatten(y)
    else:
        yield x


def _name(target):
    if target is operator.getitem:
        return "getitem"
    return str(target).replace("aten.", "").replace(".default", "")


# ----------------------------------------------------------------------------- handlers

_HANDLERS = {}


def _h(*names):
    def deco(fn):
        for n in names:
            _HANDLERS[n] = fn
        return fn
    return deco


def _meta_dt(node):
    return _DT.get(node.meta["val"].dtype)


@_h("getitem")
def _getitem(im, node, seq, i):
    return seq[i]


@_h("clone", "contiguous", "alias", "detach", "dropout", "lift_fresh_copy", "alias_copy")
def _identity(im, node, x, *a, **k):
    return x


@_h("_assert_tensor_metadata")
def _assert(im, node, *a, **k):
    return None


@_h("_to_copy", "to.dtype", "to.dtype_layout", "type_as")
def _to(im, node, x, *a, **k):
    x = im.val(x)
    if node.meta["val"].dtype == torch.bool:
        if x.is_bool:
            return x
        if x.dt not in ("i32", "i64"):
            raise _Unsupported("conversion of a float tensor to bool")
        # x != 0 for integers: min(max(x, -x), 1), exact in f32.
        f = im.b.cast(x, "f32")
        a = im.b.binary("max", f, im.b.unary("neg", f))
        return _as_bool(im.b.binary("min", a, im.val(1.0, like=a)))
    return im.b.cast(_numeric(x), _meta_dt(node))


def _as_bool(v):
    v.is_bool = True
    return v


def _numeric(v):
    """A bool value seen as its 0/1 numbers (an alias of the same SSA value)."""
    return _V(v.name, v.shape, v.dt) if v.is_bool else v


def _bool_operands(im, *xs):
    """Operands of a logical op as 0/1 values: graph values must be bools,
    constants are converted."""
    out = []
    for x in xs:
        if isinstance(x, _V):
            if not x.is_bool:
                raise _Unsupported("bitwise operations on integer tensors")
            out.append(x)
        else:
            out.append(im.b.const(torch.as_tensor(x, dtype=torch.bool)))
    return out


@_h("__and__.Tensor", "bitwise_and.Tensor", "logical_and")
def _and(im, node, a, b):
    av, bv = _bool_operands(im, a, b)
    r = _as_bool(im.b.binary("mul", av, bv))
    # key padding & a constant mask: remember both parts.
    for x, other in ((a, b), (b, a)):
        if isinstance(x, _V) and x.key_pad is not None and isinstance(other, torch.Tensor) and \
                len(r.shape) == 4 and r.shape[0] == x.shape[0] and r.shape[3] == x.shape[3]:
            c = other.to(torch.bool)
            r.key_pad = x.key_pad
            r.const_mask = c if x.const_mask is None else (x.const_mask & c)
    return r


@_h("__or__.Tensor", "bitwise_or.Tensor", "logical_or")
def _or(im, node, a, b):
    av, bv = _bool_operands(im, a, b)
    return _as_bool(im.b.binary("max", av, bv))


@_h("bitwise_not", "logical_not")
def _not(im, node, x):
    x = im.val(x)
    if not x.is_bool:
        raise _Unsupported("bitwise not of an integer tensor")
    return _as_bool(im.b.binary("sub", im.val(1.0, like=x), x))


@_h("index.Tensor")
def _index(im, node, x, indices):
    """Advanced indexing with constant index tensors (masks built from
    aranges): a broadcast view of x when the index map is one, else a
    gather of x's elements."""
    x = im.val(x)
    if any(isinstance(i, _V) for i in indices):
        raise _Unsupported("indices that depend on the inputs")
    n = int(np.prod(x.shape)) if x.shape else 1
    flat = torch.arange(n, dtype=torch.int64).reshape(x.shape)
    idx = flat[tuple(slice(None) if i is None else i for i in indices)]  # None: a whole dim
    out = tuple(int(d) for d in idx.shape)
    view = _index_as_view(im, x, idx, out)
    if view is not None:
        return view
    table = im.b.reshape(x, (n, 1))
    ci = im.b.const(idx, "i64")
    g = im.b.op(f"xf.gather {table.name}[{ci.name}] : ({_ty(table.shape, table.dt)}, {_ty(out, 'i64')}) -> "
                f"{_ty(out + (1,), x.dt)}", out + (1,), x.dt, x)
    return im.b.reshape(g, out)


def _index_as_view(im, x, idx, out):
    """x viewed as `out` when idx[o] = sum_d c_d o_d picks every element of
    x's non-unit dims in full (a permutation plus broadcast dims), else None."""
    a = idx.numpy()
    if a.size == 0 or a.reshape(-1)[0] != 0:
        return None
    coefs = []
    for d, size in enumerate(out):
        if size == 1:
            coefs.append(0)
            continue
        at = [0] * len(out)
        at[d] = 1
        coefs.append(int(a[tuple(at)]))
    grid = np.zeros(out, dtype=np.int64)
    for d, c in enumerate(coefs):
        shape = [1] * len(out)
        shape[d] = out[d]
        grid = grid + c * np.arange(out[d]).reshape(shape)
    if not np.array_equal(grid, a):
        return None
    strides = [int(np.prod(x.shape[j + 1:])) for j in range(len(x.shape))]
    used, order = set(), []
    for d, c in enumerate(coefs):
        if c == 0:
            continue
        js = [j for j in range(len(x.shape)) if strides[j] == c and x.shape[j] == out[d] and j not in used]
        if not js:
            return None
        used.add(js[0])
        order.append(js[0])
    if any(x.shape[j] != 1 for j in range(len(x.shape)) if j not in used):
        return None
    keep = [j for j in range(len(x.shape)) if j in used]
    v = im.b.reshape(x, tuple(x.shape[j] for j in keep))
    # Transpose x's used dims into the order the output visits them.
    perm = [keep.index(j) for j in order]
    v = im.b.transpose(v, perm)
    shape = [out[d] if coefs[d] != 0 else 1 for d in range(len(out))]
    v = im.b.broadcast(im.b.reshape(v, tuple(shape)), out)
    # x[b, k] seen as [B, *, *, Sk]: a key padding mask.
    if x.is_bool and len(x.shape) == 2 and len(out) == 4 and order == [0, 1] and \
            coefs[0] != 0 and coefs[3] != 0 and coefs[1] == 0 and coefs[2] == 0:
        v.key_pad = x
    return v


def _binary(kind):
    def fn(im, node, a, b, alpha=1):
        out_dt = _meta_dt(node)
        av = im.val(a, like=b if isinstance(b, _V) else None) if not isinstance(a, _V) else a
        bv = im.val(b, like=a if isinstance(a, _V) else None) if not isinstance(b, _V) else b
        av, bv = im.b.cast(av, out_dt), im.b.cast(bv, out_dt)
        if alpha != 1:
            bv = im.b.binary("mul", bv, im.val(float(alpha), like=bv))
        return im.b.binary(kind, av, bv)
    return fn


for _k, _names in {"add": ("add.Tensor", "add.Scalar"), "sub": ("sub.Tensor", "sub.Scalar"),
                   "mul": ("mul.Tensor", "mul.Scalar"), "div": ("div.Tensor", "div.Scalar"),
                   "max": ("maximum",), "min": ("minimum",)}.items():
    _h(*_names)(_binary(_k))


@_h("rsub.Scalar", "rsub.Tensor")
def _rsub(im, node, a, b, alpha=1):
    return _binary("sub")(im, node, b, a)


def _unary(kind, attrs=""):
    def fn(im, node, x, *a, **k):
        return im.b.unary(kind, im.val(x), attrs)
    return fn


for _k in ("neg", "exp", "log", "tanh", "sqrt", "rsqrt", "sigmoid", "relu", "silu"):
    _h(_k)(_unary(_k))


@_h("gelu")
def _gelu(im, node, x, approximate="none"):
    return im.b.unary("gelu", im.val(x), "approximate = tanh " if approximate == "tanh" else "")


@_h("pow.Tensor_Scalar")
def _pow(im, node, x, e):
    x = im.val(x)
    if e == 1:
        return x
    if e == 2:
        return im.b.binary("mul", x, x)
    if e == 3:
        return im.b.binary("mul", im.b.binary("mul", x, x), x)
    if e == 0.5:
        return im.b.unary("sqrt", x)
    if e == -0.5:
        return im.b.unary("rsqrt", x)
    if e == -1:
        return im.b.binary("div", im.val(1.0, like=x), x)
    raise _Unsupported(f"exponent {e}")


def _reduce(kind):
    def fn(im, node, x, dims=None, keepdim=False, dtype=None):
        x = im.val(x)
        if dims is None:
            dims = list(range(len(x.shape)))
        if isinstance(dims, int):
            dims = [dims]
        dims = [d % len(x.shape) for d in dims]
        out = tuple(int(d) for d in node.meta["val"].shape)
        axes = ", ".join(str(d) for d in dims)
        keep = ", keep_dims = true" if keepdim else ""
        return im.b.op(f"xf.{kind} {x.name} {{axes = array<i64: {axes}>{keep}}} : ({_ty(x.shape, x.dt)}) -> "
                       f"{_ty(out, x.dt)}", out, x.dt)
    return fn


_h("mean.dim", "mean")(_reduce("reduce_mean"))
_h("sum.dim_IntList", "sum")(_reduce("reduce_sum"))
_h("amax")(_reduce("reduce_max"))


@_h("_softmax", "softmax.int")
def _softmax(im, node, x, dim, *a, **k):
    x = im.val(x)
    return im.b.unary("softmax", x, f"{{axis = {dim % len(x.shape)} : i64}} ")


@_h("layer_norm")
def _layer_norm(im, node, x, shape, w=None, b=None, eps=1e-5, *a):
    x = im.val(x)
    if len(shape) != 1:
        raise _Unsupported("normalised shape must be the last dimension")
    d = shape[0]
    w = im.val(w) if w is not None else im.b.const(torch.ones(d), x.dt)
    b = im.val(b) if b is not None else im.b.const(torch.zeros(d), x.dt)
    w, b = im.b.cast(w, x.dt), im.b.cast(b, x.dt)
    return im.b.op(f"xf.layer_norm {x.name}, {w.name}, {b.name} {{eps = {float(eps):e} : f32}} : "
                   f"({_ty(x.shape, x.dt)}, {_ty(w.shape, w.dt)}, {_ty(b.shape, b.dt)}) -> {_ty(x.shape, x.dt)}",
                   x.shape, x.dt)


@_h("rms_norm")
def _rms_norm(im, node, x, shape, w=None, eps=None):
    x = im.val(x)
    d = shape[-1]
    w = im.b.cast(im.val(w), x.dt) if w is not None else im.b.const(torch.ones(d), x.dt)
    eps = 1e-6 if eps is None else eps
    return im.b.op(f"xf.rms_norm {x.name}, {w.name} {{eps = {float(eps):e} : f32}} : "
                   f"({_ty(x.shape, x.dt)}, {_ty(w.shape, w.dt)}) -> {_ty(x.shape, x.dt)}", x.shape, x.dt)


def _shape_of(node):
    return tuple(int(d) for d in node.meta["val"].shape)


@_h("view", "_unsafe_view", "reshape", "unsqueeze", "squeeze.dim", "squeeze.dims", "squeeze", "flatten.using_ints",
    "view_copy", "unflatten")
def _reshape(im, node, x, *a, **k):
    return im.b.reshape(im.val(x), _shape_of(node))


@_h("permute")
def _permute(im, node, x, dims):
    return im.b.transpose(im.val(x), list(dims))


@_h("transpose.int")
def _transpose(im, node, x, d0, d1):
    x = im.val(x)
    perm = list(range(len(x.shape)))
    d0, d1 = d0 % len(perm), d1 % len(perm)
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return im.b.transpose(x, perm)


@_h("t")
def _t(im, node, x):
    return im.b.transpose(im.val(x), [1, 0]) if len(x.shape) == 2 else x


@_h("expand")
def _expand(im, node, x, sizes, *a, **k):
    x = im.val(x)
    out = _shape_of(node)
    if len(x.shape) < len(out):
        x = im.b.reshape(x, (1,) * (len(out) - len(x.shape)) + x.shape)
    return im.b.broadcast(x, out)


@_h("slice.Tensor")
def _slice(im, node, x, dim=0, start=None, end=None, step=1):
    x = im.val(x)
    dim %= len(x.shape)
    n = x.shape[dim]
    start = 0 if start is None else (start + n if start < 0 else min(start, n))
    end = n if end is None else (end + n if end < 0 else min(end, n))
    size = max(0, (end - start + step - 1) // step)
    if start == 0 and size == n and step == 1:
        return x
    offs = [0] * len(x.shape)
    sizes = list(x.shape)
    strides = [1] * len(x.shape)
    offs[dim], sizes[dim], strides[dim] = start, size, step
    return im.b.slice(x, offs, sizes, strides)


@_h("select.int")
def _select(im, node, x, dim, index):
    x = im.val(x)
    dim %= len(x.shape)
    index %= x.shape[dim]
    offs = [0] * len(x.shape)
    sizes = list(x.shape)
    offs[dim], sizes[dim] = index, 1
    s = im.b.slice(x, offs, sizes, [1] * len(x.shape))
    return im.b.reshape(s, _shape_of(node))


@_h("split.Tensor", "split_with_sizes")
def _split(im, node, x, size, dim=0):
    x = im.val(x)
    dim %= len(x.shape)
    sizes = size if isinstance(size, (list, tuple)) else \
        [min(size, x.shape[dim] - i) for i in range(0, x.shape[dim], size)]
    outs, pos = [], 0
    for s in sizes:
        offs = [0] * len(x.shape)
        shp = list(x.shape)
        offs[dim], shp[dim] = pos, s
        outs.append(im.b.slice(x, offs, shp, [1] * len(x.shape)))
        pos += s
    return outs


@_h("cat")
def _cat(im, node, xs, dim=0):
    vs = [im.val(x) for x in xs]
    out_dt = _meta_dt(node)
    vs = [im.b.cast(v, out_dt) for v in vs if 0 not in v.shape]
    if len(vs) == 1:
        return vs[0]
    dim %= len(vs[0].shape)
    out = _shape_of(node)
    names = ", ".join(v.name for v in vs)
    tys = ", ".join(_ty(v.shape, v.dt) for v in vs)
    return im.b.op(f"xf.concat {names} {{axis = {dim} : i64}} : ({tys}) -> {_ty(out, out_dt)}", out, out_dt)


@_h("embedding")
def _embedding(im, node, w, idx, *a):
    w, idx = im.val(w), im.val(idx)
    out = _shape_of(node)
    return im.b.op(f"xf.gather {w.name}[{idx.name}] : ({_ty(w.shape, w.dt)}, {_ty(idx.shape, idx.dt)}) -> "
                   f"{_ty(out, w.dt)}", out, w.dt)


def _as2d(im, x):
    if len(x.shape) == 2:
        return x
    return im.b.reshape(x, (int(np.prod(x.shape[:-1])), x.shape[-1]))


@_h("linear")
def _linear(im, node, x, w, b=None):
    x, w = im.val(x), im.b.cast(im.val(w), _meta_dt(node))
    y = im.b.matmul(_as2d(im, x), w, transpose_rhs=True)
    if b is not None:
        y = im.b.binary("add", y, im.b.cast(im.val(b), y.dt))
    return im.b.reshape(y, _shape_of(node))


@_h("addmm")
def _addmm(im, node, bias, x, w, beta=1, alpha=1):
    if beta != 1 or alpha != 1:
        raise _Unsupported("beta/alpha other than 1")
    y = im.b.matmul(im.val(x), im.val(w))
    return im.b.binary("add", y, im.val(bias))


@_h("mm")
def _mm(im, node, a, b):
    return im.b.matmul(im.val(a), im.val(b))


@_h("bmm", "matmul")
def _bmm(im, node, a, b):
    a, b = im.val(a), im.val(b)
    if len(a.shape) == 2 and len(b.shape) == 2:
        return im.b.matmul(a, b)
    if len(a.shape) >= 3 and len(b.shape) == 2:
        y = im.b.matmul(_as2d(im, a), b)
        return im.b.reshape(y, _shape_of(node))
    if len(b.shape) < 3:
        raise _Unsupported("matmul with a 1-D operand")
    return im.b.matmul(a, b)


def _mask_kind(mask, sq, sk):
    """'none' if the mask hides nothing, 'causal' if it is the bottom-right
    aligned causal mask, else None."""
    m = mask
    if m.dtype != torch.bool:
        m = m == 0  # additive float mask: 0 keeps, -inf hides
    m = torch.broadcast_to(m, m.shape[:-2] + (sq, sk)) if m.dim() >= 2 else m
    if bool(m.all()):
        return "none"
    causal = torch.ones(sq, sk, dtype=torch.bool).tril(sk - sq)
    if bool((m == causal).all()):
        return "causal"
    return None


@_h("scaled_dot_product_attention")
def _sdpa(im, node, q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    q, k, v = im.val(q), im.val(k), im.val(v)
    if len(q.shape) != 4:
        raise _Unsupported("attention needs [B, H, S, D] operands")
    causal = bool(is_causal)
    if attn_mask is not None:
        if isinstance(attn_mask, _V):
            fused = _key_bias_of(im, attn_mask, q, k)
            if fused is None:
                return _sdpa_decomposed(im, node, q, k, v, attn_mask, causal, scale)
            bias, mask_causal = fused
            return _attention(im, node, q, k, v, causal or mask_causal, scale, bias)
        kind = _mask_kind(attn_mask, q.shape[2], k.shape[2])
        if kind is None:
            raise _Unsupported("a mask that is neither empty nor causal")
        causal = causal or kind == "causal"
    return _attention(im, node, q, k, v, causal, scale)


def _attention(im, node, q, k, v, causal, scale, bias=None):
    attrs = [f"causal = {'true' if causal else 'false'}"]
    if scale is not None:
        attrs.append(f"scale = {float(scale):e} : f32")
    out = _shape_of(node)
    kb = f" key_bias {bias.name}" if bias is not None else ""
    kbt = f", {_ty(bias.shape, bias.dt)}" if bias is not None else ""
    return im.b.op(f"xf.attention {q.name}, {k.name}, {v.name}{kb} {{{', '.join(attrs)}}} : "
                   f"({_ty(q.shape, q.dt)}, {_ty(k.shape, k.dt)}, {_ty(v.shape, v.dt)}{kbt}) -> "
                   f"{_ty(out, q.dt)}", out, q.dt)


def _key_bias_of(im, mask, q, k):
    """(key bias [B, Sk], causal) for a key padding mask combined with a
    constant empty or causal mask, else None."""
    kp = mask.key_pad
    if kp is None or kp.shape != (q.shape[0], k.shape[2]):
        return None
    kind = "none" if mask.const_mask is None else _mask_kind(mask.const_mask, q.shape[2], k.shape[2])
    if kind is None:
        return None
    m = im.b.cast(_numeric(kp), q.dt)
    big = min(1e30, float(torch.finfo(_torch_dtype(q.dt)).max))
    bias = im.b.binary("mul", im.b.binary("sub", m, im.val(1.0, like=m)), im.val(big, like=m))
    return bias, kind == "causal"


def _sdpa_decomposed(im, node, q, k, v, mask, causal, scale):
    """Attention with a mask computed from the inputs (padding masks): the
    scores are materialised, softmax(q k^T * scale + bias) v, with bias 0
    where the mask keeps a key and the most negative finite value of the
    type where it hides one (a float mask is the bias itself)."""
    b_, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    if hq != hkv:  # grouped-query: repeat each key/value head for its group
        g = hq // hkv
        def rep(t):
            t5 = im.b.reshape(t, (b_, hkv, 1) + t.shape[2:])
            return im.b.reshape(im.b.broadcast(t5, (b_, hkv, g) + t.shape[2:]), (b_, hq) + t.shape[2:])
        k, v = rep(k), rep(v)
    s = im.b.matmul(q, k, transpose_rhs=True)
    s = im.b.binary("mul", s, im.val(float(scale) if scale is not None else 1.0 / math.sqrt(d), like=s))
    neg = float(torch.finfo(_torch_dtype(q.dt)).min)
    if mask.is_bool:
        m = im.b.cast(_numeric(mask), q.dt)
        bias = im.b.binary("mul", im.b.binary("sub", m, im.val(1.0, like=m)), im.val(-neg, like=m))
    else:
        bias = im.b.cast(mask, q.dt)
    s = im.b.binary("add", s, bias)
    if causal:
        keep = torch.ones(sq, sk, dtype=torch.bool).tril(sk - sq)
        s = im.b.binary("add", s, im.b.const(torch.where(keep, 0.0, neg), q.dt))
        # Two biases may sum past the type's range: stay finite, so a row
        # with every key hidden is uniform rather than NaN.
        s = im.b.binary("max", s, im.val(neg, like=s))
    p = im.b.unary("softmax", s, "{axis = 3 : i64} ")
    out = im.b.matmul(p, v)
    return im.b.reshape(out, _shape_of(node))


class _Bound(torch.nn.Module):
    """Binds non-tensor keyword arguments (use_cache=False, ...) so that only
    tensors become inputs of the exported graph."""

    def __init__(self, module, fixed):
        super().__init__()
        self.module = module
        self.fixed = fixed

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs, **self.fixed)


def to_xf(module, example_inputs, example_kwargs=None):
    """torch.nn.Module -> (xf MLIR text, input specs, output specs)."""
    kwargs = dict(example_kwargs or {})
    fixed = {k: v for k, v in kwargs.items() if not isinstance(v, torch.Tensor)}
    tensors = {k: v for k, v in kwargs.items() if isinstance(v, torch.Tensor)}
    if hasattr(module, "eval"):
        module = module.eval()
    if fixed:
        module = _Bound(module, fixed)
    ep = torch.export.export(module, tuple(example_inputs), tensors)
    ep = ep.run_decompositions({})
    text, args, results = Importer(ep).run()
    return text, [(a.shape, a.dt) for a in args], [(r.shape, r.dt) for r in results]
