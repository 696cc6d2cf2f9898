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


# ---------------------------------------------------------------------------------------------- issue 12's rules
# predicate                        rule
# two-d-source                     LSTM111
# target-has-time-axis             LSTM112
# fit-target-without-time-axis     LSTM102
# validation-split-short-batch     LSTM206
# initial-state-mismatch           LSTM304
# time-distributed-rank-short      LSTM113
# return-state-ends-sequential     LSTM114

from lstmlint.engine.subject import input_shape  # noqa: E402
from lstmlint.ir import Value, effective  # noqa: E402
from lstmlint.shape_args import is_multi, single  # noqa: E402


def _output_of(subject: Subject, index: int, ref_index: int | None = None):
    """The known single output shape of a layer of the subject's model (one element of a multi-output), or None."""
    shapes = subject.shape_info()
    if shapes is None or not 0 <= index < len(shapes):
        return None
    output = shapes[index].output
    if ref_index is not None:
        output = output[ref_index] if is_multi(output) and ref_index < len(output) else None
    return single(output)


def _model_output(subject: Subject):
    """The shape of the model's only output, or None."""
    model = subject.model
    if model is None or len(model.outputs) != 1:
        return None
    ref = model.outputs[0]
    return _output_of(subject, ref.layer, ref.index)


def _fit_targets(subject: Subject):
    """The known target arrays given to fit / train_on_batch, as dim lists (batch first)."""
    model = subject.model
    for call in model.calls if model is not None else []:
        if call.method not in ("fit", "train_on_batch"):
            continue
        target = call.args.get("y")
        if target is not None and target.value.kind == "array" and target.value.items:
            yield target.value.items


def _is_sparse_crossentropy(subject: Subject) -> Tri:
    """The model is compiled with sparse categorical crossentropy (a string, a function or the class); None when
    no compile call with a readable loss is in the file."""
    model = subject.model
    compiles = [c for c in (model.calls if model is not None else []) if c.method == "compile"]
    losses = [c.args["loss"].value for c in compiles if "loss" in c.args]
    if not losses:
        return None
    readable = [v for v in losses if v.kind in ("const", "symbol") or v.text]
    if not readable:
        return None
    def sparse(v) -> bool:
        text = (v.const if v.kind in ("const", "symbol") and isinstance(v.const, str) else v.text) or ""
        return "sparse_categorical_crossentropy" in text or "SparseCategoricalCrossentropy" in text
    return all(sparse(v) for v in readable)


def p_two_d_source(spec: bool, subject: Subject) -> Tri:
    """The recurrent subject's input is known to be 2-D and comes from a layer that drops or never had a time
    axis (Dense on 2-D, Flatten, global pooling, a 1-D Input through other layers). A recurrent producer reached
    through shape-keeping layers only is LSTM101's finding, a direct 1-D Input LSTM105's: both answer False."""
    shape = input_shape(subject)
    if shape is not None and len(shape) != 2:
        return not spec
    model, index = subject.model, subject.index
    if model is None or index is None:
        return False
    current, passed = index, []
    while True:
        layer = model.layers[current]
        if len(layer.inputs) != 1:
            return None
        producer_index = layer.inputs[0].layer
        producer = model.layers[producer_index]
        if producer.family == "unknown":
            return None
        if producer.family == "shape-keeping":
            passed.append(producer)
            current = producer_index
            continue
        break
    if effective(producer).family in ("recurrent", "conv-recurrent"):
        return not spec  # LSTM101
    if producer.family == "input" and current == index:
        return not spec  # LSTM105: the declaration itself is one axis short
    if shape is None and not _always_two_d(producer):
        return None
    subject.bindings["previous"] = label(producer)
    subject.bindings["input_shape"] = format_shape(shape, batch=True) if shape else "(batch, features)"
    hint = ""
    if producer.family == "dense":
        # LSTM -> Dense -> LSTM: a Dense meant per timestep needs the sequences of the layer before it
        back = producer
        while len(back.inputs) == 1:
            back = model.layers[back.inputs[0].layer]
            if effective(back).family == "recurrent":
                hint = (f"; if the {label(producer)} was meant per timestep, set return_sequences=True on "
                        f"{label(back)} instead")
                break
            if back.family not in ("shape-keeping", "dense"):
                break
    subject.bindings["hint"] = hint
    return spec


def _always_two_d(layer) -> bool:
    """Flatten, and global pooling without keepdims, give rank 2 whatever the size of their input."""
    if layer.cls == "Flatten":
        return not layer.has_star_args
    if layer.cls.startswith(("GlobalAveragePooling", "GlobalMaxPooling", "GlobalAvgPool", "GlobalMaxPool")):
        keepdims = layer.arg("keepdims")
        return not layer.has_star_args and (keepdims is None or (keepdims.kind == "const" and
                                                                  keepdims.const is False))
    return False


def p_fit_target_without_time_axis(spec: bool, subject: Subject) -> Tri:
    """A fit target known to have no time axis: rank 1, or rank 2 whose second axis is not the model output's
    timesteps. A rank-2 target of (samples, timesteps) is a per-step target (sparse labels, or one value per
    step that Keras's loss expands to the output's trailing 1): it is not LSTM102's mistake."""
    output = _model_output(subject)
    result: Tri = None
    for target in _fit_targets(subject):
        subject.bindings.setdefault("target_shape", format_shape(target, batch=True))
        if len(target) == 1:
            return spec
        if len(target) != 2:
            continue
        steps = dim(output[1]) if output is not None and len(output) == 3 else UNKNOWN
        second = dim(target[1])
        if not isinstance(steps, int) or not isinstance(second, int):
            continue
        if second != steps:
            subject.bindings["target_shape"] = format_shape(target, batch=True)
            return spec
        result = not spec if result is None else result
    return result


def p_target_has_time_axis(spec: bool, subject: Subject) -> Tri:
    """The model (ending after this last recurrent layer, output (batch, W)) is fitted on a target with a time
    axis: (samples, H, k) with H > 1, except a forecast horizon (k == 1 and W == H); or, with sparse categorical
    crossentropy, (samples, T) per-step labels where T is the layer's timesteps."""
    output = _model_output(subject)
    if output is None or len(output) != 2:
        return None
    width = dim(output[1])
    subject.bindings["output_shape"] = format_shape(output, batch=True)
    steps = timesteps_dim(subject)
    timesteps = dim(steps) if steps is not None else UNKNOWN
    result: Tri = not spec
    for target in _fit_targets(subject):
        subject.bindings["target_shape"] = format_shape(target, batch=True)
        if len(target) == 3:
            horizon, k = dim(target[1]), dim(target[2])
            if not isinstance(horizon, int) or not isinstance(k, int):
                result = None
                continue
            if horizon <= 1:
                continue
            if k == 1 and not isinstance(width, int):
                result = None
                continue
            if k == 1 and width == horizon:
                continue  # a horizon of H values per sequence; Keras squeezes the target's trailing 1
            subject.bindings["horizon"] = horizon
            subject.bindings["features"] = k
            return spec
        if len(target) == 2:
            horizon = dim(target[1])
            if not isinstance(horizon, int) or horizon <= 1 or not isinstance(timesteps, int):
                continue
            if horizon != timesteps:
                continue
            sparse = _is_sparse_crossentropy(subject)
            if sparse is None:
                result = None
                continue
            if sparse:
                subject.bindings["horizon"] = horizon
                subject.bindings["features"] = "one label"
                return spec
    return result


def p_validation_split_short_batch(spec: bool, subject: Subject) -> Tri:
    """fit(validation_split=v) on a stateful model whose fixed batch B is the batch size used: Keras keeps the
    first floor(N * (1 - v)) samples for training and the rest for validation, and either part that B (or
    validation_batch_size) does not divide ends in a short batch the state cannot take."""
    import math

    call, model = subject.call, subject.model
    if call is None or model is None:
        return False
    given = call.args.get("validation_split")
    if given is None:
        return not spec
    if "validation_data" in call.args:
        return not spec  # Keras uses validation_data and ignores the split
    split = given.value.const if given.value.kind == "const" else UNKNOWN
    if isinstance(split, bool) or not isinstance(split, (int, float)):
        return None
    if not 0 < split < 1:
        return not spec
    data = data_array(subject)
    fixed, size = fixed_batch(model, subject.target)
    if data is None or not data or not fixed or not isinstance(size, int) or size <= 0:
        return None
    samples = dim(data[0])
    if not isinstance(samples, int):
        return None
    batch_arg = call.args.get("batch_size")
    if batch_arg is None:
        if call.has_star_args:
            return None
        used: Any = 32
    else:
        used = dim(batch_arg.value)
    if used != size:
        return None if used is UNKNOWN else not spec  # LSTM203: the batch size itself is wrong
    validation_arg = call.args.get("validation_batch_size")
    validation = size if validation_arg is None else dim(validation_arg.value)
    if not isinstance(validation, int) or validation <= 0:
        return None
    train = int(math.floor(samples * (1.0 - split)))  # Keras's own arithmetic, float for float
    if train in (0, samples):
        return None  # Keras refuses the split outright with its own message
    held = samples - train
    subject.bindings.update(samples=samples, split=given.value.text or split, train=train, held=held,
                            batch=size)
    short = []
    if train % size:
        short.append(f"the training part ends in a batch of {train % size}")
    if validation != size:
        short.append(f"validation runs in batches of validation_batch_size={validation}")
    elif held % size:
        short.append(f"the validation part ends in a batch of {held % size}")
    if not short:
        return not spec
    subject.bindings["short"] = " and ".join(short)
    subject.bindings["fit_train"] = train // size * size
    return spec


_STATE_COUNT = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def p_initial_state_mismatch(spec: bool, subject: Subject) -> Tri:
    """A recurrent layer called with initial_state= whose states' known widths differ from its known units, or
    whose number of states is not the number the layer keeps (LSTM: h and c; GRU, SimpleRNN: h)."""
    layer, model = subject.layer, subject.model
    if layer is None or model is None or not subject.in_graph() or layer.cls not in _STATE_COUNT:
        return False
    refs = layer.keyword_inputs.get("initial_state")
    if not refs:
        return False
    if "?" in layer.keyword_inputs:
        return None
    units = dim(arg_value(layer, "units"))
    shapes = [_output_of(subject, ref.layer, ref.index) for ref in refs]
    if not isinstance(units, int) or any(s is None or len(s) != 2 for s in shapes):
        return None
    widths = [dim(s[1]) for s in shapes]  # type: ignore[index]
    wanted = _STATE_COUNT[layer.cls]
    sources = {label(model.layers[ref.layer]) for ref in refs}
    subject.bindings["source"] = ", ".join(sorted(sources))
    subject.bindings["widths"] = ", ".join(str(w) for w in widths)
    subject.bindings["count"] = len(refs)
    subject.bindings["wanted"] = wanted
    if len(refs) != wanted:
        subject.bindings["problem"] = (f"{len(refs)} state tensor{'s' if len(refs) != 1 else ''} but "
                                       f"{layer.cls} keeps {wanted} ({'h and c' if wanted == 2 else 'h'})")
        return spec
    if any(not isinstance(w, int) for w in widths):
        return None
    wrong = [w for w in widths if w != units]
    if not wrong:
        return not spec
    subject.bindings["problem"] = (f"states of width {wrong[0]} but {label(layer)} keeps states of width "
                                   f"{units}")
    subject.bindings["width"] = wrong[0]
    return spec


# the input rank (batch included) each wrapped layer needs; rank-agnostic layers (Dense, Flatten…) are absent
_NEEDED_RANK = {
    **dict.fromkeys(("Conv1D", "SeparableConv1D", "DepthwiseConv1D", "Conv1DTranspose", "MaxPooling1D",
                     "AveragePooling1D", "MaxPool1D", "AvgPool1D"), 3),
    **dict.fromkeys(("Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose", "MaxPooling2D",
                     "AveragePooling2D", "MaxPool2D", "AvgPool2D", "Convolution2D"), 4),
    **dict.fromkeys(("Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "MaxPool3D",
                     "AvgPool3D", "Convolution3D"), 5),
}


def p_time_distributed_rank_short(spec: bool, subject: Subject) -> Tri:
    """TimeDistributed(W) gives W its input without axis 1; the input is known and at least 3-D (a 2-D one is
    LSTM103's) but one axis short of what W needs: the time axis is missing."""
    layer = subject.layer
    if layer is None or layer.cls != "TimeDistributed" or layer.wrapped is None:
        return False
    needed = _NEEDED_RANK.get(layer.wrapped.cls)
    if needed is None:
        return False
    shape = input_shape(subject)
    if shape is None:
        return None
    if len(shape) < 3:
        return not spec
    subject.bindings["input_shape"] = format_shape(shape)
    subject.bindings["inner_shape"] = format_shape([shape[0], *shape[2:]])
    subject.bindings["inner"] = layer.wrapped.cls
    subject.bindings["needed"] = needed
    # Input(shape=...) with a time axis of any length in front of the declared one
    subject.bindings["wanted_shape"] = "shape=" + format_shape([Value.of(None), *shape[1:]])
    return (len(shape) - 1 < needed) == spec


def p_return_state_ends_sequential(spec: bool, subject: Subject) -> Tri:
    """The subject (return_state=True) is the last layer of a Sequential. Keras 2 refuses the model; Keras 3
    builds it with three outputs, and fit / evaluate with one target then fails: under Keras 3 a fit, evaluate
    or train_on_batch with a known single target array is required."""
    model, index = subject.model, subject.index
    if model is None or index is None or not subject.in_graph() or model.kind != "sequential":
        return False
    if [ref.layer for ref in model.outputs] != [index] or index != len(model.layers) - 1:
        return not spec
    for call in model.calls:
        if call.method not in ("fit", "evaluate", "train_on_batch", "test_on_batch"):
            continue
        target = call.args.get("y")
        if target is not None and target.value.kind == "array":
            subject.bindings["method"] = call.method
            return spec
    subject.bindings["method"] = "fit"  # (what the message names; Keras 2 refuses the model itself)
    return spec if subject.target == 2 else None


RULE_CHECKS.update({
    "two-d-source": p_two_d_source,
    "fit-target-without-time-axis": p_fit_target_without_time_axis,
    "target-has-time-axis": p_target_has_time_axis,
    "validation-split-short-batch": p_validation_split_short_batch,
    "initial-state-mismatch": p_initial_state_mismatch,
    "time-distributed-rank-short": p_time_distributed_rank_short,
    "return-state-ends-sequential": p_return_state_ends_sequential,
})
