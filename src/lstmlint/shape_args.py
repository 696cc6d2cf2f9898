"""What the shape rules read: dims, argument values and declared shapes, in a checked form.

A dim is a :class:`Value` (``const`` int, ``const`` None for a dynamic dim, or ``unknown``); read as a plain
value it is an int, None (dynamic) or :data:`UNKNOWN`. Arguments are read only through the readers here, into a
checked form: a value Keras accepts, :data:`UNKNOWN` (not known statically) or :data:`REFUSED` (a value Keras
refuses). Declared shapes go through :func:`checked_shape`. The underscored readers are shared by the shape
modules (``shapes`` and the per-layer ``shape_*`` modules) and by nothing else.
"""

from __future__ import annotations

from typing import Any, Union

from lstmlint.ir import Layer, Value
from lstmlint.unknown import UNKNOWN

Shape = list[Value]
Output = Union[Shape, list[Shape], None]  # one shape, several (return_state, merge_mode=None), or unknown

# No dim or weight count beyond int64 can be built: larger values read as unknown, and printing them stays cheap.
MAX_SIZE = 2**63 - 1


class _Refused:
    def __repr__(self) -> str:
        return "REFUSED"


REFUSED: Any = _Refused()  # an argument value Keras refuses (it raises when the layer is made or called)

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


# Keras 1 spellings, read for what they mean (keras 2.2.4 keras/legacy/interfaces.py converted them: output_dim ->
# units, nb_filter -> filters, border_mode -> padding, subsample -> strides, bias -> use_bias, atrous_rate ->
# dilation_rate, pool_length -> pool_size, filter_length -> kernel_size); LSTM502 still reports them under the
# target. Embedding's own output_dim is read as itself.
_KERAS1 = {"units": ("output_dim",), "filters": ("nb_filter",), "padding": ("border_mode",),
           "strides": ("subsample", "subsample_length", "stride"), "use_bias": ("bias",),
           "dilation_rate": ("atrous_rate",), "pool_size": ("pool_length",), "kernel_size": ("filter_length",)}


def _given(layer: Layer, name: str) -> Value | None:
    """The argument's value; None when it is not given. Under *args / **kwargs an argument not written out may
    still be set, so it reads as unknown instead of as its default."""
    value = layer.arg(name)
    if value is None:
        value = _keras1(layer, name)
    if value is None and layer.has_star_args:
        return Value.unknown("may be set through *args or **kwargs")
    return value


def _keras1(layer: Layer, name: str) -> Value | None:
    for old in _KERAS1.get(name, ()):
        if old in layer.args:
            return layer.args[old].value
    if name == "kernel_size" and "nb_row" in layer.args and "nb_col" in layer.args:
        return Value("tuple", items=[layer.args["nb_row"].value, layer.args["nb_col"].value])
    if name == "data_format" and "dim_ordering" in layer.args:
        return Value.unknown("Keras 1 dim_ordering=")  # 'th' / 'tf' / 'default' (keras.json): not read
    return None


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
    return any(_given(layer, name) is None and name not in defaulted for name in _REQUIRED.get(layer.cls, ()))


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
    if layer.declared_by == "embedding" and "input_length" in args:
        length = args["input_length"].value
        if length.kind == "const" and not length.const:
            length = Value.of(None)  # Keras 2: `if input_length:` else input_shape=(None,)
        return [batch, length] if target == 2 else None
    if "input_dim" in args:
        if target == 2 and layer.declared_by == "recurrent":
            length = args["input_length"].value if "input_length" in args else Value.of(None)
            return [batch, length, args["input_dim"].value]
        return [batch, args["input_dim"].value]
    return None
