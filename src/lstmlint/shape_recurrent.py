"""Output shapes and parameter counts of the recurrent layers: LSTM, GRU, SimpleRNN, RNN(cells), the CuDNN
layers, Bidirectional and ConvLSTM1D/2D/3D (parameter formulas: keras-facts §7)."""

from __future__ import annotations

import math

from lstmlint.ir import Layer
from lstmlint.shape_args import (REFUSED, Output, Shape, _choice, _count_arg, _data_format, _given, _ints, _known,
                                 _refused, D, dim, flag, is_multi)
from lstmlint.shape_windows import _conv_length, _strided_dilation
from lstmlint.unknown import UNKNOWN

_CELLS = ("LSTMCell", "GRUCell", "SimpleRNNCell")

# The rank of input (batch included) each recurrent layer's InputSpec requires: Keras 3
# keras/src/layers/rnn/lstm.py:509, gru.py:526, simple_rnn.py:350 ``InputSpec(ndim=3)``, conv_lstm.py:538
# ``ndim=rank + 3``; tf_keras lstm.py:574, gru.py:601, simple_rnn.py:409, base_conv_rnn.py:159. RNN(cell) has no
# input spec (Keras 3 runs it on 4-D input too) and the CuDNN layers exist in neither Keras measured: not listed.
INPUT_RANK = {"LSTM": 3, "GRU": 3, "SimpleRNN": 3, "ConvLSTM1D": 4, "ConvLSTM2D": 5, "ConvLSTM3D": 6}


def state_count(layer: Layer) -> int | None:
    base = layer.cells[-1].cls if layer.cls == "RNN" and layer.cells else layer.cls
    return {"LSTM": 2, "CuDNNLSTM": 2, "LSTMCell": 2, "GRU": 1, "CuDNNGRU": 1, "GRUCell": 1, "SimpleRNN": 1,
            "SimpleRNNCell": 1}.get(base)


def cell_params(cls: str, layer: Layer, n, m, target: int) -> int | None:
    """Parameters of one recurrent layer or cell reading n features with m units (keras-facts §7)."""
    if type(n) is not int or type(m) is not int:
        return None
    bias = flag(layer, "use_bias", True)
    if bias is None:
        return None
    core = m * (n + m)
    if cls in ("LSTM", "LSTMCell"):
        return 4 * (core + (m if bias else 0))
    if cls == "CuDNNLSTM":
        return 4 * (core + 2 * m)
    if cls == "CuDNNGRU":
        return 3 * (core + 2 * m)
    if cls in ("GRU", "GRUCell"):
        # Keras 2's tf.compat.v1 GRU is gru_v1 (reset_after=False); with Keras 3, tf.compat.v1.keras is Keras 3
        default_reset_after = target != 2 or not layer.qualname.startswith("tensorflow.compat.v1.")
        reset_after = flag(layer, "reset_after", default_reset_after)
        if reset_after is None:
            return None
        return 3 * (core + ((2 * m if reset_after else m) if bias else 0))
    if cls in ("SimpleRNN", "SimpleRNNCell"):
        return core + (m if bias else 0)
    return None


def _rnn_cells(layer: Layer):
    """RNN(cell) / RNN([cells]): (cell, units) pairs, or REFUSED when Keras would refuse the cells."""
    if not layer.cells:
        return REFUSED  # RNN() or RNN([]): Keras raises
    cells = []
    for cell in layer.cells:
        if cell.cls in _CELLS:
            units = REFUSED if cell.extra_positional else _count_arg(cell, "units", REFUSED)
            if units is REFUSED:
                return REFUSED
        elif cell.family in ("unknown", "other") or cell.cls == "StackedRNNCells":
            units = UNKNOWN
        else:
            return REFUSED  # a Keras layer that is not a cell: Keras wants a state_size
        cells.append((cell, units))
    return cells


def _recurrent(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    if layer.cls == "RNN":
        cells = _rnn_cells(layer)
        if cells is REFUSED:
            return None, None
        m = cells[-1][1]
    else:
        cells = []
        m = _count_arg(layer, "units", REFUSED)
        if m is REFUSED:
            return None, None
    if shape is None or len(shape) != 3:
        return None, None
    n = dim(shape[-1])
    if n is None:
        return None, None  # Keras cannot make weights for a dynamic feature axis
    params: int | None
    if layer.cls == "RNN":
        params, width = 0, n
        for cell, units in cells:
            found = cell_params(cell.cls, cell, width, units, target)
            params = None if params is None or found is None else params + found
            width = units
    else:
        params = cell_params(layer.cls, layer, n, m, target)
    sequences = flag(layer, "return_sequences", False)
    state = flag(layer, "return_state", False)
    if sequences is None or state is None:
        return None, params
    batch, steps = shape[0], shape[1]
    out = [batch, steps, D(m)] if sequences else [batch, D(m)]
    if not state:
        return out, params
    states = state_count(layer)
    # RNN([cells]) stacks its cells (even one) and returns their states nested: [output, [h, c]]
    cell = layer.arg("cell")
    stacked = layer.cls == "RNN" and (len(layer.cells) != 1 or (cell is not None and cell.kind == "tuple"))
    if states is None or stacked:
        return None, params
    return [out, *[[batch, D(m)] for _ in range(states)]], params


def _merge_mode(layer: Layer):
    value = _given(layer, "merge_mode")
    if value is None:
        return "concat"
    if value.kind != "const":
        return UNKNOWN
    got = value.const
    return got if got is None or (isinstance(got, str) and got in ("concat", "sum", "mul", "ave")) else REFUSED


def _bidirectional(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    inner = layer.wrapped
    mode = _merge_mode(layer)
    if inner is None or inner.family != "recurrent" or inner.extra_positional or mode is REFUSED:
        return None, None
    out, params = _recurrent(inner, shape, target)
    params = None if params is None or layer.arg("backward_layer") is not None else 2 * params
    if out is None or mode is UNKNOWN:
        return None, params
    main, states = (out[0], out[1:]) if is_multi(out) else (out, [])
    if mode is None:
        merged: Output = [main, list(main)]  # type: ignore[list-item]
        return (merged if not states else [*merged, *states, *[list(s) for s in states]]), params  # type: ignore
    if mode == "concat":
        last = dim(main[-1])  # type: ignore[arg-type]
        main = [*main[:-1], D(2 * last if isinstance(last, int) else UNKNOWN)]  # type: ignore[index]
    if states:
        return [main, *states, *[list(s) for s in states]], params  # type: ignore[list-item]
    return main, params


def _conv_lstm(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    if not layer.cls.startswith("ConvLSTM") or layer.cls not in INPUT_RANK:
        return None, None
    rank = INPUT_RANK[layer.cls] - 3  # spatial axes: the input is (batch, time, *spatial, channels)
    filters = _count_arg(layer, "filters", REFUSED)
    kernel = _ints(layer, "kernel_size", rank, REFUSED)
    strides = _ints(layer, "strides", rank, 1)
    dilation = _ints(layer, "dilation_rate", rank, 1)
    padding = _choice(layer, "padding", "valid", ("valid", "same"))
    data_format = _data_format(layer)
    if _refused(filters, kernel, strides, dilation, padding, data_format) or _strided_dilation(strides, dilation):
        return None, None
    if shape is None or len(shape) != rank + 3 or data_format != "channels_last":
        return None, None
    channels = dim(shape[-1])
    if channels is None:
        return None, None  # Keras: the channel dimension should be defined
    bias = flag(layer, "use_bias", True)
    params = None
    if _known(kernel, filters, channels) and bias is not None:
        area = math.prod(kernel)
        params = 4 * (area * channels * filters + area * filters * filters + (filters if bias else 0))
    if not _known(kernel, strides, dilation, padding):
        return None, params
    spatial = []
    for i in range(rank):
        length = _conv_length(dim(shape[2 + i]), kernel[i], strides[i], padding, dilation[i])
        if length is REFUSED:
            return None, None
        spatial.append(D(length))
    sequences = flag(layer, "return_sequences", False)
    state = flag(layer, "return_state", False)
    if sequences is None or state is None or state:
        return None, params
    out = [shape[0], shape[1], *spatial, D(filters)] if sequences else [shape[0], *spatial, D(filters)]
    return out, params
