"""Static output shapes and parameter counts, from the IR alone.

A shape is a list of dims, batch first; a dim is a :class:`Value` (``const`` int, ``const`` None for a dynamic
dim, or ``unknown``). Dims that pass through a layer unchanged keep their Value, so the name a timestep count
was read through (``timesteps``) survives to the rules. An unknown layer or value makes what follows it unknown,
never wrong. Parameter formulas: ../shared/keras-facts.md §7.

Every function here is total: whatever values the analyzer hands over (0, negatives, None inside tuples, tuples
of the wrong length, strings, floats, bools, huge ints, rank-0 shapes, axes out of range), the answer is a shape,
a count, or unknown. Two entry points make that so:

- arguments are read only through the readers of :mod:`lstmlint.shape_args`, into a checked form: a value
  Keras accepts, :data:`UNKNOWN` (not known statically) or :data:`REFUSED` (a value Keras refuses: the layer's
  output and parameters are then unknown, never computed from a value Keras would not use);
- declared shapes go through :func:`checked_shape`, so the per-class functions only ever see dims that are ints
  in [0, MAX_SIZE], None (dynamic) or unknown.

A Keras shape rule (an input rank a layer refuses, a window longer than the sequence, mismatched merge inputs)
makes the layer's output unknown too. As a last resort :func:`infer` turns an unexpected exception in one layer
into an unknown output for that layer (and so for what follows it).

This module propagates shapes through a model; the per-layer rules are in :mod:`lstmlint.shape_recurrent`
(recurrent layers, Bidirectional, ConvLSTM) and :mod:`lstmlint.shape_layers` (everything around them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from lstmlint.ir import Layer, Model
from lstmlint.shape_args import (REFUSED, Output, Shape, _checked_output, _declared_shape, _missing_required,
                                 checked_shape, count, declared_input, is_multi, single)
from lstmlint.shape_layers import (_conv1d, _dense, _embedding, _flatten, _global_pool, _merge, _permute, _pool1d,
                                   _repeat_vector, _reshape, _shape_keeping, _upsampling, _zero_padding)
from lstmlint.shape_recurrent import _bidirectional, _conv_lstm, _recurrent
from lstmlint.unknown import UNKNOWN

# Read from lstmlint.shapes by the runtime worker and the tests: the dims of an output and the size bound.
from lstmlint.shape_args import MAX_SIZE, dim, dims  # noqa: E402,F401  isort: skip

# infer()'s backstop; the fuzz tests turn it off so that an exception it would hide fails them instead.
CONTAIN_ERRORS = True


@dataclass
class LayerShape:
    inputs: list[Output]  # the shapes flowing into the layer, one per input edge
    output: Output
    params: int | None


# ------------------------------------------------------------------------------------------------- driver


def infer(model: Model, target: int = 3) -> list[LayerShape]:
    results: list[LayerShape] = []
    build = _declared_shape(model.build_shape)
    for index, layer in enumerate(model.layers):
        inputs = [_incoming(results, ref.layer, ref.index) for ref in layer.inputs]
        if layer.family == "input":
            # an Input added to a Sequential after other layers: Keras refuses a second input
            output = _input_output(layer, target) if not layer.inputs else REFUSED
            if output is UNKNOWN and index == 0 and layer.implicit and model.build_shape is not None:
                output = build  # a subclassed model's call() input, shaped by model.build()
            # an input whose declaration Keras refuses has no parameter count either
            results.append(LayerShape(inputs, output if isinstance(output, list) else None,
                                      None if output is REFUSED else 0))
            continue
        if not inputs and index == 0 and model.build_shape is not None:
            inputs = [build]
        output, params = _contained(layer, inputs, target)
        results.append(LayerShape(inputs, output, params))
    _shared_params(model, results)
    return results


def _shared_params(model: Model, results: list[LayerShape]) -> None:
    """A layer object called twice has one set of weights, built for its first input: a later call whose
    input would need another count is a Keras error, so neither count is claimed."""
    for index, layer in enumerate(model.layers):
        first = layer.same_as
        if first is None or not 0 <= first < len(results) or first >= index:
            continue
        if results[index].params != results[first].params:
            results[index].params = results[first].params = None


def total_params(model: Model, results: list[LayerShape], indices: list[int] | None = None) -> int | None:
    """The model's parameter count as Keras gives it: a shared layer counted once; None when any count, or
    the model itself, is not fully known."""
    if not model.complete:
        return None
    total = 0
    for index in range(len(model.layers)) if indices is None else indices:
        if model.layers[index].same_as is not None:
            continue
        params = results[index].params
        if params is None:
            return None
        total += params
    return total


def _input_output(layer: Layer, target: int):
    """The checked shape an input layer declares; REFUSED when Keras refuses the declaration, :data:`UNKNOWN` when it
    is not known (an implicit input that declares nothing takes model.build's shape)."""
    if layer.extra_positional:
        return REFUSED
    if layer.has_star_args:
        return UNKNOWN
    args = layer.args
    given = [k for k in ("batch_shape", "batch_input_shape", "shape", "input_shape") if k in args]
    if not given and "input_dim" not in args:
        return UNKNOWN if layer.implicit else REFUSED  # Keras: Input() needs a shape
    if len(given) > 1 or (given and given[0].startswith("batch") and "batch_size" in args):
        return REFUSED  # Keras: not both shape and batch_shape, nor batch_size with batch_shape
    value = args[given[0]].value if given else None
    if value is not None and value.kind != "tuple":
        if value.kind != "const":
            return UNKNOWN
        # Keras 2's InputLayer reads an int as a one-entry shape; Keras 3 cannot convert it, and a layer's own
        # input_shape= goes through tuple() in Keras 2
        int_shape = type(value.const) is int and given[0] in ("shape", "input_shape") and not layer.implicit
        if not (int_shape and target == 2):
            return REFUSED
    shape = checked_shape(declared_input(layer, target))
    return REFUSED if shape is None else shape


def _incoming(results: list[LayerShape], producer: int, index: int | None) -> Output:
    if not 0 <= producer < len(results):
        return None
    produced = results[producer].output
    if index is not None:
        return produced[index] if is_multi(produced) and 0 <= index < len(produced) else None  # type: ignore[index]
    return produced


def _contained(layer: Layer, inputs: list[Output], target: int) -> tuple[Output, int | None]:
    try:
        output, params = layer_output(layer, inputs, target)
    except Exception:
        if not CONTAIN_ERRORS:
            raise
        return None, None
    return _checked_output(output), count(params)


def layer_output(layer: Layer, inputs: list[Output], target: int) -> tuple[Output, int | None]:
    """Output shape and parameter count of one layer application."""
    if layer.family in ("unknown", "other", "model", "input") or not inputs or layer.extra_positional:
        return None, None
    if _missing_required(layer, target):
        return None, None
    if layer.family == "merge":
        return _merge(layer, [single(i) for i in inputs])
    if len(inputs) != 1:
        return None, None  # a list of tensors: Keras maps some layers over it and refuses it for others
    handler = _BY_CLASS.get(layer.cls) or _BY_FAMILY.get(layer.family)
    if handler is None:
        return None, None
    return handler(layer, single(inputs[0]), target)


def _time_distributed(layer: Layer, shape: Shape | None, target: int) -> tuple[Output, int | None]:
    if layer.wrapped is None or shape is None or len(shape) < 3:
        return None, None
    inner_out, params = layer_output(layer.wrapped, [[shape[0], *shape[2:]]], target)
    inner = single(inner_out)
    if inner is None or not inner:
        return None, params
    return [shape[0], shape[1], *inner[1:]], params


_Handler = Callable[[Layer, Union[Shape, None], int], tuple[Output, Union[int, None]]]

_BY_CLASS: dict[str, _Handler] = {
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "Dense": _dense,
    "Embedding": _embedding,
    "Flatten": _flatten,
    "Conv1D": _conv1d,
    "RepeatVector": _repeat_vector,
    "Reshape": _reshape,
    "Permute": _permute,
    "ZeroPadding1D": _zero_padding,
    "UpSampling1D": _upsampling,
}
_BY_FAMILY: dict[str, _Handler] = {
    "recurrent": _recurrent,
    "conv-recurrent": _conv_lstm,
    "shape-keeping": _shape_keeping,
    "time-reducing": _global_pool,
    "pooling": _pool1d,
}
