"""Rule checks on the data a model is given (fit, evaluate, train_on_batch…) against what the model declares:
the data's rank and shape, the batch size a stateful model fixes, the target's time axis.

Which predicate serves which rule: the registry, ``rule_checks.py``.
"""

from __future__ import annotations

import math
from typing import Any

from lstmlint.engine.first_build import Refusal, first_build_refusal, through_text
from lstmlint.engine.logic import Tri
from lstmlint.engine.subject import (Subject, data_array, derived_from_input, fit_targets, fixed_batch,
                                     format_shape, model_input, model_output, timesteps_dim)
from lstmlint.ir import Value, effective, label
from lstmlint.shape_args import dim
from lstmlint.unknown import UNKNOWN

_NEEDS = "a recurrent model needs (samples, timesteps, features)"
_RESHAPE = "`x.reshape((samples, timesteps, features))` or `x[..., np.newaxis]` for one feature per step"


def p_data_rank_mismatch(spec: bool, subject: Subject) -> Tri:
    """The data's rank differs from the declared input's (beyond the trailing axis of 1 Keras adds or drops), or,
    on the call a model declaring no input is built on, from the rank of the recurrent layer it reaches first."""
    data = data_array(subject)
    if data is not None and subject.call is not None and subject.call.builds and subject.model is not None \
            and subject.model.input_from is not None:
        return _first_build_refused(spec, subject, data)
    expected = model_input(subject)
    if data is None or expected is None:
        return None
    subject.bindings["data_shape"] = format_shape(data)
    subject.bindings["expected"] = format_shape(expected, batch=True)
    subject.bindings.update(reads=f"the model reads {subject.bindings['expected']}", needs=_NEEDS,
                            reshape=_RESHAPE)
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


def _first_build_refused(spec: bool, subject: Subject, data: list) -> Tri:
    """The model declares no input and Keras builds it on this call's data: its first recurrent layer checks
    that data's rank as it reaches it, with no trailing-axis-of-1 leniency (engine/first_build.py)."""
    refusal = first_build_refusal(subject.model, subject.shape_info(), subject.module.text)
    if not isinstance(refusal, Refusal):
        return None if refusal is None else not spec
    wanted = refusal.wanted
    fed = [Value.of(None), *refusal.fed[1:]]  # the batch of the first call: any size, as a model input reads it
    subject.bindings.update(data_shape=format_shape(data), expected=format_shape(fed, batch=True),
                            needs=_NEEDS, reshape=_RESHAPE)
    subject.bindings["reads"] = (
        f"the model declares no input, so Keras builds it on this data and {label(refusal.layer)} gets "
        f"{format_shape(fed, batch=True)}{through_text(refusal)} (expected ndim={wanted}, found ndim={len(fed)})")
    if wanted == 3:
        subject.bindings["needs"] = f"a recurrent layer needs {refusal.per_sample()}"
        if len(fed) > wanted:
            subject.bindings["reshape"] = "`x.reshape((samples, timesteps, features))`"
    else:
        subject.bindings["needs"] = f"{effective(refusal.layer).cls} needs {refusal.per_sample()}"
        subject.bindings["reshape"] = (f"`x.reshape({refusal.per_sample()})`" + (
            " or `x[..., np.newaxis]` for one channel" if len(data) == wanted - 1 else ""))
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
    fixed, size = fixed_batch(model)
    samples = dim(data[0])
    if not fixed or not isinstance(samples, int) or not isinstance(size, int) or size <= 0:
        return None if fixed is None or samples is UNKNOWN else not spec
    subject.bindings.update(samples=samples, batch=size, remainder=samples % size)
    return (samples % size != 0) == spec


def p_batch_size_mismatch(spec: bool, subject: Subject) -> Tri:
    call, model = subject.call, subject.model
    if call is None or model is None:
        return False
    fixed, size = fixed_batch(model)
    if not fixed:
        return None if fixed is None else not spec
    used = _batch_size_used(call)
    if used is UNKNOWN:
        return None
    subject.bindings["batch_size"] = (f"batch_size={used}" if "batch_size" in call.args else
                                      f"no batch_size (Keras uses {_KERAS_BATCH_SIZE})")
    subject.bindings["batch"] = size
    subject.bindings["advice"] = _batch_advice(subject, size)
    return (used != size) == spec


_KERAS_BATCH_SIZE = 32  # what fit / evaluate use when no batch_size is given


def _batch_size_used(call) -> Any:
    """The batch size a fit / evaluate call runs with: its batch_size, Keras's default when none is given, or
    UNKNOWN (not readable, or perhaps passed through ``**kwargs``)."""
    given = call.args.get("batch_size")
    if given is None:
        return UNKNOWN if call.has_star_args else _KERAS_BATCH_SIZE
    return dim(given.value)


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


def p_fit_target_without_time_axis(spec: bool, subject: Subject) -> Tri:
    """A fit target known to have no time axis: rank 1, or rank 2 whose second axis is not the model output's
    timesteps. A rank-2 target of (samples, timesteps) is a per-step target (sparse labels, or one value per
    step that Keras's loss expands to the output's trailing 1): it is not LSTM102's mistake."""
    output = model_output(subject)
    result: Tri = None
    for target in fit_targets(subject):
        if not target:
            continue  # a 0-d target has no axes to look at
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
    output = model_output(subject)
    if output is None or len(output) != 2:
        return None
    width = dim(output[1])
    subject.bindings["output_shape"] = format_shape(output, batch=True)
    steps = timesteps_dim(subject)
    timesteps = dim(steps) if steps is not None else UNKNOWN
    result: Tri = not spec
    for target in fit_targets(subject):
        if not target:
            continue
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
    fixed, size = fixed_batch(model)
    if data is None or not data or not fixed or not isinstance(size, int) or size <= 0:
        return None
    samples = dim(data[0])
    if not isinstance(samples, int):
        return None
    used = _batch_size_used(call)
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
