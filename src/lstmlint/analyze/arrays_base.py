"""The pieces every array module shares: how an array, a numpy array of unknown shape and a pandas frame are
written as ``Value``s, reading a call's arguments, and ``reshape`` (numpy's function and method alike).

An array is a ``Value`` of kind ``array`` whose ``items`` are its dims; a dim may be unknown (a partial shape).
Two unknown values carry a tag: ``ndarray`` (a numpy array of unknown shape and rank) and ``frame`` (a pandas
DataFrame; ``items`` holds its column count when known).
"""

from __future__ import annotations

import math

import libcst as cst

from lstmlint.ir import NDARRAY, Value

FRAME = "frame"  # tag of an unknown value known to be a pandas DataFrame (items: [columns] when known)
SERIES = "series"
# tags of a Keras Tokenizer and of what its texts_to_sequences() gives (lists of token ids: pad_sequences of
# them is 2-D)
TOKENIZER, INT_SEQUENCES = "keras-tokenizer", "int-sequences"


def array(dims: list[Value], text: str, name: str | None = None) -> Value:
    return Value("array", items=dims, text=text, name=name)


def ndarray(reason: str, text: str) -> Value:
    return Value.unknown(reason, text, tag=NDARRAY)


def frame(columns: Value | None, text: str, reason: str = "a pandas DataFrame") -> Value:
    known = f" of {columns.const} columns" if columns is not None and columns.kind == "const" else ""
    return Value("unknown", items=[columns] if columns is not None else [], tag=FRAME, reason=reason + known,
                 text=text)


def is_array_like(value: Value) -> bool:
    """A numpy array (of known shape or not): only ``resize`` or ``.shape =`` change its shape in place."""
    return value.kind == "array" or (value.kind == "unknown" and value.tag == NDARRAY)


def int_of(value: Value | None):
    """An int (not a bool) or None for anything else."""
    if value is not None and value.kind == "const" and type(value.const) is int:
        return value.const
    return None


def dims_from(value: Value) -> list[Value] | None:
    if value.kind == "tuple":
        return list(value.items)
    if int_of(value) is not None:
        return [value]
    return None


def arg(node: cst.Call, position: int, keyword: str | tuple[str, ...]) -> cst.BaseExpression | None:
    keywords = (keyword,) if isinstance(keyword, str) else keyword
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    if position < 0:  # keyword-only
        return None
    positional = [a for a in node.args if a.keyword is None and not a.star]
    return positional[position].value if position < len(positional) else None


def unknown_dim(reason: str) -> Value:
    return Value.unknown(reason)


def reshape(base: Value, target: list[Value], text: str) -> Value | None:
    """``-1`` is resolved when every other dim and the size are known; a target numpy refuses is None."""
    wanted = [int_of(d) for d in target]
    if any(w is not None and w < -1 for w in wanted) or wanted.count(-1) > 1:
        return None  # numpy raises
    if any(d.kind != "const" and d.kind != "unknown" for d in target):
        return None
    if any(d.kind == "const" and int_of(d) is None for d in target):
        return None  # a float, a string, None: numpy raises
    if wanted.count(-1) == 1:
        index = wanted.index(-1)
        sizes = [int_of(d) for d in base.items] if base.kind == "array" else [None]
        rest = [w for i, w in enumerate(wanted) if i != index]
        if all(s is not None for s in sizes) and all(r is not None for r in rest):
            total, known = math.prod(sizes), math.prod(rest)  # type: ignore[arg-type]
            resolved = Value.of(total // known) if known and total % known == 0 else None
            if resolved is None:
                return None  # numpy raises: the size does not divide
        else:
            resolved = unknown_dim("the -1 of a reshape of an array whose size is not known")
        target = [*target[:index], resolved, *target[index + 1:]]
    return array(target, text)

def product(dims: list[Value]) -> Value:
    sizes = [int_of(d) for d in dims]
    if all(s is not None for s in sizes):
        return Value.of(math.prod(sizes))  # type: ignore[arg-type]
    return unknown_dim("the size of an array with an unknown dim")
