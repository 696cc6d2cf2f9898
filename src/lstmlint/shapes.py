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
(recurrent layers, Bidirectional, ConvLSTM) and, for everything around them, :mod:`lstmlint.shape_windows`
(convolution, pooling, padding, upsampling), :mod:`lstmlint.shape_dense` (the feature axis: Dense, Embedding,
normalization), :mod:`lstmlint.shape_reshape` and :mod:`lstmlint.shape_merge` (merges and attention).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from lstmlint.ir import Layer, Model, Value
from lstmlint.shape_args import (REFUSED, Output, Shape, _checked_output, _declared_shape, _missing_required,
                                 checked_shape, count, declared_input, is_multi, single)
from lstmlint.shape_dense import _dense, _embedding, _shape_keeping, _text_vectorization
from lstmlint.shape_merge import _attention, _merge, _multi_head_attention
from lstmlint.shape_partial import assumed_input, exact_rank, partial_output
from lstmlint.shape_reshape import _flatten, _permute, _repeat_vector, _reshape
from lstmlint.shape_windows import (_RANK, _conv1d, _conv_nd, _crop_or_pad, _global_pool, _global_pool_nd, _pool1d,
                                    _pool_nd, _upsampling, _upsampling_nd, _zero_padding)
from lstmlint.shape_recurrent import _bidirectional, _conv_lstm, _recurrent
from lstmlint.unknown import UNKNOWN
from lstmlint.shape_args import dim as _dim  # noqa: E402  isort: skip

# Read from lstmlint.shapes by the runtime worker and the tests: the dims of an output and the size bound.
from lstmlint.shape_args import MAX_SIZE, dim, dims  # noqa: E402,F401  isort: skip

# infer()'s backstop; the fuzz tests turn it off so that an exception it would hide fails them instead.
CONTAIN_ERRORS = True


@dataclass
class LayerShape:
    inputs: list[Output]  # the shapes flowing into the layer, one per input edge
    output: Output
    params: int | None
    # an output of unknown rank (None) whose last axis is known: ``(..., 64)`` after an Embedding whose input is
    # not known (lstmlint.shape_partial); never a shape, so no rule reads a rank from it
    trailing: Value | None = None
    input_trailing: Value | None = None  # the same, of the one input, when its rank is not known


# ------------------------------------------------------------------------------------------------- driver


# How deep models used as layers may nest (a guard against a model that contains itself).
_MAX_NESTING = 8


def embedding_declares_input(model: Model, target: int) -> bool:
    """Keras 2's Embedding given no input shape declares one itself: ``input_shape=(input_length,)``, or
    ``(None,)`` without an input_length (tf_keras 2.21 tf_keras/src/layers/core/embedding.py:132-136). A
    Sequential it starts is built when it is made, for (batch, None), never for the data of its first call or
    a later ``build()``. Keras 3 takes no such argument (the model is built on its first call)."""
    return target == 2 and model.kind == "sequential" and bool(model.layers) and \
        model.layers[0].family == "embedding" and model.layers[0].wrapped is None


def infer(model: Model, target: int = 3, given: Shape | None = None, depth: int = 0) -> list[LayerShape]:
    """Each layer's inputs, output and parameters. ``given``: the shape of the tensor a model used as a layer is
    called on, in place of its declared input (or as the input that builds a Sequential declaring none)."""
    results: list[LayerShape] = []
    build = _declared_shape(model.build_shape) if given is None else given
    built = model.build_shape is not None
    if given is None and embedding_declares_input(model, target):
        build, built = _declared_shape(Value("tuple", items=[Value.of(None), Value.of(None)])), True
    for index, layer in enumerate(model.layers):
        inputs = [_incoming(results, ref.layer, ref.index) for ref in layer.inputs]
        if layer.family == "input":
            # an Input added to a Sequential after other layers: Keras refuses a second input
            output = _input_output(layer, target) if not layer.inputs else REFUSED
            if given is not None and isinstance(output, list):
                output = given
            if output is UNKNOWN and index == 0 and layer.implicit and model.build_shape is not None:
                output = build  # a subclassed model's call() input, shaped by model.build()
            # an input whose declaration Keras refuses has no parameter count either
            results.append(LayerShape(inputs, output if isinstance(output, list) else None,
                                      None if output is REFUSED else 0))
            continue
        if not inputs and index == 0 and (built or given is not None):
            inputs = [build]
        keyword = {k: [_incoming(results, r.layer, r.index) for r in refs] for k, refs in layer.keyword_inputs.items()}
        output, params = _contained(layer, inputs, target, keyword, depth)
        results.append(LayerShape(inputs, output, params))
        if output is None and not keyword and (inputs == [None] or (not inputs and index == 0)):
            _of_unknown_rank(results, layer, target, depth)
    _shared_params(model, results)
    return results


def _of_unknown_rank(results: list[LayerShape], layer: Layer, target: int, depth: int) -> None:
    """A layer whose input's rank is not known (none declared, or after an unknown layer): its parameters and
    its output's last axis where they do not depend on that rank (see :mod:`lstmlint.shape_partial`). Its input
    stays unknown for the rules: a layer of one rank reads an assumed input only to compute its output."""
    shape = results[-1]
    ref = layer.inputs[0] if len(layer.inputs) == 1 else None
    if ref is not None and ref.index is None and 0 <= ref.layer < len(results) - 1:
        shape.input_trailing = results[ref.layer].trailing
    last = shape.input_trailing
    rank = exact_rank(layer)
    if last is not None and rank is not None:
        shape.output, shape.params = _contained(layer, [assumed_input(layer, last, rank)], target, None, depth)
        return
    got = partial_output(layer, last, target)
    if got is not None:
        shape.params, shape.trailing = got


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
    if layer.implicit and layer.declared_by == "embedding" and not given:
        shape = checked_shape(declared_input(layer, target))  # Embedding(input_length=): Keras 2 only
        return UNKNOWN if shape is None else shape
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


def _contained(layer: Layer, inputs: list[Output], target: int, keyword: dict[str, list[Output]] | None = None,
               depth: int = 0) -> tuple[Output, int | None]:
    try:
        output, params = layer_output(layer, inputs, target, keyword, depth)
    except Exception:
        if not CONTAIN_ERRORS:
            raise
        return None, None
    return _checked_output(output), count(params)


def layer_output(layer: Layer, inputs: list[Output], target: int, keyword: dict[str, list[Output]] | None = None,
                 depth: int = 0) -> tuple[Output, int | None]:
    """Output shape and parameter count of one layer application (``keyword``: the tensors it takes by
    keyword, e.g. MultiHeadAttention's value= and key=)."""
    keyword = keyword or {}
    if layer.family == "model" and len(inputs) == 1 and not keyword:
        return _submodel(layer, single(inputs[0]), target, depth)
    if layer.family in ("unknown", "other", "model", "input") or not inputs or layer.extra_positional:
        return None, None
    if _missing_required(layer, target):
        return None, None
    if layer.family == "merge":
        return _merge(layer, [single(i) for i in inputs])
    if layer.family == "attention" and "?" in keyword:
        return None, None  # a tensor or call option the analysis does not follow (return_attention_scores=)
    if layer.cls == "MultiHeadAttention":
        value, key = keyword.get("value"), keyword.get("key")
        if len(inputs) != 1 or value is None or len(value) != 1 or (key is not None and len(key) != 1):
            return None, None
        return _multi_head_attention(layer, single(inputs[0]), single(value[0]),
                                     None if key is None else single(key[0]))
    if layer.cls in ("Attention", "AdditiveAttention"):
        return _attention(layer, [single(i) for i in inputs], target)
    if len(inputs) != 1:
        return None, None  # a list of tensors: Keras maps some layers over it and refuses it for others
    handler = _BY_CLASS.get(layer.cls) or _BY_FAMILY.get(layer.family)
    if handler is None:
        return None, None
    if handler is _time_distributed:
        return _time_distributed(layer, single(inputs[0]), target, depth)
    return handler(layer, single(inputs[0]), target)


def _submodel(layer: Layer, shape: Shape | None, target: int, depth: int) -> tuple[Output, int | None]:
    """A Sequential or functional model called as a layer: its layers run on the tensor it is called on, which
    must fit its declared input (a dim it declares equals the tensor's); its weights are all its layers'."""
    inner = layer.submodel
    if inner is None or shape is None or depth >= _MAX_NESTING or not inner.complete or len(inner.outputs) != 1:
        return None, None
    inputs = [i for i, x in enumerate(inner.layers) if x.family == "input"]
    if len(inputs) > 1 or (not inputs and inner.kind != "sequential") or not inner.layers:
        return None, None
    if inputs:
        declared = infer(inner, target, depth=depth + 1)[inputs[0]].output
        declared = single(declared)
        if declared is None or len(declared) != len(shape):
            return None, None
        for theirs, mine in zip(declared[1:], shape[1:]):
            a, b = _dim(theirs), _dim(mine)
            if a is UNKNOWN or b is UNKNOWN or (a is not None and a != b):
                return None, None  # not known to fit, or a shape Keras would warn about and may refuse
    elif inner.build_shape is not None or inner.layers[0].family == "input":
        return None, None
    results = infer(inner, target, given=shape, depth=depth + 1)
    out = inner.outputs[0]
    produced = _incoming(results, out.layer, out.index)
    return produced, total_params(inner, results)


def _time_distributed(layer: Layer, shape: Shape | None, target: int, depth: int = 0) -> tuple[Output, int | None]:
    if layer.wrapped is None or shape is None or len(shape) < 3:
        return None, None
    inner_out, params = layer_output(layer.wrapped, [[shape[0], *shape[2:]]], target, depth=depth)
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
    "Convolution1D": _conv1d,
    "TextVectorization": _text_vectorization,
}
for _name, _rank in _RANK.items():
    if _name.startswith(("Conv", "Convolution")):
        _BY_CLASS[_name] = _conv_nd
    elif _name.startswith("Global"):
        _BY_CLASS[_name] = _global_pool_nd if _rank > 1 else _global_pool
    elif "Pool" in _name:
        _BY_CLASS[_name] = _pool_nd
    elif _name.startswith("UpSampling"):
        _BY_CLASS[_name] = _upsampling_nd
    else:
        _BY_CLASS[_name] = _crop_or_pad
_BY_FAMILY: dict[str, _Handler] = {
    "recurrent": _recurrent,
    "conv-recurrent": _conv_lstm,
    "shape-keeping": _shape_keeping,
    "time-reducing": _global_pool,
    "pooling": _pool1d,
}
