"""The model IR: the one contract between the analyzer and everything after it.

Plain dataclasses that survive a JSON round trip (``to_dict`` / ``from_dict``), so that the cache, the
runtime worker and the language server can all carry them. Nothing here knows about libcst.

Positions are 1-based lines and 1-based columns, end exclusive, as editors and SARIF count them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


# Value.tag of an unknown value known to be a numpy array (shape and rank not known): the analyzer sets it
# (analyze/arrays_base.py), the stateful rules read it (data known to be an array, not a dataset)
NDARRAY = "ndarray"


@dataclass
class Value:
    """What the analyzer knows of one expression.

    ``kind`` is one of:
    - ``const``: ``const`` holds a Python literal (int, float, str, bool or None);
    - ``tuple``: ``items`` holds the elements (a list or tuple literal, ``X.shape`` of a known array…);
    - ``symbol``: ``const`` holds a dotted name resolved through the imports (``tf.nn.tanh``);
    - ``array``: an array whose shape is known; ``items`` holds its dims (``np.zeros((100, 10, 3))``);
    - ``unknown``: nothing is known; ``reason`` says why.

    ``name`` is the identifier the value was read through (``units=timesteps`` keeps ``"timesteps"``), so that
    rules can say "the same name". ``tag`` marks unknown values with a known origin: ``array-shape`` (``X.shape``),
    ``array-shape-tail`` (``X.shape[1:]``), ``dataset`` / ``generator`` / ``sequence`` (training-data objects).
    ``text`` is the source text, for messages.
    """

    kind: str
    const: Any = None
    items: list[Value] = field(default_factory=list)
    name: str | None = None
    tag: str | None = None
    reason: str = ""
    text: str = ""

    @property
    def known(self) -> bool:
        if self.kind == "const" or self.kind == "symbol":
            return True
        if self.kind == "tuple":
            return all(item.known for item in self.items)
        return False

    def py(self) -> Any:
        """The plain Python value (tuples as tuples); only meaningful when ``known``."""
        if self.kind == "tuple":
            return tuple(item.py() for item in self.items)
        return self.const

    @staticmethod
    def of(const: Any, text: str = "", name: str | None = None) -> Value:
        if isinstance(const, (tuple, list)):
            return Value("tuple", items=[Value.of(c) for c in const], text=text, name=name)
        return Value("const", const=const, text=text, name=name)

    @staticmethod
    def unknown(reason: str, text: str = "", tag: str | None = None, name: str | None = None) -> Value:
        return Value("unknown", reason=reason, text=text, tag=tag, name=name)


@dataclass
class Arg:
    """One argument of a call, positional arguments already mapped to their parameter names."""

    value: Value
    span: Span
    keyword: bool  # written as name=value (False: positional)


@dataclass
class Ref:
    """A data-flow edge: the output of layer ``layer`` (an index into Model.layers).

    ``index`` is None for the whole output, or the position taken from a multi-output result
    (``out, h, c = LSTM(..., return_state=True)(x)`` gives refs with index 0, 1, 2).
    """

    layer: int
    index: int | None = None


@dataclass
class Layer:
    """One layer construction, e.g. ``layers.LSTM(64, return_sequences=True)``.

    ``cls`` is the Keras class name (``LSTM``), ``qualname`` the import path it was reached through,
    ``family`` comes from :mod:`lstmlint.keras_api`. Input nodes (``keras.Input``, ``InputLayer`` and the
    implicit input that a first layer's ``input_shape=`` declares) are layers of family ``input``.
    """

    cls: str
    qualname: str
    family: str
    span: Span
    args: dict[str, Arg] = field(default_factory=dict)
    extra_positional: int = 0  # positional arguments beyond the known parameters
    has_star_args: bool = False  # *args or **kwargs: the argument list is not fully known
    wrapped: Layer | None = None  # Bidirectional / TimeDistributed
    cells: list[Layer] = field(default_factory=list)  # RNN(cell) / RNN([cells])
    inputs: list[Ref] = field(default_factory=list)
    # other tensors the call takes, by keyword: initial_state=, constants=, mask= (a recurrent layer's second
    # positional argument is its initial_state); "?" collects tensors passed in a way that is not followed
    keyword_inputs: dict[str, list[Ref]] = field(default_factory=dict)
    same_as: int | None = None  # a shared layer: the index of this layer object's first call in Model.layers
    implicit: bool = False  # an input node made from a layer's input_shape= / input_dim=
    declared_by: str | None = None
    callee_span: Span | None = None  # the class name in the call (``CuDNNLSTM`` in ``layers.CuDNNLSTM(64)``)
    callee_text: str | None = None  # how the class was spelled (``layers.CuDNNLSTM``), for fixes
    added_at: Span | None = None  # the ``model.add(...)`` statement that put the layer in a Sequential  # for implicit inputs: the family of the layer that declared it
    var: str | None = None  # the variable or attribute the layer (or its output) was bound to
    submodel: Model | None = None  # a Sequential or Model called as a layer (family "model"): the model itself

    def arg(self, name: str) -> Value | None:
        found = self.args.get(name)
        return found.value if found else None


def effective(layer: Layer) -> Layer:
    """A Bidirectional stands for the recurrent layer it wraps when rules read flags and family."""
    if layer.cls == "Bidirectional" and layer.wrapped is not None:
        return layer.wrapped
    return layer


def arg_value(layer: Layer, name: str) -> Value | None:
    value = layer.arg(name)
    if value is None and layer is not effective(layer):
        value = effective(layer).arg(name)
    return value


def label(layer: Layer) -> str:
    """``LSTM(64)``, ``Bidirectional(LSTM(32))``: how messages name a layer."""
    if layer.wrapped is not None:
        return f"{layer.cls}({label(layer.wrapped)})"
    first = next(iter(layer.args.values()), None)
    if first is not None and first.keyword:  # `LSTM(units=50)` reads as `LSTM(50)`, as it is written positionally
        first = layer.args.get("units") or layer.args.get("filters")
    inner = first.value.text if first is not None and len(first.value.text) < 30 else ""
    return f"{layer.cls}({inner})"


@dataclass
class Call:
    """A method call on a known model or on one of its layers (``fit``, ``predict``, ``reset_states``…)."""

    method: str
    span: Span
    args: dict[str, Arg] = field(default_factory=dict)
    has_star_args: bool = False
    target: str = "model"  # "model" or "layer"
    statement: bool = False  # the call is a whole statement line on its own (fixes may replace it)
    builds: bool = False  # Keras builds the model (which declares no input) on this call's data: Model.input_from


@dataclass
class Site:
    """A call of a function of the file (or a construction of a class of it) that built the model."""

    function: str  # ``build_model``, or ``Forecaster`` for a class constructed
    line: int
    kind: str = "call"  # call | construct


def sites_text(sites: list[Site]) -> str:
    """``when build_model() is called at line 40 (from main(), called at line 52)``: innermost first."""
    def one(site: Site) -> str:
        return f"{site.function}() is {'called' if site.kind == 'call' else 'constructed'} at line {site.line}"
    text = f"when {one(sites[0])}"
    for site in sites[1:]:
        text += f", from {one(site).replace(' is ', ', ', 1)}"
    return text


@dataclass
class Model:
    """One model: a Sequential list or ``.add`` chain, a functional graph, or a subclassed keras.Model."""

    kind: str  # sequential | functional | subclass
    span: Span
    var: str | None
    layers: list[Layer] = field(default_factory=list)
    outputs: list[Ref] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    complete: bool = True  # every layer and edge is known (no unknown layers, no dynamic adds)
    build_shape: Value | None = None  # model.build((batch, t, f))
    # a model that declares no input is built by Keras on its first call: then build_shape holds the shape of
    # the data given to that call (batch unknown) and this says where it comes from, for messages
    input_from: str | None = None
    # the model a function of the file builds, as one call of it builds it (innermost call first); empty for a
    # model built where it is written, or by a function analysed with its parameters unknown
    sites: list[Site] = field(default_factory=list)
    qualname: str | None = None  # the import path of the Sequential / Model class that built it


@dataclass
class Import:
    """An import of something from a Keras distribution (for mixed-import and removed-layer rules)."""

    distribution: str  # keras | tf.keras | tf_keras
    module: str
    names: list[str]
    span: Span


@dataclass
class Module:
    """Everything the analyzer found in one source file."""

    path: str
    models: list[Model] = field(default_factory=list)
    loose_layers: list[Layer] = field(default_factory=list)  # layers outside any model
    imports: list[Import] = field(default_factory=list)
    reset_calls: int = 0  # reset_state(s) calls anywhere in the file, attributed or not
    recurrent: bool = False  # a recurrent layer is constructed somewhere in the file, in a model or not
    text: str = ""  # the code analysed: fixes that rename or reuse an imported name read it (engine/names.py)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Module:
        return Module(
            path=data["path"],
            models=[_model(m) for m in data["models"]],
            loose_layers=[_layer(x) for x in data["loose_layers"]],
            imports=[Import(**{**i, "span": Span(**i["span"])}) for i in data["imports"]],
            reset_calls=data["reset_calls"],
            recurrent=data.get("recurrent", False),
            text=data.get("text", ""),
        )


def _value(d: dict[str, Any]) -> Value:
    return Value(**{**d, "items": [_value(i) for i in d["items"]]})


def _args(d: dict[str, Any]) -> dict[str, Arg]:
    return {k: Arg(_value(a["value"]), Span(**a["span"]), a["keyword"]) for k, a in d.items()}


def _layer(d: dict[str, Any]) -> Layer:
    return Layer(
        **{
            **d,
            "span": Span(**d["span"]),
            "args": _args(d["args"]),
            "wrapped": _layer(d["wrapped"]) if d["wrapped"] else None,
            "cells": [_layer(c) for c in d["cells"]],
            "inputs": [Ref(**r) for r in d["inputs"]],
            "keyword_inputs": {k: [Ref(**r) for r in refs] for k, refs in d["keyword_inputs"].items()},
            "callee_span": Span(**d["callee_span"]) if d["callee_span"] else None,
            "added_at": Span(**d["added_at"]) if d["added_at"] else None,
            "submodel": _model(d["submodel"]) if d.get("submodel") else None,
        }
    )


def _model(d: dict[str, Any]) -> Model:
    return Model(
        **{
            **d,
            "span": Span(**d["span"]),
            "layers": [_layer(x) for x in d["layers"]],
            "outputs": [Ref(**r) for r in d["outputs"]],
            "calls": [Call(**{**c, "span": Span(**c["span"]), "args": _args(c["args"])}) for c in d["calls"]],
            "build_shape": _value(d["build_shape"]) if d["build_shape"] else None,
            "sites": [Site(**s) for s in d.get("sites", ())],
        }
    )
