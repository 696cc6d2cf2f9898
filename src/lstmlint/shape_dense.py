"""Output shapes and parameter counts of the layers that act on the feature axis: Dense, Embedding,
TextVectorization, the normalizations and the shape-keeping layers (dropout, activation...). Each answers
(output, params); None where Keras would refuse the layer or the value is not known statically."""

from __future__ import annotations

import math

from lstmlint.ir import Layer
from lstmlint.shape_args import (REFUSED, Output, Shape, _axis, _count_arg, _given, _known, _refused, D, dim, flag)
from lstmlint.unknown import UNKNOWN

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
    if any(flag(layer, name, False) is not False for name in ("renorm", "rms_scaling")):
        return list(shape), None  # batch renormalization adds weights of its own; RMS scaling drops beta
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


# ------------------------------------------------------------------------------------------ token layers


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
