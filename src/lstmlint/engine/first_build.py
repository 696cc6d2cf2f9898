"""The layer that refuses the data a model declaring no input is built on.

A Sequential that declares no input is built by Keras on its first fit / predict / evaluate / *_on_batch call, for
the shape of that call's data: Keras 3 puts ``InputLayer(batch_shape=<the data's shape>)`` in front of the layers
and calls them in turn (keras/src/models/sequential.py:184-193, ``build``); tf_keras does the same in ``call`` on
the first batch (tf_keras/src/engine/sequential.py:385-398 -> ``_build_graph_network_for_inferred_shape``,
:270). The first layer with a rank in its input spec then checks the data's rank as it is: there is no declared
input, so Keras 3's trailing-axis-of-1 adjustment (``Functional._adjust_input_rank``, which compares the data with
a declared input) has nothing to compare with, and ``LSTM`` fed ``(n, 20)`` raises "expected ndim=3, found ndim=2"
(keras/src/layers/input_spec.py:196-203; tf_keras/src/engine/input_spec.py:242-250).

The analyzer marks that call (``Call.builds``) and takes the model's input from its data (``Model.input_from``,
analyze/model_calls.py). This module finds the recurrent layer that data reaches first and whether its rank is
refused: LSTM108 reports it on the call; LSTM107 and LSTM111, which would blame the layer or the layer before
it for what is the data's rank, stay silent on that layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lstmlint.ir import Call, Layer, Model, Ref, Value, effective, label
from lstmlint.shape_args import is_multi, single
from lstmlint.shape_recurrent import INPUT_RANK

# One sample as each rank a recurrent layer requires reads it. The ranks are shape_recurrent.INPUT_RANK (with its
# sources; a Bidirectional takes its layer's spec, Keras 3 bidirectional.py:154): RNN(cell), not listed there, is
# never reported.
_PER_SAMPLE = {3: "(samples, timesteps, features)", 4: "(samples, time, steps, channels)",
               5: "(samples, time, rows, cols, channels)", 6: "(samples, time, depth, rows, cols, channels)"}

# Layers that give back the rank they are given, whatever it is: the elementwise ones, and Dense, which works on
# the last axis only (keras/src/layers/core/dense.py, ``ops.matmul``). SpatialDropout* check a rank of their own.
_RANK_KEEPING = ("shape-keeping", "dense")
_RANK_CHECKING = ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")


@dataclass
class Refusal:
    index: int  # the refusing layer, in model.layers
    layer: Layer
    fed: list[Value]  # the shape the data reaches it with, batch first
    wanted: int  # the rank its input spec requires
    through: list[Layer]  # the layers between the data and it, in order

    def per_sample(self) -> str:
        return _PER_SAMPLE[self.wanted]


def first_build_refusal(model: Model | None, shapes, text: str) -> Refusal | bool | None:
    """For a model built on its first call's data: the recurrent layer that data reaches first, when its rank
    is refused (a :class:`Refusal`); False when it is accepted or the model is not built on a call's data; None
    when it is not known (a layer on the way of unknown output, a recurrent layer of no listed rank, a use of the
    model before that call that may build it). ``text``: the module's code."""
    if model is None or shapes is None or model.input_from is None or model.kind != "sequential":
        return False
    building = next((call for call in model.calls if call.builds), None)
    if building is None:
        return False
    if not model.complete or len(shapes) != len(model.layers) or not _only_harmless_uses(model, building, text):
        return None
    build = model.build_shape
    if build is None or build.kind != "tuple":
        return None
    rank = len(build.items)
    through: list[Layer] = []
    for index, layer in enumerate(model.layers):
        inner = effective(layer)
        if inner.family in ("recurrent", "conv-recurrent"):
            wanted = INPUT_RANK.get(inner.cls)
            if wanted is None or inner.cells or (layer is not inner and layer.cls != "Bidirectional"):
                return None
            if layer is not inner and wanted != 3:
                return None  # Bidirectional(ConvLSTM…): not checked against Keras
            inputs = shapes[index].inputs
            fed = single(inputs[0]) if len(inputs) == 1 and inputs[0] is not None and not is_multi(inputs[0]) \
                else None
            if fed is None:
                return None
            if len(fed) == wanted:
                return False
            # refused; the data is to blame only if every layer before keeps the rank whatever it is given
            keeps = all(before.family in _RANK_KEEPING and before.cls not in _RANK_CHECKING for before in through)
            return Refusal(index, layer, fed, wanted, through) if keeps and len(fed) == rank else None
        chained = layer.inputs == ([] if index == 0 else [Ref(index - 1)]) and not layer.keyword_inputs
        if layer.family in ("input", "model", "unknown") or not chained:
            return None
        if single(shapes[index].output) is None:
            return None  # not modelled, or a rank Keras refuses here already: another layer fails first
        through.append(layer)
    return False


# What may be done with a model before its first call without building it. Anything else — ``model(x)``,
# ``model.predict_step(x)``, ``train(model, x)``… — may build it on other data first: the analyzer follows none of
# these, so the model's name must appear only so between its construction and the call.
_HARMLESS = re.compile(r"\s*\.\s*(compile|summary|add)\s*\(")


def _only_harmless_uses(model: Model, call: Call, text: str) -> bool:
    if not model.var or not text:
        return False
    lines = text.splitlines(keepends=True)
    start, end = _offset(lines, model.span.end_line, model.span.end_column), _offset(lines, call.span.line,
                                                                                       call.span.column)
    if start is None or end is None or start > end:
        return False
    between = text[start:end]
    for use in re.finditer(rf"(?<![\w.]){re.escape(model.var)}(?!\w)", between):
        if not _HARMLESS.match(between, use.end()):
            return False
    return True


def _offset(lines: list[str], line: int, column: int) -> int | None:
    if not 1 <= line <= len(lines):
        return None
    return sum(len(x) for x in lines[:line - 1]) + column - 1


def through_text(refusal: Refusal) -> str:
    """`` after Dropout(0.2), Dense(8)``: the layers the data passes before the refusing one, for messages."""
    return " after " + ", ".join(label(layer) for layer in refusal.through) if refusal.through else ""
