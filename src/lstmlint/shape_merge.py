"""Output shapes and parameter counts of the layers that take several tensors: the merge layers (Add,
Concatenate...), Attention, AdditiveAttention and MultiHeadAttention. Each answers (output, params); None where
Keras would refuse the layer or the value is not known statically."""

from __future__ import annotations

from lstmlint.ir import Layer
from lstmlint.shape_args import (REFUSED, Output, Shape, _axis, _choice, _count_arg, _function_form, _given, _known,
                                 _refused, D, dim, flag)
from lstmlint.unknown import UNKNOWN

# ------------------------------------------------------------------------------------------------- merging


def _merge(layer: Layer, shapes: list[Shape | None]) -> tuple[Output, int | None]:
    if layer.cls == "Subtract" and len(shapes) != 2:
        return None, None
    # one input edge: a single tensor (Keras refuses it), a list of one, or inputs the analyzer did not follow
    if len(shapes) < 2 or any(s is None for s in shapes):
        return None, 0
    first: Shape = shapes[0]  # type: ignore[assignment]
    if layer.cls == "Concatenate":
        if any(len(s) != len(first) for s in shapes):  # type: ignore[arg-type]
            return None, None
        return _concatenate(layer, shapes)  # type: ignore[arg-type]
    if layer.cls not in ("Add", "Multiply", "Average", "Subtract", "Maximum", "Minimum"):
        return None, 0
    if any(not s for s in shapes):  # type: ignore[union-attr]
        return None, None
    if (layer.callee_text or "").rpartition(".")[2] == "merge":
        # Keras 1's merge(mode='sum'…) returns its first input's shape and refuses any other (keras 1.2.2
        # engine/topology.py Merge._arguments_validation): no broadcasting
        if any(len(s) != len(first) for s in shapes):  # type: ignore[arg-type]
            return None, None
        for position in range(len(first)):
            values = {dim(s[position]) for s in shapes}  # type: ignore[index]
            if len(values) > 1:
                return (None, 0) if UNKNOWN in values else (None, None)
        return list(first), 0
    batches = [dim(s[0]) for s in shapes]  # type: ignore[index]
    if len({b for b in batches if isinstance(b, int)}) > 1:
        return None, None  # Keras: tensors with different batch sizes
    out: Shape | None = first[1:]
    for other in shapes[1:]:
        out = _broadcast(out, other[1:])  # type: ignore[index]
        if out is None:
            return None, None  # Keras: inputs have incompatible shapes
    batch = first[0] if all(b == batches[0] for b in batches) else D(UNKNOWN)
    return [batch, *out], 0  # type: ignore[misc]


def _broadcast(left: Shape, right: Shape) -> Shape | None:
    """Keras's elementwise merge of two shapes without their batch axis: aligned on the right, a 1 stretches,
    None wins; None when Keras refuses the pair."""
    if len(left) < len(right):
        left, right = right, left
    out = list(left[: len(left) - len(right)])
    for a, b in zip(left[len(left) - len(right):], right):
        x, y = dim(a), dim(b)
        if x is UNKNOWN or y is UNKNOWN:
            out.append(a if x == y else D(UNKNOWN))
        elif x is None or y is None:
            out.append(D(None))
        elif x == 1:
            out.append(b)
        elif y == 1 or x == y:
            out.append(a)
        else:
            return None
    return out


def _concatenate(layer: Layer, shapes: list[Shape]) -> tuple[Output, int | None]:
    first = shapes[0]
    if _function_form(layer):
        return None, 0  # its axis= is not recorded
    value = _given(layer, "axis")
    axis = len(first) - 1 if value is None and first else REFUSED if value is None else _axis(value, len(first))
    if axis is REFUSED:
        return None, None
    if axis is UNKNOWN:
        return None, 0
    result = list(first)
    for position in range(len(first)):
        values = [dim(s[position]) for s in shapes]
        if position == axis:
            if None in values:
                result[position] = D(None)
            else:
                result[position] = D(sum(values) if all(isinstance(v, int) for v in values) else UNKNOWN)
        elif len({v for v in values if isinstance(v, int)}) > 1:
            return None, None  # Keras: matching shapes needed except on the concatenation axis
    return result, 0


# ----------------------------------------------------------------------------------------------- attention


def _rank3(*shapes) -> bool:
    return all(s is not None and len(s) == 3 for s in shapes)


def _attention(layer: Layer, shapes: list[Shape | None], target: int) -> tuple[Output, int | None]:
    """Attention / AdditiveAttention on [query, value] or [query, value, key]: the query's shape with the value's
    features; weights: a scalar scale (Attention, use_scale=True), a scalar for score_mode="concat", one scale
    per feature (AdditiveAttention, use_scale=True by default)."""
    additive = layer.cls == "AdditiveAttention"
    scale = flag(layer, "use_scale", additive)
    mode = _choice(layer, "score_mode", "dot", ("dot", "concat"))
    if mode is REFUSED or len(shapes) not in (2, 3):
        return None, None
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) == 3 else value
    if not _rank3(query, value, key):
        return None, None
    q, k = dim(query[-1]), dim(key[-1])  # type: ignore[index]
    if not (isinstance(q, int) and q == k) or dim(value[1]) != dim(key[1]):  # type: ignore[index]
        return None, None  # the scores need query·key (equal features) and one key per value
    if scale is None or mode is UNKNOWN:
        params = None
    elif additive:
        params = q if scale else 0
    else:
        params = int(scale) + (1 if mode == "concat" else 0)
    return [*query[:-1], value[-1]], params  # type: ignore[index]


def _multi_head_attention(layer: Layer, query: Shape | None, value: Shape | None,
                          key: Shape | None) -> tuple[Output, int | None]:
    heads, key_dim = _count_arg(layer, "num_heads", REFUSED), _count_arg(layer, "key_dim", REFUSED)
    value_dim = _count_arg(layer, "value_dim", key_dim)
    if _refused(heads, key_dim, value_dim) or any(_given(layer, n) is not None for n in (
            "attention_axes", "output_shape")):
        return None, None  # other attention axes, or an output shape of its own: not modelled
    key = value if key is None else key
    if not _rank3(query, value, key):
        return None, None
    if dim(value[1]) != dim(key[1]) or dim(value[1]) is UNKNOWN:  # type: ignore[index]
        return None, None  # Keras: value and key need the same dimensions but the last
    widths = [dim(s[-1]) for s in (query, key, value)]  # type: ignore[index]
    if None in widths:
        return None, None  # EinsumDense cannot make weights for a dynamic feature axis
    bias = flag(layer, "use_bias", True)
    params = None
    if _known(heads, key_dim, value_dim, *widths) and bias is not None:
        q, k, v = widths
        b = 1 if bias else 0
        params = (q * heads * key_dim + b * heads * key_dim + k * heads * key_dim + b * heads * key_dim
                  + v * heads * value_dim + b * heads * value_dim + heads * value_dim * q + b * q)
    return list(query), params  # type: ignore[arg-type]
