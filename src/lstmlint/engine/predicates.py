"""The named predicates that rule files compose with all / any / not.

Every predicate answers True, False or None (not known). A rule fires only when its whole match is True, so a
predicate that needs an unknown value answers None and the rule stays silent: no finding rests on a guess.
Predicates may add bindings (``{next}``, ``{timesteps}``…) that the rule's message uses.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from lstmlint import keras_api
from lstmlint.engine.loader import name_regex
from lstmlint.ir import Call, Import, Layer, Model, Module, Value
from lstmlint.shape_text import shape_text
from lstmlint.shape_args import dim, dims, is_multi, single
from lstmlint.shapes import LayerShape, infer
from lstmlint.unknown import UNKNOWN

Tri = Optional[bool]

# Defaults of the arguments rules look at (Keras 3 and tf.keras 2 agree on these; keras-facts §1).
DEFAULTS: dict[str, Any] = {
    "return_sequences": False,
    "return_state": False,
    "stateful": False,
    "go_backwards": False,
    "unroll": False,
    "use_bias": True,
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "dropout": 0.0,
    "recurrent_dropout": 0.0,
    "merge_mode": "concat",
    "use_cudnn": "auto",
    "shuffle": True,
}
# Keras 1 argument names and what replaced them (Keras 2.2 legacy/interfaces.py conversions).
KERAS1_RENAMES = {
    "output_dim": "units",
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "inner_activation": "recurrent_activation",
    "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "U_constraint": "recurrent_constraint",
    "b_constraint": "bias_constraint",
    "dropout_W": "dropout",
    "dropout_U": "recurrent_dropout",
    "forget_bias_init": "unit_forget_bias",
}
# Keras 1 arguments with no one-to-one replacement: a hint, never a rename.
KERAS1_REMOVED = {"consume_less": "Keras 1's `consume_less` has no equivalent; remove it"}
_KERAS2_ONLY_HINTS = {
    "input_length": "declare the timesteps in `keras.Input(shape=(timesteps, features))` instead",
    "batch_input_shape": "use `keras.Input(batch_shape=(batch, timesteps, features))` as the first layer",
    "batch_size": "use `keras.Input(shape=(timesteps, features), batch_size=batch)` as the first layer",
    "time_major": "Keras 3 RNNs are batch-major only; transpose the data to (batch, timesteps, features)",
    "weights": "call `layer.set_weights(...)` after the model is built",
}


@dataclass
class Subject:
    """What a rule is evaluated on: a layer (in a model or on its own), a model call, or an import."""

    module: Module
    target: int
    model: Model | None = None
    index: int | None = None  # position of the layer in model.layers
    layer: Layer | None = None
    parent: Layer | None = None  # the wrapper when the subject is a wrapped layer or a cell
    call: Call | None = None
    imp: Import | None = None
    shapes: list[LayerShape] | None = None
    bindings: dict[str, Any] = field(default_factory=dict)
    _consumers: dict[int, list[tuple[int, int | None]]] | None = None
    _base: Subject | None = None  # the model-level subject that owns the shared shapes and consumers

    def in_graph(self) -> bool:
        return self.model is not None and self.index is not None and self.parent is None

    def at(self, index: int) -> Subject:
        assert self.model is not None
        return Subject(self.module, self.target, self.model, index, self.model.layers[index],
                       shapes=self.shapes, _consumers=self._consumers, _base=self._base or self)

    def shape_info(self) -> list[LayerShape] | None:
        if self.model is None:
            return None
        if self.shapes is None:
            owner = self._base or self
            if owner.shapes is None:
                owner.shapes = infer(self.model, self.target)
            self.shapes = owner.shapes
        return self.shapes

    def consumers(self) -> dict[int, list[tuple[int, int | None]]]:
        if self._consumers is None and self._base is not None:
            self._consumers = self._base.consumers()
        if self._consumers is None:
            found: dict[int, list[tuple[int, int | None]]] = {}
            for i, layer in enumerate(self.model.layers if self.model else []):
                for ref in layer.inputs:
                    found.setdefault(ref.layer, []).append((i, ref.index))
            self._consumers = found
        return self._consumers


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


def close_match(name: str, candidates, cutoff: float) -> str | None:
    """difflib's closest candidate, imported only where a hint or a fix needs it (a plain run does not)."""
    if not candidates:
        return None
    import difflib

    return next(iter(difflib.get_close_matches(name, candidates, 1, cutoff)), None)


def names(spec: Any) -> list[str]:
    return [spec] if isinstance(spec, str) else list(spec)


def label(layer: Layer) -> str:
    """``LSTM(64)``, ``Bidirectional(LSTM(32))``: how messages name a layer."""
    if layer.wrapped is not None:
        return f"{layer.cls}({label(layer.wrapped)})"
    first = next(iter(layer.args.values()), None)
    inner = first.value.text if first is not None and not first.keyword and len(first.value.text) < 30 else ""
    return f"{layer.cls}({inner})"


# ---------------------------------------------------------------------------------------------- comparisons


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _matches_constant(value: Value, expected: Any) -> bool:
    if value.kind == "symbol" and isinstance(expected, str):
        return value.const.rsplit(".", 1)[-1] == expected
    return value.kind == "const" and type(value.const) is type(expected) and value.const == expected or (
        value.kind == "const" and _number(value.const) and _number(expected) and value.const == expected)


def compare(value: Value, spec: dict[str, Any]) -> Tri:
    """eq / ne / in / not-in / gt / ge / lt / le against a value; None when the value is not known."""
    if not value.known:
        return None
    raw = value.py()
    if "eq" in spec and not _matches_constant(value, spec["eq"]):
        return False
    if "ne" in spec and _matches_constant(value, spec["ne"]):
        return False
    if "in" in spec and not any(_matches_constant(value, e) for e in spec["in"]):
        return False
    if "not-in" in spec and any(_matches_constant(value, e) for e in spec["not-in"]):
        return False
    for key, test in _ORDERINGS:
        if key in spec:
            if not _number(raw):
                return False
            if not test(raw, spec[key]):
                return False
    return True


_ORDERINGS = (("gt", operator.gt), ("ge", operator.ge), ("lt", operator.lt), ("le", operator.le))


def compare_int(got: Any, spec: Any) -> Tri:
    """Compare an int / None (dynamic) / UNKNOWN with a plain value or a comparison object."""
    if got is UNKNOWN:
        return None
    if not isinstance(spec, dict):
        return got == spec
    return compare(Value.of(got), spec)


# ---------------------------------------------------------------------------------------------- combinators


def evaluate(clause: dict[str, Any], subject: Subject) -> Tri:
    """all: every key of a clause must hold (a clause with several keys is an implicit all)."""
    return conjunction([lambda s, k=key, v=spec: PREDICATES[k](v, s) for key, spec in clause.items()], subject)


def conjunction(tests: list[Callable[[Subject], Tri]], subject: Subject) -> Tri:
    """Three-valued AND, in order: the first False decides; otherwise any unknown makes the whole unknown."""
    result: Tri = True
    for test in tests:
        outcome = test(subject)
        if outcome is False:
            return False
        if outcome is None:
            result = None
    return result


def _all(spec: list, subject: Subject) -> Tri:
    return conjunction([lambda s, c=clause: evaluate(c, s) for clause in spec], subject)


def compile_match(clause: dict[str, Any]) -> Callable[[Subject], Tri]:
    """A rule's match as nested closures, built once per rule: the same three-valued logic as ``evaluate``
    without re-reading the YAML structure for every subject."""
    tests: list[Callable[[Subject], Tri]] = []
    for key, spec in clause.items():
        if key == "all":
            tests.append(_compiled_all([compile_match(c) for c in spec]))
        elif key == "any":
            tests.append(_compiled_any([compile_match(c) for c in spec]))
        elif key == "not":
            tests.append(_compiled_not(compile_match(spec)))
        else:
            predicate = PREDICATES[key]
            tests.append(lambda s, p=predicate, v=spec: p(v, s))
    return tests[0] if len(tests) == 1 else _compiled_all(tests)


def _compiled_all(tests: list[Callable[[Subject], Tri]]) -> Callable[[Subject], Tri]:
    return lambda subject: conjunction(tests, subject)


def _compiled_any(branches: list[Callable[[Subject], Tri]]) -> Callable[[Subject], Tri]:
    def any_(subject: Subject) -> Tri:
        result: Tri = False
        before = subject.bindings
        for branch in branches:
            subject.bindings = dict(before)
            outcome = branch(subject)
            if outcome is True:
                return True
            if outcome is None:
                result = None
        subject.bindings = before
        return result

    return any_


def _compiled_not(inner: Callable[[Subject], Tri]) -> Callable[[Subject], Tri]:
    def not_(subject: Subject) -> Tri:
        before = subject.bindings
        subject.bindings = {}
        try:
            outcome = inner(subject)
        finally:
            subject.bindings = before
        return None if outcome is None else not outcome

    return not_


def p_any(spec: list, subject: Subject) -> Tri:
    """The first branch that holds lends its bindings to the message; failed branches lend nothing."""
    return _compiled_any([lambda s, c=clause: evaluate(c, s) for clause in spec])(subject)


def p_not(spec: dict, subject: Subject) -> Tri:
    """A negated clause lends no bindings to the message."""
    return _compiled_not(lambda s: evaluate(spec, s))(subject)


# ---------------------------------------------------------------------------------------------- layers


def p_class(spec: Any, subject: Subject) -> Tri:
    return subject.layer is not None and subject.layer.cls in names(spec)


def p_family(spec: Any, subject: Subject) -> Tri:
    if subject.layer is None:
        return False
    return effective(subject.layer).family in names(spec)


def p_qualname_prefix(spec: Any, subject: Subject) -> Tri:
    """The import path the class was reached through (``tensorflow.compat.v1.keras.layers.CuDNNLSTM``)."""
    if subject.layer is None:
        return False
    return any(subject.layer.qualname == p or subject.layer.qualname.startswith(p + ".") for p in names(spec))


def p_wrapped(spec: bool, subject: Subject) -> Tri:
    return (subject.parent is not None) == spec


def p_in_model(spec: bool, subject: Subject) -> Tri:
    return subject.in_graph() == spec


def p_target(spec: int, subject: Subject) -> Tri:
    return subject.target == spec


NO_DEFAULT: Any = object()  # an argument with no default that rules know of (not an unknown value)


def arg_default(spec: dict[str, Any]) -> Any:
    """The value an ``arg`` / ``call-arg`` test reads for an absent argument: the spec's ``default``, else the
    Keras default in DEFAULTS, else NO_DEFAULT."""
    return spec.get("default", DEFAULTS.get(spec["name"], NO_DEFAULT))


_DEFAULT_VALUES: dict[tuple[type, str], Value] = {}


def _default_value(default: Any) -> Value:
    """A default as a Value, made once per default (predicates only read values)."""
    key = (type(default), repr(default))
    value = _DEFAULT_VALUES.get(key)
    if value is None:
        value = _DEFAULT_VALUES[key] = Value.of(default, text=key[1])
    return value


def _arg_test(value: Value | None, spec: dict[str, Any], subject: Subject) -> Tri:
    name = spec["name"]
    present = value is not None
    if "present" in spec and present != spec["present"]:
        return False
    if value is None:
        default = arg_default(spec)
        if default is NO_DEFAULT:
            return None if any(k not in ("name", "present") for k in spec) else True
        value = _default_value(default)
    subject.bindings.setdefault("arg", name)
    subject.bindings.setdefault("value", value.text or repr(value.py()))
    if "is" in spec:
        if value.kind != "const":
            return None
        if bool(value.const) != spec["is"]:
            return False
    if "positive-int" in spec:
        if value.kind != "const":
            return None
        ok = isinstance(value.const, int) and not isinstance(value.const, bool) and value.const > 0
        if ok != spec["positive-int"]:
            return False
    if "name-matches" in spec:  # RE2: linear in the name's length, whatever the pattern
        if value.name is None or not name_regex(spec["name-matches"]).search(value.name):
            return False
    comparison = {k: v for k, v in spec.items() if k in ("eq", "ne", "in", "not-in", "gt", "ge", "lt", "le")}
    if comparison:
        return compare(value, comparison)
    return True


def p_arg(spec: dict[str, Any], subject: Subject) -> Tri:
    if subject.layer is None:
        return False
    return _arg_test(arg_value(subject.layer, spec["name"]), spec, subject)


def p_call_arg(spec: dict[str, Any], subject: Subject) -> Tri:
    if subject.call is None:
        return False
    if subject.call.has_star_args and spec["name"] not in subject.call.args:
        return None
    found = subject.call.args.get(spec["name"])
    return _arg_test(found.value if found else None, spec, subject)


def p_unknown_arg(spec: bool, subject: Subject) -> Tri:
    layer = subject.layer
    if layer is None:
        return False
    info = keras_api.spec(layer.cls)
    if info is None:
        return False if spec else True
    accepted = info.k3 if subject.target == 3 else info.k2
    if accepted is None:  # the class itself is missing in this version: another rule's business
        return not spec
    if layer.has_star_args and not spec:
        return None
    bad = [name for name, arg in layer.args.items() if arg.keyword and name not in accepted]
    if not bad:
        return not spec
    hints = []
    for name in bad:
        if subject.target == 3 and name in _KERAS2_ONLY_HINTS:
            hints.append(f"`{name}` (a Keras 2 argument: {_KERAS2_ONLY_HINTS[name]})")
            continue
        if name in KERAS1_REMOVED:
            hints.append(f"`{name}` ({KERAS1_REMOVED[name]})")
            continue
        suggestion = KERAS1_RENAMES.get(name) or close_match(name, accepted, 0.75)
        if suggestion and suggestion in accepted:
            hints.append(f"`{name}` (did you mean `{suggestion}`?)")
            subject.bindings.setdefault("suggestion", suggestion)
        else:
            hints.append(f"`{name}`")
    subject.bindings["arg"] = bad[0]
    subject.bindings["args"] = ", ".join(hints)
    subject.bindings["count"] = len(bad)
    return spec


def _walk(subject: Subject, spec: dict[str, Any], forward: bool) -> Tri:
    """Follow edges from the subject, skipping layers that match ``through``, until one matches ``match``."""
    if not subject.in_graph():
        return False
    assert subject.model is not None and subject.index is not None
    result: Tri = False
    seen: set[int] = set()
    frontier = [subject.index]
    while frontier:
        current = frontier.pop()
        if forward:
            nexts = [i for i, index in subject.consumers().get(current, []) if index in (None, 0)]
        else:
            nexts = [ref.layer for ref in subject.model.layers[current].inputs]
        for candidate in nexts:
            if candidate in seen:
                continue
            seen.add(candidate)
            other = subject.at(candidate)
            if other.layer is not None and other.layer.family == "unknown":
                result = None
                continue
            outcome = evaluate(spec["match"], other)
            if outcome is True:
                subject.bindings.setdefault("next" if forward else "previous", label(other.layer))
                return True
            if outcome is None:
                result = None
            if "through" in spec and evaluate(spec["through"], other) is True:
                frontier.append(candidate)
    return result


def p_feeds(spec: dict[str, Any], subject: Subject) -> Tri:
    return _walk(subject, spec, True)


def p_fed_by(spec: dict[str, Any], subject: Subject) -> Tri:
    return _walk(subject, spec, False)


def p_output_unpacked(spec: bool, subject: Subject) -> Tri:
    """Every consumer takes one element of the output (``out, h, c = ...`` or ``result[0]``)."""
    if not subject.in_graph():
        return False
    consumers = subject.consumers().get(subject.index, [])  # type: ignore[arg-type]
    whole = [i for i, index in consumers if index is None]
    if whole:
        subject.bindings.setdefault("next", label(subject.model.layers[whole[0]]))  # type: ignore[union-attr]
    return (not whole) == spec


def _input_layer(subject: Subject) -> Layer | None:
    if not subject.in_graph():
        return None
    layer = subject.layer
    assert layer is not None and subject.model is not None
    if len(layer.inputs) != 1:
        return None
    producer = subject.model.layers[layer.inputs[0].layer]
    return producer if producer.family == "input" else None


def input_shape(subject: Subject):
    """The shape flowing into the subject (batch first), or None."""
    shapes = subject.shape_info()
    if shapes is None or subject.index is None or not subject.in_graph():
        return None
    inputs = shapes[subject.index].inputs
    if len(inputs) != 1 or inputs[0] is None or is_multi(inputs[0]):
        return None
    return single(inputs[0])


_DECLARING_ARGS = ("input_shape", "shape", "batch_input_shape", "batch_shape", "input_dim")


def _declaration(producer: Layer) -> Value | None:
    return next((producer.args[k].value for k in _DECLARING_ARGS if k in producer.args), None)


def p_direct_input(spec: bool, subject: Subject) -> Tri:
    producer = _input_layer(subject)
    if producer is not None:
        declared = _declaration(producer)
        if declared is not None:
            subject.bindings.setdefault("input_text", declared.text)
    return (producer is not None) == spec


def p_input_entries(spec: Any, subject: Subject) -> Tri:
    shape = input_shape(subject)
    if shape is None:
        return None
    entries = len(shape) - 1
    subject.bindings.setdefault("entries", entries)
    subject.bindings.setdefault("input_shape", format_shape(shape[1:]))
    return compare_int(entries, spec)


def p_input_tag(spec: Any, subject: Subject) -> Tri:
    producer = _input_layer(subject)
    if producer is None:
        return False
    declared = _declaration(producer)
    if declared is None:
        return False
    subject.bindings.setdefault("input_text", declared.text)
    return declared.tag in names(spec)


def timesteps_dim(subject: Subject) -> Value | None:
    shape = input_shape(subject)
    if shape is None or len(shape) < 3:
        return None
    return shape[1]


def p_timesteps(spec: Any, subject: Subject) -> Tri:
    steps = timesteps_dim(subject)
    if steps is None:
        return None
    got = dim(steps)
    subject.bindings.setdefault("timesteps", "None" if got is None else got)
    return compare_int(got, spec)


def p_units_match_timesteps(spec: bool, subject: Subject) -> Tri:
    steps = timesteps_dim(subject)
    layer = subject.layer
    units = arg_value(layer, "units") if layer is not None else None
    if steps is None or units is None:
        return None
    same_name = units.name is not None and units.name == steps.name
    same_value = dim(units) is not UNKNOWN and dim(units) is not None and dim(units) == dim(steps)
    if not (units.known and steps.known) and not same_name:
        return None
    subject.bindings.setdefault("timesteps", steps.name or dim(steps))
    return (same_name or same_value) == spec


def format_shape(shape: list[Value], batch: bool = False) -> str:
    """``(None, 10, 3)``; with ``batch``, a dynamic first dim reads ``batch``."""
    return shape_text(dims(shape), batch=batch)


# ---------------------------------------------------------------------------------------------- models


def fixed_batch(model: Model, target: int) -> tuple[Tri, Any]:
    """Whether the model's input spec fixes the batch size, and the size."""
    inputs = [layer for layer in model.layers if layer.family == "input"]
    if model.build_shape is not None:
        if model.build_shape.kind == "tuple" and model.build_shape.items:
            batch = dim(model.build_shape.items[0])
            return (None, None) if batch is UNKNOWN else (batch is not None, batch)
        return None, None
    if not inputs or any(layer.implicit and not layer.args for layer in inputs):
        return None, None
    sizes = []
    for layer in inputs:
        args = layer.args
        batch: Any = None
        for key in ("batch_shape", "batch_input_shape"):
            if key in args:
                value = args[key].value
                batch = dim(value.items[0]) if value.kind == "tuple" and value.items else UNKNOWN
        if "batch_size" in args:
            batch = dim(args["batch_size"].value)
        if batch is UNKNOWN:
            return None, None
        sizes.append(batch)
    if any(size is None for size in sizes):
        return False, None
    return True, sizes[0]


def is_stateful(model: Model) -> Tri:
    result: Tri = False
    for layer in model.layers:
        for candidate in (layer, effective(layer), *layer.cells):
            value = candidate.arg("stateful")
            if value is None:
                continue
            if value.kind != "const":
                result = None
            elif value.const:
                return True
    return result


def p_model(spec: dict[str, Any], subject: Subject) -> Tri:
    model = subject.model
    if model is None or (subject.layer is not None and not subject.in_graph() and subject.parent is None):
        return False
    result: Tri = True
    for key, expected in spec.items():
        if key == "kind":
            outcome: Tri = model.kind in names(expected)
        elif key == "stateful":
            stateful = is_stateful(model)
            outcome = None if stateful is None else stateful == expected
        elif key == "fixed-batch":
            fixed, size = fixed_batch(model, subject.target)
            if fixed:
                subject.bindings.setdefault("batch", size)
            outcome = None if fixed is None else fixed == expected
        elif key == "output-rank":
            outcome = _output_rank(subject, expected)
        elif key == "ends-with":
            last = [model.layers[r.layer] for r in model.outputs]
            outcome = bool(last) and all(layer.cls in names(expected) for layer in last)
        elif key == "fit-target-rank":
            outcome = _fit_target_rank(subject, expected)
        elif key == "reset":
            reset = subject.module.reset_calls > 0 or any(c.method.startswith("reset_state") for c in model.calls)
            outcome = reset == expected
        else:
            raise KeyError(key)
        if outcome is False:
            return False
        if outcome is None:
            result = None
    return result


def _output_rank(subject: Subject, spec: Any) -> Tri:
    model, shapes = subject.model, subject.shape_info()
    if model is None or shapes is None or len(model.outputs) != 1:
        return None
    ref = model.outputs[0]
    output = shapes[ref.layer].output
    if ref.index is not None:
        output = output[ref.index] if is_multi(output) and ref.index < len(output) else None
    shape = single(output)
    if shape is None:
        return None
    subject.bindings.setdefault("output_shape", format_shape(shape, batch=True))
    return compare_int(len(shape), spec)


def _fit_target_rank(subject: Subject, spec: Any) -> Tri:
    """The rank of ``y`` in a fit / train_on_batch call whose target is a known array."""
    assert subject.model is not None
    for call in subject.model.calls:
        if call.method not in ("fit", "train_on_batch"):
            continue
        target = call.args.get("y")
        if target is None or target.value.kind != "array":
            continue
        subject.bindings.setdefault("target_shape", format_shape(target.value.items, batch=True))
        if compare_int(len(target.value.items), spec):
            return True
    return None


# ---------------------------------------------------------------------------------------------- data


def model_input(subject: Subject) -> list[Value] | None:
    """The declared input shape (batch first) of a single-input model."""
    model, shapes = subject.model, subject.shape_info()
    if model is None or shapes is None:
        return None
    inputs = [i for i, layer in enumerate(model.layers) if layer.family == "input"]
    if len(inputs) != 1:
        return None
    return single(shapes[inputs[0]].output)


def data_array(subject: Subject) -> list[Value] | None:
    if subject.call is None:
        return None
    data = subject.call.args.get("x")
    return list(data.value.items) if data is not None and data.value.kind == "array" else None


def p_data_rank_mismatch(spec: bool, subject: Subject) -> Tri:
    data, expected = data_array(subject), model_input(subject)
    if data is None or expected is None:
        return None
    subject.bindings["data_shape"] = format_shape(data)
    subject.bindings["expected"] = format_shape(expected, batch=True)
    rank, wanted = len(data), len(expected)
    if rank == wanted:
        return not spec
    # Keras adds or drops a trailing axis of size 1 on its own (keras-facts §11).
    if rank == wanted - 1 and dim(expected[-1]) == 1:
        return not spec
    if rank == wanted + 1 and dim(data[-1]) == 1:
        return not spec
    return spec


def p_data_shape_mismatch(spec: bool, subject: Subject) -> Tri:
    data, expected = data_array(subject), model_input(subject)
    if data is None or expected is None or len(data) != len(expected):
        return None
    got = [dim(d) for d in data[1:]]
    want = [dim(d) for d in expected[1:]]
    differs = [i for i, (g, w) in enumerate(zip(got, want)) if isinstance(g, int) and isinstance(w, int) and g != w]
    subject.bindings["data_shape"] = format_shape(data)
    subject.bindings["expected"] = format_shape(expected, batch=True)
    swapped = len(got) >= 2 and got[-2:] == want[-2:][::-1] and got[-2] != got[-1]
    subject.bindings["hint"] = " (timesteps and features look swapped)" if swapped else ""
    if differs:
        return spec
    if any(g is UNKNOWN or w is UNKNOWN for g, w in zip(got, want)):
        return None
    return not spec


def p_samples_not_divisible(spec: bool, subject: Subject) -> Tri:
    data, model = data_array(subject), subject.model
    if data is None or model is None or not data:
        return None
    fixed, size = fixed_batch(model, subject.target)
    samples = dim(data[0])
    if not fixed or not isinstance(samples, int) or not isinstance(size, int) or size <= 0:
        return None if fixed is None or samples is UNKNOWN else not spec
    subject.bindings.update(samples=samples, batch=size, remainder=samples % size)
    return (samples % size != 0) == spec


# ---------------------------------------------------------------------------------------------- calls


def p_method(spec: Any, subject: Subject) -> Tri:
    return subject.call is not None and subject.call.method in names(spec)


def p_receiver(spec: str, subject: Subject) -> Tri:
    return subject.call is not None and subject.call.target == spec


def p_data_tag(spec: Any, subject: Subject) -> Tri:
    if subject.call is None:
        return False
    data = subject.call.args.get("x") or subject.call.args.get("generator")
    return data is not None and data.value.tag in names(spec)


def p_batch_size_mismatch(spec: bool, subject: Subject) -> Tri:
    call, model = subject.call, subject.model
    if call is None or model is None:
        return False
    fixed, size = fixed_batch(model, subject.target)
    if not fixed:
        return None if fixed is None else not spec
    given = call.args.get("batch_size")
    if given is None:
        if call.has_star_args:
            return None
        used: Any = 32
        subject.bindings["batch_size"] = "no batch_size (Keras uses 32)"
    else:
        used = dim(given.value)
        if used is UNKNOWN:
            return None
        subject.bindings["batch_size"] = f"batch_size={used}"
    subject.bindings["batch"] = size
    return (used != size) == spec


# ---------------------------------------------------------------------------------------------- imports


def p_imports(spec: Any, subject: Subject) -> Tri:
    if subject.imp is None:
        return False
    wanted = set(names(spec))
    hit = [n for n in subject.imp.names if n in wanted] or [
        p for p in subject.imp.module.split(".") if p in wanted]
    if hit:
        subject.bindings.setdefault("name", hit[0])
    return bool(hit)


_LAYER_OR_MODEL_NAMES = {"layers", "models", "Sequential", "Model", "Input", "keras"}


def brings_layers_or_models(imp: Import) -> bool:
    """``from keras.layers import LSTM``, ``import keras``, ``from tensorflow import keras``… but not
    ``from keras.preprocessing.sequence import pad_sequences``: utilities do not mix badly."""
    parts = imp.module.split(".")
    if any(p in ("layers", "models") for p in parts):
        return True
    if not imp.names:  # `import keras`, `import tensorflow.keras as K`
        return parts[-1] in ("keras", "tf_keras")
    return any(n in _LAYER_OR_MODEL_NAMES or keras_api.spec(n) is not None for n in imp.names)


def p_mixed_distribution(spec: bool, subject: Subject) -> Tri:
    """keras, tf.keras and tf_keras are three distributions: on TF >= 2.16 tf.keras is Keras 3 and tf_keras is
    Keras 2; on TF <= 2.15 tf.keras is Keras 2 and a separately installed keras may be Keras 3."""
    imp = subject.imp
    if imp is None or not brings_layers_or_models(imp):
        return False
    for earlier in subject.module.imports:
        if earlier is imp:
            break
        if brings_layers_or_models(earlier) and earlier.distribution != imp.distribution:
            subject.bindings.setdefault("first", earlier.distribution)
            subject.bindings.setdefault("first_line", earlier.span.line)
            subject.bindings.setdefault("second", imp.distribution)
            return spec
    return not spec


PREDICATES: dict[str, Callable[[Any, Subject], Tri]] = {
    "all": _all,
    "any": p_any,
    "not": p_not,
    "class": p_class,
    "family": p_family,
    "wrapped": p_wrapped,
    "qualname-prefix": p_qualname_prefix,
    "in-model": p_in_model,
    "target": p_target,
    "arg": p_arg,
    "call-arg": p_call_arg,
    "unknown-arg": p_unknown_arg,
    "feeds": p_feeds,
    "fed-by": p_fed_by,
    "output-unpacked": p_output_unpacked,
    "direct-input": p_direct_input,
    "input-entries": p_input_entries,
    "input-tag": p_input_tag,
    "timesteps": p_timesteps,
    "units-match-timesteps": p_units_match_timesteps,
    "model": p_model,
    "method": p_method,
    "receiver": p_receiver,
    "data-tag": p_data_tag,
    "batch-size-mismatch": p_batch_size_mismatch,
    "data-rank-mismatch": p_data_rank_mismatch,
    "data-shape-mismatch": p_data_shape_mismatch,
    "samples-not-divisible": p_samples_not_divisible,
    "imports": p_imports,
    "mixed-distribution": p_mixed_distribution,
}
