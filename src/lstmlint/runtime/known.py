"""Which models the runtime checker can rebuild: those whose every layer, argument and edge the IR knows."""

from __future__ import annotations

import dataclasses

from lstmlint.ir import Layer, Model, Ref, Value
from lstmlint.unknown import UNKNOWN
from lstmlint.runtime.values import UNRECORDED_FUNCTIONS, keras_name


def fully_known(model: Model, target: int) -> str | None:
    """None when the model can be rebuilt from the IR alone, else ``"model not fully known: <what>"``."""
    what = _unknown_part(model, target)
    return None if what is None else f"model not fully known: {what}"


def known_part(model: Model, target: int) -> tuple[Model, list[int]] | None:
    """The largest part of a model that is not fully known that the checker can still rebuild, and for each of
    its layers the index of the same layer in ``model``; None when no layer past the inputs can be rebuilt.

    A Sequential keeps its layers up to the first one not known (an unknown layer stands where the analysis
    lost the chain); a graph keeps the layers whose every input, transitively, is known. Each kept layer gets
    the same inputs as in the whole model, so its output shape and parameters are the ones it has there
    (bench/rebuild.py checks what explain states for them)."""
    if model.kind == "sequential":
        end = next((i for i, layer in enumerate(model.layers)
                    if layer.family == "unknown" or _layer_problem(layer, target) is not None), len(model.layers))
        kept = list(range(end))
    else:
        kept = []
        for index, layer in enumerate(model.layers):
            refs = [*layer.inputs, *(r for refs in layer.keyword_inputs.values() for r in refs)]
            if (layer.family == "unknown" or _layer_problem(layer, target) is not None or "?" in layer.keyword_inputs
                    or (layer.family != "input" and not layer.inputs) or any(r.layer not in kept for r in refs)
                    or (layer.same_as is not None and layer.same_as not in kept)):
                continue
            kept.append(index)
    if not any(model.layers[i].family != "input" for i in kept):
        return None
    new = {old: position for position, old in enumerate(kept)}

    def moved(refs: list[Ref]) -> list[Ref]:
        return [Ref(new[r.layer], r.index) for r in refs]

    layers = [dataclasses.replace(model.layers[i], inputs=moved(model.layers[i].inputs),
                                  keyword_inputs={k: moved(v) for k, v in model.layers[i].keyword_inputs.items()},
                                  same_as=None if model.layers[i].same_as is None else new[model.layers[i].same_as])
              for i in kept]
    part = dataclasses.replace(model, layers=layers, outputs=[Ref(len(layers) - 1)], calls=[], complete=True)
    return (part, kept) if fully_known(part, target) is None else None


def _unknown_part(model: Model, target: int) -> str | None:
    from lstmlint.shapes import declared_input, dim

    if not model.complete:
        return "some layers or edges are not known statically"
    if not model.layers:
        return "no layers"
    build = model.build_shape
    if build is not None and model.input_from is not None and build.kind == "tuple" and build.items:
        # built from the first call's data: the batch dim (that batch's size) changes no shape or count
        build = Value("tuple", items=build.items[1:])
    if build is not None and not _shape_known(build):
        return f"the shape given to build() is not known ({model.build_shape.text or 'not a constant'})"
    for index, layer in enumerate(model.layers):
        problem = _layer_problem(layer, target)
        if problem is not None:
            return problem
        for ref in [*layer.inputs, *(r for refs in layer.keyword_inputs.values() for r in refs)]:
            if not 0 <= ref.layer < index:
                return f"the input of {_label(layer)} is not known"
        if model.kind != "sequential" and layer.family != "input" and not layer.inputs:
            return f"the input of {_label(layer)} is not known"
    first = model.layers[0]
    if model.kind == "sequential":
        has_input = first.family == "input" and declared_input(first, target) is not None
        if not has_input and model.build_shape is None:
            return "no input shape (no Input, input_shape= or build())"
        if model.layers[0].implicit and len(model.layers) < 2:
            return "no layers"
    else:
        for index, layer in enumerate(model.layers):
            if layer.family != "input":
                continue
            if layer.implicit:
                dims = declared_input(layer, target)
                if dims is None and index == 0 and model.build_shape is not None:
                    continue
                if dims is None or any(dim(d) is UNKNOWN for d in dims):
                    what = "the subclassed model's input shape" if model.kind == "subclass" else "an input shape"
                    return f"{what} is not known"
    for ref in model.outputs:
        if not 0 <= ref.layer < len(model.layers):
            return "the model's outputs are not known"
    return None


def _shape_known(value) -> bool:
    if not value.known or value.kind != "tuple":
        return False
    return all(item.kind == "const" and (item.const is None or type(item.const) is int) for item in value.items)


def _label(layer: Layer) -> str:
    return f"{layer.cls} (line {layer.span.line})"


def _layer_problem(layer: Layer, target: int) -> str | None:
    from lstmlint import keras_api

    if layer.family == "model" and layer.submodel is not None:
        inner = _unknown_part(layer.submodel, target)
        # a Sequential declaring no input is built by the call, on the tensor it is called on
        if inner is None or (layer.submodel.kind == "sequential" and inner.startswith("no input shape")):
            return None
        return f"the model called at line {layer.span.line}: {inner}"
    if layer.family in ("unknown", "model", "other") or layer.cls == "?":
        return f"a layer at line {layer.span.line} is not a known Keras layer"
    spec = keras_api.spec(layer.cls)
    if spec is None:
        return f"{_label(layer)} is not a known Keras layer"
    if (spec.k3 if target == 3 else spec.k2) is None:
        return f"{layer.cls} does not exist in Keras {target}"
    if layer.qualname.rpartition(".")[2] in UNRECORDED_FUNCTIONS:
        return f"the arguments of {layer.qualname}() are not recorded"
    if layer.has_star_args:
        return f"{_label(layer)} gets *args or **kwargs"
    if layer.extra_positional:
        return f"{_label(layer)} gets more positional arguments than known"
    if layer.implicit:
        return None  # its args are the declaring layer's, checked there
    for name, arg in layer.args.items():
        if (name == "layer" and layer.wrapped is not None) or (name == "cell" and layer.cells):
            continue
        problem = _value_problem(arg.value)
        if problem is not None:
            return f"{name}= of {_label(layer)} is {problem}"
    if layer.family == "wrapper" and layer.wrapped is None and "layer" in layer.args:
        return f"the layer wrapped by {_label(layer)} is not known"
    for inner in ([layer.wrapped] if layer.wrapped is not None else []) + layer.cells:
        problem = _layer_problem(inner, target)
        if problem is not None:
            return problem
    return None


def _value_problem(value) -> str | None:
    if value.kind == "unknown":
        return f"not known ({value.reason or value.text or 'not a constant'})"
    if value.kind == "symbol" and keras_name(value.const) is None:
        return f"{value.const}, which has no Keras name"
    if value.kind == "tuple":
        for item in value.items:
            problem = _value_problem(item)
            if problem is not None:
                return problem
    return None

