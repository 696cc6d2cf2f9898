"""Sequential models: ``Sequential([...])`` and ``.add`` / ``.pop`` chains, with the input a first layer
declares (``input_shape=`` …). Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from lstmlint.analyze.objects import Ctx, ModelObj
from lstmlint.ir import Layer, Model, Ref, Span

# Input-spec keywords that a first layer passes on to the implicit input layer.
INPUT_KWARGS = ("input_shape", "input_dim", "input_length", "batch_input_shape", "batch_size")


class SequentialModels:
    def sequential(self, node: cst.Call, ctx: Ctx) -> ModelObj:
        model = Model(kind="sequential", span=self.span(node), var=None)
        items: list[Layer] = []
        layers_arg = None
        for i, arg in enumerate(node.args):
            if (arg.keyword is None and i == 0) or (arg.keyword is not None and arg.keyword.value == "layers"):
                layers_arg = arg.value
        if layers_arg is not None:
            if isinstance(layers_arg, (cst.List, cst.Tuple)):
                for element in layers_arg.elements:
                    spliced = self.starred_layers(element.value, ctx) if isinstance(
                        element, cst.StarredElement) else [element.value]
                    if spliced is None:
                        model.complete = False
                        items.append(Layer("?", "?", "unknown", model.span))
                        continue
                    items.extend(self.layer_from(value, ctx, model.span) for value in spliced)
            else:
                model.complete = False
                items.append(Layer("?", "?", "unknown", model.span))
        obj = ModelObj(model, block=ctx.block)
        for layer in items:
            self.append_sequential(obj, layer)
        self.models_by_id[id(model)] = obj
        self.out.models.append(model)
        return obj

    def starred_layers(self, node: cst.BaseExpression, ctx: Ctx) -> list[cst.BaseExpression] | None:
        """The layers ``*[...]`` splices into a Sequential's list: a list or tuple literal, or the branch of
        ``[...] if test else [...]`` whose test the analysed call or iteration decides (the other branch is
        never evaluated); None when they are not known."""
        if isinstance(node, cst.IfExp) and (self.calling or self.unrolling):
            taken = self.decide(node.test, ctx)
            if taken is None:
                return None
            node = node.body if taken else node.orelse
        if isinstance(node, (cst.List, cst.Tuple)) and not any(
                isinstance(e, cst.StarredElement) for e in node.elements):
            return [e.value for e in node.elements]
        return None

    def append_sequential(self, obj: ModelObj, layer: Layer, added_at: Span | None = None) -> None:
        model = obj.model
        if model is layer.submodel or (layer.wrapped is not None and layer.wrapped.submodel is model):
            layer = Layer("?", "?", "unknown", layer.span)  # a model added to itself: Keras refuses it
        if layer.family == "unknown":
            model.complete = False
        if not model.layers and layer.family != "input":
            declared = implicit_input(layer)
            if declared is not None:
                model.layers.append(declared)
        previous = len(model.layers) - 1
        # the same layer object twice in one Sequential: Keras calls it twice and keeps one set of weights
        same_as = obj.origins.get(id(layer)) if layer.family != "unknown" else None
        placed = dataclasses.replace(layer, inputs=[Ref(previous)] if previous >= 0 else [], added_at=added_at,
                                     same_as=same_as)
        model.layers.append(placed)
        if same_as is None and layer.family != "unknown":
            obj.origins[id(layer)] = len(model.layers) - 1
        model.outputs = [Ref(len(model.layers) - 1)]
        obj.open_tail = False

    def sequential_add(self, node: cst.BaseExpression, ctx: Ctx) -> bool:
        """``model.add(layer)`` and ``model.pop()`` on a known Sequential. Outside the block that built the
        model (in a branch, a loop, a function) they run any number of times: the layers from there on are
        unknown, one unknown layer standing for all that such calls may add or remove."""
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in ("add", "pop")):
            return False
        obj = self.expr(node.func.value, ctx)
        if not isinstance(obj, ModelObj) or obj.model.kind != "sequential":
            return False
        model = obj.model
        straight = ctx.block is obj.block
        if node.func.attr.value == "pop":
            if straight and model.complete and model.layers and not model.layers[-1].implicit and (
                    model.layers[-1].family != "input"):
                model.layers.pop()
                model.outputs = [Ref(len(model.layers) - 1)] if model.layers else []
                # the popped layer object is no longer in the model: added again, it is a first call, not a share
                obj.origins = {key: index for key, index in obj.origins.items() if index < len(model.layers)}
            else:
                self.open_sequential(obj, self.span(node))
            self.scan_calls(node, ctx)
            return True
        if not node.args:
            return True
        layer = self.layer_from(node.args[0].value, ctx, self.span(node))
        if straight:
            self.append_sequential(obj, layer, self.span(node) if node is self.statement_call else None)
        else:
            self.open_sequential(obj, layer.span)
        self.scan_calls(node.args[0].value, ctx)
        return True

    def open_sequential(self, obj: ModelObj, span: Span) -> None:
        obj.model.complete = False
        if not obj.open_tail:
            self.append_sequential(obj, Layer("?", "?", "unknown", span))
            obj.open_tail = True


def implicit_input(layer: Layer) -> Layer | None:
    """The input layer that a first layer's input_shape= / input_dim= / batch_input_shape= declares."""
    source = layer
    if layer.wrapped is not None and not any(k in layer.args for k in INPUT_KWARGS):
        source = layer.wrapped
    args = {k: v for k, v in source.args.items() if k in INPUT_KWARGS}
    if source.family == "embedding":
        # Embedding's own input_dim is the vocabulary size, not an input-spec keyword.
        args.pop("input_dim", None)
        if "input_length" in args and not any(k in args for k in ("input_shape", "batch_input_shape")):
            # Keras 2 turns input_length into input_shape=(input_length,) (tf_keras 2.21
            # tf_keras/src/layers/core/embedding.py:132-136); Keras 3 drops it: shape_args.declared_input
            # reads it by target
            return Layer("Input", "keras.Input", "input", source.span, args=args, implicit=True,
                         declared_by=source.family)
    if not any(k in args for k in ("input_shape", "input_dim", "batch_input_shape")):
        return None
    return Layer("Input", "keras.Input", "input", source.span, args=args, implicit=True, declared_by=source.family)
