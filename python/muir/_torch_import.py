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
        # An integer tensor computed on the device is carried exactly in f32
        # (xf casts only to float types): |values| < 2**24.
        self.is_int = False
        # A [B, *, *, Sk] bool mask known to be `key_pad[b, k]` (a [B, Sk]
        # input-derived value) and `const_mask` (a constant, or None): such
        # a mask becomes the fused attention's key bias.
        self.key_pad = None
        self.const_mask = None
        # x.transpose(-1, -2) of the value `t_of` (a key as K^T).
        self.t_of = None
        # Attention spelled out (Q K^T * scale + biases, softmax, @ V): the
        # `_Scores` this value is (stage "scores") or its softmax ("probs").
        self.attn = None
        # (parts, axis) when this value is their concatenation.
        self.concat_of = None
        # Heads repeated for grouped-query attention (repeat_kv's
        # unsqueeze/expand/reshape, repeat_interleave): `inserted_of` =
        # (x, axis) for x with a size-1 axis inserted, `repeat_pending` =
        # (x, axis, n) for that axis broadcast to n, `repeat_of` = (x, axis,
        # n) for x with each entry along `axis` repeated n times.
        self.inserted_of = self.repeat_pending = self.repeat_of = None


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
        self.resources = {}  # dense_resource name -> its bytes (a NumPy view)
        self.n = 0
        self.consts = {}
        self.alive = []

    def op(self, text, shape, dt, like=None):
        """A new value; `like` (for layout ops) passes on its bool flag."""
        self.n += 1
        name = f"%v{self.n}"
        self.lines.append(f"  {name} = {text}")
        v = _V(name, shape, dt, is_bool=like is not None and like.is_bool)
        v.is_int = like is not None and like.is_int
        return v

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
            self.alive.append(t)
            self.resources[name] = _raw_array(t)
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
        v = self.op(f"xf.reshape {a.name} : ({_ty(a.shape, a.dt)}) -> {_ty(shape, a.dt)}", shape, a.dt, a)
        inserted = [j for j in range(len(shape)) if shape[j] == 1 and shape[:j] + shape[j + 1:] == a.shape]
        if len(shape) == len(a.shape) + 1 and inserted:
            v.inserted_of = (a, inserted[0])
        if a.repeat_pending is not None:
            x, j, n = a.repeat_pending
            if j > 0 and shape == x.shape[:j - 1] + (x.shape[j - 1] * n,) + x.shape[j:]:
                v.repeat_of = (x, j - 1, n)
        return v

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
        if a.inserted_of is not None:
            x, j = a.inserted_of
            if shape[:j] + shape[j + 1:] == a.shape[:j] + a.shape[j + 1:]:
                v.repeat_pending = (x, j, shape[j])
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

    def layer_norm(self, x, w, b, eps):
        w, b = self.cast(w, x.dt), self.cast(b, x.dt)
        return self.op(f"xf.layer_norm {x.name}, {w.name}, {b.name} {{eps = {float(eps):e} : f32}} : "
                       f"({_ty(x.shape, x.dt)}, {_ty(w.shape, w.dt)}, {_ty(b.shape, b.dt)}) -> {_ty(x.shape, x.dt)}",
                       x.shape, x.dt)

    def concat(self, vs, axis, shape):
        names = ", ".join(v.name for v in vs)
        tys = ", ".join(_ty(v.shape, v.dt) for v in vs)
        r = self.op(f"xf.concat {names} {{axis = {axis} : i64}} : ({tys}) -> {_ty(shape, vs[0].dt)}",
                    shape, vs[0].dt)
        r.concat_of = (list(vs), axis)
        return r

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


def _raw_array(t):
    """The bytes of contiguous `t` as a NumPy view (no copy)."""
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy()
    if t.dtype in (torch.float8_e4m3fn, torch.float8_e5m2):
        return t.view(torch.uint8).numpy()
    return t.numpy()


def _raw_bytes(t):
    return _raw_array(t).tobytes()


def resources_text(resources):
    """The `dialect_resources` section that defines `resources` inline
    (hex text: for printing and small modules; compilation passes the
    bytes themselves)."""
    if not resources:
        return ""
    items = ",\n".join(f'      {name}: "0x{(struct.pack("<I", a.dtype.itemsize) + a.tobytes()).hex().upper()}"'
                       for name, a in resources.items())
    return "{-#\n  dialect_resources: {\n    builtin: {\n" + items + "\n    }\n  }\n#-}\n"


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
        self.memo = {}

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
        body = "\n".join(_live_lines(self.b.lines, [r.name for r in results]))
        text = (f"func.func @main({sig_args}) -> ({rtys}) {{\n{body}\n"
                f"  return {', '.join(r.name for r in results)} : {rtys}\n}}\n")
        return text, self.b.resources, args, results

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


def _live_lines(lines, roots):
    """The lines whose values the results use (attention recognised from
    its spelled-out ops leaves the ops it replaces unused)."""
    import re
    live, out = set(roots), []
    for line in reversed(lines):
        name, _, rhs = line.strip().partition(" = ")
        if name in live:
            live.update(re.findall(r"%[A-Za-z0-9_]+", rhs))
            out.append(line)
    return out[::-1]


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
    want = _meta_dt(node)
    if node.meta["val"].dtype == torch.bool:
        if x.is_bool:
            return x
        if x.dt not in ("i32", "i64") and not x.is_int:
            raise _Unsupported("conversion of a float tensor to bool")
        # x != 0 for integers: min(max(x, -x), 1), exact in f32.
        f = im.b.cast(x, "f32")
        a = im.b.binary("max", f, im.b.unary("neg", f))
        return _as_bool(im.b.binary("min", a, im.val(1.0, like=a)))
    if want in ("i32", "i64"):
        if x.dt in ("i32", "i64"):
            return x  # an integer input keeps its own width
        if not (x.is_bool or x.is_int):
            raise _Unsupported(f"conversion of a {x.dt} tensor to {want} (float to integer)")
        return _as_int(im.b.cast(_numeric(x), "f32"))
    y = im.b.cast(_numeric(x), want)
    if y is not x and x.attn is not None and not x.is_bool and not x.is_int:
        y.attn = x.attn  # softmax in f32 between casts (Bloom, eager models)
    return y


def _as_int(v):
    """v (an f32 value holding integers) marked as an integer tensor."""
    if v.is_int:
        return v
    w = _V(v.name, v.shape, v.dt)
    w.is_int = True
    return w


def _f32(im, x):
    """An operand as f32 numbers: bools as 0/1, integers exactly below 2**24."""
    if isinstance(x, _V):
        return im.b.cast(_numeric(x), "f32")
    if isinstance(x, torch.Tensor):
        return im.b.const(x.to(torch.float32), "f32")
    return im.b.const(torch.tensor(float(x)), "f32")


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
    return _take(im, x, idx)


def _take(im, x, idx):
    """x's elements at the constant flat indices `idx`: a view when the
    index map is one, else a gather."""
    out = tuple(int(d) for d in idx.shape)
    view = _index_as_view(im, x, idx, out)
    if view is not None:
        return view
    table = im.b.reshape(x, (int(np.prod(x.shape)) if x.shape else 1, 1))
    ci = im.b.const(idx, "i64")
    g = im.b.op(f"xf.gather {table.name}[{ci.name}] : ({_ty(table.shape, table.dt)}, {_ty(out, 'i64')}) -> "
                f"{_ty(out + (1,), x.dt)}", out + (1,), x.dt, x)
    return im.b.reshape(g, out)


def _index_as_view(im, x, idx, out):
    """x viewed as `out` when idx[o] = base + sum_d c_d o_d is a strided
    slice of x, its dims permuted and broadcast (Falcon's `qkv[..., [-2], :]`,
    masks indexed by aranges), else None (the caller gathers)."""
    a = idx.numpy()
    if a.size == 0:
        return None
    base = int(a.reshape(-1)[0])
    coefs = []
    for d, size in enumerate(out):
        if size == 1:
            coefs.append(0)
            continue
        at = [0] * len(out)
        at[d] = 1
        coefs.append(int(a[tuple(at)]) - base)
    grid = np.full(out, base, dtype=np.int64)
    for d, c in enumerate(coefs):
        shape = [1] * len(out)
        shape[d] = out[d]
        grid = grid + c * np.arange(out[d]).reshape(shape)
    if not np.array_equal(grid, a):
        return None
    xs = tuple(x.shape) if x.shape else (1,)
    strides = [int(np.prod(xs[j + 1:])) for j in range(len(xs))]
    offs = [int(c) for c in np.unravel_index(base, xs)]
    sizes, steps, used, order = [1] * len(xs), [1] * len(xs), set(), []
    for d, c in enumerate(coefs):
        if c == 0:
            continue
        # The x dim that c steps along: the largest stride dividing c whose
        # extent holds out[d] steps from the base.
        js = [j for j in range(len(xs)) if j not in used and c > 0 and c % strides[j] == 0
              and offs[j] + (out[d] - 1) * (c // strides[j]) < xs[j]]
        if not js:
            return None
        jb = max(js, key=lambda j: strides[j])
        used.add(jb)
        order.append(jb)
        sizes[jb], steps[jb] = out[d], c // strides[jb]
    keep = [j for j in range(len(xs)) if j in used]
    perm = [keep.index(j) for j in order]
    shape = [out[d] if coefs[d] != 0 else 1 for d in range(len(out))]
    # Check the view on the indices themselves before emitting anything.
    flat = np.arange(int(np.prod(xs))).reshape(xs)
    view = flat[tuple(slice(o, o + (n - 1) * st + 1, st) for o, n, st in zip(offs, sizes, steps))]
    view = np.broadcast_to(view.reshape([sizes[j] for j in keep]).transpose(perm).reshape(shape), out)
    if not np.array_equal(view, a):
        return None
    full = all(o == 0 and st == 1 and n == e for o, n, st, e in zip(offs, sizes, steps, xs))
    v = x if full else im.b.slice(x, offs, sizes, steps)
    v = im.b.reshape(v, tuple(sizes[j] for j in keep))
    v = im.b.transpose(v, perm)
    v = im.b.broadcast(im.b.reshape(v, tuple(shape)), out)
    # x[b, k] seen as [B, *, *, Sk]: a key padding mask.
    if full and x.is_bool and len(x.shape) == 2 and len(out) == 4 and order == [0, 1] and \
            coefs[0] != 0 and coefs[3] != 0 and coefs[1] == 0 and coefs[2] == 0:
        v.key_pad = x
    return v


def _binary(kind):
    def fn(im, node, a, b, alpha=1):
        out_dt = _meta_dt(node)
        if out_dt in ("i32", "i64"):
            # Integer arithmetic on device values: exact in f32 below 2**24.
            av, bv = _f32(im, a), _f32(im, b)
            if alpha != 1:
                bv = im.b.binary("mul", bv, im.val(float(alpha), like=bv))
            return _as_int(im.b.binary(kind, av, bv))
        av = im.val(a, like=b if isinstance(b, _V) else None) if not isinstance(a, _V) else a
        bv = im.val(b, like=a if isinstance(a, _V) else None) if not isinstance(b, _V) else b
        av, bv = im.b.cast(av, out_dt), im.b.cast(bv, out_dt)
        if alpha != 1:
            bv = im.b.binary("mul", bv, im.val(float(alpha), like=bv))
        y = im.b.binary(kind, av, bv)
        y.attn = _scores_binary(im, kind, a, b, alpha, y)
        return y
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
    y = im.b.unary("softmax", x, f"{{axis = {dim % len(x.shape)} : i64}} ")
    if x.attn is not None and x.attn.stage == "scores" and dim % len(x.shape) == len(x.shape) - 1:
        y.attn = x.attn.softmaxed()
    return y


@_h("layer_norm")
def _layer_norm(im, node, x, shape, w=None, b=None, eps=1e-5, *a):
    x = im.val(x)
    if len(shape) != 1:
        raise _Unsupported("normalised shape must be the last dimension")
    d = shape[0]
    w = im.val(w) if w is not None else im.b.const(torch.ones(d), x.dt)
    b = im.val(b) if b is not None else im.b.const(torch.zeros(d), x.dt)
    return im.b.layer_norm(x, w, b, eps)


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
    x = im.val(x)
    y = im.b.reshape(x, _shape_of(node))
    if y is not x and x.attn is not None:
        y.attn = x.attn.reshaped(y.shape)
    return y


@_h("permute")
def _permute(im, node, x, dims):
    return im.b.transpose(im.val(x), list(dims))


@_h("transpose.int")
def _transpose(im, node, x, d0, d1):
    x = im.val(x)
    perm = list(range(len(x.shape)))
    d0, d1 = d0 % len(perm), d1 % len(perm)
    perm[d0], perm[d1] = perm[d1], perm[d0]
    y = im.b.transpose(x, perm)
    if len(perm) >= 3 and sorted((d0, d1)) == [len(perm) - 2, len(perm) - 1]:
        y.t_of = x
    return y


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
    if x.concat_of is not None and x.concat_of[1] == dim and step == 1:
        # A slice inside one part of a concat reads that part: the concat
        # keeps a single use (a KV cache's concat stays fused into
        # attention when the new row is also returned).
        at = 0
        for part in x.concat_of[0]:
            if at <= start and start + size <= at + part.shape[dim]:
                return _slice(im, node, part, dim, start - at, start - at + size, 1)
            at += part.shape[dim]
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


def _as_result_type(im, node, xs):
    """xs converted to the node's result type. An integer result with any
    part computed on the device (or given as floats) is carried in f32;
    integer inputs alone stay as they are."""
    vs = [im.val(x) for x in xs]
    dt = _meta_dt(node)
    if dt in ("i32", "i64"):
        if all(v.dt in ("i32", "i64") for v in vs) and len({v.dt for v in vs}) == 1:
            return vs, False
        return [_f32(im, v) for v in vs], True
    return [im.b.cast(_numeric(v), dt) for v in vs], False


@_h("cat")
def _cat(im, node, xs, dim=0):
    vs, carried = _as_result_type(im, node, xs)
    vs = [v for v in vs if 0 not in v.shape]
    r = vs[0] if len(vs) == 1 else im.b.concat(vs, dim % len(vs[0].shape), _shape_of(node))
    return _as_int(r) if carried else r


@_h("stack")
def _stack(im, node, xs, dim=0):
    out = _shape_of(node)
    dim %= len(out)
    parts, carried = _as_result_type(im, node, xs)
    parts = [im.b.reshape(p, p.shape[:dim] + (1,) + p.shape[dim:]) for p in parts]
    r = parts[0] if len(parts) == 1 else im.b.concat(parts, dim, out)
    return _as_int(r) if carried else r


@_h("outer")
def _outer(im, node, a, b):
    a, b = (im.b.cast(_numeric(im.val(t)), _meta_dt(node)) for t in (a, b))
    return im.b.binary("mul", im.b.reshape(a, (a.shape[0], 1)), im.b.reshape(b, (1, b.shape[0])))


def _dense(im, x, w, b):
    """x @ w^T + b over x's last dimension."""
    y = im.b.matmul(_as2d(im, x), im.b.cast(im.val(w), x.dt), transpose_rhs=True)
    if b is not None:
        y = im.b.binary("add", y, im.b.cast(im.val(b), y.dt))
    return im.b.reshape(y, x.shape[:-1] + (y.shape[-1],))


@_h("_transformer_encoder_layer_fwd")
def _encoder_layer_fwd(im, node, src, embed_dim, num_heads, qkv_w, qkv_b, proj_w, proj_b, use_gelu, norm_first,
                       eps, ln1_w, ln1_b, ln2_w, ln2_b, ffn1_w, ffn1_b, ffn2_w, ffn2_b, mask=None, mask_type=None):
    """nn.TransformerEncoderLayer's inference fast path (taken under
    torch.no_grad in eval mode), spelled out: self-attention and an MLP,
    each with a residual and a layer norm before (norm_first) or after."""
    x = im.val(src)
    if mask is not None or len(x.shape) != 3:
        raise _Unsupported("an attention mask or a batch that is not [B, S, E]")
    bsz, s, e = x.shape
    d = e // num_heads

    def norm(v, w, b):
        return im.b.layer_norm(v, im.val(w), im.val(b), eps)
    ln1, ln2 = (ln1_w, ln1_b), (ln2_w, ln2_b)
    y = norm(x, *ln1) if norm_first else x
    qkv = _dense(im, y, qkv_w, qkv_b)
    heads = [im.b.transpose(im.b.reshape(im.b.slice(qkv, [0, 0, i * e], [bsz, s, e], [1, 1, 1]),
                                         (bsz, s, num_heads, d)), [0, 2, 1, 3]) for i in range(3)]
    a = im.b.op(f"xf.attention {heads[0].name}, {heads[1].name}, {heads[2].name} {{causal = false}} : "
                f"({_ty(heads[0].shape, x.dt)}, {_ty(heads[1].shape, x.dt)}, {_ty(heads[2].shape, x.dt)}) -> "
                f"{_ty(heads[0].shape, x.dt)}", heads[0].shape, x.dt)
    a = _dense(im, im.b.reshape(im.b.transpose(a, [0, 2, 1, 3]), (bsz, s, e)), proj_w, proj_b)
    x = im.b.binary("add", x, a)
    if not norm_first:
        x = norm(x, *ln1)
    y = norm(x, *ln2) if norm_first else x
    h = _dense(im, y, ffn1_w, ffn1_b)
    h = im.b.unary("gelu", h) if use_gelu else im.b.unary("relu", h)
    x = im.b.binary("add", x, _dense(im, h, ffn2_w, ffn2_b))
    return norm(x, *ln2) if not norm_first else x


@_h("embedding")
def _embedding(im, node, w, idx, *a):
    w, idx = im.val(w), im.val(idx)
    out = _shape_of(node)
    if idx.is_int:  # indices computed on the device, carried in f32
        return im.b.reshape(_onehot_rows(im, w, idx), out)
    return im.b.op(f"xf.gather {w.name}[{idx.name}] : ({_ty(w.shape, w.dt)}, {_ty(idx.shape, idx.dt)}) -> "
                   f"{_ty(out, w.dt)}", out, w.dt)


def _as2d(im, x):
    if len(x.shape) == 2:
        return x
    return im.b.reshape(x, (int(np.prod(x.shape[:-1])), x.shape[-1]))


@_h("linear")
def _linear(im, node, x, w, b=None):
    return im.b.reshape(_dense(im, im.val(x), w, b), _shape_of(node))


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
    if a.attn is not None and a.attn.stage == "probs":
        fused = a.attn.attention(im, node, b)
        if fused is not None:
            return fused
    y = im.b.matmul(a, b)
    y.attn = _Scores.of(im, a, b.t_of, 1.0, [], y.shape)
    return y


def _mask_kind(mask, sq, sk):
    """'none' if the mask hides nothing, 'causal' if it is the bottom-right
    aligned causal mask, else None."""
    m = mask
    if m.dtype != torch.bool and not m.is_floating_point():
        return None
    if m.dtype != torch.bool:
        # An additive float mask: 0 keeps a key, -inf or a value near the
        # type's most negative hides it; anything else is a real bias.
        hide = m <= torch.finfo(m.dtype).min / 2
        if not bool(((m == 0) | hide).all()):
            return None
        m = m == 0
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
    if attn_mask is None:
        return _attention(im, node, q, k, v, causal, scale)
    if isinstance(attn_mask, _V):
        fused = _key_bias_of(im, attn_mask, q, k)
        if fused is not None:
            key_bias, mask_causal = fused
            return _attention(im, node, q, k, v, causal or mask_causal, scale, key_bias=key_bias)
        if attn_mask.is_bool:
            # 0 where a key is kept, the type's most negative finite value
            # where it is hidden (a row with every key hidden stays finite).
            m = im.b.cast(_numeric(attn_mask), q.dt)
            neg = float(torch.finfo(_torch_dtype(q.dt)).min)
            bias = im.b.binary("mul", im.b.binary("sub", m, im.val(1.0, like=m)), im.val(-neg, like=m))
        else:
            bias = im.b.cast(attn_mask, q.dt)
        return _attention(im, node, q, k, v, causal, scale, bias=_bias4(im, bias, q, k))
    kind = _mask_kind(attn_mask, q.shape[2], k.shape[2])
    if kind is not None:
        return _attention(im, node, q, k, v, causal or kind == "causal", scale)
    # Any other constant mask (ALiBi, relative position biases): the fused
    # kernel's full bias.
    if attn_mask.dtype == torch.bool:
        attn_mask = torch.where(attn_mask, 0.0, torch.finfo(_torch_dtype(q.dt)).min)
    bias = im.b.const(attn_mask.to(_torch_dtype(q.dt)), q.dt)
    return _attention(im, node, q, k, v, causal, scale, bias=_bias4(im, bias, q, k))


def _bias4(im, bias, q, k):
    """An additive mask broadcastable to the scores [B, Hq, Sq, Sk] as the
    fused attention's bias [B or 1, Hq or 1, Sq or 1, Sk]."""
    shape = (1,) * (4 - len(bias.shape)) + bias.shape
    if len(shape) != 4:
        raise _Unsupported(f"an attention mask of shape {list(bias.shape)}")
    bias = im.b.reshape(bias, shape)
    full = (q.shape[0], q.shape[1], q.shape[2], k.shape[2])
    if shape[3] == 1:
        bias = im.b.broadcast(bias, shape[:3] + (full[3],))
    return bias


def _unrepeated(q, k, v):
    """K and V repeated along the heads for grouped-query attention
    (repeat_kv, repeat_interleave): the un-repeated tensors, which
    xf.attention reads directly (query head h uses K/V head h / (Hq / Hkv))."""
    rk, rv = k.repeat_of, v.repeat_of
    if rk is None or rv is None or rk[1] != 1 or rv[1] != 1 or rk[2] != rv[2] or len(rk[0].shape) != 4:
        return k, v
    if q.shape[1] != k.shape[1] or rk[0].shape[1] != rv[0].shape[1]:
        return k, v
    return rk[0], rv[0]


def _attention(im, node, q, k, v, causal, scale, key_bias=None, bias=None):
    k, v = _unrepeated(q, k, v)
    attrs = [f"causal = {'true' if causal else 'false'}"]
    if scale is not None:
        attrs.append(f"scale = {float(scale):e} : f32")
    out = (q.shape[0], q.shape[1], q.shape[2], v.shape[3])
    extra, tys = "", ""
    for word, x in (("key_bias", key_bias), ("bias", bias)):
        if x is not None:
            extra += f" {word} {x.name}"
            tys += f", {_ty(x.shape, x.dt)}"
    return im.b.op(f"xf.attention {q.name}, {k.name}, {v.name}{extra} {{{', '.join(attrs)}}} : "
                   f"({_ty(q.shape, q.dt)}, {_ty(k.shape, k.dt)}, {_ty(v.shape, v.dt)}{tys}) -> "
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


# ----------------------------------------------------------------------------- attention spelled out
#
# Models that write attention by hand (Bloom's baddbmm with ALiBi, eager
# implementations) produce Q K^T (times a scale, plus biases), a softmax
# over the keys and a product with V. The importer emits those ops as
# usual and tags their values with what they are; when the product with V
# sees the softmax of tagged scores it emits one fused xf.attention
# instead, and the ops it replaces are left unused (dropped from the text).

class _Scores:
    def __init__(self, q, k, scale, biases, shape, stage="scores"):
        self.q, self.k, self.scale, self.stage = q, k, scale, stage
        self.biases = biases  # [(value, its constant tensor or None)]
        self.shape = tuple(shape)

    def _with(self, **kw):
        d = dict(q=self.q, k=self.k, scale=self.scale, biases=self.biases, shape=self.shape, stage=self.stage)
        d.update(kw)
        return _Scores(**d)

    @staticmethod
    def of(im, q, k, scale, biases, shape):
        """Scores q @ k^T (k untransposed), or None when they are not."""
        if k is None or not isinstance(q, _V) or q.is_bool or q.is_int or k.is_bool or k.is_int:
            return None
        if q.dt not in ("f32", "bf16", "f16") or k.dt != q.dt or len(q.shape) != len(k.shape):
            return None
        if q.shape[:-2] != k.shape[:-2] or q.shape[-1] != k.shape[-1] or len(q.shape) < 3:
            return None
        return _Scores(q, k, scale, biases, shape)

    def scaled(self, c):
        return self._with(scale=self.scale * c) if not self.biases else None

    def reshaped(self, shape):
        if tuple(shape[-2:]) != self.shape[-2:] or len(shape) < 3:
            return None
        return self._with(shape=shape)

    def softmaxed(self):
        return self._with(stage="probs")

    def biased(self, im, x):
        """The scores plus x (broadcast to them): x as a bias whose leading
        dims are all 1 or all the scores'."""
        const = x if isinstance(x, torch.Tensor) else None
        if isinstance(x, (int, float)):
            const = torch.tensor(float(x))
        xv = im.val(x, like=self.q)
        n = len(self.shape)
        if len(xv.shape) > n:
            return None
        xs = (1,) * (n - len(xv.shape)) + xv.shape
        lead, sq, sk = self.shape[:-2], self.shape[-2], self.shape[-1]
        if xs[-1] not in (1, sk) or xs[-2] not in (1, sq) or any(a not in (1, b) for a, b in zip(xs[:-2], lead)):
            return None
        xv = im.b.reshape(xv, xs)
        want = (xs[:-2] if all(d == 1 for d in xs[:-2]) else lead) + (xs[-2], sk)
        xv = im.b.broadcast(xv, want)
        if const is not None:
            const = torch.broadcast_to(const.reshape(xs), want)
        return self._with(biases=self.biases + [(xv, const)])

    def attention(self, im, node, v):
        """The fused attention for probs @ v, or None."""
        lead, (sq, sk) = self.shape[:-2], self.shape[-2:]
        if not isinstance(v, _V) or v.shape[:-2] != lead or v.shape[-2] != sk or v.dt != self.q.dt:
            return None
        if _meta_dt(node) != self.q.dt or not self.scale > 0:
            return None
        b, h = (int(np.prod(lead[:-1])), lead[-1])
        q, k = self.q, self.k
        four = lambda t, s, d: im.b.reshape(t, (b, h, s, d))  # noqa: E731
        q4, k4, v4 = four(q, sq, q.shape[-1]), four(k, sk, k.shape[-1]), four(v, sk, v.shape[-1])
        causal, bias = False, None
        for xv, const in self.biases:
            kind = _mask_kind(const, sq, sk) if const is not None else None
            if kind == "none":
                continue
            if kind == "causal" and not causal:
                causal = True
                continue
            xv = im.b.cast(xv, q.dt)
            # Its leading dims are all 1 or all the scores' (in any grouping).
            ones = all(d == 1 for d in xv.shape[:-2])
            xv = im.b.reshape(xv, ((1, 1) if ones else (b, h)) + xv.shape[-2:])
            bias = xv if bias is None else im.b.binary("add", bias, xv)
        if bias is not None and bias.shape[3] != sk:
            return None
        out = _attention(im, node, q4, k4, v4, causal, self.scale, bias=bias)
        return im.b.reshape(out, _shape_of(node))


def _scores_binary(im, kind, a, b, alpha, y):
    """The tag of y = a <kind> b when y is still attention scores: a scale or a
    bias added."""
    ta = a.attn if isinstance(a, _V) and a.attn is not None and a.attn.stage == "scores" else None
    tb = b.attn if isinstance(b, _V) and b.attn is not None and b.attn.stage == "scores" else None
    if (ta is None) == (tb is None) or alpha != 1:
        return None
    t, other = (ta, b) if ta is not None else (tb, a)
    if y.shape != t.shape:
        return None
    if kind == "add":
        return t.biased(im, other)
    c = other.item() if isinstance(other, torch.Tensor) and other.numel() == 1 else other
    if not isinstance(c, (int, float)) or isinstance(c, bool):
        return None
    if kind == "mul":
        return t.scaled(float(c))
    if kind == "div" and ta is not None and c != 0:
        return t.scaled(1.0 / float(c))
    return None


# ----------------------------------------------------------------------------- comparisons and selection
#
# xf has no comparison or select op: both are built from exact arithmetic.
# step(d) = min(max(d, 0) * 2**126 * 2**126, 1) is 1 for every d > 0 (the
# smallest positive f32, 2**-149, scales past 1) and 0 for d <= 0; a
# difference of two distinct finite floats is never 0 under IEEE gradual
# underflow, so the comparisons below are exact (integers are carried in
# f32 below 2**24; two equal infinities compare as NaN).

def _step(im, d):
    big = im.val(2.0 ** 126, like=d)
    s = im.b.binary("mul", im.b.binary("mul", im.b.binary("max", d, im.val(0.0, like=d)), big), big)
    return im.b.binary("min", s, im.val(1.0, like=d))


def _not01(im, v):
    return im.b.binary("sub", im.val(1.0, like=v), v)


def _compare(kind):
    def fn(im, node, a, b):
        av, bv = _f32(im, a), _f32(im, b)
        if kind in ("eq", "ne"):
            d = im.b.binary("sub", av, bv)
            r = _step(im, im.b.binary("max", d, im.b.unary("neg", d)))
            return _as_bool(_not01(im, r) if kind == "eq" else r)
        # gt: a - b > 0; lt: b - a > 0; ge = not lt; le = not gt.
        lhs, rhs = (av, bv) if kind in ("gt", "le") else (bv, av)
        r = _step(im, im.b.binary("sub", lhs, rhs))
        return _as_bool(_not01(im, r) if kind in ("ge", "le") else r)
    return fn


for _k in ("eq", "ne", "gt", "ge", "lt", "le"):
    _h(f"{_k}.Scalar", f"{_k}.Tensor")(_compare(_k))


def _selected(im, value, sel, dt):
    """`value` where the 0/1 selector `sel` is 1, else 0. `sel` is a bool
    constant or a device value; an infinite constant value becomes
    +-sel / (1 - sel) (+-inf or 0), so no inf * 0 is ever formed."""
    if isinstance(sel, torch.Tensor):
        if isinstance(value, _V):
            return im.b.binary("mul", im.b.cast(_numeric(value), dt), im.b.const(sel.to(torch.float32), dt))
        zero = torch.zeros((), dtype=_torch_dtype(dt))
        return im.b.const(torch.where(sel, torch.as_tensor(value, dtype=_torch_dtype(dt)), zero), dt)
    if isinstance(value, _V):
        return im.b.binary("mul", im.b.cast(_numeric(value), dt), sel)
    t = torch.as_tensor(value, dtype=torch.float32)
    if bool(torch.isfinite(t).all()):
        return im.b.binary("mul", sel, im.b.const(t.to(_torch_dtype(dt)), dt))
    if t.dim() != 0 or torch.isnan(t):
        raise _Unsupported("selecting a constant tensor holding inf or nan")
    inf = im.b.binary("div", sel, _not01(im, sel))
    return inf if float(t) > 0 else im.b.unary("neg", inf)


def _where(im, node, cond, a, b):
    """where(cond, a, b) = a * cond + b * (1 - cond), built so that a
    constant inf in the branch not taken does not turn into NaN; a device
    value that is inf or NaN where it is not selected does."""
    out_dt = _meta_dt(node)
    dt = "f32" if out_dt in ("i32", "i64") else out_dt
    if isinstance(cond, _V):
        c = im.b.cast(_numeric(cond), dt)
        keep, drop = c, _not01(im, c)
    else:
        keep = torch.as_tensor(cond).to(torch.bool)
        drop = ~keep
    r = im.b.binary("add", _selected(im, a, keep, dt), _selected(im, b, drop, dt))
    return _as_int(r) if out_dt in ("i32", "i64") else r


@_h("where.self", "where.ScalarSelf", "where.ScalarOther", "where.Scalar")
def _where_h(im, node, cond, a, b):
    return _where(im, node, cond, a, b)


@_h("masked_fill.Scalar", "masked_fill.Tensor")
def _masked_fill(im, node, x, mask, value):
    if isinstance(value, torch.Tensor) and value.dim() == 0:
        value = value.item()
    if isinstance(value, _V):
        raise _Unsupported("a fill value computed on the device")
    y = _where(im, node, mask, value, x)
    # Attention scores with keys hidden by a constant mask (-inf or the
    # type's most negative values): the same as adding 0 / value, which the
    # fused attention takes as its causal flag or bias.
    scores = x.attn if isinstance(x, _V) and x.attn is not None and x.attn.stage == "scores" else None
    if scores is not None and isinstance(mask, torch.Tensor) and isinstance(value, (int, float)) and \
            y.shape == scores.shape and value <= float(torch.finfo(_torch_dtype(x.dt)).min) / 2:
        y.attn = scores.biased(im, torch.where(mask.to(torch.bool), torch.tensor(float(value)), torch.tensor(0.0)))
    return y


@_h("abs")
def _abs(im, node, x):
    x = im.val(x)
    return im.b.binary("max", x, im.b.unary("neg", x))


# ----------------------------------------------------------------------------- indices computed on the device

def _onehot_rows(im, table, idx):
    """table[idx] for integer indices carried in f32: a one-hot matrix
    (|idx - v| < 1 exactly when idx == v) times the table. An index outside
    [0, V) selects no row and gives zeros."""
    v = table.shape[0]
    flat = im.b.reshape(_f32(im, idx), (int(np.prod(idx.shape)) if idx.shape else 1, 1))
    d = im.b.binary("sub", flat, im.b.const(torch.arange(v, dtype=torch.float32).reshape(1, v), "f32"))
    hot = _not01(im, im.b.binary("min", im.b.binary("max", d, im.b.unary("neg", d)), im.val(1.0, like=d)))
    rows = im.b.reshape(table, (v, int(np.prod(table.shape[1:])) if len(table.shape) > 1 else 1))
    if rows.dt in ("i32", "i64"):  # an integer table: looked up in f32, exact below 2**24
        return _as_int(im.b.matmul(hot, im.b.cast(rows, "f32")))
    return im.b.matmul(im.b.cast(hot, rows.dt), rows)


@_h("gather")
def _gather(im, node, x, dim, index, sparse_grad=False):
    x = im.val(x)
    dim %= max(1, len(x.shape))
    flat = torch.arange(int(np.prod(x.shape)), dtype=torch.int64).reshape(x.shape)
    if not isinstance(index, _V):
        return _take(im, x, torch.gather(flat, dim, torch.as_tensor(index)))
    # flat index = index * stride(dim) + the flat offset of the other dims.
    base = torch.gather(flat, dim, torch.zeros(index.shape, dtype=torch.int64)).to(torch.float32)
    stride = float(np.prod(x.shape[dim + 1:]))
    fi = im.b.binary("add", im.b.binary("mul", _f32(im, index), im.val(stride, like=None)),
                     im.b.const(base, "f32"))
    return im.b.reshape(_onehot_rows(im, im.b.reshape(x, (flat.numel(), 1)), _as_int(fi)), index.shape)


@_h("cumsum")
def _cumsum(im, node, x, dim, dtype=None):
    """A product with the upper-triangular ones matrix along `dim`
    (accumulated in f32, rounded once)."""
    out_dt = _meta_dt(node)
    is_int = out_dt in ("i32", "i64")
    x = _f32(im, x) if is_int else im.b.cast(_numeric(im.val(x)), out_dt)
    dim %= len(x.shape)
    perm = [d for d in range(len(x.shape)) if d != dim] + [dim]
    xt = im.b.transpose(x, perm)
    n = x.shape[dim]
    y = im.b.matmul(im.b.reshape(xt, (int(np.prod(xt.shape[:-1])), n)),
                    im.b.const(torch.ones(n, n).triu(), x.dt))
    y = im.b.transpose(im.b.reshape(y, xt.shape), [perm.index(d) for d in range(len(perm))])
    return _as_int(y) if is_int else y


# ----------------------------------------------------------------------------- layout

@_h("repeat_interleave.self_int")
def _repeat_interleave(im, node, x, repeats, dim=None, output_size=None):
    x = im.val(x)
    if dim is None:
        x, dim = im.b.reshape(x, (int(np.prod(x.shape)),)), 0
    dim %= len(x.shape)
    s = x.shape
    wide = s[:dim + 1] + (int(repeats),) + s[dim + 1:]
    v = im.b.broadcast(im.b.reshape(x, s[:dim + 1] + (1,) + s[dim + 1:]), wide)
    return im.b.reshape(v, _shape_of(node))


@_h("unbind.int")
def _unbind(im, node, x, dim=0):
    x = im.val(x)
    dim %= len(x.shape)
    rest = x.shape[:dim] + x.shape[dim + 1:]
    outs = []
    for i in range(x.shape[dim]):
        offs = [0] * len(x.shape)
        sizes = list(x.shape)
        offs[dim], sizes[dim] = i, 1
        outs.append(im.b.reshape(im.b.slice(x, offs, sizes, [1] * len(x.shape)), rest))
    return outs


def _patches(im, x, kh, kw):
    """x [B, C, H, W] cut into non-overlapping kh x kw patches:
    [B, H/kh * W/kw, C * kh * kw], patch-major, each patch (c, i, j)."""
    b_, c, h, w = x.shape
    ph, pw = h // kh, w // kw
    if (ph * kh, pw * kw) != (h, w):  # torch drops the ragged edge
        x = im.b.slice(x, [0, 0, 0, 0], [b_, c, ph * kh, pw * kw], [1, 1, 1, 1])
    v = im.b.reshape(x, (b_ * c * ph, kh, pw, kw))
    v = im.b.transpose(v, [0, 2, 1, 3])                       # [B C ph, pw, kh, kw]
    v = im.b.transpose(im.b.reshape(v, (b_, c, ph * pw, kh * kw)), [0, 2, 1, 3])
    return im.b.reshape(v, (b_, ph * pw, c * kh * kw))


def _pair(v):
    return (int(v), int(v)) if isinstance(v, int) else tuple(int(t) for t in v)


def _require_patch_shape(kernel, stride, padding, dilation, groups=1):
    if stride != kernel or padding != (0, 0) or dilation != (1, 1) or groups != 1:
        raise _Unsupported(f"only patch convolutions (stride == kernel, no padding, dilation 1, one group); "
                           f"got kernel {kernel}, stride {stride}, padding {padding}, dilation {dilation}, "
                           f"groups {groups}")


@_h("conv2d")
def _conv2d(im, node, x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """A patch embedding (stride == kernel): the patches times the flattened
    kernel, one matmul."""
    x, w = im.val(x), im.val(w)
    if len(x.shape) != 4:
        raise _Unsupported("conv2d input must be [B, C, H, W]")
    o, _, kh, kw = w.shape
    _require_patch_shape((kh, kw), _pair(stride), _pair(padding), _pair(dilation), groups)
    p = _patches(im, x, kh, kw)
    y = im.b.matmul(_as2d(im, p), im.b.reshape(im.b.cast(w, x.dt), (o, int(np.prod(w.shape[1:])))),
                    transpose_rhs=True)
    if b is not None:
        y = im.b.binary("add", y, im.b.cast(im.val(b), y.dt))
    n, _, ph, pw = _shape_of(node)
    return im.b.transpose(im.b.reshape(y, (n, ph, pw, o)), [0, 3, 1, 2])


def _sum_axes(im, x, axes):
    """x summed over `axes` (dropped)."""
    if not axes:
        return x
    out = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return im.b.op(f"xf.reduce_sum {x.name} {{axes = array<i64: {', '.join(str(a) for a in axes)}>}} : "
                   f"({_ty(x.shape, x.dt)}) -> {_ty(out, x.dt)}", out, x.dt)


@_h("einsum")
def _einsum(im, node, equation, operands, path=None):
    """One- and two-operand einsum: letters only in one operand and not in
    the result are summed first; then batch (both and result), free (one and
    result) and contracted (both, not result) letters become one
    [batch, M, K] x [batch, K, N] batch_matmul, reshaped and permuted to the
    result's order."""
    ops = [im.val(o) for o in operands]
    eq = equation.replace(" ", "")
    lhs, _, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ops) or len(ops) not in (1, 2):
        raise _Unsupported(f"einsum with {len(ops)} operands ('{equation}'): one or two are supported")
    # '...' stands for the same leading dimensions in every operand.
    spare = [chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in eq]
    if "..." in eq:
        n = max(len(x.shape) - (len(t) - 3) for t, x in zip(ins, ops) if "..." in t)
        ell = "".join(spare[:n])
        ins = [t.replace("...", ell[n - (len(x.shape) - (len(t) - 3)):]) for t, x in zip(ins, ops)]
        if not _:
            raise _Unsupported(f"einsum '{equation}' with '...' needs an explicit result ('->')")
        out = out.replace("...", ell)
    if not _:  # implicit result: letters seen once, sorted
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for t, x in zip(ins, ops):
        if len(t) != len(x.shape) or len(set(t)) != len(t):
            raise _Unsupported(f"einsum '{equation}': operand subscripts '{t}' for shape {tuple(x.shape)} "
                               "(repeated letters: diagonals are not supported)")
    size = {c: d for t, x in zip(ins, ops) for c, d in zip(t, x.shape)}
    # Sum letters that only one operand has and the result does not.
    for i, (t, x) in enumerate(zip(ins, ops)):
        others = "".join(ins[:i] + ins[i + 1:]) + out
        axes = [j for j, c in enumerate(t) if c not in others]
        ops[i] = _sum_axes(im, x, axes)
        ins[i] = "".join(c for c in t if c in others)
    if len(ops) == 1:
        t, x = ins[0], ops[0]
        return im.b.transpose(x, [t.index(c) for c in out])
    (ta, tb), (a, b) = ins, ops
    a, b = im.b.cast(a, _meta_dt(node) or a.dt), im.b.cast(b, _meta_dt(node) or a.dt)
    batch = [c for c in ta if c in tb and c in out]
    contract = [c for c in ta if c in tb and c not in out]
    fa = [c for c in ta if c not in tb]
    fb = [c for c in tb if c not in ta]
    prod = lambda cs: int(np.prod([size[c] for c in cs])) if cs else 1  # noqa: E731
    B, M, K, N = prod(batch), prod(fa), prod(contract), prod(fb)
    a3 = im.b.reshape(im.b.transpose(a, [ta.index(c) for c in batch + fa + contract]), (B, M, K))
    b3 = im.b.reshape(im.b.transpose(b, [tb.index(c) for c in batch + contract + fb]), (B, K, N))
    y = im.b.matmul(a3, b3) if B > 1 else im.b.reshape(im.b.matmul(im.b.reshape(a3, (M, K)),
                                                                   im.b.reshape(b3, (K, N))), (1, M, N))
    order = batch + fa + fb
    y = im.b.reshape(y, tuple(size[c] for c in order))
    return im.b.transpose(y, [order.index(c) for c in out])


@_h("conv1d")
def _conv1d(im, node, x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """[B, C, L] * [O, C, k]: the k taps as strided slices of the (zero
    padded) input, stacked to [B, L_out, C k], times the flattened kernel."""
    x, w = im.val(x), im.val(w)
    one = lambda v: int(v[0]) if isinstance(v, (list, tuple)) else int(v)  # noqa: E731
    if isinstance(padding, str):
        raise _Unsupported(f"conv1d padding '{padding}' (give the padding as a number)")
    stride, padding, dilation = one(stride), one(padding), one(dilation)
    if groups != 1:
        raise _Unsupported(f"conv1d with groups = {groups} (one group is supported)")
    if len(x.shape) != 3:
        raise _Unsupported("conv1d input must be [B, C, L]")
    o, c, k = w.shape
    bsz, _, length = x.shape
    if padding:
        z = im.b.const(torch.zeros(bsz, c, padding), x.dt)
        x = im.b.concat([z, x, z], 2, (bsz, c, length + 2 * padding))
        length += 2 * padding
    lout = (length - dilation * (k - 1) - 1) // stride + 1
    if lout <= 0:
        raise _Unsupported(f"conv1d output length {lout}")
    taps = [im.b.slice(x, [0, 0, j * dilation], [bsz, c, lout], [1, 1, stride]) for j in range(k)]
    cols = [im.b.reshape(t, (bsz, c, 1, lout)) for t in taps]
    p = cols[0] if k == 1 else im.b.concat(cols, 2, (bsz, c, k, lout))
    p = im.b.transpose(im.b.reshape(p, (bsz, c * k, lout)), [0, 2, 1])          # [B, L_out, C k]
    y = im.b.matmul(_as2d(im, p), im.b.reshape(im.b.cast(w, x.dt), (o, c * k)), transpose_rhs=True)
    if b is not None:
        y = im.b.binary("add", y, im.b.cast(im.val(b), y.dt))
    return im.b.transpose(im.b.reshape(y, (bsz, lout, o)), [0, 2, 1])


@_h("group_norm")
def _group_norm(im, node, x, groups, w=None, b=None, eps=1e-5, *a):
    """[N, C, *] in `groups` groups of C / G channels: each group's values
    layer-normalised together, then the per-channel affine."""
    x = im.val(x)
    n, c = x.shape[0], x.shape[1]
    rest = int(np.prod(x.shape[2:])) if len(x.shape) > 2 else 1
    if c % groups:
        raise _Unsupported(f"group_norm: {c} channels in {groups} groups")
    d = c // groups * rest
    g = im.b.reshape(x, (n, groups, d))
    y = im.b.layer_norm(g, im.b.const(torch.ones(d), x.dt), im.b.const(torch.zeros(d), x.dt), eps)
    y = im.b.reshape(y, (n, c, rest))
    if w is not None:
        y = im.b.binary("mul", y, im.b.reshape(im.b.cast(im.val(w), x.dt), (c, 1)))
    if b is not None:
        y = im.b.binary("add", y, im.b.reshape(im.b.cast(im.val(b), x.dt), (c, 1)))
    return im.b.reshape(y, x.shape)


@_h("im2col")
def _im2col(im, node, x, kernel_size, dilation, padding, stride):
    x = im.val(x)
    kh, kw = _pair(kernel_size)
    _require_patch_shape((kh, kw), _pair(stride), _pair(padding), _pair(dilation))
    return im.b.transpose(_patches(im, x, kh, kw), [0, 2, 1])


@_h("unfold")
def _unfold(im, node, x, dim, size, step):
    """Tensor.unfold with step == size: windows are a reshape."""
    x = im.val(x)
    if step != size:
        raise _Unsupported(f"overlapping or gapped windows (size {size}, step {step})")
    dim %= max(1, len(x.shape))
    n = x.shape[dim] // size
    if n * size != x.shape[dim]:
        offs, sizes = [0] * len(x.shape), list(x.shape)
        sizes[dim] = n * size
        x = im.b.slice(x, offs, sizes, [1] * len(x.shape))
    v = im.b.reshape(x, x.shape[:dim] + (n, size) + x.shape[dim + 1:])
    perm = [d for d in range(len(v.shape)) if d != dim + 1] + [dim + 1]
    return im.b.transpose(v, perm)


@_h("baddbmm")
def _baddbmm(im, node, inp, b1, b2, beta=1, alpha=1):
    b1, b2 = im.val(b1), im.val(b2)
    y = im.b.matmul(b1, b2)
    if alpha != 1:
        y = im.b.binary("mul", y, im.val(float(alpha), like=y))
    # Bloom's ALiBi scores: input + alpha * Q K^T, a fused attention's bias.
    scores = _Scores.of(im, b1, b2.t_of, float(alpha), [], y.shape)
    if beta == 0:  # torch ignores `input` then, nan and inf included
        y.attn = scores
        return y
    c = im.b.cast(im.val(inp, like=y), y.dt)
    if beta != 1:
        c = im.b.binary("mul", c, im.val(float(beta), like=c))
    r = im.b.binary("add", c, y)
    r.attn = scores.biased(im, c) if scores is not None else None
    return r


# ----------------------------------------------------------------------------- sin and cos

# Taylor coefficients of sin(h)/h and cos(h) in h**2, highest first; on
# |h| <= pi/2 the truncation error is below 6e-8 (f32 rounding dominates).
_SIN_HALF = [-1 / 39916800, 1 / 362880, -1 / 5040, 1 / 120, -1 / 6, 1.0]
_COS_HALF = [1 / 479001600, -1 / 3628800, 1 / 40320, -1 / 720, 1 / 24, -1 / 2, 1.0]
_TWO_PI_HI = 6.28125                      # 8 significant bits: k * hi is exact
_TWO_PI_LO = 2 * math.pi - _TWO_PI_HI
_ROUND = 1.5 * 2.0 ** 23                  # (t + R) - R rounds f32 t to an integer


def _sin_cos_half(im, x):
    """(sin(r/2), cos(r/2)) for r = x reduced to [-pi, pi] (memoised per
    value: rotary models take both of one angle table)."""
    key = ("sincos", x.name)
    if key in im.memo:
        return im.memo[key]
    f = _f32(im, x)
    t = im.b.binary("mul", f, im.val(1 / (2 * math.pi), like=f))
    k = im.b.binary("sub", im.b.binary("add", t, im.val(_ROUND, like=t)), im.val(_ROUND, like=t))
    r = im.b.binary("sub", f, im.b.binary("mul", k, im.val(_TWO_PI_HI, like=k)))
    r = im.b.binary("sub", r, im.b.binary("mul", k, im.val(_TWO_PI_LO, like=k)))
    h = im.b.binary("mul", r, im.val(0.5, like=r))
    h2 = im.b.binary("mul", h, h)

    def poly(coefs):
        acc = im.val(coefs[0], like=h2)
        for c in coefs[1:]:
            acc = im.b.binary("add", im.b.binary("mul", acc, h2), im.val(c, like=h2))
        return acc
    im.memo[key] = (im.b.binary("mul", poly(_SIN_HALF), h), poly(_COS_HALF))
    return im.memo[key]


@_h("sin")
def _sin(im, node, x):
    """sin x = 2 sin(r/2) cos(r/2), with r = x mod 2 pi in [-pi, pi]."""
    s, c = _sin_cos_half(im, im.val(x))
    y = im.b.binary("mul", im.b.binary("mul", s, c), im.val(2.0, like=s))
    return im.b.cast(y, _meta_dt(node))


@_h("cos")
def _cos(im, node, x):
    """cos x = 1 - 2 sin(r/2)**2."""
    s, _ = _sin_cos_half(im, im.val(x))
    y = _not01(im, im.b.binary("mul", im.b.binary("mul", s, s), im.val(2.0, like=s)))
    return im.b.cast(y, _meta_dt(node))


class _Bound(torch.nn.Module):
    """Binds non-tensor keyword arguments (use_cache=False, ...) so that only
    tensors become inputs of the exported graph."""

    def __init__(self, module, fixed):
        super().__init__()
        self.module = module
        self.fixed = fixed

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs, **self.fixed)


def _is_kv_cache(v):
    return type(v).__module__.startswith("transformers") and any(
        c.__name__ == "Cache" for c in type(v).__mro__)


def to_xf(module, example_inputs, example_kwargs=None):
    """torch.nn.Module -> (xf MLIR text, its resources, input specs, output
    specs). The text names its weights `dense_resource<cN>`; `resources`
    maps each name to its bytes (see `resources_text` to inline them)."""
    kwargs = dict(example_kwargs or {})
    fixed = {k: v for k, v in kwargs.items() if not isinstance(v, torch.Tensor)}
    tensors = {k: v for k, v in kwargs.items() if isinstance(v, torch.Tensor)}
    for k, v in kwargs.items():
        if _is_kv_cache(v):
            raise NotImplementedError(
                f"example_kwargs[{k!r}]: a {type(v).__name__} cannot be an input of a compiled graph yet; "
                f"compile with use_cache=False, or generate with muir.torch.compile_generate, which keeps the "
                f"KV cache itself and accepts DynamicCache/StaticCache objects")
    if hasattr(module, "eval"):
        module = module.eval()
    if fixed:
        module = _Bound(module, fixed)
    try:
        ep = torch.export.export(module, tuple(example_inputs), tensors)
    except RuntimeError as e:
        if "Cache" in str(e) and "in output" in str(e):
            raise NotImplementedError(
                f"{type(module).__name__} returns a transformers KV cache, which cannot be an output of a "
                f"compiled graph yet: pass example_kwargs={{'use_cache': False}}") from e
        raise
    ep = ep.run_decompositions({})
    text, resources, args, results = Importer(ep).run()
    return text, resources, [(a.shape, a.dt) for a in args], [(r.shape, r.dt) for r in results]
