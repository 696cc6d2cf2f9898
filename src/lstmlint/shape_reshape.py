"""Output shapes of the reshaping layers: Flatten, RepeatVector, Reshape, Permute (no weights). Each answers
(output, params); None where Keras would refuse the layer or the value is not known statically."""

from __future__ import annotations

import math
from typing import Any

from lstmlint.ir import Layer, Value
from lstmlint.shape_args import MAX_SIZE, REFUSED, Output, Shape, _count_arg, _data_format, _given, _refused, D, dim
from lstmlint.unknown import UNKNOWN

# ------------------------------------------------------------------------------------------------ reshaping


def _flatten(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    if _data_format(layer) is REFUSED:
        return None, None
    if shape is None:
        return None, 0
    if not shape:
        return None, None  # Keras: Flatten needs at least the batch axis
    rest = [dim(d) for d in shape[1:]]
    total = math.prod(rest) if all(isinstance(d, int) for d in rest) else UNKNOWN
    return [shape[0], D(total)], 0


def _repeat_vector(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    n = _count_arg(layer, "n", REFUSED)
    if n is REFUSED:
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != 2:
        return None, None
    return [shape[0], D(n), shape[1]], 0


def _target_entry(value: Value):
    """One entry of Reshape's target_shape: an int >= 0, -1, None (dynamic), :data:`UNKNOWN` or REFUSED."""
    if value.kind != "const":
        return UNKNOWN
    got = value.const
    if got is None:
        return None
    if type(got) is int:
        return got if got == -1 or 0 <= got <= MAX_SIZE else UNKNOWN if got > MAX_SIZE else REFUSED
    return UNKNOWN  # Keras 3 reads a float entry as a dynamic dim and True as 1


def _reshape(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    value = _given(layer, "target_shape")
    if value is None or (value.kind == "const"):
        return None, None  # missing, or not a tuple: Keras cannot iterate it
    if value.kind != "tuple":
        return None, 0
    entries = [_target_entry(item) for item in value.items]
    if _refused(*entries) or entries.count(-1) > 1:
        return None, None
    if shape is None:
        return None, 0
    if not shape:
        return None, None
    if target == 2 and None in entries:
        return None, 0  # Keras 2 has no dynamic entries in target_shape
    known = [dim(d) for d in shape[1:]]
    fixed = [e for e in entries if e != -1]
    if -1 in entries:
        if None in known or None in fixed:
            fill: Any = None
        elif all(isinstance(k, int) for k in known) and all(isinstance(e, int) for e in fixed):
            rest, total = math.prod(fixed), math.prod(known)
            if rest == 0:
                fill = UNKNOWN
            elif total % rest:
                return None, None  # Keras: the total size cannot be split that way
            else:
                fill = total // rest
        else:
            fill = UNKNOWN
        entries[entries.index(-1)] = fill
    elif all(isinstance(k, int) for k in known) and all(isinstance(e, int) for e in entries):
        if math.prod(known) != math.prod(entries):
            return None, None  # Keras: the total size of the new shape differs
    return [shape[0], *[D(e) for e in entries]], 0


def _permute(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    value = _given(layer, "dims")
    if value is None or value.kind == "const":
        return None, None
    if value.kind != "tuple" or not value.known:
        return None, 0
    order = [item.const if item.kind == "const" else UNKNOWN for item in value.items]
    if any(isinstance(x, bool) or x is UNKNOWN for x in order):
        return None, 0
    if any(type(x) is not int for x in order) or sorted(order) != list(range(1, len(order) + 1)):
        return None, None  # Keras: dims must be a permutation of 1..n
    if shape is None:
        return None, 0
    if len(order) != len(shape) - 1:
        return None, None
    return [shape[0], *[shape[i] for i in order]], 0
