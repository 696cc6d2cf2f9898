"""Output shapes and parameter counts of the layers around the recurrent ones: convolution and pooling windows,
dense, embedding, normalization, reshaping and merging. Each answers (output, params); None where Keras would
refuse the layer or the value is not known statically."""

from __future__ import annotations

import math
from typing import Any

from lstmlint.ir import Layer, Value
from lstmlint.shape_args import (MAX_SIZE, REFUSED, Output, Shape, _axis, _choice, _count_arg, _data_format,
                                 _function_form, _given, _ints, _known, _refused, D, dim, flag)
from lstmlint.unknown import UNKNOWN

# ------------------------------------------------------------------------------------- windows: conv, pool


def _strided_dilation(strides, dilation) -> bool:
    """Keras refuses strides > 1 together with dilation_rate > 1."""
    return (isinstance(strides, tuple) and isinstance(dilation, tuple) and any(s > 1 for s in strides)
            and any(d > 1 for d in dilation))


def _conv_length(length, kernel: int, stride: int, padding: str, dilation: int = 1):
    """The output length of a convolution or pooling window: int, None, :data:`UNKNOWN`, or REFUSED where Keras finds it would be
    zero or negative."""
    if length is None or length is UNKNOWN:
        return length
    if padding in ("same", "causal"):
        return -(-length // stride)
    out = (length - dilation * (kernel - 1) - 1) // stride + 1
    return out if out > 0 else REFUSED


def _conv1d(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    filters = _count_arg(layer, "filters", REFUSED)
    kernel = _ints(layer, "kernel_size", 1, REFUSED)
    strides = _ints(layer, "strides", 1, 1)
    dilation = _ints(layer, "dilation_rate", 1, 1)
    padding = _choice(layer, "padding", "valid", ("valid", "same", "causal"))
    groups = _count_arg(layer, "groups", 1)
    data_format = _data_format(layer)
    if _refused(filters, kernel, strides, dilation, padding, groups, data_format) or _strided_dilation(
            strides, dilation):
        return None, None
    if isinstance(filters, int) and isinstance(groups, int) and filters % groups:
        return None, None
    if shape is None or len(shape) != 3 or data_format != "channels_last":
        return None, None
    channels = dim(shape[-1])
    if channels is None or (isinstance(channels, int) and isinstance(groups, int) and channels % groups):
        return None, None
    bias = flag(layer, "use_bias", True)
    params = None
    if _known(kernel, filters, channels, groups) and bias is not None:
        params = kernel[0] * (channels // groups) * filters + (filters if bias else 0)
    if not _known(kernel, strides, dilation, padding):
        return None, params
    length = _conv_length(dim(shape[1]), kernel[0], strides[0], padding, dilation[0])
    if length is REFUSED:
        return None, None
    return [shape[0], D(length), D(filters)], params


def _pool1d(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    pool = _ints(layer, "pool_size", 1, 2)
    given = _given(layer, "strides")
    strides = pool if given is None or (given.kind == "const" and given.const is None) else _ints(
        layer, "strides", 1, 1)
    padding = _choice(layer, "padding", "valid", ("valid", "same"))
    data_format = _data_format(layer)
    if _refused(pool, strides, padding, data_format):
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != 3:
        return None, None
    if data_format != "channels_last" or not _known(pool, strides, padding):
        return None, 0
    length = _conv_length(dim(shape[1]), pool[0], strides[0], padding)  # a pooling window is an undilated kernel
    if length is REFUSED:
        return None, None
    return [shape[0], D(length), shape[2]], 0


def _global_pool(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    data_format = _data_format(layer)
    if data_format is REFUSED:
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != 3:
        return None, None
    keepdims = flag(layer, "keepdims", False)
    if data_format != "channels_last" or keepdims is None:
        return None, 0
    return ([shape[0], D(1), shape[2]] if keepdims else [shape[0], shape[2]]), 0


# ------------------------------------------------------------------------------------ dense, embedding, norm


def _dense(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    units = _count_arg(layer, "units", REFUSED)
    if units is REFUSED or shape is None or len(shape) < 2:
        return None, None
    features = dim(shape[-1])
    if features is None:
        return None, None  # Keras: the last dimension of the inputs to a Dense layer should be defined
    bias = flag(layer, "use_bias", True)
    params = None
    if _known(units, features) and bias is not None:
        params = features * units + (units if bias else 0)
    return [*shape[:-1], D(units)], params


def _embedding(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    vocab, width = _count_arg(layer, "input_dim", REFUSED), _count_arg(layer, "output_dim", REFUSED)
    if _refused(vocab, width):
        return None, None
    params = vocab * width if _known(vocab, width) else None
    if shape is None:
        return None, params
    return [*shape, D(width)], params


def _shape_keeping(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    cls = layer.cls
    if cls in ("BatchNormalization", "LayerNormalization", "UnitNormalization"):
        return _normalization(layer, shape, target)
    if cls == "PReLU":
        return _prelu(layer, shape)
    if shape is None:
        return None, 0
    if cls == "SpatialDropout1D" and len(shape) != 3:
        return None, None
    return list(shape), 0


def _normalization(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    cls = layer.cls
    if shape is None:
        return None, 0 if cls == "UnitNormalization" else None
    rank = len(shape)
    value = _given(layer, "axis")
    if value is None:
        axes = [rank - 1] if rank else [REFUSED]
    elif value.kind == "tuple":
        if cls == "BatchNormalization" and target == 3:
            return None, None  # Keras 3 reads BatchNormalization's axis with int()
        axes = [_axis(item, rank) for item in value.items]
    else:
        axes = [_axis(value, rank)]
    if _refused(*axes):
        return None, None
    if not axes or not _known(*axes) or len(set(axes)) != len(axes):
        return list(shape), 0 if cls == "UnitNormalization" else None
    sizes = [dim(shape[a]) for a in axes]
    if None in sizes and cls != "UnitNormalization":
        return None, None  # Keras cannot make weights for a dynamic axis
    if cls == "UnitNormalization":
        return list(shape), 0
    center, scale = flag(layer, "center", True), flag(layer, "scale", True)
    if center is None or scale is None or not _known(*sizes) or (cls == "BatchNormalization" and len(axes) != 1):
        return list(shape), None
    per_unit = int(center) + int(scale) + (2 if cls == "BatchNormalization" else 0)  # BN adds moving mean, var
    return list(shape), per_unit * math.prod(sizes)


def _prelu(layer: Layer, shape: Shape | None) -> tuple[Output, int | None]:
    if shape is None or not shape:
        return None, None
    if _given(layer, "shared_axes") is not None:
        return None, None
    sizes = [dim(d) for d in shape[1:]]
    if None in sizes:
        return None, None  # one alpha per position: Keras cannot make them for a dynamic axis
    return list(shape), math.prod(sizes) if _known(*sizes) else None


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


def _zero_padding(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    pads = _ints(layer, "padding", 2, 1, minimum=0)
    data_format = _data_format(layer)
    if _refused(pads, data_format):
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != 3:
        return None, None
    if data_format != "channels_last" or pads is UNKNOWN:
        return None, 0
    steps = dim(shape[1])
    length = steps + pads[0] + pads[1] if isinstance(steps, int) else steps
    return [shape[0], D(length), shape[2]], 0


def _upsampling(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    factor = _count_arg(layer, "size", 2)
    if factor is REFUSED:
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != 3:
        return None, None
    steps = dim(shape[1])
    length = steps * factor if isinstance(steps, int) and isinstance(factor, int) else None if steps is None else UNKNOWN
    return [shape[0], D(length), shape[2]], 0


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
