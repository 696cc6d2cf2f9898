"""Rule checks on a layer's own arguments: keywords this Keras version does not take (with Keras 1 and Keras 2
names mapped to what replaced them), and the arguments that rule out the fused cuDNN kernel.

Which predicate serves which rule: the registry, ``rule_checks.py``.
"""

from __future__ import annotations

from lstmlint import keras_api
from lstmlint.engine.logic import Tri
from lstmlint.engine.subject import Subject
from lstmlint.ir import arg_value

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
