"""Arrays whose shape is known statically: ``np.zeros((n, t, f))``, ``np.random.rand(n, t)``, ``x.reshape(...)``,
``x[..., np.newaxis]``, ``np.expand_dims``, ``keras.utils.to_categorical``.

An array is a ``Value`` of kind ``array`` whose ``items`` are its dims. Anything else stays unknown.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import libcst as cst

from lstmlint.ir import Value

if TYPE_CHECKING:
    from lstmlint.analyze.values import Evaluator, Scope

# numpy function -> where its shape comes from: ("shape", position) or ("size", position) or ("dims",)
_CREATORS: dict[str, tuple] = {
    "zeros": ("shape", 0), "ones": ("shape", 0), "empty": ("shape", 0), "full": ("shape", 0),
    "random.rand": ("dims",), "random.randn": ("dims",),
    "random.random": ("size", 0), "random.random_sample": ("size", 0), "random.sample": ("size", 0),
    "random.ranf": ("size", 0), "random.standard_normal": ("size", 0),
    "random.normal": ("size", 2), "random.uniform": ("size", 2), "random.randint": ("size", 2),
    "random.binomial": ("size", 2), "random.poisson": ("size", 1), "random.exponential": ("size", 1),
}
_SAME_SHAPE_METHODS = {"astype", "copy", "__abs__"}


def array(dims: list[Value], text: str, name: str | None = None) -> Value:
    return Value("array", items=dims, text=text, name=name)


def _dims_from(value: Value) -> list[Value] | None:
    if value.kind == "tuple":
        return list(value.items)
    if value.kind == "const" and isinstance(value.const, int) and not isinstance(value.const, bool):
        return [value]
    return None


def _arg(node: cst.Call, position: int, keyword: str | tuple[str, ...]) -> cst.BaseExpression | None:
    keywords = (keyword,) if isinstance(keyword, str) else keyword
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    positional = [a for a in node.args if a.keyword is None and not a.star]
    return positional[position].value if position < len(positional) else None


def reshape(base: Value, target: list[Value], text: str) -> Value:
    """``-1`` is resolved when every other dim is known."""
    from lstmlint.unknown import UNKNOWN

    wanted = [d.const if d.kind == "const" else UNKNOWN for d in target]
    if wanted.count(-1) == 1:
        sizes = [d.const if d.kind == "const" and isinstance(d.const, int) else None for d in base.items]
        rest = [w for w in wanted if w != -1]
        index = wanted.index(-1)
        if base.kind == "array" and all(isinstance(s, int) for s in sizes) and all(isinstance(r, int) for r in rest):
            total, known = math.prod(sizes), math.prod(rest)  # type: ignore[arg-type]
            resolved = Value.of(total // known) if known and total % known == 0 else Value.unknown("reshape")
        else:
            resolved = Value.unknown("reshape with -1 of an array of unknown size")
        target = [*target[:index], resolved, *target[index + 1:]]
    return array(target, text)


def evaluate_call(evaluator: "Evaluator", node: cst.Call, scope: "Scope", text: str) -> Value | None:
    """The array a call makes, or None when the call is not one we know."""
    evaluate: Callable = lambda n: evaluator.evaluate(n, scope)  # noqa: E731
    func = node.func
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        resolved = evaluator.imports.resolve(func)
        if resolved is None:  # a method on a value: x.reshape(...), x.astype(...)
            base = evaluate(func.value)
            if base.kind != "array":
                return None
            if method in _SAME_SHAPE_METHODS:
                return array(base.items, text)
            if method == "reshape":
                positional = [a for a in node.args if a.keyword is None and not a.star]
                if len(positional) == 1:
                    dims = _dims_from(evaluate(positional[0].value))
                else:
                    dims = [evaluate(a.value) for a in positional]
                return reshape(base, dims, text) if dims else None
            return None
    else:
        resolved = evaluator.imports.resolve(func)
        if isinstance(func, cst.Name) and func.value == "len" and resolved is None and scope.lookup("len") is None:
            target = _arg(node, 0, "obj")
            base = evaluate(target) if target is not None else None
            if base is not None and base.kind == "array" and base.items:
                return base.items[0]
            return None
    if resolved is None:
        return None
    if resolved.startswith("numpy."):
        return _numpy(evaluate, node, resolved[len("numpy."):], text)
    if resolved.endswith(".to_categorical"):
        labels = _arg(node, 0, ("x", "y"))
        classes = _arg(node, 1, "num_classes")
        base = evaluate(labels) if labels is not None else None
        if base is not None and base.kind == "array" and classes is not None:
            return array([*base.items, evaluate(classes)], text)
    return None


def _numpy(evaluate: Callable, node: cst.Call, name: str, text: str) -> Value | None:
    spec = _CREATORS.get(name)
    if spec is not None:
        if spec[0] == "dims":
            return array([evaluate(a.value) for a in node.args if a.keyword is None and not a.star], text)
        source = _arg(node, spec[1], spec[0])
        dims = _dims_from(evaluate(source)) if source is not None else None
        return array(dims, text) if dims is not None else None
    if name in ("zeros_like", "ones_like", "empty_like", "full_like", "array", "asarray", "copy"):
        source = _arg(node, 0, ("a", "object", "prototype"))
        base = evaluate(source) if source is not None else None
        return array(base.items, text) if base is not None and base.kind == "array" else None
    if name == "reshape":
        source, shape = _arg(node, 0, "a"), _arg(node, 1, ("newshape", "shape"))
        if source is None or shape is None:
            return None
        base, dims = evaluate(source), _dims_from(evaluate(shape))
        return reshape(base, dims, text) if base.kind == "array" and dims else None
    if name == "expand_dims":
        source, axis = _arg(node, 0, "a"), _arg(node, 1, "axis")
        if source is None or axis is None:
            return None
        base, where = evaluate(source), evaluate(axis)
        if base.kind != "array" or where.kind != "const" or not isinstance(where.const, int):
            return None
        dims = list(base.items)
        position = where.const if where.const >= 0 else len(dims) + 1 + where.const
        if not 0 <= position <= len(dims):
            return None
        return array([*dims[:position], Value.of(1), *dims[position:]], text)
    return None


# Methods whose result is an array when their receiver is one, its shape not known: data for fit, not a
# tf.data.Dataset or a generator (the stateful rules tell the two apart; they need no shape for that).
_ARRAY_METHODS = {"reshape", "astype", "to_numpy", "copy", "squeeze", "transpose", "flatten", "ravel"}


def array_of_unknown_shape(evaluator: "Evaluator", node: cst.Call, scope: "Scope", text: str) -> Value | None:
    """``np.load(...)``, ``np.array(rows)``, ``x.reshape(n, t, 1)`` on such an array, ``df.to_numpy()``: an
    unknown value tagged ``array``; None when the call is not known to make an array."""
    func = node.func
    resolved = evaluator.imports.resolve(func)
    if resolved is not None:
        return Value.unknown("a NumPy array of unknown shape", text, tag="array") if resolved.startswith(
            "numpy.") else None
    if isinstance(func, cst.Attribute) and func.attr.value in _ARRAY_METHODS:
        base = evaluator.evaluate(func.value, scope)
        if base.kind == "array" or base.tag == "array" or func.attr.value == "to_numpy":
            return Value.unknown("an array of unknown shape", text, tag="array")
    return None


def subscript(evaluator: "Evaluator", base: Value, node: cst.Subscript, scope: "Scope", text: str) -> Value | None:
    """``x[..., np.newaxis]``, ``x[:, :, None]``: new axes of size 1 on an array; full slices keep a dim."""
    if base.kind != "array":
        return None
    dims = list(base.items)
    out: list[Value] = []
    position = 0
    elements = list(node.slice)
    for i, element in enumerate(elements):
        index = element.slice
        if isinstance(index, cst.Index):
            value = index.value
            if isinstance(value, cst.Ellipsis):
                remaining = sum(1 for e in elements[i + 1:] if not _is_new_axis(evaluator, e.slice))
                keep = len(dims) - position - remaining
                if keep < 0:
                    return None
                out.extend(dims[position:position + keep])
                position += keep
                continue
            if _is_new_axis(evaluator, index):
                out.append(Value.of(1))
                continue
            return None  # an integer index or a fancy index drops or changes dims: not tracked
        if isinstance(index, cst.Slice) and index.lower is None and index.upper is None and index.step is None:
            if position >= len(dims):
                return None
            out.append(dims[position])
            position += 1
            continue
        return None
    out.extend(dims[position:])
    return array(out, text)


def _is_new_axis(evaluator: "Evaluator", index) -> bool:
    if not isinstance(index, cst.Index):
        return False
    value = index.value
    if isinstance(value, cst.Name) and value.value == "None":
        return True
    resolved = evaluator.imports.resolve(value) if isinstance(value, (cst.Name, cst.Attribute)) else None
    return resolved == "numpy.newaxis"
