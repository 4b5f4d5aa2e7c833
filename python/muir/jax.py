"""JAX front end: jax.make_jaxpr -> xf -> muir.

    fn = muir.jax.compile(block, params, x, target="trn2")   # params: a pytree of weights
    y = fn(params, x)                                        # on the simulator, jax arrays out
    fast = muir.jax.jit(block)                               # one executable per input shape

Arguments that are pytrees with containers (dicts, lists, tuples, dataclasses
of arrays) are weights: their arrays become `dense_resource` constants of the
compiled program (never hex text) and everything jax can compute from them
alone (transposes, casts, masks, rotary tables) is evaluated once on the host.
Bare arrays are the program's inputs. `weight_argnums` overrides the choice.
The converter table is python/muir/_jax_import.py; docs/jax.md lists what
is covered.
"""
from __future__ import annotations

import jax
import numpy as np

from ._jax_import import UnsupportedPrimitiveError, convert, resources_text

__all__ = ["compile", "jit", "to_xf", "to_module", "Compiled", "UnsupportedPrimitiveError"]


def _weight_positions(args, weight_argnums):
    if weight_argnums is None:
        return tuple(i for i, a in enumerate(args) if not _is_array(a))
    if isinstance(weight_argnums, int):
        weight_argnums = (weight_argnums,)
    for i in weight_argnums:
        if not -len(args) <= i < len(args):
            raise ValueError(f"weight_argnums: argument {i} does not exist ({len(args)} arguments)")
    return tuple(sorted(i % len(args) for i in weight_argnums))


def _is_array(a):
    return isinstance(a, (np.ndarray, jax.Array)) or (hasattr(a, "shape") and hasattr(a, "dtype"))


class _Traced:
    """A function traced once: its jaxpr, which flat leaves are inputs, and
    the weights' leaves (kept, so their identity stays meaningful)."""

    def __init__(self, fn, args, weight_argnums):
        self.weights = _weight_positions(args, weight_argnums)
        self.n_args = len(args)
        self.closed, out_shape = jax.make_jaxpr(fn, return_shape=True)(*args)
        self.out_tree = jax.tree.structure(out_shape)
        self.out_avals = [(tuple(s.shape), np.dtype(s.dtype)) for s in jax.tree.leaves(out_shape)]
        self.input_mask, self.weight_leaves = [], []
        for i, a in enumerate(args):
            leaves = jax.tree.leaves(a)
            self.input_mask += [i not in self.weights] * len(leaves)
            if i in self.weights:
                self.weight_leaves += leaves
        if len(self.input_mask) != len(self.closed.jaxpr.invars):
            raise ValueError("the traced function's inputs do not match its flattened arguments")

    def convert(self):
        return convert(self.closed, self.input_mask, [np.asarray(w) for w in self.weight_leaves])

    def inputs(self, args):
        """The flat input arrays of a call, after checking that the weights
        are the ones compiled in."""
        if len(args) != self.n_args:
            raise TypeError(f"expected {self.n_args} argument(s), got {len(args)}")
        weights = [leaf for i in self.weights for leaf in jax.tree.leaves(args[i])]
        if len(weights) != len(self.weight_leaves) or any(a is not b for a, b in zip(weights, self.weight_leaves)):
            raise ValueError(f"arguments {list(self.weights)} are weights compiled into the program and must be "
                             "the same arrays as at compile time; compile again for new weights "
                             "(muir.jax.jit does so by itself)")
        return [np.asarray(leaf) for i, a in enumerate(args) if i not in self.weights for leaf in jax.tree.leaves(a)]

    def outputs(self, raw):
        outs = []
        for r, (shape, dtype) in zip(raw, self.out_avals):
            r = np.asarray(r)
            if dtype == np.bool_:
                r = r != 0
            elif dtype.kind in "iu":
                r = np.rint(np.asarray(r, np.float64)).astype(dtype)
            outs.append(jax.numpy.asarray(r.reshape(shape), dtype=dtype))
        return jax.tree.unflatten(self.out_tree, outs)


def to_xf(fn, *example_args, weight_argnums=None) -> str:
    """The xf MLIR text of `fn` traced at `example_args`, its weights inline
    as hex resources (self-contained; `compile` passes their bytes instead)."""
    text, resources, _, _ = _Traced(fn, example_args, weight_argnums).convert()
    return text + resources_text(resources)


def to_module(fn, *example_args, weight_argnums=None):
    """`fn` traced at `example_args` as a parsed muir.Module (weights as
    `dense_resource` blobs)."""
    from . import parse
    text, resources, _, _ = _Traced(fn, example_args, weight_argnums).convert()
    return parse(text, resources=resources)


class Compiled:
    """`fn` compiled for a target: call it with the same arguments as `fn`
    (the weights must be the arrays it was compiled with); results come back
    as jax arrays in `fn`'s output structure. `executable` is the
    muir.Executable (report, trace, asm), `xf` the imported text."""

    def __init__(self, fn, args, target, weight_argnums, kernel_configs=None, backend="sim"):
        from . import compile as _compile, parse
        if backend not in ("sim", "reference"):
            raise ValueError(f"unknown backend {backend!r} (available: 'sim', 'reference')")
        self._traced = _Traced(fn, args, weight_argnums)
        self.xf, resources, _, _ = self._traced.convert()
        self.executable = _compile(parse(self.xf, resources=resources), target=target, kernel_configs=kernel_configs)
        self.backend = backend

    def __call__(self, *args, backend=None):
        raw = self.executable.run(*self._traced.inputs(args), backend=backend or self.backend)
        return self._traced.outputs(raw)

    @property
    def report(self):
        return self.executable.report


def compile(fn, *example_args, target: str = "trn2", weight_argnums=None, kernel_configs=None,  # noqa: A001
            backend: str = "sim") -> Compiled:
    """Traces `fn` at `example_args` with jax.make_jaxpr and compiles it for
    `target`. Pytree arguments (or those in `weight_argnums`) are weights,
    compiled in; the other arguments are inputs. `backend="reference"` runs
    calls on the CPU reference backend instead of the simulator."""
    return Compiled(fn, example_args, target, weight_argnums, kernel_configs, backend)


def jit(fn=None, *, target: str = "trn2", weight_argnums=None, backend: str = "sim"):
    """`jax.jit`-style decorator: the first call with given input shapes and
    weights compiles (`compile`), later ones reuse the executable.

        @muir.jax.jit(target="small")
        def f(params, x): ...
    """
    if fn is None:
        return lambda f: jit(f, target=target, weight_argnums=weight_argnums, backend=backend)
    cache = {}

    def call(*args):
        weights = _weight_positions(args, weight_argnums)
        key = tuple(("w", tuple(id(leaf) for leaf in jax.tree.leaves(a))) if i in weights else
                    ("x", jax.tree.structure(a), tuple((tuple(np.shape(leaf)), str(np.asarray(leaf).dtype))
                                                       for leaf in jax.tree.leaves(a)))
                    for i, a in enumerate(args))
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = Compiled(fn, args, target, weight_argnums, backend=backend)
        return hit(*args)

    call.cache = cache
    return call
