"""What a rule is evaluated on (a layer in a model or on its own, a model call, an import) and what can be read
from it: the shapes flowing into a layer, its model's fixed batch, a call's training data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lstmlint.engine.logic import Tri
from lstmlint.ir import Call, Import, Layer, Model, Module, Value, effective
from lstmlint.shape_args import dim, dims, is_multi, single
from lstmlint.shape_text import shape_text
from lstmlint.shapes import LayerShape, infer
from lstmlint.unknown import UNKNOWN


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
    # input nodes (indices into model.layers) whose declared shape a predicate that held was derived from: the
    # finding depends on those declarations (engine/cascade.py)
    depends: set[int] = field(default_factory=set)
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


def names(spec: Any) -> list[str]:
    return [spec] if isinstance(spec, str) else list(spec)


def format_shape(shape: list[Value], batch: bool = False) -> str:
    """``(None, 10, 3)``; with ``batch``, a dynamic first dim reads ``batch``."""
    return shape_text(dims(shape), batch=batch)


# ---------------------------------------------------------------------------------------------- inputs


def input_layer(subject: Subject) -> Layer | None:
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


def upstream_inputs(subject: Subject) -> set[int]:
    """The input nodes (indices into model.layers) whose declared shapes reach the subject: every input of the
    model for a call, the inputs a layer's data comes from for a layer."""
    model = subject.model
    if model is None:
        return set()
    if subject.call is not None:
        return {i for i, layer in enumerate(model.layers) if layer.family == "input"}
    if not subject.in_graph():
        return set()
    found: set[int] = set()
    seen: set[int] = set()
    todo = [subject.index]
    while todo:
        current = todo.pop()
        for ref in model.layers[current].inputs:  # type: ignore[index]
            if ref.layer in seen:
                continue
            seen.add(ref.layer)
            if model.layers[ref.layer].family == "input":
                found.add(ref.layer)
            else:
                todo.append(ref.layer)
    return found


def derived_from_input(subject: Subject) -> None:
    """Record that a predicate holds because of the shapes declared upstream (see ``Subject.depends``)."""
    subject.depends.update(upstream_inputs(subject))


_DECLARING_ARGS = ("input_shape", "shape", "batch_input_shape", "batch_shape", "input_dim")


def declaration(producer: Layer) -> Value | None:
    return next((producer.args[k].value for k in _DECLARING_ARGS if k in producer.args), None)


def timesteps_dim(subject: Subject) -> Value | None:
    shape = input_shape(subject)
    if shape is None or len(shape) < 3:
        return None
    return shape[1]


# ---------------------------------------------------------------------------------------------- models and data


def fixed_batch(model: Model) -> tuple[Tri, Any]:
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


def output_of(subject: Subject, index: int, ref_index: int | None = None) -> list[Value] | None:
    """The known single output shape of a layer of the subject's model (one element of a multi-output), or None."""
    shapes = subject.shape_info()
    if shapes is None or not 0 <= index < len(shapes):
        return None
    output = shapes[index].output
    if ref_index is not None:
        output = output[ref_index] if is_multi(output) and ref_index < len(output) else None
    return single(output)


def model_output(subject: Subject) -> list[Value] | None:
    """The shape of the model's only output, or None."""
    model = subject.model
    if model is None or len(model.outputs) != 1:
        return None
    ref = model.outputs[0]
    return output_of(subject, ref.layer, ref.index)


def fit_targets(subject: Subject):
    """The known target arrays given to fit / train_on_batch, as dim lists (batch first; a 0-d one is empty)."""
    model = subject.model
    for call in model.calls if model is not None else []:
        if call.method not in ("fit", "train_on_batch"):
            continue
        target = call.args.get("y")
        if target is not None and target.value.kind == "array":
            yield target.value.items
