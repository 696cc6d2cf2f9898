"""Tensors of unknown rank whose last axis is known, ``(..., F)``, and what the layers after them can still say.

A Sequential that declares no input, with no call of known data that builds it, starts ``Embedding(V, 64)``: its
output is ``(..., 64)`` whatever the rank of the data it will be called on. Such a tensor is not a shape (the rank
is unknown, so every rank rule must stay silent): :func:`lstmlint.shapes.infer` keeps the output unknown (None)
and carries the last axis alongside it (``LayerShape.trailing``). A layer fed one keeps its parameter count where
Keras would compute exactly that count for every input it accepts:

- a layer Keras builds only on one rank (LSTM, GRU, SimpleRNN and a Bidirectional of one, 1-D pooling,
  SpatialDropout1D: 3-D input) reads ``(?, ?, F)`` if it is built at all: :func:`exact_rank` says which, and the shape
  module computes it as for a known shape of that rank (batch and timesteps unknown);
- Dense sets the last axis and keeps the rank, Conv1D (channels last) sets it to ``filters``; a
  shape-keeping layer (Dropout, Activation, normalization…) keeps it, with the weights of the last axis;
- anything else: unknown, as before.

Measured against Keras 3.15 and tf_keras 2.21 (tests/test_differential_partial.py): LSTM, GRU, SimpleRNN,
Bidirectional, the 1-D poolings and SpatialDropout1D refuse every input but a 3-D one; Dense,
BatchNormalization and LayerNormalization take any rank and build weights for the last axis only; Conv1D takes
rank 3 (Keras 3) or more (tf_keras) and builds its kernel for the last axis.
"""

from __future__ import annotations

from lstmlint.ir import Layer, Value, label
from lstmlint.shape_args import (REFUSED, _count_arg, _data_format, _given, _ints, _known, _missing_required,
                                 _refused, D, dim, flag)
from lstmlint.shape_dense import _normalization
from lstmlint.shape_recurrent import INPUT_RANK
from lstmlint.shape_windows import _strided_dilation
from lstmlint.unknown import UNKNOWN

# Layers Keras builds on a 3-D input only (InputSpec(ndim=3)): fed (..., F) they read (?, ?, F) or Keras raises.
# The recurrent ones are shape_recurrent.INPUT_RANK's (not RNN(cell), which Keras 3 runs on 4-D input too).
_RNN_3D = frozenset(cls for cls, rank in INPUT_RANK.items() if rank == 3)
_EXACT_3D_CLASSES = _RNN_3D | {"SpatialDropout1D", "MaxPooling1D", "AveragePooling1D", "MaxPool1D", "AvgPool1D",
                               "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAvgPool1D", "GlobalMaxPool1D"}

# Normalizations whose weights, for the default axis=-1, cover the last axis only.
_LAST_AXIS_NORMS = ("BatchNormalization", "LayerNormalization")


def known_last(value: Value | None) -> Value | None:
    """The last axis worth carrying: a known int (an unknown or dynamic one says nothing new)."""
    return value if value is not None and isinstance(dim(value), int) else None


def exact_rank(layer: Layer) -> int | None:
    """The one rank of input Keras builds ``layer`` on, where that is all that is needed to treat a ``(..., F)``
    input as a known shape of that rank."""
    if layer.cls == "Bidirectional":
        return 3 if layer.wrapped is not None and layer.wrapped.cls in _RNN_3D else None
    return 3 if layer.cls in _EXACT_3D_CLASSES else None


def assumed_input(layer: Layer, last: Value, rank: int) -> list[Value]:
    """The input a layer of one rank reads when fed ``(..., last)``: every other dim unknown."""
    why = (f"the input of {label(layer)} at line {layer.span.line} has an unknown rank, with its last axis "
           f"{dim(last)} known (Keras builds {layer.cls} only on a {rank}-D input)")
    return [Value.unknown(why) for _ in range(rank - 1)] + [last]


def partial_output(layer: Layer, last: Value | None, target: int) -> tuple[int | None, Value | None] | None:
    """(params, last axis of the output) of ``layer`` fed a tensor of unknown rank (``last``: its last axis, when
    known); None where nothing more than unknown can be said."""
    if layer.family in ("unknown", "other", "model", "input") or layer.extra_positional or _missing_required(
            layer, target):
        return None
    if layer.cls == "Embedding":
        vocab, width = _count_arg(layer, "input_dim", REFUSED), _count_arg(layer, "output_dim", REFUSED)
        if _refused(vocab, width):
            return None
        params = vocab * width if _known(vocab, width) else None
        return params, known_last(D(width))
    n = dim(last) if last is not None else UNKNOWN
    if not isinstance(n, int):
        return None
    if layer.cls == "Dense":
        return _dense(layer, n)
    if layer.cls in ("Conv1D", "Convolution1D"):
        return _conv1d(layer, n)
    if layer.family == "shape-keeping":
        return _shape_keeping(layer, last, n, target)  # type: ignore[arg-type]
    return None


def _dense(layer: Layer, n: int) -> tuple[int | None, Value | None] | None:
    units = _count_arg(layer, "units", REFUSED)
    if units is REFUSED:
        return None
    bias = flag(layer, "use_bias", True)
    params = n * units + (units if bias else 0) if _known(units) and bias is not None else None
    return params, known_last(D(units))


def _conv1d(layer: Layer, n: int) -> tuple[int | None, Value | None] | None:
    """Conv1D, channels last: a kernel (kernel_size, n / groups, filters) whatever the rank Keras accepts."""
    filters = _count_arg(layer, "filters", REFUSED)
    kernel = _ints(layer, "kernel_size", 1, REFUSED)
    strides = _ints(layer, "strides", 1, 1)
    dilation = _ints(layer, "dilation_rate", 1, 1)
    groups = _count_arg(layer, "groups", 1)
    padding = _given(layer, "padding")
    if _refused(filters, kernel, strides, dilation, groups) or _strided_dilation(strides, dilation):
        return None
    if padding is not None and not (padding.kind == "const" and isinstance(padding.const, str) and
                                    padding.const.lower() in ("valid", "same", "causal")):
        return None
    if _data_format(layer) != "channels_last" or not _known(filters, groups):
        return None
    if filters % groups or n % groups:
        return None  # Keras refuses both
    bias = flag(layer, "use_bias", True)
    params = None
    if _known(kernel) and bias is not None:
        params = kernel[0] * (n // groups) * filters + (filters if bias else 0)
    return params, known_last(D(filters))


def _shape_keeping(layer: Layer, last: Value, n: int, target: int) -> tuple[int | None, Value | None] | None:
    if layer.cls in _LAST_AXIS_NORMS:
        axis = _given(layer, "axis")
        if layer.has_star_args or not (
                axis is None or (axis.kind == "const" and type(axis.const) is int and axis.const == -1)):
            return None, last  # another axis: weights for a dim whose position is not known
        # axis -1 of any rank is the last axis: a 2-D stand-in gives the same weights
        _, params = _normalization(layer, [Value.unknown("the batch"), last], target)
        return params, last
    if layer.cls == "PReLU":
        return None, last  # one alpha per position of every axis but the batch
    return 0, last
