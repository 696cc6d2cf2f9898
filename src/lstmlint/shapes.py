"""Static output shapes and parameter counts, from the IR alone.

A shape is a list of dims, batch first; a dim is a :class:`Value` (``const`` int, ``const`` None for a dynamic
dim, or ``unknown``). Dims that pass through a layer unchanged keep their Value, so the name a timestep count
was read through (``timesteps``) survives to the rules. An unknown layer or value makes what follows it unknown,
never wrong. Parameter formulas: ../shared/keras-facts.md §7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

from lstmlint.ir import Layer, Model, Value

Shape = list[Value]
Output = Union[Shape, list[Shape], None]  # one shape, several (return_state, merge_mode=None), or unknown

_SHAPE_KEEPING_PARAMS = {"BatchNormalization": 4, "LayerNormalization": 2}
_SAME_SHAPE_MERGE = {"Add", "Multiply", "Average", "Subtract", "Maximum", "Minimum"}


@dataclass
class LayerShape:
    inputs: list[Output]  # the shapes flowing into the layer, one per input edge
    output: Output
    params: int | None


def dim(value: Value | None):
    """int, None (dynamic) or Ellipsis (not known statically)."""
    if value is None or value.kind != "const":
        return ...
    if value.const is None:
        return None
    if isinstance(value.const, int) and not isinstance(value.const, bool):
        return value.const
    return ...


def D(x) -> Value:  # noqa: N802 - a short constructor for computed dims
    return Value.unknown("computed from an unknown dim") if x is ... else Value.of(x)


def is_multi(output: Output) -> bool:
    return isinstance(output, list) and bool(output) and isinstance(output[0], list)


def single(output: Output) -> Shape | None:
    return None if output is None or is_multi(output) else output  # type: ignore[return-value]


def flag(layer: Layer, name: str, default: bool) -> bool | None:
    """A boolean argument by Python truthiness; None when not known."""
    value = layer.arg(name)
    if value is None:
        return default
    if value.kind == "const":
        return bool(value.const)
    return None


def positive_int(layer: Layer, name: str, default=...):
    value = layer.arg(name)
    if value is None:
        return default
    got = dim(value)
    return got if isinstance(got, int) and got > 0 else ...


def _tuple_dims(value: Value | None) -> Shape | None:
    if value is None:
        return None
    if value.kind == "tuple":
        return list(value.items)
    if value.kind == "const" and isinstance(value.const, int) and not isinstance(value.const, bool):
        return [value]
    return None


def declared_input(layer: Layer, target: int) -> Shape | None:
    """The full shape (batch first) that an input layer declares; None when it is not known."""
    args = layer.args
    batch = args["batch_size"].value if "batch_size" in args else Value.of(None)
    for key in ("batch_shape", "batch_input_shape"):
        if key in args:
            return _tuple_dims(args[key].value)
    for key in ("shape", "input_shape"):
        if key in args:
            dims = _tuple_dims(args[key].value)
            return None if dims is None else [batch, *dims]
    if "input_dim" in args:
        if target == 2 and layer.declared_by == "recurrent":
            length = args["input_length"].value if "input_length" in args else Value.of(None)
            return [batch, length, args["input_dim"].value]
        return [batch, args["input_dim"].value]
    return None


def infer(model: Model, target: int = 3) -> list[LayerShape]:
    results: list[LayerShape] = []
    for index, layer in enumerate(model.layers):
        inputs: list[Output] = []
        for ref in layer.inputs:
            if ref.layer >= len(results):
                inputs.append(None)
                continue
            produced = results[ref.layer].output
            if ref.index is not None:
                produced = produced[ref.index] if is_multi(produced) and ref.index < len(produced) else None
            inputs.append(produced)
        if layer.family == "input":
            output = declared_input(layer, target)
            if output is None and index == 0 and model.build_shape is not None:
                output = _tuple_dims(model.build_shape)
            results.append(LayerShape(inputs, output, 0))
            continue
        if not inputs and index == 0 and model.build_shape is not None:
            inputs = [_tuple_dims(model.build_shape)]
        output, params = layer_output(layer, inputs, target)
        results.append(LayerShape(inputs, output, params))
    _shared_params(model, results)
    return results


def _shared_params(model: Model, results: list[LayerShape]) -> None:
    """A layer object called twice has one set of weights, built for its first input: a later call whose
    input would need another count is a Keras error, so neither count is claimed."""
    for index, layer in enumerate(model.layers):
        first = layer.same_as
        if first is None or not 0 <= first < len(results) or first >= index:
            continue
        if results[index].params != results[first].params:
            results[index].params = results[first].params = None


def total_params(model: Model, results: list[LayerShape], indices: list[int] | None = None) -> int | None:
    """The model's parameter count as Keras gives it: a shared layer counted once; None when any count, or
    the model itself, is not fully known."""
    if not model.complete:
        return None
    total = 0
    for index in range(len(model.layers)) if indices is None else indices:
        if model.layers[index].same_as is not None:
            continue
        params = results[index].params
        if params is None:
            return None
        total += params
    return total


def layer_output(layer: Layer, inputs: list[Output], target: int) -> tuple[Output, int | None]:
    """Output shape and parameter count of one layer application."""
    if layer.family in ("unknown", "other", "model") or not inputs:
        return None, None
    shape = single(inputs[0]) if inputs else None
    cls = layer.cls
    if layer.family == "merge":
        return _merge(layer, [single(i) for i in inputs])
    if shape is None:
        return None, _params_without_shape(layer)
    if cls in ("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU", "RNN"):
        return _recurrent(layer, shape, target)
    if cls == "Bidirectional":
        return _bidirectional(layer, shape, target)
    if cls == "TimeDistributed":
        if layer.wrapped is None or len(shape) < 3:
            return None, None
        inner_out, params = layer_output(layer.wrapped, [[shape[0], *shape[2:]]], target)
        inner = single(inner_out)
        return (None if inner is None else [shape[0], shape[1], *inner[1:]]), params
    if layer.family == "conv-recurrent":
        return _conv_lstm(layer, shape)
    if cls == "Dense":
        units = positive_int(layer, "units")
        features = dim(shape[-1])
        bias = flag(layer, "use_bias", True)
        params = None
        if isinstance(units, int) and isinstance(features, int) and bias is not None:
            params = features * units + (units if bias else 0)
        return [*shape[:-1], D(units)], params
    if cls == "Embedding":
        vocab, width = positive_int(layer, "input_dim"), positive_int(layer, "output_dim")
        params = vocab * width if isinstance(vocab, int) and isinstance(width, int) else None
        return [*shape, D(width)], params
    if layer.family == "shape-keeping":
        per_channel = _SHAPE_KEEPING_PARAMS.get(cls, 0)
        params: int | None = 0
        if per_channel:
            features = dim(shape[-1])
            params = per_channel * features if isinstance(features, int) and layer.arg("axis") is None else None
            if cls == "LayerNormalization" and not (flag(layer, "center", True) and flag(layer, "scale", True)):
                params = None
        if cls == "PReLU":
            params = None
        return list(shape), params
    if cls == "Flatten":
        rest = [dim(d) for d in shape[1:]]
        total = math.prod(rest) if all(isinstance(d, int) for d in rest) else ...
        return [shape[0], D(total)], 0
    if layer.family == "time-reducing":
        if flag(layer, "keepdims", False):
            return [shape[0], D(1), shape[-1]], 0
        return [shape[0], shape[-1]], 0
    if layer.family == "pooling":
        return _pool1d(layer, shape)
    if cls == "Conv1D":
        return _conv1d(layer, shape)
    if cls == "RepeatVector":
        return [shape[0], D(positive_int(layer, "n")), *shape[1:]], 0
    if cls == "Reshape":
        return _reshape(layer, shape), 0
    if cls == "Permute":
        dims = layer.arg("dims")
        order = dims.py() if dims is not None and dims.known and dims.kind == "tuple" else None
        if order is None or sorted(order) != list(range(1, len(shape))):
            return None, 0
        return [shape[0], *[shape[i] for i in order]], 0
    if cls == "ZeroPadding1D":
        pad = layer.arg("padding")
        amount = pad.py() if pad is not None and pad.known else 1
        total = sum(amount) if isinstance(amount, tuple) else amount * 2 if isinstance(amount, int) else ...
        return [shape[0], D(_add(dim(shape[1]), total)), *shape[2:]], 0
    if cls == "UpSampling1D":
        size = positive_int(layer, "size", 2)
        steps = dim(shape[1])
        return [shape[0], D(steps * size if isinstance(steps, int) and isinstance(size, int) else ...),
                *shape[2:]], 0
    return None, None


def _add(a, b):
    return a + b if isinstance(a, int) and isinstance(b, int) else ...


def _params_without_shape(layer: Layer) -> int | None:
    if layer.family in ("shape-keeping", "time-reducing", "pooling") and layer.cls not in _SHAPE_KEEPING_PARAMS:
        return 0
    if layer.cls in ("Flatten", "RepeatVector", "Reshape", "Permute"):
        return 0
    if layer.cls == "Embedding":
        vocab, width = positive_int(layer, "input_dim"), positive_int(layer, "output_dim")
        return vocab * width if isinstance(vocab, int) and isinstance(width, int) else None
    return None


def recurrent_units(layer: Layer):
    if layer.cls == "RNN":
        if not layer.cells:
            return ...
        return positive_int(layer.cells[-1], "units")
    return positive_int(layer, "units")


def state_count(layer: Layer) -> int | None:
    base = layer.cells[-1].cls if layer.cls == "RNN" and layer.cells else layer.cls
    return {"LSTM": 2, "CuDNNLSTM": 2, "LSTMCell": 2, "GRU": 1, "CuDNNGRU": 1, "GRUCell": 1, "SimpleRNN": 1,
            "SimpleRNNCell": 1}.get(base)


def cell_params(cls: str, layer: Layer, n, m) -> int | None:
    """Parameters of one recurrent layer or cell reading n features with m units (keras-facts §7)."""
    if not (isinstance(n, int) and isinstance(m, int)):
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
        default_reset_after = not layer.qualname.startswith("tensorflow.compat.v1.")
        reset_after = flag(layer, "reset_after", default_reset_after)
        if reset_after is None:
            return None
        return 3 * (core + ((2 * m if reset_after else m) if bias else 0))
    if cls in ("SimpleRNN", "SimpleRNNCell"):
        return core + (m if bias else 0)
    return None


def _recurrent(layer: Layer, shape: Shape, target: int) -> tuple[Output, int | None]:
    if len(shape) != 3:
        return None, None
    m = recurrent_units(layer)
    n = dim(shape[-1])
    if layer.cls == "RNN":
        params: int | None = 0
        width = n
        for cell in layer.cells:
            units = positive_int(cell, "units")
            count = cell_params(cell.cls, cell, width, units)
            params = None if params is None or count is None else params + count
            width = units
    else:
        params = cell_params(layer.cls, layer, n, m)
    sequences = flag(layer, "return_sequences", False)
    state = flag(layer, "return_state", False)
    if sequences is None or state is None:
        return None, params
    batch, steps = shape[0], shape[1]
    out = [batch, steps, D(m)] if sequences else [batch, D(m)]
    if not state:
        return out, params
    count = state_count(layer)
    if count is None or (layer.cls == "RNN" and len(layer.cells) != 1):
        return None, params
    return [out, *[[batch, D(m)] for _ in range(count)]], params


def _bidirectional(layer: Layer, shape: Shape, target: int) -> tuple[Output, int | None]:
    inner = layer.wrapped
    if inner is None or inner.family != "recurrent":
        return None, None
    out, params = _recurrent(inner, shape, target)
    params = None if params is None or layer.arg("backward_layer") is not None else 2 * params
    mode_value = layer.arg("merge_mode")
    mode = "concat" if mode_value is None else mode_value.const if mode_value.kind == "const" else ...
    if out is None or mode is ...:
        return None, params
    main, states = (out[0], out[1:]) if is_multi(out) else (out, [])
    if mode is None:
        merged: Output = [main, list(main)]
        return (merged if not states else [*merged, *states, *[list(s) for s in states]]), params
    if mode == "concat":
        last = dim(main[-1])
        main = [*main[:-1], D(2 * last if isinstance(last, int) else ...)]
    elif mode not in ("sum", "mul", "ave"):
        return None, params
    if states:
        return [main, *states, *[list(s) for s in states]], params
    return main, params


def _window(length, kernel, stride, padding, dilation=1):
    if not isinstance(length, int):
        return ... if length is not None else None
    if padding in ("same", "causal"):
        return -(-length // stride)
    if padding == "valid":
        effective = dilation * (kernel - 1) + 1
        return max(0, (length - effective) // stride + 1)
    return ...


def _ints(layer: Layer, name: str, rank: int, default):
    value = layer.arg(name)
    if value is None:
        return (default,) * rank
    raw = value.py() if value.known else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return (raw,) * rank
    if isinstance(raw, tuple) and len(raw) == rank and all(isinstance(x, int) for x in raw):
        return raw
    return None


def _padding(layer: Layer):
    value = layer.arg("padding")
    if value is None:
        return "valid"
    return value.const.lower() if value.kind == "const" and isinstance(value.const, str) else ...


def _channels_last(layer: Layer) -> bool:
    value = layer.arg("data_format")
    return value is None or (value.kind == "const" and value.const in (None, "channels_last"))


def _conv_lstm(layer: Layer, shape: Shape) -> tuple[Output, int | None]:
    rank = int(layer.cls[-2])
    if len(shape) != rank + 3 or not _channels_last(layer):
        return None, None
    filters = positive_int(layer, "filters")
    kernel = _ints(layer, "kernel_size", rank, ...)
    strides = _ints(layer, "strides", rank, 1)
    dilation = _ints(layer, "dilation_rate", rank, 1)
    padding = _padding(layer)
    channels = dim(shape[-1])
    params = None
    bias = flag(layer, "use_bias", True)
    if kernel and all(isinstance(k, int) for k in kernel) and isinstance(filters, int) and isinstance(
            channels, int) and bias is not None:
        area = math.prod(kernel)
        params = 4 * (area * channels * filters + area * filters * filters + (filters if bias else 0))
    if not kernel or not strides or not dilation or padding is ...:
        return None, params
    spatial = [D(_window(dim(shape[2 + i]), kernel[i], strides[i], padding, dilation[i])) for i in range(rank)]
    sequences = flag(layer, "return_sequences", False)
    state = flag(layer, "return_state", False)
    if sequences is None or state is None or state:
        return None, params
    out = [shape[0], shape[1], *spatial, D(filters)] if sequences else [shape[0], *spatial, D(filters)]
    return out, params


def _conv1d(layer: Layer, shape: Shape) -> tuple[Output, int | None]:
    if len(shape) != 3 or not _channels_last(layer):
        return None, None
    filters = positive_int(layer, "filters")
    kernel, strides, dilation = _ints(layer, "kernel_size", 1, ...), _ints(layer, "strides", 1, 1), _ints(
        layer, "dilation_rate", 1, 1)
    padding = _padding(layer)
    channels = dim(shape[-1])
    bias = flag(layer, "use_bias", True)
    groups = positive_int(layer, "groups", 1)
    params = None
    if kernel and isinstance(kernel[0], int) and isinstance(filters, int) and isinstance(
            channels, int) and bias is not None and isinstance(groups, int):
        params = kernel[0] * (channels // groups) * filters + (filters if bias else 0)
    if not kernel or not strides or not dilation or padding is ... or not isinstance(kernel[0], int):
        return None, params
    return [shape[0], D(_window(dim(shape[1]), kernel[0], strides[0], padding, dilation[0])), D(filters)], params


def _pool1d(layer: Layer, shape: Shape) -> tuple[Output, int | None]:
    if len(shape) != 3 or not _channels_last(layer):
        return None, 0
    pool = _ints(layer, "pool_size", 1, 2)
    strides_value = layer.arg("strides")
    strides = pool if strides_value is None or (strides_value.kind == "const" and strides_value.const is None) \
        else _ints(layer, "strides", 1, 1)
    padding = _padding(layer)
    if not pool or not strides or padding is ...:
        return None, 0
    return [shape[0], D(_window(dim(shape[1]), pool[0], strides[0], padding)), shape[2]], 0


def _reshape(layer: Layer, shape: Shape) -> Shape | None:
    target = layer.arg("target_shape")
    dims = _tuple_dims(target)
    if dims is None:
        return None
    values = [dim(d) for d in dims]
    if any(v is ... for v in values):
        return [shape[0], *[D(v) for v in values]]
    if values.count(-1) == 1:
        known = [dim(d) for d in shape[1:]]
        if all(isinstance(k, int) for k in known):
            rest = math.prod(v for v in values if v != -1)
            total = math.prod(known)
            values[values.index(-1)] = total // rest if rest and total % rest == 0 else ...
        else:
            values[values.index(-1)] = None
    return [shape[0], *[D(v) for v in values]]


def _merge(layer: Layer, shapes: list[Shape | None]) -> tuple[Output, int | None]:
    if not shapes or any(s is None for s in shapes):
        return None, 0
    first = shapes[0]
    assert first is not None
    if layer.cls in _SAME_SHAPE_MERGE:
        return list(first), 0
    if layer.cls == "Concatenate":
        axis_value = layer.arg("axis")
        axis = -1 if axis_value is None else dim(axis_value)
        if not isinstance(axis, int) or any(len(s) != len(first) for s in shapes):  # type: ignore[arg-type]
            return None, 0
        parts = [dim(s[axis]) for s in shapes]  # type: ignore[index]
        total = sum(parts) if all(isinstance(p, int) for p in parts) else ...
        result = list(first)
        result[axis] = D(total)
        return result, 0
    return None, 0
