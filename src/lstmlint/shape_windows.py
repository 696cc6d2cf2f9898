"""Output shapes and parameter counts of the window layers: convolution, pooling (and their global forms),
zero padding, cropping and upsampling, 1-D to 3-D. Each answers (output, params); None where Keras would refuse
the layer or the value is not known statically."""

from __future__ import annotations

import math

from lstmlint.ir import Layer, Value
from lstmlint.shape_args import (REFUSED, Output, Shape, _choice, _count_arg, _data_format, _given, _int, _ints,
                                 _known, _refused, D, dim, flag)
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


# ------------------------------------------------------------------------------- 1-D padding, upsampling


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


# --------------------------------------------------------------------------- 2-D / 3-D windows, resizing
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
    early = _before_windows(shape, rank, data_format, pool, strides, padding)
    if early is not None:
        return early
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


def _before_windows(shape: Shape | None, rank: int, data_format, *arguments) -> tuple[Output, int | None] | None:
    """What a windowed layer of ``rank`` spatial axes answers before any arithmetic: refused (an argument or
    the data format Keras refuses, an input of another rank), weightless but of unknown output (no input, an
    argument not known statically), or None to go on and compute the output."""
    if _refused(*arguments, data_format):
        return None, None
    if shape is None:
        return None, 0
    if len(shape) != rank + 2:
        return None, None
    if data_format is UNKNOWN or not _known(*arguments):
        return None, 0
    return None


def _upsampling_nd(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    rank = _RANK[layer.cls]
    factors = _ints(layer, "size", rank, 2)
    data_format = _data_format(layer)
    early = _before_windows(shape, rank, data_format, factors)
    if early is not None:
        return early
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
    early = _before_windows(shape, rank, data_format, amounts)
    if early is not None:
        return early
    spatial, channel_axis = _spatial(shape, rank, data_format)
    lengths = []
    for length, (before, after) in zip(spatial, amounts):
        if isinstance(length, int):
            length = length - before - after if crop else length + before + after
            if length <= 0 and crop:
                return None, None  # Keras: the cropping leaves nothing (or less)
        lengths.append(length)
    return _rebuilt(shape, rank, data_format, lengths, shape[channel_axis]), 0
