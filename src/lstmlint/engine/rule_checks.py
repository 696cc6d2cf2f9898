"""Rule-specific checks: predicates that each serve exactly one built-in rule, written in Python because the
question they answer (does this layer's units equal its timesteps, does the batch size given to fit differ from
the one the model fixes…) is not a composition of the generic predicates. Rule authors may use them too; each
still answers True, False or None (not known), and binds what its rule's message prints.

predicate                  rule
unknown-arg                LSTM502
output-unpacked            LSTM106
input-tag                  LSTM104
units-match-timesteps      LSTM301
extra-axis                 LSTM104
data-rank-mismatch         LSTM108
data-shape-mismatch        LSTM109
samples-not-divisible      LSTM110
batch-size-mismatch        LSTM203
mixed-distribution         LSTM504
cudnn-blockers             LSTM401
"""

from __future__ import annotations

from typing import Any, Callable

from lstmlint import keras_api
from lstmlint.engine.logic import Tri
from lstmlint.engine.subject import (Subject, data_array, declaration, derived_from_input, fixed_batch,
                                     format_shape, input_layer, model_input, names, timesteps_dim)
from lstmlint.findings import LineRef
from lstmlint.ir import Import, Layer, Module, arg_value, label
from lstmlint.shape_args import dim
from lstmlint.unknown import UNKNOWN

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
    # ConvLSTM2D (legacy_convlstm2d_support)
    "nb_filter": "filters",
    "subsample": "strides",
    "border_mode": "padding",
    "bias": "use_bias",
}
# Keras 1 arguments renamed with a change of values: a hint, never a rename (the old value would be kept).
# Keras 2.2 legacy/interfaces.py: ('consume_less', 'implementation'), {'cpu': 0, 'mem': 1, 'gpu': 2}.
KERAS1_VALUE_RENAMES = {
    "consume_less": ("implementation", {"cpu": 0, "mem": 1, "gpu": 2}),
    # recurrent_args_preprocessor: 'one' becomes unit_forget_bias=True, any other value is ignored with a warning
    "forget_bias_init": ("unit_forget_bias", {"one": True}),
    "dim_ordering": ("data_format", {"tf": "channels_last", "th": "channels_first", "default": None}),
}
_KERAS2_ONLY_HINTS = {
    "input_length": "declare the timesteps in `keras.Input(shape=(timesteps, features))` instead",
    "batch_input_shape": "use `keras.Input(batch_shape=(batch, timesteps, features))` as the first layer",
    "batch_size": "use `keras.Input(shape=(timesteps, features), batch_size=batch)` as the first layer",
    "time_major": "Keras 3 RNNs are batch-major only; transpose the data to (batch, timesteps, features)",
    "weights": "call `layer.set_weights(...)` after the model is built",
}


def close_match(name: str, candidates, cutoff: float) -> str | None:
    """difflib's closest candidate, imported only where a hint or a fix needs it (a plain run does not)."""
    if not candidates:
        return None
    import difflib

    return next(iter(difflib.get_close_matches(name, candidates, 1, cutoff)), None)


# ---------------------------------------------------------------------------------------------- layers


def _value_rename(name: str, value, accepted) -> str:
    """The hint for a Keras 1 argument renamed with a change of values (no rename fix: the old value would stay)."""
    new, values = KERAS1_VALUE_RENAMES[name]
    said = value.const if value.kind == "const" else None
    if said in values:
        mapping = f"{name}={said!r} is {new}={values[said]!r}"
    else:
        mapping = ", ".join(f"{old!r} → {number!r}" for old, number in values.items())
    if new not in accepted:
        return f"Keras 1's name for `{new}` ({mapping}), which this layer no longer takes: remove it"
    if name == "consume_less":
        return f"Keras 1's name for `{new}`: {mapping}; the default, {new}=2, suits CPU and GPU alike, so remove it"
    if name == "forget_bias_init" and said is not None and said not in values:
        return f"Keras 1 ignored any value but 'one' (which is {new}=True): remove it"
    return f"Keras 1's name for `{new}`: {mapping}"


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
        if name in KERAS1_VALUE_RENAMES:
            hints.append(f"`{name}` ({_value_rename(name, layer.args[name].value, accepted)})")
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


def p_output_unpacked(spec: bool, subject: Subject) -> Tri:
    """Every consumer takes one element of the output (``out, h, c = ...`` or ``result[0]``)."""
    if not subject.in_graph():
        return False
    consumers = subject.consumers().get(subject.index, [])  # type: ignore[arg-type]
    whole = [i for i, index in consumers if index is None]
    if whole:
        subject.bindings.setdefault("next", label(subject.model.layers[whole[0]]))  # type: ignore[union-attr]
    return (not whole) == spec


def p_input_tag(spec: Any, subject: Subject) -> Tri:
    producer = input_layer(subject)
    if producer is None:
        return False
    declared = declaration(producer)
    if declared is None:
        return False
    subject.bindings.setdefault("input_text", declared.text)
    return declared.tag in names(spec)


def p_extra_axis(spec: bool, subject: Subject) -> Tri:
    """The input declared for the layer has one axis too many; binds ``extra``: which axis it most likely is and
    the fix for that case (a whole array's shape, a leading batch axis, a trailing channels axis of size 1)."""
    producer = input_layer(subject)
    declared = declaration(producer) if producer is not None else None
    if declared is None:
        return None
    subject.bindings.setdefault("input_text", declared.text)
    text = declared.text
    if declared.tag == "array-shape":
        extra = (f"`{text}` is the whole array's shape, whose first axis counts the samples. Pass "
                 f"`{text}[1:]`, (timesteps, features)")
    elif declared.kind == "tuple" and len(declared.items) == 3:
        first, second, last = declared.items
        names = [item.text or str(item.py()) for item in declared.items]
        if dim(last) == 1 and dim(first) is not None:
            extra = (f"the trailing axis of size 1 looks like an image's channels axis, which a recurrent layer "
                     f"does not have. Pass ({names[0]}, {names[1]}) and drop that axis from the data too "
                     f"(`X[..., 0]` or `X.reshape(len(X), {names[0]}, {names[1]})`)")
        else:
            extra = (f"the first entry, {names[0]}, looks like the batch size, which input shapes leave out. "
                     f"Pass ({names[1]}, {names[2]}), and `batch_size={names[0]}` only if the batch must be fixed"
                     if dim(first) is not None else
                     f"its first entry, None, stands for the batch, which input shapes leave out. Pass "
                     f"({names[1]}, {names[2]})")
    else:
        extra = "input shapes describe one sample. Pass (timesteps, features) only"
    subject.bindings["extra"] = extra
    return spec


def p_units_match_timesteps(spec: bool, subject: Subject) -> Tri:
    """units is the very name or expression the input's timesteps were declared with (``LSTM(look_back,
    input_shape=(look_back, 1))``, ``LSTM(X.shape[1])`` on ``X.shape[1:]``). Two values that merely are equal
    (``LSTM(50, input_shape=(50, 1))``, ``LSTM_DIM = 32`` beside ``MAX_LENGTH = 32``) are a coincidence, not a
    finding: the number says nothing of why it was chosen."""
    steps = timesteps_dim(subject)
    layer = subject.layer
    units = arg_value(layer, "units") if layer is not None else None
    if steps is None or units is None:
        return None
    same_name = units.name is not None and units.name == steps.name
    text = units.text.strip()
    same_expression = bool(text) and text == steps.text.strip() and not _is_literal(text)
    if not (same_name or same_expression):
        return not spec
    subject.bindings.setdefault("timesteps", steps.name or steps.text)
    derived_from_input(subject)
    return spec


def _is_literal(text: str) -> bool:
    """A plain number (``32``, ``1_000``): equal literals are a coincidence, not a shared origin."""
    return text.replace("_", "").isdigit()


def p_cudnn_blockers(spec: bool, subject: Subject) -> Tri:
    """The arguments of an LSTM or GRU that rule out the fused cuDNN kernel (Keras 3 backend/tensorflow/rnn.py
    and lstm.py/gru.py; the same conditions in tf.keras 2.15), bound as ``blockers`` so that the message names
    only those that fail. A value that is not known is not a blocker, but keeps the answer unknown."""
    layer = subject.layer
    if layer is None:
        return False
    unknown = False
    blockers: list[str] = []
    for name, test, needed in _CUDNN_CONDITIONS:
        if name == "reset_after" and layer.cls != "GRU":
            continue
        value = arg_value(layer, name)
        if value is None:
            continue
        if value.kind == "unknown":
            unknown = True
            continue
        ok = test(value)
        if ok is None:
            unknown = True
        elif not ok:
            blockers.append(f"{name}={value.text or repr(value.py())} (cuDNN needs {needed})")
    if blockers:
        subject.bindings["blockers"] = " and ".join([", ".join(blockers[:-1]), blockers[-1]] if len(
            blockers) > 1 else blockers)
        return spec
    return None if unknown else not spec


def _named(expected: str):
    def test(value) -> bool | None:
        if value.kind == "symbol":
            return value.const.rsplit(".", 1)[-1] == expected
        if value.kind == "const":
            return value.const == expected
        return None
    return test


def _flag(expected: bool):
    def test(value) -> bool | None:
        return bool(value.const) == expected if value.kind == "const" else None
    return test


def _zero(value) -> bool | None:
    if value.kind != "const" or isinstance(value.const, bool) or not isinstance(value.const, (int, float)):
        return None
    return not value.const > 0


_CUDNN_CONDITIONS = (
    ("activation", _named("tanh"), "'tanh'"),
    ("recurrent_activation", _named("sigmoid"), "'sigmoid'"),
    ("recurrent_dropout", _zero, "0"),
    ("unroll", _flag(False), "False"),
    ("use_bias", _flag(True), "True"),
    ("reset_after", _flag(True), "True"),
)


# ---------------------------------------------------------------------------------------------- calls


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
    derived_from_input(subject)
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
        derived_from_input(subject)
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
    subject.bindings["advice"] = _batch_advice(subject, size)
    return (used != size) == spec


def _batch_advice(subject: Subject, size: Any) -> str:
    """Pass the fixed batch size, unless that size is the data's number of timesteps: then the batch shape was
    written one axis off (``batch_input_shape=(timesteps, features, ?)``) and batch_size=timesteps is no fix."""
    data = data_array(subject)
    if data is not None and len(data) == 3:
        samples, steps, features = (dim(d) for d in data)
        if isinstance(steps, int) and steps == size and samples != size:
            shown = features if isinstance(features, int) else "features"
            return (f"Yet {size} is the data's number of timesteps (x has shape {format_shape(data)}), so the "
                    f"batch shape looks shifted by one axis: it reads (batch, timesteps, features), e.g. "
                    f"batch_shape=(batch, {steps}, {shown}); batch_size={size} would not fix it.")
    return f"Pass batch_size={size}."


# ---------------------------------------------------------------------------------------------- imports


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
    Keras 2; on TF <= 2.15 tf.keras is Keras 2 and a separately installed keras may be Keras 3. Mixing them is a
    problem only when layers or models are built from two of them, not when an import goes unused; the finding
    is on the first import of the second distribution the file builds from, once per file."""
    imp = subject.imp
    if imp is None or not brings_layers_or_models(imp):
        return False
    built = built_from(subject.module)
    if len(built) < 2:
        return not spec
    bringing = [i for i in subject.module.imports if brings_layers_or_models(i) and i.distribution in built]
    if not bringing:
        return not spec
    first = bringing[0]
    second = next((i for i in bringing if i.distribution != first.distribution), None)
    if second is not imp:
        return not spec
    subject.bindings.setdefault("first", first.distribution)
    subject.bindings.setdefault("first_line", LineRef(first.span.line))
    subject.bindings.setdefault("second", imp.distribution)
    subject.bindings.setdefault("built", f"`{built[imp.distribution]}` from {imp.distribution} and "
                                         f"`{built[first.distribution]}` from {first.distribution}")
    return spec


def keras_distribution(qualname: str) -> str | None:
    """The distribution of a resolved Keras path (the analyzer only builds layers from such paths; its own table,
    analyze.imports, is not imported here: the warm path never loads libcst)."""
    root = qualname.split(".", 1)[0]
    return {"tensorflow": "tf.keras", "tf_keras": "tf_keras", "keras": "keras"}.get(root)


def built_from(module: Module) -> dict[str, str]:
    """Each Keras distribution the file's layers and models are built from, with the first class built from it."""
    found: dict[str, str] = {}

    def note(qualname: str | None, cls: str) -> None:
        distribution = keras_distribution(qualname) if qualname else None
        if distribution is not None:
            found.setdefault(distribution, cls)

    def layers(layer: Layer) -> None:
        if not layer.implicit:
            note(layer.qualname, layer.cls)
        for inner in ([layer.wrapped] if layer.wrapped is not None else []) + layer.cells:
            layers(inner)

    for model in module.models:
        if model.qualname:
            note(model.qualname, model.qualname.rsplit(".", 1)[-1])
        for layer in model.layers:
            layers(layer)
    for layer in module.loose_layers:
        layers(layer)
    return found


RULE_CHECKS: dict[str, Callable[[Any, Subject], Tri]] = {
    "unknown-arg": p_unknown_arg,
    "output-unpacked": p_output_unpacked,
    "input-tag": p_input_tag,
    "units-match-timesteps": p_units_match_timesteps,
    "extra-axis": p_extra_axis,
    "data-rank-mismatch": p_data_rank_mismatch,
    "data-shape-mismatch": p_data_shape_mismatch,
    "samples-not-divisible": p_samples_not_divisible,
    "batch-size-mismatch": p_batch_size_mismatch,
    "mixed-distribution": p_mixed_distribution,
    "cudnn-blockers": p_cudnn_blockers,
}
