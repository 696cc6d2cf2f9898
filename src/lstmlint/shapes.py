"""Static output shapes and parameter counts, from the IR alone.

A shape is a list of dims, batch first; a dim is a :class:`Value` (``const`` int, ``const`` None for a dynamic
dim, or ``unknown``). Dims that pass through a layer unchanged keep their Value, so the name a timestep count
was read through (``timesteps``) survives to the rules. An unknown layer or value makes what follows it unknown,
never wrong. Parameter formulas: ../shared/keras-facts.md §7.

Every function here is total: whatever values the analyzer hands over (0, negatives, None inside tuples, tuples
of the wrong length, strings, floats, bools, huge ints, rank-0 shapes, axes out of range), the answer is a shape,
a count, or unknown. Two entry points make that so:

- arguments are read only through the readers below, into a checked form: a value Keras accepts, :data:`UNKNOWN` (not
  known statically) or :data:`REFUSED` (a value Keras refuses: the layer's output and parameters are then
  unknown, never computed from a value Keras would not use);
- declared shapes go through :func:`checked_shape`, so the per-class functions only ever see dims that are ints
  in [0, MAX_SIZE], None (dynamic) or unknown.

A Keras shape rule (an input rank a layer refuses, a window longer than the sequence, mismatched merge inputs)
makes the layer's output unknown too. As a last resort :func:`infer` turns an unexpected exception in one layer
into an unknown output for that layer (and so for what follows it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Union

from lstmlint.ir import Layer, Model, Value
from lstmlint.unknown import UNKNOWN

Shape = list[Value]
Output = Union[Shape, list[Shape], None]  # one shape, several (return_state, merge_mode=None), or unknown

# No dim or weight count beyond int64 can be built: larger values read as unknown, and printing them stays cheap.
MAX_SIZE = 2**63 - 1

# infer()'s backstop; the fuzz tests turn it off so that an exception it would hide fails them instead.
CONTAIN_ERRORS = True


class _Refused:
    def __repr__(self) -> str:
        return "REFUSED"


REFUSED: Any = _Refused()  # an argument value Keras refuses (it raises when the layer is made or called)
_CELLS = ("LSTMCell", "GRUCell", "SimpleRNNCell")

# Constructor parameters without a default (Keras 3.15, inspect.signature; Keras 2.15 the same except that its
# average pooling has pool_size=2): without one of them Keras raises TypeError, so the layer's output is unknown.
_REQUIRED = {
    "LSTM": ("units",), "GRU": ("units",), "SimpleRNN": ("units",), "RNN": ("cell",),
    "ConvLSTM1D": ("filters", "kernel_size"), "ConvLSTM2D": ("filters", "kernel_size"),
    "ConvLSTM3D": ("filters", "kernel_size"), "LSTMCell": ("units",), "GRUCell": ("units",),
    "SimpleRNNCell": ("units",), "StackedRNNCells": ("cells",), "Bidirectional": ("layer",),
    "TimeDistributed": ("layer",), "Embedding": ("input_dim", "output_dim"), "Dense": ("units",),
    "Dropout": ("rate",), "SpatialDropout1D": ("rate",), "GaussianNoise": ("stddev",), "GaussianDropout": ("rate",),
    "AlphaDropout": ("rate",), "Activation": ("activation",), "AveragePooling1D": ("pool_size",),
    "AvgPool1D": ("pool_size",), "Conv1D": ("filters", "kernel_size"), "Conv2D": ("filters", "kernel_size"),
    "SeparableConv1D": ("filters", "kernel_size"), "Reshape": ("target_shape",), "RepeatVector": ("n",),
    "Permute": ("dims",), "Lambda": ("function",), "Dot": ("axes",), "MultiHeadAttention": ("num_heads", "key_dim"),
}
_DEFAULTED_IN_KERAS2 = {"AveragePooling1D": ("pool_size",), "AvgPool1D": ("pool_size",)}


@dataclass
class LayerShape:
    inputs: list[Output]  # the shapes flowing into the layer, one per input edge
    output: Output
    params: int | None


# ------------------------------------------------------------------------------------------------ numbers


def size(x: Any):
    """``x`` when it is a dim Keras could build (an int in [0, MAX_SIZE], not a bool), else :data:`UNKNOWN`."""
    return x if type(x) is int and 0 <= x <= MAX_SIZE else UNKNOWN


def dim(value: Value | None):
    """int, None (dynamic) or UNKNOWN (not known statically, or too large to build)."""
    if value is None or value.kind != "const":
        return UNKNOWN
    if value.const is None:
        return None
    got = value.const
    return got if type(got) is int and -MAX_SIZE <= got <= MAX_SIZE else UNKNOWN


def D(x) -> Value:  # noqa: N802 - a short constructor for computed dims
    if x is None:
        return Value.of(None)
    if size(x) is UNKNOWN:
        return Value.unknown("computed from an unknown dim" if x is UNKNOWN else "too large to build")
    return Value.of(x)


def count(x: Any) -> int | None:
    """A parameter count Keras could build, else None."""
    return x if type(x) is int and 0 <= x <= MAX_SIZE else None


def is_multi(output: Output) -> bool:
    return isinstance(output, list) and bool(output) and isinstance(output[0], list)


def dims(output: Output):
    """An output as lists of dims (int, None for dynamic, UNKNOWN for not known statically); None if unknown."""
    if output is None:
        return None
    if is_multi(output):
        return [dims(part) for part in output]  # type: ignore[union-attr]
    return [dim(d) for d in output]  # type: ignore[union-attr]


def single(output: Output) -> Shape | None:
    return None if output is None or is_multi(output) else output  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------- arguments


def _given(layer: Layer, name: str) -> Value | None:
    """The argument's value; None when it is not given. Under *args / **kwargs an argument not written out may
    still be set, so it reads as unknown instead of as its default."""
    value = layer.arg(name)
    if value is None and layer.has_star_args:
        return Value.unknown("may be set through *args or **kwargs")
    return value


def flag(layer: Layer, name: str, default: bool) -> bool | None:
    """A boolean argument by Python truthiness (as Keras reads it); None when not known."""
    value = _given(layer, name)
    if value is None:
        return default
    if value.kind == "const":
        return bool(value.const)
    return None


def _int(value: Value, minimum: int):
    """One integer argument: the int, :data:`UNKNOWN` or REFUSED."""
    if value.kind == "tuple":
        return REFUSED
    if value.kind != "const":
        return UNKNOWN
    got = value.const
    if type(got) is int:
        if got < minimum:
            return REFUSED
        return got if got <= MAX_SIZE else UNKNOWN
    if isinstance(got, bool):
        return REFUSED if got < minimum else UNKNOWN  # Keras takes True as 1 in some layers, refuses it in others
    return REFUSED  # None, a float, a string


def _count_arg(layer: Layer, name: str, default: Any, minimum: int = 1):
    """An integer argument such as units or filters (``default`` when absent: REFUSED for required ones)."""
    value = _given(layer, name)
    return default if value is None else _int(value, minimum)


def positive_int(layer: Layer, name: str, default=UNKNOWN):
    """A positive integer argument, :data:`UNKNOWN` when it is not known or not one Keras accepts."""
    got = _count_arg(layer, name, default)
    return UNKNOWN if got is REFUSED else got


def _ints(layer: Layer, name: str, rank: int, default: Any, minimum: int = 1):
    """kernel_size, strides, dilation_rate, pool_size: one int for every axis, or a tuple of ``rank`` ints."""
    value = _given(layer, name)
    if value is None:
        return default if default is REFUSED or default is UNKNOWN else (default,) * rank
    if value.kind == "tuple":
        if len(value.items) != rank:
            return REFUSED
        items = [_int(item, minimum) for item in value.items]
        if any(item is REFUSED for item in items):
            return REFUSED
        return UNKNOWN if any(item is UNKNOWN for item in items) else tuple(items)
    got = _int(value, minimum)
    return got if got is REFUSED or got is UNKNOWN else (got,) * rank


def _choice(layer: Layer, name: str, default: str, allowed: tuple[str, ...]):
    """A string option Keras lower-cases and checks (padding)."""
    value = _given(layer, name)
    if value is None:
        return default
    if value.kind != "const":
        return UNKNOWN
    got = value.const
    return got.lower() if isinstance(got, str) and got.lower() in allowed else REFUSED


def _data_format(layer: Layer):
    value = _given(layer, "data_format")
    if value is None:
        return "channels_last"
    if value.kind == "tuple":
        return REFUSED
    if value.kind != "const":
        return UNKNOWN
    if value.const is None:
        return "channels_last"  # Keras's configured default, channels_last unless keras.json says otherwise
    got = value.const
    return got.lower() if isinstance(got, str) and got.lower() in ("channels_last", "channels_first") else REFUSED


def _axis(value: Value, rank: int):
    """An axis of a rank-``rank`` tensor, as a non-negative index; :data:`UNKNOWN` or REFUSED."""
    if value.kind == "tuple":
        return REFUSED
    if value.kind != "const":
        return UNKNOWN
    got = value.const
    if type(got) is not int:
        return UNKNOWN if isinstance(got, bool) else REFUSED
    return got % rank if -rank <= got < rank else REFUSED


def _refused(*values) -> bool:
    return any(v is REFUSED for v in values)


def _known(*values) -> bool:
    return all(v is not UNKNOWN for v in values)


# ------------------------------------------------------------------------------------------------- shapes


def checked_shape(dims: list[Value] | None) -> Shape | None:
    """A declared shape as Keras accepts it: each dim an int >= 0 or None. A dim Keras refuses (a negative, a
    float, a string, a tuple) makes the shape unknown; a bool or an int too large to build is an unknown dim."""
    if dims is None:
        return None
    out: Shape = []
    for d in dims:
        if d.kind == "tuple":
            return None
        if d.kind != "const" or d.const is None:
            out.append(d)
            continue
        got = d.const
        if size(got) is not UNKNOWN:
            out.append(d)
        elif isinstance(got, bool) or (type(got) is int and got > MAX_SIZE):
            out.append(Value.unknown("not a dim that can be built", text=d.text, name=d.name))
        else:
            return None
    return out


def _checked_output(output: Output) -> Output:
    if output is None:
        return None
    if is_multi(output):
        parts = [checked_shape(part) for part in output]  # type: ignore[arg-type]
        return None if any(part is None for part in parts) else parts  # type: ignore[return-value]
    return checked_shape(output)  # type: ignore[arg-type]


def _function_form(layer: Layer) -> bool:
    """``layers.concatenate([a, b], axis=1)``: the analyzer records no arguments for the function forms."""
    return layer.qualname.rpartition(".")[2][:1].islower()


def _missing_required(layer: Layer, target: int) -> bool:
    if layer.has_star_args or _function_form(layer):
        return False
    defaulted = _DEFAULTED_IN_KERAS2.get(layer.cls, ()) if target == 2 else ()
    return any(name not in layer.args and name not in defaulted for name in _REQUIRED.get(layer.cls, ()))


def _declared_shape(value: Value | None) -> Shape | None:
    """A shape argument as Keras reads it: a tuple or list of dims (an int alone is refused: Keras 3 cannot
    convert it to a shape, Keras 2 cannot iterate it)."""
    return checked_shape(list(value.items)) if value is not None and value.kind == "tuple" else None


def _tuple_dims(value: Value | None) -> Shape | None:
    if value is None:
        return None
    if value.kind == "tuple":
        return list(value.items)
    if value.kind == "const" and isinstance(value.const, int) and not isinstance(value.const, bool):
        return [value]
    return None


def declared_input(layer: Layer, target: int) -> Shape | None:
    """The full shape (batch first) that an input layer declares, as written; None when it is not known.
    :func:`infer` checks it (:func:`checked_shape`); the runtime checker hands it to Keras as it is."""
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


# ------------------------------------------------------------------------------------------------- driver


def infer(model: Model, target: int = 3) -> list[LayerShape]:
    results: list[LayerShape] = []
    build = _declared_shape(model.build_shape)
    for index, layer in enumerate(model.layers):
        inputs = [_incoming(results, ref.layer, ref.index) for ref in layer.inputs]
        if layer.family == "input":
            # an Input added to a Sequential after other layers: Keras refuses a second input
            output = _input_output(layer, target) if not layer.inputs else REFUSED
            if output is UNKNOWN and index == 0 and layer.implicit and model.build_shape is not None:
                output = build  # a subclassed model's call() input, shaped by model.build()
            # an input whose declaration Keras refuses has no parameter count either
            results.append(LayerShape(inputs, output if isinstance(output, list) else None,
                                      None if output is REFUSED else 0))
            continue
        if not inputs and index == 0 and model.build_shape is not None:
            inputs = [build]
        output, params = _contained(layer, inputs, target)
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


def _input_output(layer: Layer, target: int):
    """The checked shape an input layer declares; REFUSED when Keras refuses the declaration, :data:`UNKNOWN` when it
    is not known (an implicit input that declares nothing takes model.build's shape)."""
    if layer.extra_positional:
        return REFUSED
    if layer.has_star_args:
        return UNKNOWN
    args = layer.args
    given = [k for k in ("batch_shape", "batch_input_shape", "shape", "input_shape") if k in args]
    if not given and "input_dim" not in args:
        return UNKNOWN if layer.implicit else REFUSED  # Keras: Input() needs a shape
    if len(given) > 1 or (given and given[0].startswith("batch") and "batch_size" in args):
        return REFUSED  # Keras: not both shape and batch_shape, nor batch_size with batch_shape
    value = args[given[0]].value if given else None
    if value is not None and value.kind != "tuple":
        if value.kind != "const":
            return UNKNOWN
        # Keras 2's InputLayer reads an int as a one-entry shape; Keras 3 cannot convert it, and a layer's own
        # input_shape= goes through tuple() in Keras 2
        int_shape = type(value.const) is int and given[0] in ("shape", "input_shape") and not layer.implicit
        if not (int_shape and target == 2):
            return REFUSED
    shape = checked_shape(declared_input(layer, target))
    return REFUSED if shape is None else shape


def _incoming(results: list[LayerShape], producer: int, index: int | None) -> Output:
    if not 0 <= producer < len(results):
        return None
    produced = results[producer].output
    if index is not None:
        return produced[index] if is_multi(produced) and 0 <= index < len(produced) else None  # type: ignore[index]
    return produced


def _contained(layer: Layer, inputs: list[Output], target: int) -> tuple[Output, int | None]:
    try:
        output, params = layer_output(layer, inputs, target)
    except Exception:
        if not CONTAIN_ERRORS:
            raise
        return None, None
    return _checked_output(output), count(params)


def layer_output(layer: Layer, inputs: list[Output], target: int) -> tuple[Output, int | None]:
    """Output shape and parameter count of one layer application."""
    if layer.family in ("unknown", "other", "model", "input") or not inputs or layer.extra_positional:
        return None, None
    if _missing_required(layer, target):
        return None, None
    if layer.family == "merge":
        return _merge(layer, [single(i) for i in inputs])
    if len(inputs) != 1:
        return None, None  # a list of tensors: Keras maps some layers over it and refuses it for others
    handler = _BY_CLASS.get(layer.cls) or _BY_FAMILY.get(layer.family)
    if handler is None:
        return None, None
    return handler(layer, single(inputs[0]), target)


# -------------------------------------------------------------------------------------------- recurrent


def state_count(layer: Layer) -> int | None:
    base = layer.cells[-1].cls if layer.cls == "RNN" and layer.cells else layer.cls
    return {"LSTM": 2, "CuDNNLSTM": 2, "LSTMCell": 2, "GRU": 1, "CuDNNGRU": 1, "GRUCell": 1, "SimpleRNN": 1,
            "SimpleRNNCell": 1}.get(base)


def cell_params(cls: str, layer: Layer, n, m) -> int | None:
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
        default_reset_after = not layer.qualname.startswith("tensorflow.compat.v1.")
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
            found = cell_params(cell.cls, cell, width, units)
            params = None if params is None or found is None else params + found
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


def _time_distributed(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    if layer.wrapped is None or shape is None or len(shape) < 3:
        return None, None
    inner_out, params = layer_output(layer.wrapped, [[shape[0], *shape[2:]]], target)
    inner = single(inner_out)
    if inner is None or not inner:
        return None, params
    return [shape[0], shape[1], *inner[1:]], params


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


def _conv_lstm(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    rank = {"ConvLSTM1D": 1, "ConvLSTM2D": 2, "ConvLSTM3D": 3}.get(layer.cls)
    if rank is None:
        return None, None
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


_Handler = Callable[[Layer, Union[Shape, None], int], tuple[Output, Union[int, None]]]

_BY_CLASS: dict[str, _Handler] = {
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "Dense": _dense,
    "Embedding": _embedding,
    "Flatten": _flatten,
    "Conv1D": _conv1d,
    "RepeatVector": _repeat_vector,
    "Reshape": _reshape,
    "Permute": _permute,
    "ZeroPadding1D": _zero_padding,
    "UpSampling1D": _upsampling,
}
_BY_FAMILY: dict[str, _Handler] = {
    "recurrent": _recurrent,
    "conv-recurrent": _conv_lstm,
    "shape-keeping": _shape_keeping,
    "time-reducing": _global_pool,
    "pooling": _pool1d,
}
