"""Indexing an array (numpy basic indexing) or a pandas frame (a column selection)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lstmlint.analyze.arrays_base import FRAME, SERIES, array, frame, int_of, unknown_dim
from lstmlint.ir import Value

if TYPE_CHECKING:
    from lstmlint.analyze.values import Evaluator, Scope


def subscript(evaluator: "Evaluator", base: Value, node: cst.Subscript, scope: "Scope", text: str) -> Value | None:
    """numpy basic indexing: integers drop an axis, slices keep it (its length by Python's slice rules),
    ``None`` / ``np.newaxis`` add an axis of 1, ``...`` stands for the axes not named. Anything else (an index
    array, a boolean, a value not known) is None: advanced indexing changes the shape in other ways."""
    if base.kind == "unknown" and base.tag == FRAME:
        return _frame_subscript(evaluator, node, scope, text)
    if base.kind != "array":
        return None
    dims = list(base.items)
    parts: list[tuple] = []
    for element in node.slice:
        index = element.slice
        if isinstance(index, cst.Slice):
            bounds = [_bound(evaluator, b, scope) for b in (index.lower, index.upper, index.step)]
            if bounds[2] == 0:
                return None  # numpy raises: slice step cannot be zero
            parts.append(("slice", bounds, index))
        elif isinstance(index.value, cst.Ellipsis):
            parts.append(("ellipsis",))
        elif _is_new_axis(evaluator, index):
            parts.append(("new",))
        else:
            value = evaluator.evaluate(index.value, scope)
            if int_of(value) is None:
                return None
            parts.append(("int", value.const))
    if sum(1 for p in parts if p[0] == "ellipsis") > 1:
        return None
    named = sum(1 for p in parts if p[0] in ("slice", "int"))
    if named > len(dims):
        return None  # numpy raises: too many indices
    if not any(p[0] == "ellipsis" for p in parts):
        parts.append(("ellipsis",))
    out: list[Value] = []
    position = 0
    for part in parts:
        if part[0] == "ellipsis":
            for _ in range(len(dims) - named):
                out.append(dims[position])
                position += 1
            continue
        if part[0] == "new":
            out.append(Value.of(1))
            continue
        dim = dims[position]
        position += 1
        size = int_of(dim)
        if part[0] == "int":
            if size is not None and not -size <= part[1] < size:
                return None  # numpy raises: index out of bounds
            continue
        out.append(_slice_dim(dim, size, part[1]))
    return array(out, text)


def _bound(evaluator: "Evaluator", node: cst.BaseExpression | None, scope: "Scope"):
    """A slice bound: an int, None (absent), or "?" when not known."""
    if node is None:
        return None
    value = evaluator.evaluate(node, scope)
    if value.kind == "const" and value.const is None:
        return None
    got = int_of(value)
    return "?" if got is None else got


def _slice_dim(dim: Value, size: int | None, bounds: list) -> Value:
    lower, upper, step = bounds
    if lower is None and upper is None and step in (None, 1, -1):
        return dim  # every element, forwards or backwards: the axis is unchanged (and keeps its name)
    if size is None or "?" in bounds:
        return unknown_dim("a slice of an axis whose length or bounds are not known")
    return Value.of(len(range(*slice(lower, upper, step).indices(size))))


def _frame_subscript(evaluator: "Evaluator", node: cst.Subscript, scope: "Scope", text: str) -> Value | None:
    """``df[["a", "b"]]``: a frame of 2 columns; ``df["a"]``: a Series."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    selected = node.slice[0].slice.value
    if isinstance(selected, cst.List):
        if any(isinstance(e, cst.StarredElement) for e in selected.elements):
            return None
        names = [evaluator.evaluate(e.value, scope) for e in selected.elements]
        if names and all(n.kind == "const" and isinstance(n.const, str) for n in names):
            return frame(Value.of(len(names)), text)
        return None
    if isinstance(selected, cst.SimpleString):
        return Value.unknown("a pandas Series", text, tag=SERIES)
    return None


def _is_new_axis(evaluator: "Evaluator", index) -> bool:
    if not isinstance(index, cst.Index):
        return False
    value = index.value
    if isinstance(value, cst.Name) and value.value == "None":
        return True
    resolved = evaluator.imports.resolve(value) if isinstance(value, (cst.Name, cst.Attribute)) else None
    return resolved == "numpy.newaxis"
