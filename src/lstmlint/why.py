"""Why a shape or a parameter count is unknown: one short reason per unknown thing of a layer, naming a line.

Reads the IR and the static shapes only. Reasons come from where a value became unknown: the analyzer's
``Value.reason`` (a parameter, a loop variable, data loaded from a file…: see :func:`lstmlint.analyze.values.
unknown_at`), or the first layer whose output lstmlint could not compute ("unknown after Lambda at line 30
(lstmlint does not model a Lambda)"). An unknown inherited from an earlier layer is told by its origin, not by
every layer in between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lstmlint.ir import Layer, Model, Value, effective, label
from lstmlint.shape_args import MAX_SIZE, dim, is_multi, single
from lstmlint.shapes import LayerShape
from lstmlint.unknown import UNKNOWN

# Arguments a layer's output shape or parameter count is computed from: an unknown one is a reason.
SHAPE_ARGS = (
    "units", "filters", "kernel_size", "strides", "padding", "dilation_rate", "pool_size", "groups", "input_dim",
    "output_dim", "input_length", "target_shape", "dims", "n", "size", "cropping", "axis", "return_sequences",
    "return_state", "merge_mode", "use_bias", "reset_after", "data_format", "keepdims", "num_heads", "key_dim",
    "value_dim", "output_sequence_length", "shape", "input_shape", "batch_shape", "batch_input_shape", "batch_size",
)
_LINE = re.compile(r"\bline \d+")


@dataclass
class Unknown:
    """One unknown thing of a layer: ``what`` (an argument name, ``timesteps``, ``features``, ``input dim 2``,
    ``input``, ``output``) and why, in a short sentence that names a line."""

    what: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"what": self.what, "reason": self.reason}


def names_line(reason: str) -> bool:
    return bool(_LINE.search(reason))


def _unknown_value(value: Value | None) -> bool:
    if value is None:
        return False
    if value.kind == "tuple":
        return any(_unknown_value(item) for item in value.items)
    return value.kind == "unknown"


def _first_unknown(value: Value) -> Value:
    if value.kind == "tuple":
        for item in value.items:
            if _unknown_value(item):
                return _first_unknown(item)
    return value


def value_reason(value: Value, line: int) -> str:
    """The analyzer's reason for an unknown value, with the line of the argument when the reason names none."""
    inner = _first_unknown(value)
    reason = inner.reason or "not known statically"
    if names_line(reason):
        return reason
    text = inner.text or value.text
    return f"{reason} (`{text}` at line {line})" if text else f"{reason} (line {line})"


def _dim_name(layer: Layer, rank: int, position: int) -> str:
    inner = effective(layer)
    if position == 0:
        return "batch"
    if inner.family == "recurrent" and rank == 3:
        return "timesteps" if position == 1 else "features"
    return f"input dim {position}"


def _arguments(layer: Layer) -> list[tuple[str, Value, int]]:
    """The shape arguments of a layer, its wrapped layer and its cells: (name, value, line)."""
    found = []
    for owner in (layer, *([layer.wrapped] if layer.wrapped is not None else []), *layer.cells):
        for name in SHAPE_ARGS:
            arg = owner.args.get(name)
            if arg is not None:
                found.append((name, arg.value, arg.span.line))
    return found


def _own_cause(layer: Layer, inputs: list | None = None) -> str:
    """Why a layer whose input and arguments are known gives no output: a layer lstmlint does not model, or one
    it computes nothing for here (Keras refuses this input or these arguments, or a case it does not model)."""
    from lstmlint.shapes import _BY_CLASS, _BY_FAMILY

    where = f"{label(layer)} at line {layer.span.line}"
    if layer.family == "unknown":
        name = layer.qualname if layer.qualname not in ("", "?") else "this expression"
        return f"unknown after {where} (`{name}` is not a layer lstmlint can follow)"
    if layer.family != "merge" and layer.cls not in _BY_CLASS and layer.family not in _BY_FAMILY:
        return f"unknown after {where} (lstmlint does not model a {layer.cls})"
    inputs = inputs or []
    if any(is_multi(i) for i in inputs):
        return f"unknown after {where} (it is called on several tensors at once)"
    one = single(inputs[0]) if len(inputs) == 1 else None
    inner = effective(layer)
    wanted = 3 if inner.family == "recurrent" else int(inner.cls[-2]) + 3 if inner.family == "conv-recurrent" \
        else None
    if one is not None and wanted is not None and len(one) != wanted and layer.cls != "TimeDistributed":
        return f"unknown after {where} (Keras refuses a {len(one)}-D input to {inner.cls}, which reads " \
               f"{wanted}-D input)"
    return f"unknown after {where} (Keras refuses it with this input or these arguments, or lstmlint does not " \
           f"model this case)"


def unknowns(model: Model, shapes: list[LayerShape]) -> list[list[Unknown]]:
    """For each layer of ``model``: what is unknown in its input, arguments, output and parameters, and why."""
    reasons: list[list[Unknown]] = []
    causes: list[str | None] = []  # why each layer's output is not fully known, as later layers quote it
    for index, layer in enumerate(model.layers):
        shape = shapes[index]
        found: list[Unknown] = []
        cause: str | None = None
        if layer.family == "input":
            found, cause = _input_reasons(layer, shape)
        else:
            inherited = _input_unknowns(model, layer, shape, causes, found)
            own = []
            for name, value, line in _arguments(layer):
                if _unknown_value(value):
                    own.append(Unknown(name, value_reason(value, line)))
                elif value.kind == "const" and type(value.const) is int and value.const > MAX_SIZE:
                    own.append(Unknown(name, f"too large for Keras to build (more than 2**63 - 1) at line {line}"))
            found.extend(own)
            output_known = shape.output is not None and not _has_unknown_dim(shape.output)
            if shape.output is None and not inherited and not own:
                cause = _own_cause(layer, shape.inputs)
                found.append(Unknown("output", cause))
            elif not output_known or (shape.params is None and found):
                if inherited is not None and (shape.output is None or not own):
                    cause = inherited
                elif own:
                    cause = f"unknown after {label(layer)} at line {layer.span.line} ({own[0].what}: " \
                            f"{own[0].reason})"
                elif inherited is not None:
                    cause = inherited
        again = next((other for other in model.layers if other.same_as == index), None)
        if shape.params is None and again is not None and shape.output is not None:
            found.append(Unknown("params", f"{label(layer)} at line {layer.span.line} is called on inputs that "
                                           f"need different weights, which Keras refuses"))
        elif shape.params is None and not found and layer.family != "input" and layer.same_as is None:
            found.append(Unknown("params", f"lstmlint does not count the parameters of {label(layer)} at line "
                                           f"{layer.span.line} with these arguments"))
        reasons.append(found)
        causes.append(cause)
    return reasons


def _has_unknown_dim(output) -> bool:
    if is_multi(output):
        return any(_has_unknown_dim(part) for part in output)
    return any(dim(d) is UNKNOWN for d in output)


def _input_reasons(layer: Layer, shape: LayerShape) -> tuple[list[Unknown], str | None]:
    for key in ("batch_shape", "batch_input_shape", "shape", "input_shape", "input_dim"):
        arg = layer.args.get(key)
        if arg is None:
            continue
        if shape.output is None:
            reason = value_reason(arg.value, arg.span.line) if _unknown_value(arg.value) or \
                arg.value.kind == "unknown" else f"`{key}={arg.value.text}` at line {arg.span.line} is not a " \
                                                  f"shape Keras accepts"
            return [Unknown("input", reason)], f"the input shape: {reason}"
        found = [Unknown(f"input dim {p}", value_reason(d, arg.span.line))
                 for p, d in enumerate(single(shape.output) or []) if dim(d) is UNKNOWN]
        return found, found[0].reason if found else None
    if shape.output is None and layer.implicit:
        reason = (f"the model at line {layer.span.line} declares no input shape (no Input, input_shape= or "
                  f"build()), and no call with data of a known shape is followed")
        return [Unknown("input", reason)], reason
    if shape.output is None:
        reason = f"{label(layer)} at line {layer.span.line} declares no shape"
        return [Unknown("input", reason)], reason
    return [], None


def _input_unknowns(model: Model, layer: Layer, shape: LayerShape, causes: list[str | None],
                    found: list[Unknown]) -> str | None:
    """Appends the reasons for unknowns in the layer's input; returns the inherited cause, if any."""
    if not shape.inputs:
        reason = (f"the model at line {model.span.line} declares no input shape (no Input, input_shape= "
                  f"or build()), and no call with data of a known shape is followed")
        found.append(Unknown("input", reason))
        return reason
    inherited = None
    for k, incoming in enumerate(shape.inputs):
        producer = layer.inputs[k].layer if k < len(layer.inputs) else None
        earlier = causes[producer] if producer is not None and 0 <= producer < len(causes) else None
        if incoming is None:
            reason = earlier or (f"the input is not known after {label(model.layers[producer])} at line "
                                 f"{model.layers[producer].span.line}" if producer is not None and
                                 0 <= producer < len(model.layers) else "the input is not known")
            found.append(Unknown("input", reason))
            inherited = inherited or reason
            continue
        one = single(incoming)
        if one is None:
            continue
        for p, d in enumerate(one):
            if dim(d) is not UNKNOWN:
                continue
            reason = d.reason if names_line(d.reason) else earlier or (
                f"{d.reason or 'not known statically'} (after {label(model.layers[producer])} at line "
                f"{model.layers[producer].span.line})" if producer is not None and 0 <= producer < len(
                    model.layers) else d.reason or "not known statically")
            found.append(Unknown(_dim_name(layer, len(one), p), reason))
            inherited = inherited or reason
    return inherited
