"""numpy's own functions, by numpy's rules: creators (``np.zeros((n, t, f))``, ``np.random.rand``,
``np.arange``), ``np.array`` of nested list literals, ``np.reshape``, ``np.stack`` / ``concatenate`` /
``hstack`` / ``vstack`` / ``dstack`` / ``column_stack``, ``np.expand_dims``."""

from __future__ import annotations

import math
from typing import Callable

import libcst as cst

from lstmlint.analyze.arrays_base import (arg, array, dims_from, int_of, is_array_like, ndarray, product, reshape,
                                          unknown_dim)
from lstmlint.ir import Value

# numpy function -> where its shape comes from: ("shape", position) or ("size", position) or ("dims",)
_CREATORS: dict[str, tuple] = {
    "zeros": ("shape", 0), "ones": ("shape", 0), "empty": ("shape", 0), "full": ("shape", 0),
    "random.rand": ("dims",), "random.randn": ("dims",),
    "random.random": ("size", 0), "random.random_sample": ("size", 0), "random.sample": ("size", 0),
    "random.ranf": ("size", 0), "random.standard_normal": ("size", 0),
    "random.normal": ("size", 2), "random.uniform": ("size", 2), "random.randint": ("size", 2),
    "random.binomial": ("size", 2), "random.poisson": ("size", 1), "random.exponential": ("size", 1),
}


def _literal_shape(value: Value) -> list[Value] | None:
    """The shape numpy gives an array-like: a known array, a scalar, or nested lists/tuples of equal shapes
    (fully known: a ragged list is an error in numpy >= 1.24 and an object array before)."""
    if value.kind == "array":
        return list(value.items)
    if value.kind == "const":
        return [] if isinstance(value.const, (int, float, complex, str)) else None
    if value.kind != "tuple":
        return None
    shapes = [_literal_shape(item) for item in value.items]
    if any(s is None for s in shapes):
        return None
    if not shapes:
        return [Value.of(0)]
    if len(shapes) > 1:
        first = [int_of(d) for d in shapes[0]]  # type: ignore[union-attr]
        if None in first or any([int_of(d) for d in s] != first for s in shapes[1:]):  # type: ignore[union-attr]
            return None
    return [Value.of(len(shapes)), *shapes[0]]  # type: ignore[misc]


def _sequence_shapes(evaluate: Callable, node: cst.BaseExpression | None) -> list[list[Value]] | None:
    """The shapes of the arrays in a sequence argument (``np.stack([a, b])``), each as numpy reads it."""
    if node is None:
        return None
    value = evaluate(node)
    if value.kind != "tuple" or not value.items:
        return None
    shapes = [_literal_shape(item) for item in value.items]
    return None if any(s is None for s in shapes) else shapes  # type: ignore[return-value]


def _merge(dims: list[Value]) -> Value | None:
    """Dims numpy requires to be equal: the known one (the program raises unless they are); None when two
    known ones differ."""
    known = {int_of(d) for d in dims} - {None}
    if len(known) > 1:
        return None
    for d in dims:
        if int_of(d) is not None:
            return d
    return dims[0]


def _axis(evaluate: Callable, node: cst.Call, position: int, rank: int, default: int | None = 0):
    """A normalized axis in [0, rank); None when numpy would raise or it is not known; "none" for axis=None."""
    given = arg(node, position, "axis")
    if given is None:
        if default is None:
            return "none"
        got = default
    else:
        value = evaluate(given)
        if value.kind == "const" and value.const is None:
            return "none"
        got = int_of(value)
        if got is None:
            return None
    return got % rank if -rank <= got < rank else None


def _concatenate(shapes: list[list[Value]], axis: int, text: str) -> Value | None:
    rank = len(shapes[0])
    if rank == 0 or any(len(s) != rank for s in shapes) or not 0 <= axis < rank:
        return None
    out: list[Value] = []
    for i in range(rank):
        column = [s[i] for s in shapes]
        if i == axis:
            sizes = [int_of(d) for d in column]
            out.append(Value.of(sum(sizes)) if all(s is not None for s in sizes)  # type: ignore[arg-type]
                       else unknown_dim("a concatenation along an axis of unknown length"))
        else:
            merged = _merge(column)
            if merged is None:
                return None
            out.append(merged)
    return array(out, text)


def _at_least(shape: list[Value], kind: str) -> list[Value]:
    """numpy's atleast_1d / atleast_2d / atleast_3d / column_stack's promotion of one array."""
    one = Value.of(1)
    rank = len(shape)
    if kind == "1d":
        return shape if rank >= 1 else [one]
    if kind == "2d":
        return shape if rank >= 2 else [one, *shape] if rank == 1 else [one, one]
    if kind == "column":
        return shape if rank >= 2 else [shape[0], one] if rank == 1 else [one, one]
    # 3d: (N,) -> (1, N, 1); (M, N) -> (M, N, 1)
    if rank >= 3:
        return shape
    return [one, shape[0], one] if rank == 1 else [*shape, one] if rank == 2 else [one, one, one]


def _stacking(evaluate: Callable, node: cst.Call, name: str, text: str) -> Value | None:
    shapes = _sequence_shapes(evaluate, arg(node, 0, ("arrays", "tup", "seq")))
    if shapes is None:
        return None
    if name == "stack":
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            return None
        axis = _axis(evaluate, node, 1, rank + 1)
        if axis is None or axis == "none":
            return None
        merged = [_merge([s[i] for s in shapes]) for i in range(rank)]
        if any(m is None for m in merged):
            return None
        return array([*merged[:axis], Value.of(len(shapes)), *merged[axis:]], text)  # type: ignore[list-item]
    if name in ("concatenate", "concat"):
        if not shapes[0]:
            return None  # zero-dimensional arrays cannot be concatenated
        axis = _axis(evaluate, node, 1, len(shapes[0]))
        if axis == "none":
            return _concatenate([[product(s)] for s in shapes], 0, text)
        return None if axis is None else _concatenate(shapes, axis, text)
    if name == "hstack":
        promoted = [_at_least(s, "1d") for s in shapes]
        return _concatenate(promoted, 0 if len(promoted[0]) == 1 else 1, text)
    kind, axis = {"vstack": ("2d", 0), "row_stack": ("2d", 0), "dstack": ("3d", 2), "column_stack": ("column", 1)}[name]
    return _concatenate([_at_least(s, kind) for s in shapes], axis, text)


def _arange(evaluate: Callable, node: cst.Call, text: str) -> Value | None:
    positional = [a for a in node.args if a.keyword is None and not a.star]
    if len(positional) != len(node.args) or not 1 <= len(positional) <= 3:
        return None
    values = [evaluate(a.value) for a in positional]
    numbers = [v.const if v.kind == "const" and type(v.const) in (int, float) else None for v in values]
    if any(n is None for n in numbers):
        return array([unknown_dim("np.arange of unknown bounds")], text)
    if len(numbers) == 1:
        numbers = [0, numbers[0]]
    start, stop, step = (*numbers, 1)[:3]
    if step == 0:
        return None  # numpy raises
    if all(type(n) is int for n in (start, stop, step)):
        return array([Value.of(len(range(start, stop, step)))], text)  # type: ignore[arg-type]
    # numpy: ceil((stop - start) / step) in double precision, at least 0
    length = math.ceil((stop - start) / step)  # type: ignore[operator]
    return array([Value.of(max(length, 0))], text)


def call(evaluate: Callable, node: cst.Call, name: str, text: str) -> Value | None:
    spec = _CREATORS.get(name)
    if spec is not None:
        if spec[0] == "dims":
            return array([evaluate(a.value) for a in node.args if a.keyword is None and not a.star], text)
        source = arg(node, spec[1], spec[0])
        dims = dims_from(evaluate(source)) if source is not None else None
        return array(dims, text) if dims is not None else None
    if name in ("stack", "concatenate", "concat", "hstack", "vstack", "row_stack", "dstack", "column_stack"):
        return _stacking(evaluate, node, name, text)
    if name == "arange":
        return _arange(evaluate, node, text)
    if name in ("zeros_like", "ones_like", "empty_like", "full_like", "array", "asarray", "copy",
                "asanyarray"):
        source = arg(node, 0, ("a", "object", "prototype"))
        if source is None:
            return None
        if any(arg.keyword is not None and arg.keyword.value in ("ndmin", "shape") for arg in node.args):
            return ndarray("an array made with ndmin= or shape=", text)
        base = evaluate(source)
        shape = _literal_shape(base)
        if shape is not None:
            return array(shape, text)
        return ndarray(f"an array made from `{base.text or 'a value'}`, whose shape is not known", text)
    if name == "reshape":
        source, shape = arg(node, 0, "a"), arg(node, 1, ("newshape", "shape"))
        if source is None or shape is None:
            return None
        base, dims = evaluate(source), dims_from(evaluate(shape))
        if not is_array_like(base):  # any array-like (a list built in a loop): numpy makes it an array first
            literal = _literal_shape(base)
            base = array(literal, text) if literal is not None else ndarray("an array-like of unknown shape", text)
        return reshape(base, dims, text) if dims else None
    if name == "expand_dims":
        source, axis = arg(node, 0, "a"), arg(node, 1, "axis")
        if source is None or axis is None:
            return None
        base, where = evaluate(source), evaluate(axis)
        if base.kind != "array" or int_of(where) is None:
            return None
        dims = list(base.items)
        position = where.const if where.const >= 0 else len(dims) + 1 + where.const
        if not 0 <= position <= len(dims):
            return None
        return array([*dims[:position], Value.of(1), *dims[position:]], text)
    return None
