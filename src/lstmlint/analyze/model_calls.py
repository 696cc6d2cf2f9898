"""Calls made on a known model: ``fit`` / ``predict`` / ``evaluate`` … with the data they are given,
``build``, ``compile``, ``reset_states``. Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import libcst as cst

from lstmlint.analyze.arguments import named_args
from lstmlint.analyze.objects import Ctx, DataObj, LayerObj, ModelObj
from lstmlint.analyze.walk import walk
from lstmlint.ir import Call, Layer, Value
from lstmlint.shape_args import dim
from lstmlint.unknown import UNKNOWN

MODEL_METHODS = {"fit", "predict", "evaluate", "train_on_batch", "test_on_batch", "predict_on_batch",
                 "reset_states", "reset_state", "build", "fit_generator", "predict_generator", "evaluate_generator",
                 "compile"}
_CALL_POSITIONAL = {
    "fit": ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data",
            "shuffle"),
    "fit_generator": ("generator", "steps_per_epoch", "epochs"),
    "predict": ("x", "batch_size", "verbose", "steps"),
    "evaluate": ("x", "y", "batch_size", "verbose"),
    "train_on_batch": ("x", "y"),
    "test_on_batch": ("x", "y"),
    "predict_on_batch": ("x",),
    "build": ("input_shape",),
    "compile": ("optimizer", "loss"),  # the loss is the one the runtime checker trains with
}


# calls that build a model which declares no input (fit_generator and the like give data we do not follow)
_BUILDING_METHODS = {"fit", "predict", "evaluate", "train_on_batch", "test_on_batch", "predict_on_batch", "build",
                     "fit_generator", "predict_generator", "evaluate_generator"}


class ModelCalls:
    def scan_calls(self, node: cst.CSTNode | None, ctx: Ctx) -> None:
        """Record fit/predict/evaluate/reset_states... calls on known models anywhere inside ``node``."""
        if node is None or id(node) not in self.hot:
            return
        for call in walk(node, enter=lambda n: id(n) in self.hot):
            if type(call) is not cst.Call or type(call.func) is not cst.Attribute:
                continue
            method = call.func.attr.value
            if method in ("reset_states", "reset_state"):
                self.out.reset_calls += 1
            if method in MODEL_METHODS:
                self.model_call(call, method, ctx)

    def model_call(self, call: cst.Call, method: str, ctx: Ctx) -> None:
        receiver = call.func.value  # type: ignore[attr-defined]
        target = "model"
        # model.layers[0].reset_states(), model.get_layer("x").reset_states()
        if isinstance(receiver, cst.Subscript) and isinstance(receiver.value, cst.Attribute) and \
                receiver.value.attr.value == "layers":
            receiver, target = receiver.value.value, "layer"
        elif isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) and \
                receiver.func.attr.value == "get_layer":
            receiver, target = receiver.func.value, "layer"
        obj = self.expr(receiver, ctx) if not isinstance(receiver, cst.Call) else None
        if isinstance(obj, LayerObj):
            owner = self._model_of_layer(obj.layer)
            if owner is None:
                if method == "build" and target == "model":
                    args = dict(named_args(call, _CALL_POSITIONAL["build"]))
                    shape = args.get("input_shape")
                    if shape is not None and not shape.star and len(call.args) == 1:
                        self.built_by_shape(obj.layer, call, self.evaluator.evaluate(shape.value, ctx.scope), ctx)
                return
            obj, target = owner, "layer"
        if not isinstance(obj, ModelObj):
            return
        record = Call(method=method, span=self.span(call), target=target, statement=call is self.statement_call)
        for key, arg in named_args(call, _CALL_POSITIONAL.get(method, ())):
            if arg.star:
                record.has_star_args = True
                continue
            if key is None:
                continue
            record.args[key] = self.arg(arg, ctx.scope)
            data = self.expr(arg.value, ctx)
            if isinstance(data, DataObj):
                text = record.args[key].value.text
                record.args[key].value = Value.unknown(f"a {data.tag}", text, tag=data.tag)
        if method == "build" and target == "model" and "input_shape" in record.args:
            obj.model.build_shape = record.args["input_shape"].value
            obj.model.input_from = None
        if target == "model" and method in _BUILDING_METHODS:
            self._built_by_data(obj, record, ctx)
        obj.model.calls.append(record)

    def _built_by_data(self, obj: ModelObj, record: Call, ctx: Ctx) -> None:
        """Keras builds a model that declares no input on its first call, for the shape of the data it is given
        (keras/src/trainers/trainer.py ``_symbolic_build``; keras/src/models/sequential.py ``build`` makes an
        InputLayer of it). The batch dim is the first batch's size on some paths and None on others (fit and
        predict build for (batch_size, …), evaluate for (None, …)): it stays unknown. Only the first such call
        of a Sequential, in the block that built it (so on every path, before any other), with data whose
        non-batch dims are all known."""
        first, obj.data_seen = not obj.data_seen, True
        model = obj.model
        if not first or model.kind != "sequential" or ctx.block is not obj.block or model.build_shape is not None:
            return
        if not model.layers or model.layers[0].family == "input":
            return
        data = record.args.get("x")
        if data is None or record.has_star_args or data.value.kind != "array" or len(data.value.items) < 2:
            return
        rest = data.value.items[1:]
        if any(dim(d) is UNKNOWN or dim(d) is None for d in rest):
            return
        batch = Value.unknown(f"the size of the first batch of the data given to {record.method}")
        model.build_shape = Value("tuple", items=[batch, *rest], text=data.value.text)
        model.input_from = f"the data given to {record.method} at line {record.span.line}"
        record.builds = True

    def _model_of_layer(self, layer: Layer) -> ModelObj | None:
        for obj in self.models_by_id.values():
            if any(m is layer or (m.span == layer.span and m.cls == layer.cls) for m in obj.model.layers):
                return obj
        return None
