"""Output shapes and parameter counts of the layers around the recurrent ones: convolution and pooling windows,
dense, embedding, normalization, reshaping and merging. Each answers (output, params); None where Keras would
refuse the layer or the value is not known statically."""

from __future__ import annotations

import math
from typing import Any

from lstmlint.ir import Layer, Value
from lstmlint.shape_args import (MAX_SIZE, REFUSED, Output, Shape, _axis, _choice, _count_arg, _data_format,
                                 _function_form, _given, _int, _ints, _known, _refused, D, dim, flag)
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


# ------------------------------------------------------------------ 2-D / 3-D windows, resizing, attention
#
# Keras 3.15 keras/src/ops/operation_utils.py (compute_conv_output_shape, compute_pooling_output_shape,
# compute_conv_transpose_output_shape) and tf_keras 2.21 tf_keras/src/utils/conv_utils.py
# (conv_output_length, deconv_output_length) agree on these formulas; the differential tests rebuild each one.

_RANK = {"Conv2D": 2, "Conv3D": 3, "Convolution2D": 2, "Convolution3D": 3, "Conv1DTranspose": 1,
         "Conv2DTranspose": 2, "Conv3DTranspose": 3, "MaxPooling2D": 2, "MaxPooling3D": 3, "MaxPool2D": 2,
         "MaxPool3D": 3, "AveragePooling2D": 2, "AveragePooling3D": 3, "AvgPool2D": 2, "AvgPool3D": 3,
         "GlobalAveragePooling2D": 2, "GlobalAveragePooling3D": 3, "GlobalMaxPooling2D": 2,
         "GlobalMaxPooling3D": 3, "GlobalAvgPool2D": 2, "GlobalAvgPool3D": 3, "GlobalMaxPool2D": 2,
         "GlobalMaxPool3D": 3, "GlobalAveragePooling1D": 1, "GlobalMaxPooling1D": 1, "GlobalAvgPool1D": 1,
         "GlobalMaxPool1D": 1, "UpSampling2D": 2, "UpSampling3D": 3, "Cropping1D": 1, "Cropping2D": 2,
         "Cropping3D": 3, "ZeroPadding2D": 2, "ZeroPadding3D": 3}


def _spatial(shape: Shape, rank: int, data_format: str) -> tuple[list, int]:
    """The spatial dims of a channels_last / channels_first tensor, and the position of its channel axis."""
    if data_format == "channels_last":
        return [dim(d) for d in shape[1:1 + rank]], len(shape) - 1
    return [dim(d) for d in shape[2:2 + rank]], 1


def _rebuilt(shape: Shape, rank: int, data_format: str, spatial: list, channels: Value) -> Shape:
    out = [D(s) if not isinstance(s, Value) else s for s in spatial]
    return [shape[0], *out, channels] if data_format == "channels_last" else [shape[0], channels, *out]


def _conv_nd(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    """Conv2D / Conv3D and the transposed convolutions (1-D to 3-D)."""
    rank = _RANK[layer.cls]
    transpose = layer.cls.endswith("Transpose")
    filters = _count_arg(layer, "filters", REFUSED)
    kernel = _ints(layer, "kernel_size", rank, REFUSED)
    strides = _ints(layer, "strides", rank, 1)
    dilation = _ints(layer, "dilation_rate", rank, 1)
    padding = _choice(layer, "padding", "valid", ("valid", "same"))
    groups = 1 if transpose else _count_arg(layer, "groups", 1)
    data_format = _data_format(layer)
    given_pad = _given(layer, "output_padding") if transpose else None
    out_pad = None if given_pad is None or (given_pad.kind == "const" and given_pad.const is None) else _ints(
        layer, "output_padding", rank, REFUSED, minimum=0)
    if transpose and _given(layer, "groups") is not None:
        return None, None  # tf_keras passes groups= on to Conv; a grouped transposed convolution is not modelled
    if _refused(filters, kernel, strides, dilation, padding, groups, data_format, out_pad):
        return None, None
    if _strided_dilation(strides, dilation):
        return None, None
    if isinstance(filters, int) and isinstance(groups, int) and filters % groups:
        return None, None
    if shape is None or len(shape) != rank + 2 or data_format is UNKNOWN:
        return None, None
    spatial, channel_axis = _spatial(shape, rank, data_format)
    channels = dim(shape[channel_axis])
    if channels is None or (isinstance(channels, int) and isinstance(groups, int) and channels % groups):
        return None, None
    bias = flag(layer, "use_bias", True)
    params = None
    if _known(kernel, filters, channels, groups) and bias is not None:
        params = math.prod(kernel) * (channels // groups) * filters + (filters if bias else 0)
    if not _known(kernel, strides, dilation, padding, out_pad):
        return None, params
    if isinstance(out_pad, tuple) and any(p >= s for p, s in zip(out_pad, strides)):
        return None, None  # Keras: strides must be greater than output padding
    lengths = []
    for i in range(rank):
        if transpose:
            length = _deconv_length(spatial[i], kernel[i], strides[i], padding, dilation[i],
                                    None if out_pad is None else out_pad[i])
        else:
            length = _conv_length(spatial[i], kernel[i], strides[i], padding, dilation[i])
        if length is REFUSED:
            return None, None
        lengths.append(length)
    return _rebuilt(shape, rank, data_format, lengths, D(filters)), params


def _deconv_length(length, kernel: int, stride: int, padding: str, dilation: int, out_pad):
    if length is None or length is UNKNOWN:
        return length
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if out_pad is None:
        return length * stride + max(kernel - stride, 0) if padding == "valid" else length * stride
    pad = kernel // 2 if padding == "same" else 0
    out = (length - 1) * stride + kernel - 2 * pad + out_pad
    return out if out > 0 else REFUSED


def _pool_nd(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    rank = _RANK[layer.cls]
    pool = _ints(layer, "pool_size", rank, 2)
    given = _given(layer, "strides")
    strides = pool if given is None or (given.kind == "const" and given.const is None) else _ints(
        layer, "strides", rank, 1)
    padding = _choice(layer, "padding", "valid", ("valid", "same"))
    data_format = _data_format(layer)
    if _refused(pool, strides, padding, data_format):
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != rank + 2:
        return None, None
    if data_format is UNKNOWN or not _known(pool, strides, padding):
        return None, 0
    spatial, channel_axis = _spatial(shape, rank, data_format)
    lengths = [_conv_length(spatial[i], pool[i], strides[i], padding) for i in range(rank)]
    if _refused(*lengths):
        return None, None
    return _rebuilt(shape, rank, data_format, lengths, shape[channel_axis]), 0


def _global_pool_nd(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    rank = _RANK[layer.cls]
    data_format = _data_format(layer)
    if data_format is REFUSED:
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != rank + 2:
        return None, None
    keepdims = flag(layer, "keepdims", False)
    if data_format is UNKNOWN or keepdims is None:
        return None, 0
    channels = shape[-1] if data_format == "channels_last" else shape[1]
    if not keepdims:
        return [shape[0], channels], 0
    return _rebuilt(shape, rank, data_format, [1] * rank, channels), 0


def _upsampling_nd(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    rank = _RANK[layer.cls]
    factors = _ints(layer, "size", rank, 2)
    data_format = _data_format(layer)
    if _refused(factors, data_format):
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != rank + 2:
        return None, None
    if data_format is UNKNOWN or factors is UNKNOWN:
        return None, 0
    spatial, channel_axis = _spatial(shape, rank, data_format)
    lengths = [s * f if isinstance(s, int) else s for s, f in zip(spatial, factors)]
    if target == 2 and rank == 2 and None in lengths:
        # tf_keras resizes with tf.image.resize to a size computed from tf.shape(x): one dynamic side
        # leaves both sides dynamic (tf_keras/src/backend.py resize_images)
        lengths = [None if isinstance(s, int) else s for s in lengths]
    return _rebuilt(shape, rank, data_format, lengths, shape[channel_axis]), 0


def _pairs(layer: Layer, name: str, rank: int, default: int):
    """Cropping / ZeroPadding amounts: an int, ``rank`` ints (symmetric) or ``rank`` pairs; for rank 1, one
    pair. A tuple of (before, after) per axis, :data:`UNKNOWN` or REFUSED."""
    value = _given(layer, name)
    if value is None:
        return ((default, default),) * rank
    if value.kind != "tuple":
        got = _int(value, 0)
        return got if got is REFUSED or got is UNKNOWN else ((got, got),) * rank
    if rank == 1:
        pair = _ints(layer, name, 2, default, minimum=0)
        return pair if pair is REFUSED or pair is UNKNOWN else (pair,)
    if len(value.items) != rank:
        return REFUSED
    out = []
    for item in value.items:
        if item.kind == "tuple":
            if len(item.items) != 2:
                return REFUSED
            pair = tuple(_int(x, 0) for x in item.items)
        else:
            one = _int(item, 0)
            pair = (one, one)
        if _refused(*pair):
            return REFUSED
        out.append(pair)
    return UNKNOWN if any(not _known(*pair) for pair in out) else tuple(out)


def _crop_or_pad(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    rank = _RANK[layer.cls]
    crop = layer.cls.startswith("Cropping")
    amounts = _pairs(layer, "cropping" if crop else "padding", rank, 0 if layer.cls == "Cropping2D" else 1)
    data_format = _data_format(layer) if rank > 1 else "channels_last"
    if _refused(amounts, data_format):
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != rank + 2:
        return None, None
    if data_format is UNKNOWN or amounts is UNKNOWN:
        return None, 0
    spatial, channel_axis = _spatial(shape, rank, data_format)
    lengths = []
    for length, (before, after) in zip(spatial, amounts):
        if isinstance(length, int):
            length = length - before - after if crop else length + before + after
            if length <= 0 and crop:
                return None, None  # Keras: the cropping leaves nothing (or less)
        lengths.append(length)
    return _rebuilt(shape, rank, data_format, lengths, shape[channel_axis]), 0


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


def _text_vectorization(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    """output_mode="int" with output_sequence_length=L: (batch, L) token ids; any other setting: unknown."""
    mode = _given(layer, "output_mode")
    length = _count_arg(layer, "output_sequence_length", UNKNOWN)
    if mode is not None and not (mode.kind == "const" and mode.const == "int"):
        return None, None
    if shape is None or not 1 <= len(shape) <= 2 or not isinstance(length, int):
        return None, 0 if shape is not None else None
    if len(shape) == 2 and dim(shape[1]) != 1:
        return None, None
    return [shape[0], D(length)], 0
