"""Rule-specific checks: predicates that each serve exactly one built-in rule, written in Python because the
question they answer (does this layer's units equal its timesteps, does the batch size given to fit differ from
the one the model fixes…) is not a composition of the generic predicates. Rule authors may use them too; each
still answers True, False or None (not known), and binds what its rule's message prints.

predicate                  rule
unknown-arg                LSTM502
output-unpacked            LSTM106
input-tag                  LSTM104
units-match-timesteps      LSTM301
data-rank-mismatch         LSTM108
data-shape-mismatch        LSTM109
samples-not-divisible      LSTM110
batch-size-mismatch        LSTM203
mixed-distribution         LSTM504
"""

from __future__ import annotations

from typing import Any, Callable

from lstmlint import keras_api
from lstmlint.engine.logic import Tri
from lstmlint.engine.subject import (Subject, data_array, declaration, fixed_batch, format_shape, input_layer,
                                     model_input, names, timesteps_dim)
from lstmlint.ir import Import, arg_value, label
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


def close_match(name: str, candidates, cutoff: float) -> str | None:
    """difflib's closest candidate, imported only where a hint or a fix needs it (a plain run does not)."""
    if not candidates:
        return None
    import difflib

    return next(iter(difflib.get_close_matches(name, candidates, 1, cutoff)), None)


# ---------------------------------------------------------------------------------------------- layers


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


RULE_CHECKS: dict[str, Callable[[Any, Subject], Tri]] = {
    "unknown-arg": p_unknown_arg,
    "output-unpacked": p_output_unpacked,
    "input-tag": p_input_tag,
    "units-match-timesteps": p_units_match_timesteps,
    "data-rank-mismatch": p_data_rank_mismatch,
    "data-shape-mismatch": p_data_shape_mismatch,
    "samples-not-divisible": p_samples_not_divisible,
    "batch-size-mismatch": p_batch_size_mismatch,
    "mixed-distribution": p_mixed_distribution,
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
