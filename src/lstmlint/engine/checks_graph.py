"""Rule checks on a layer's place in its model: the input declared for it, the layer that feeds it, what takes
its output, the states it is given.

Which predicate serves which rule: the registry, ``rule_checks.py``.
"""

from __future__ import annotations

from typing import Any

from lstmlint.engine.first_build import Refusal, first_build_refusal
from lstmlint.engine.logic import Tri
from lstmlint.engine.subject import (Subject, declaration, derived_from_input, format_shape, input_layer,
                                     input_shape, names, output_of, timesteps_dim)
from lstmlint.ir import Value, arg_value, effective, label
from lstmlint.shape_args import dim

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
    if p_first_build_refused(True, subject):
        return not spec  # LSTM108: the data a model declaring no input is built on has the wrong rank
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


def p_first_build_refused(spec: bool, subject: Subject) -> Tri:
    """The subject is the recurrent layer that refuses the rank of the data its model (declaring no input) is
    built on: LSTM108 reports that on the call, so the rules that would blame the layer's input stay silent.
    False when that is not known: those rules then speak as before."""
    refusal = first_build_refusal(subject.model, subject.shape_info(), subject.module.text) if subject.in_graph() else False
    return (isinstance(refusal, Refusal) and refusal.index == subject.index) == spec


def _always_two_d(layer) -> bool:
    """Flatten, and global pooling without keepdims, give rank 2 whatever the size of their input."""
    if layer.cls == "Flatten":
        return not layer.has_star_args
    if layer.cls.startswith(("GlobalAveragePooling", "GlobalMaxPooling", "GlobalAvgPool", "GlobalMaxPool")):
        keepdims = layer.arg("keepdims")
        return not layer.has_star_args and (keepdims is None or (keepdims.kind == "const" and
                                                                  keepdims.const is False))
    return False


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
    shapes = [output_of(subject, ref.layer, ref.index) for ref in refs]
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
