"""Expressions: the object an expression gives — a layer constructed, a tensor, a model, data, a class or
function of the file — and the Keras calls that make them. Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import libcst as cst

from lstmlint import keras_api
from lstmlint.analyze.arguments import named_args
from lstmlint.analyze.imports import dotted, keras_distribution, split_keras
from lstmlint.analyze.objects import ClassObj, Ctx, DataObj, FuncObj, LayerObj, ModelObj, Obj, TensorObj, TensorsObj
from lstmlint.ir import Layer, Span

_DATASET_METHODS = {"batch", "shuffle", "prefetch", "map", "repeat", "cache", "take", "skip", "padded_batch",
                    "unbatch", "filter", "window", "flat_map", "interleave", "rebatch", "with_options"}


class Expressions:
    def expr(self, node: cst.BaseExpression | None, ctx: Ctx) -> Obj | None:
        if node is None:
            return None
        if isinstance(node, (cst.Name, cst.Attribute)):
            key = dotted(node)
            if key in ctx.env:
                return ctx.env[key]
            return None
        if isinstance(node, cst.Subscript):
            base = self.expr(node.value, ctx)
            if isinstance(base, (TensorObj, TensorsObj)) and len(node.slice) == 1 and isinstance(
                    node.slice[0].slice, cst.Index):
                position = self.evaluator.evaluate(node.slice[0].slice.value, ctx.scope)
                if position.kind == "const" and isinstance(position.const, int):
                    if isinstance(base, TensorObj) and base.index is None:
                        return TensorObj(base.graph, base.node, position.const)
                    if isinstance(base, TensorsObj) and -len(base.tensors) <= position.const < len(base.tensors):
                        return base.tensors[position.const]
            return None
        if isinstance(node, (cst.List, cst.Tuple)):
            parts = [self.expr(e.value, ctx) for e in node.elements if not isinstance(e, cst.StarredElement)]
            if parts and all(isinstance(p, TensorObj) for p in parts):
                return TensorsObj(parts)  # type: ignore[arg-type]
            return None
        if isinstance(node, cst.Dict):
            # Model(inputs={...}, outputs={"y": ...}): the tensors of a dict literal, in its order
            values = [self.expr(e.value, ctx) for e in node.elements if isinstance(e, cst.DictElement)]
            if values and len(values) == len(node.elements) and all(isinstance(v, TensorObj) for v in values):
                return TensorsObj(values)  # type: ignore[arg-type]
            return None
        if isinstance(node, cst.Call):
            return self.call(node, ctx)
        if isinstance(node, cst.NamedExpr):
            # `(x := …)` may sit in a condition or a comprehension: x holds nothing known afterwards
            obj = self.expr(node.value, ctx)
            self.assign(node.target, None, ctx)
            return obj
        return None

    def call(self, node: cst.Call, ctx: Ctx) -> Obj | None:
        func = node.func
        # `LSTM(8)(x)`, `layer(x)`, `self.lstm(x)`, `model(x)`, `make_model()`, `ds.batch(32)`
        key = dotted(func)
        receiver: Obj | None = None
        if key is not None:
            callee = ctx.env.get(key)
        elif isinstance(func, cst.Attribute):
            # a method of a call's result (`Sequential([...]).summary()`, `ds.batch(8).prefetch(1)`): the
            # receiver is evaluated exactly once, so the models and layers it builds are not lost
            callee = None
            receiver = self.expr(func.value, ctx)
        else:
            callee = self.expr(func, ctx)
        if isinstance(callee, LayerObj):
            return self.apply(callee.layer, node, ctx)
        if isinstance(callee, ModelObj):
            return self.apply(Layer("Model", "keras.Model", "model", self.span(node), submodel=callee.model), node,
                              ctx, origin=callee.model if callee.instance is None else callee.instance)
        if isinstance(callee, FuncObj):
            return self.call_function(callee, node, ctx)
        if isinstance(callee, ClassObj):
            if not callee.is_model and not callee.is_sequence and self.is_layer_class(callee, ctx):
                # a custom layer: placed in models with an unknown output, never hiding them
                return LayerObj(self.construct(node, callee.node.name.value, callee.node.name.value, ctx,
                                               known=False))
            return self.construct_class(callee, node, ctx)
        if isinstance(func, cst.Attribute) and func.attr.value in _DATASET_METHODS:
            if key is not None:
                receiver = self.expr(func.value, ctx)
            if isinstance(receiver, DataObj):
                return DataObj("dataset") if receiver.tag == "dataset" else receiver
        resolved = self.resolve(func, ctx)
        if resolved is None:
            for arg in node.args:  # keep nested layer applications visible, e.g. print(LSTM(4)(x))
                self.expr(arg.value, ctx)
            return None
        last = resolved.rsplit(".", 1)[-1]
        if resolved.startswith("tensorflow.data.") or last in ("timeseries_dataset_from_array",
                                                                "text_dataset_from_directory"):
            return DataObj("dataset")
        # keras.preprocessing.sequence.TimeseriesGenerator is outside the roots that split_keras accepts
        if last == "TimeseriesGenerator" and keras_distribution(resolved):
            return DataObj("sequence")
        keras = split_keras(resolved)
        if keras is None:
            return None
        _, name = keras
        if name in ("Sequential", "Model", "Functional"):
            made = self.sequential(node, ctx) if name == "Sequential" else self.functional(node, ctx)
            if made is not None:
                made.model.qualname = resolved  # which Keras built it (LSTM504)
            return made
        if name == "Input":
            layer = self.construct(node, "Input", resolved, ctx)
            return TensorObj(ctx.graph, ctx.graph.add(layer))
        if name in ("concatenate", "add", "multiply", "average", "subtract", "maximum", "minimum", "dot"):
            layer = Layer(name.capitalize() if name != "dot" else "Dot", resolved, "merge", self.span(node))
            return self.apply(layer, node, ctx)
        if name == "merge":  # Keras 1's function form of every merge (functional.py)
            return self.keras1_merge(node, resolved, ctx)
        if keras_api.spec(name) is not None:
            layer = self.construct(node, name, resolved, ctx)
            return LayerObj(layer)
        if _layer_path(resolved, name):
            # a Keras layer class without shape rules here: its output is unknown, and the model stays whole
            return LayerObj(self.construct(node, name, resolved, ctx, known=False))
        return None

    def is_layer_class(self, callee: ClassObj, ctx: Ctx, depth: int = 0) -> bool:
        """A class of the file that subclasses a Keras layer (``keras.layers.Layer``, ``layers.LSTM``…), directly
        or through another such class of the file."""
        for base in callee.node.bases:
            resolved = self.resolve(base.value, ctx)
            keras = split_keras(resolved) if resolved else None
            if keras is not None and (keras[1] == "Layer" or keras_api.spec(keras[1]) is not None
                                      or _layer_path(resolved, keras[1])):
                return True
            parent = ctx.env.get(dotted(base.value) or "")
            if isinstance(parent, ClassObj) and depth < 8 and not parent.is_model and self.is_layer_class(
                    parent, ctx, depth + 1):
                return True
        return False

    def resolve(self, node: cst.BaseExpression, ctx: Ctx) -> str | None:
        """The dotted path a callee names, through the imports and the names bound to Keras classes (see
        Evaluator.resolve); a name bound inside an enclosing function to something else hides an import."""
        return self.evaluator.resolve(node, ctx.scope)

    def construct(self, node: cst.Call, name: str, qualname: str, ctx: Ctx, known: bool = True) -> Layer:
        spec = keras_api.spec(name) if known else None
        layer = Layer(cls=name, qualname=qualname, family=spec.family if spec else "other", span=self.span(node))
        if isinstance(node.func, (cst.Name, cst.Attribute)):
            layer.callee_span = self.positions.callee(node)
            layer.callee_text = dotted(node.func)
        differs = keras_api.positional_differs(spec) if spec else frozenset()
        for key, arg in named_args(node, spec.positional if spec else ()):
            if arg.star or (key in differs and arg.keyword is None):
                layer.has_star_args = True  # an argument we cannot name: by position it differs in Keras 2 and 3
                continue
            if key is None:
                layer.extra_positional += 1
                continue
            if key in ("layer", "backward_layer") and layer.family == "wrapper":
                inner = self.layer_from(arg.value, ctx, layer.span)
                if key == "layer":
                    layer.wrapped = inner
            elif key == "cell" and name == "RNN":
                if isinstance(arg.value, (cst.List, cst.Tuple)):
                    layer.cells = [self.layer_from(e.value, ctx, layer.span) for e in arg.value.elements]
                else:
                    layer.cells = [self.layer_from(arg.value, ctx, layer.span)]
            layer.args[key] = self.arg(arg, ctx.scope)
        self.templates.append(layer)
        return layer

    def layer_from(self, node: cst.BaseExpression, ctx: Ctx, near: Span) -> Layer:
        """A layer expression inside a Sequential list, a wrapper or an .add(): construction or a name."""
        obj = self.expr(node, ctx)
        if isinstance(obj, LayerObj):
            self.used_templates.add(id(obj.layer))
            return obj.layer
        if isinstance(obj, TensorObj) and obj.graph.nodes[obj.node].family == "input":
            return obj.graph.nodes[obj.node]
        if isinstance(obj, ModelObj):
            # a Sequential or Model used as a layer: one Layer per model object, so that placing it twice
            # shares its weights as in Keras
            if obj.as_layer is None:
                obj.as_layer = Layer("Model", "keras.Model", "model", self.span_or(node, near), submodel=obj.model)
            return obj.as_layer
        return Layer("?", dotted(node.func if isinstance(node, cst.Call) else node) or "?", "unknown",
                     self.span_or(node, near))


def _layer_path(resolved: str | None, name: str) -> bool:
    """``keras.layers.UpSampling2D``, ``tf.keras.layers.experimental.preprocessing.Rescaling``: a layer class."""
    return bool(resolved) and ".layers." in f".{resolved}" and name[:1].isupper() and name not in (
        "Layer", "InputSpec")
