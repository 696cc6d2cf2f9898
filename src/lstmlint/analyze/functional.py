"""The functional API: a graph node per layer call, with an edge from every tensor the call takes (inputs,
``initial_state=``, ``constants=``, ``mask=``), and the models ``Model(inputs, outputs)`` closes over it.
Subclassed models' ``call`` builds one too. Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from lstmlint.analyze.arguments import named_args
from lstmlint.analyze.objects import Ctx, Graph, ModelObj, Obj, TensorObj, TensorsObj
from lstmlint.analyze.imports import dotted
from lstmlint.ir import Layer, Model, Ref, Value
from lstmlint.shape_args import dim

TENSOR_KEYWORDS = ("initial_state", "constants", "mask")
_KERAS1_MODES = {"sum": "Add", "mul": "Multiply", "ave": "Average", "max": "Maximum", "concat": "Concatenate"}
_IGNORED_CALL_KEYWORDS = ("training",)


class FunctionalModels:
    def apply(self, layer: Layer, node: cst.Call, ctx: Ctx, origin: object | None = None) -> Obj | None:
        """A call of a layer (or a model: ``origin``) on tensors: a new graph node, with an edge from every
        tensor the call takes. A tensor passed in a way that is not followed becomes an unknown node, so the
        model is incomplete rather than missing the layers behind it."""
        eager = origin is None and id(layer) not in self.applied and layer.family != "input"
        if origin is None:
            origin = layer
        # ids are the keys of `applied` and of the graph's shared-layer check: the objects behind them must
        # live as long as the analysis, or a later layer could get the same id (a function-form merge's
        # layer is referenced nowhere else)
        self.alive.extend((layer, origin))
        self.applied.add(id(layer))
        graph = ctx.graph
        first: cst.BaseExpression | None = None
        extra: dict[str, list[Ref]] = {}
        positional = 0
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if arg.star:
                extra.setdefault("?", []).append(self.unknown_node(arg.value, node, graph))
            elif keyword in ("inputs", "x", "query") or (keyword is None and positional == 0):
                positional += keyword is None
                first = arg.value
            elif keyword is None and positional == 1 and _takes_initial_state(layer):
                positional += 1
                extra["initial_state"] = self.tensor_refs(arg.value, node, ctx)
            elif layer.cls == "MultiHeadAttention" and (keyword in ("value", "key") or (
                    keyword is None and positional == 1)):
                positional += keyword is None
                extra[keyword or "value"] = self.tensor_refs(arg.value, node, ctx)
            elif keyword == "return_attention_scores" and layer.family == "attention":
                # a tuple (output, scores) when true: the output is no longer one tensor of the usual shape
                extra.setdefault("?", []).append(self.unknown_node(arg.value, node, graph))

            elif keyword in TENSOR_KEYWORDS:
                if not _is_none(arg.value):
                    extra[keyword] = self.tensor_refs(arg.value, node, ctx)
            elif keyword not in _IGNORED_CALL_KEYWORDS:
                positional += keyword is None
                value = self.expr(arg.value, ctx)
                if isinstance(value, (TensorObj, TensorsObj)):
                    tensors = _tensors(value)
                    if layer.family == "other" and all(t.graph is graph for t in tensors):
                        # a layer we cannot model (a custom class, a Keras class without shape rules) taking
                        # several tensors: each is an edge, so that the layers behind it stay in the model
                        extra.setdefault("?", []).extend(Ref(t.node, t.index) for t in tensors)
                    else:
                        extra.setdefault("?", []).append(self.unknown_node(arg.value, node, graph))
        data = self.evaluator.evaluate(first, ctx.scope) if eager and first is not None else None
        built = data is not None and data.kind == "array" and len(data.items) >= 2 and all(
            type(dim(d)) is int for d in data.items)
        if first is None:
            inputs = [self.unknown_node(None, node, graph)]
        elif built:
            inputs = [Ref(graph.add(Layer("Input", "keras.Input", "input", self.span(first), implicit=True)))]
        else:
            inputs = self.tensor_refs(first, node, ctx)
        placed = dataclasses.replace(layer, inputs=inputs, keyword_inputs=extra)
        out = TensorObj(graph, graph.add(placed, id(origin)))
        if built:
            self.built_by_data(layer, node, data, out, ctx)  # type: ignore[arg-type]
        return out

    def built_by_data(self, layer: Layer, call: cst.Call, data: Value, out: TensorObj, ctx: Ctx) -> None:
        """A layer's first call, on an array of known shape (``layer(np.ones((3, 6, 4)))``): Keras builds the
        layer then and there for that shape (keras/src/layers/layer.py ``__call__`` -> ``_maybe_build``), as
        the one layer of a model whose input is that array; reported so, with the call it comes from."""
        model = Model(kind="functional", span=self.span(call), var=layer.var)
        self.graph_model(model, ctx.graph, out)
        model.build_shape = Value("tuple", items=list(data.items), text=data.text)
        model.input_from = f"the data given to {dotted(call.func) or 'the layer'}(...) at line {self.span(call).line}"
        obj = ModelObj(model, block=ctx.block)
        self.models_by_id[id(model)] = obj
        self.out.models.append(model)

    def built_by_shape(self, layer: Layer, call: cst.Call, shape: Value, ctx: Ctx) -> None:
        """``layer.build((None, 5, 3))`` on a layer no call has built yet: Keras creates its weights for that
        input shape (keras/src/layers/layer.py ``build``), as the one layer of a model with that input. Only
        recurrent layers (and wrappers of them): what other layers become after build (``enable_lora``…) is
        not followed, and no rule needs them alone."""
        if id(layer) in self.applied or id(layer) in self.used_templates or layer.family == "input":
            return
        self.alive.append(layer)
        self.applied.add(id(layer))  # built: a later call is not its first (eager calls, see apply)
        if shape.kind != "tuple" or len(shape.items) < 2 or not _recurrent(layer):
            return
        graph = ctx.graph
        span = self.span(call)
        source = Ref(graph.add(Layer("Input", "keras.Input", "input", span, implicit=True)))
        out = TensorObj(graph, graph.add(dataclasses.replace(layer, inputs=[source], keyword_inputs={}), id(layer)))
        model = Model(kind="functional", span=span, var=layer.var)
        self.graph_model(model, graph, out)
        model.build_shape = Value("tuple", items=list(shape.items), text=shape.text)
        model.input_from = f"the shape given to {dotted(call.func) or 'build'}(...) at line {span.line}"
        self.models_by_id[id(model)] = ModelObj(model, block=ctx.block)
        self.out.models.append(model)

    def keras1_merge(self, node: cst.Call, resolved: str, ctx: Ctx) -> Obj | None:
        """Keras 1's ``merge(inputs, mode='sum', concat_axis=-1, dot_axes=-1, …)`` (keras 1.2.2
        engine/topology.py, Keras 2.0's legacy/layers.py): read as the Keras 2 layer each mode computes —
        'sum' Add, 'mul' Multiply, 'ave' Average, 'max' Maximum, 'concat' Concatenate(axis=concat_axis). Keras 1 refuses inputs of different shapes for
        the elementwise modes where Keras 2 broadcasts: the shape rules read ``callee_text`` for that. 'dot'
        and 'cos' (whose shapes changed between Keras 1 releases: np.tensordot in 1.0, batch_dot later), a
        function or an unknown mode: a merge of unknown output, the layers before it still in the model."""
        args = {key: arg for key, arg in named_args(node, ("inputs", "mode", "concat_axis", "dot_axes"))
                if key is not None and not arg.star}
        mode = self.evaluator.evaluate(args["mode"].value, ctx.scope) if "mode" in args else Value.of("sum")
        cls = _KERAS1_MODES.get(mode.const) if mode.kind == "const" and isinstance(mode.const, str) else None
        layer_args = {}
        if cls == "Concatenate" and "concat_axis" in args:
            layer_args["axis"] = self.arg(args["concat_axis"], ctx.scope)
        qualname = f"{resolved.rpartition('.')[0]}.{cls or 'Merge'}"
        layer = Layer(cls or "Merge", qualname, "merge", self.span(node), args=layer_args,
                      has_star_args=any(arg.star for arg in node.args), callee_text=dotted(node.func))
        return self.apply(layer, node, ctx)

    def tensor_refs(self, node: cst.BaseExpression, call: cst.Call, ctx: Ctx) -> list[Ref]:
        """The edges from a call argument: a tensor, a list of tensors (``[h, c]``), else an unknown node."""
        graph = ctx.graph
        if isinstance(node, (cst.List, cst.Tuple)) and node.elements:
            refs = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    refs.append(self.unknown_node(element, call, graph))
                    continue
                part = self.expr(element.value, ctx)
                if isinstance(part, TensorObj) and part.graph is graph:
                    refs.append(Ref(part.node, part.index))
                else:
                    refs.append(self.unknown_node(element.value, call, graph))
            return refs
        source = self.expr(node, ctx)
        tensors = _tensors(source)
        if not tensors or any(t.graph is not graph for t in tensors):
            return [self.unknown_node(node, call, graph)]
        return [Ref(t.node, t.index) for t in tensors]

    def unknown_node(self, node: cst.BaseExpression | None, call: cst.Call, graph: Graph) -> Ref:
        span = self.span_or(node, self.span(call)) if node is not None else self.span(call)
        return Ref(graph.add(Layer("?", "?", "unknown", span)))

    def functional(self, node: cst.Call, ctx: Ctx) -> ModelObj | None:
        inputs_node = outputs_node = None
        for i, arg in enumerate(node.args):
            key = arg.keyword.value if arg.keyword is not None else ("inputs", "outputs")[i] if i < 2 else None
            if key in ("inputs", "input"):  # input= / output=: Keras 1's names (keras 1.2.2 engine/training.py)
                inputs_node = arg.value
            elif key in ("outputs", "output"):
                outputs_node = arg.value
        if outputs_node is None:
            return None
        model = Model(kind="functional", span=self.span(node), var=None)
        outputs = self.expr(outputs_node, ctx)
        inputs = self.expr(inputs_node, ctx) if inputs_node is not None else None
        reached: set[int] = set()
        if outputs is None:
            model.complete = False
        else:
            reached = self.graph_model(model, ctx.graph, outputs)
        if not isinstance(inputs, (TensorObj, TensorsObj)):
            model.complete = False
        elif any(t.graph is not ctx.graph or t.node not in reached for t in _tensors(inputs)):
            # a declared input that no output depends on: Keras accepts it, but here it most likely means a
            # path the analysis did not follow
            model.complete = False
        obj = ModelObj(model, block=ctx.block)
        self.models_by_id[id(model)] = obj
        self.out.models.append(model)
        return obj

    def graph_model(self, model: Model, graph: Graph, outputs: Obj) -> set[int]:
        """The layers the outputs depend on, through every edge (inputs, initial_state=, mask=…), in the
        order they were called; a layer object called twice is marked as sharing the first call's weights.
        Returns the graph nodes reached."""
        tensors = _tensors(outputs)
        if not tensors or any(t.graph is not graph for t in tensors):
            model.complete = False
        seen: set[int] = set()
        stack = [t.node for t in tensors if t.graph is graph]
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            stack.extend(ref.layer for refs in _edges(graph.nodes[index]).values() for ref in refs)
        graph.closed.update(seen)
        order = sorted(seen)
        renumber = {old: new for new, old in enumerate(order)}
        first_call: dict[int, int] = {}
        for new, old in enumerate(order):
            layer = graph.nodes[old]
            if layer.family == "unknown":
                model.complete = False
            origin = graph.origins[old]
            if origin is not None:
                self.placed.add(origin)
            same_as = first_call.get(origin) if origin is not None else None
            if origin is not None and same_as is None:
                first_call[origin] = new
            edges = {key: [Ref(renumber[r.layer], r.index) for r in refs] for key, refs in _edges(layer).items()}
            inputs = edges.pop(None)
            model.layers.append(dataclasses.replace(layer, inputs=inputs, keyword_inputs=edges, same_as=same_as))
        model.outputs = [Ref(renumber[t.node], t.index) for t in tensors if t.node in renumber]
        return seen


    def open_graphs(self, ctx: Ctx) -> None:
        """Layers called on the tensors of a declared Input that no ``Model(...)`` closes (``inputs =
        keras.Input((120, 14))`` then ``outputs = layers.SimpleRNN(16)(inputs)``, and no more): Keras builds
        each layer on that call for the shapes it is given (a symbolic call; ``outputs.shape`` is known), so the
        graph is reported as a functional model from its inputs to the tensors no other call takes. It may be
        part of a larger computation that is not followed: the model is incomplete (its total is not stated).
        Only a graph whose every root is an Input, that holds a recurrent layer and whose layers no other model
        holds; in a function, only when the function returns no tensor (its caller may close the graph)."""
        graph = ctx.graph
        if any(isinstance(r, (TensorObj, TensorsObj)) for r in ctx.returns):
            return
        nodes = graph.nodes
        opened = [i for i in range(len(nodes)) if i not in graph.closed and nodes[i].family != "input"]
        if not opened:
            return
        parent = {i: i for i in opened}

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        consumed: set[int] = set()
        for i in opened:
            for refs in _edges(nodes[i]).values():
                for ref in refs:
                    consumed.add(ref.layer)
                    if ref.layer in parent:
                        parent[find(ref.layer)] = find(i)
        groups: dict[int, list[int]] = {}
        for i in opened:
            if i not in consumed:
                groups.setdefault(find(i), []).append(i)
        for sinks in groups.values():
            reached: set[int] = set()
            stack = list(sinks)
            while stack:
                index = stack.pop()
                if index not in reached:
                    reached.add(index)
                    stack.extend(ref.layer for refs in _edges(nodes[index]).values() for ref in refs)
            members = [nodes[i] for i in reached]
            if any(i in graph.closed and nodes[i].family != "input" for i in reached):
                continue  # a layer call some model holds already: the graph is that model's, extended
            roots = [layer for layer in members if not any(_edges(layer).values())]
            if any(layer.family != "input" for layer in roots):
                continue  # a graph from a tensor not followed (a parameter, an unknown call): its input is unknown
            if not any(_recurrent(layer) for layer in members):
                continue
            first = nodes[min(sinks)]
            model = Model(kind="functional", span=first.span, var=None)
            self.graph_model(model, graph, TensorsObj([TensorObj(graph, i) for i in sorted(sinks)]))
            model.complete = False
            self.models_by_id[id(model)] = ModelObj(model, block=ctx.block)
            self.out.models.append(model)


def _recurrent(layer: Layer) -> bool:
    inner = layer.wrapped if layer.wrapped is not None else layer
    return inner.family in ("recurrent", "conv-recurrent")


def _edges(layer: Layer) -> dict[str | None, list[Ref]]:
    """A graph node's edges, by how the call takes them: its inputs (under None), then each tensor keyword's."""
    return {None: layer.inputs, **layer.keyword_inputs}


def _tensors(obj: Obj | None) -> list[TensorObj]:
    """The tensors an object stands for: one, a list of them, or none."""
    return [obj] if isinstance(obj, TensorObj) else obj.tensors if isinstance(obj, TensorsObj) else []


def _takes_initial_state(layer: Layer) -> bool:
    """A recurrent layer's call takes (inputs, initial_state, …) positionally."""
    inner = layer.wrapped if layer.cls == "Bidirectional" and layer.wrapped is not None else layer
    return inner.family in ("recurrent", "conv-recurrent")


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
