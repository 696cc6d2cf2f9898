"""Classes of the file: subclassed ``keras.Model`` (layers set in ``__init__``, graph built in ``call``),
Keras ``Sequence`` data classes, and the methods of any other class. Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import libcst as cst

from lstmlint.analyze.imports import dotted, split_keras
from lstmlint.analyze.objects import ClassObj, Ctx, Env, Graph, LayerObj, ModelObj, TensorObj
from lstmlint.ir import Layer, Model

_SEQUENCE_BASES = {"Sequence", "PyDataset", "TimeseriesGenerator"}


class Classes:
    def class_def(self, node: cst.ClassDef, ctx: Ctx) -> None:
        base_names = []
        for base in node.bases:
            resolved = self.imports.resolve(base.value)
            keras_name = split_keras(resolved)[1] if resolved and split_keras(resolved) else None
            base_names.append(keras_name or (dotted(base.value) or "").split(".")[-1])
        is_model = any(name == "Model" and self._is_keras(base.value) for name, base in zip(base_names, node.bases))
        is_sequence = any(name in _SEQUENCE_BASES for name in base_names)
        obj = ClassObj(node, is_model, is_sequence)
        ctx.env[node.name.value] = obj
        if is_model:
            self.subclass_model(node, ctx)
        else:
            for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else []:
                if isinstance(statement, cst.FunctionDef):
                    self.function_def(statement, ctx)
                    ctx.env.pop(statement.name.value, None)

    def _is_keras(self, node: cst.BaseExpression) -> bool:
        resolved = self.imports.resolve(node)
        return bool(resolved and split_keras(resolved))

    def subclass_model(self, node: cst.ClassDef, ctx: Ctx) -> None:
        methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)} \
            if isinstance(node.body, cst.IndentedBlock) else {}
        model = Model(kind="subclass", span=self.span(node), var=node.name.value)
        init = methods.get("__init__")
        env = self.function_env(ctx, self.scopes[id(init)]) if init is not None else Env(ctx.env)
        if init is not None:
            init_ctx = Ctx(self.scopes[id(init)], env, Graph())
            self.block(init.body.body, init_ctx)
            env = init_ctx.env
        call = methods.get("call")
        if call is None:
            model.complete = False
            model.layers = [o.layer for k, o in env.items() if k.startswith("self.") and isinstance(o, LayerObj)]
            for layer in model.layers:
                self.used_templates.add(id(layer))
        else:
            graph = Graph()
            call_ctx = Ctx(self.scopes[id(call)], env, graph)
            params = [p for p in call.params.params if p.name.value != "self"]
            if params:
                inp = Layer("Input", "keras.Input", "input", model.span, implicit=True,
                            var=params[0].name.value)
                call_ctx.env[params[0].name.value] = TensorObj(graph, graph.add(inp))
            has_flow_control = any(not isinstance(s, cst.SimpleStatementLine) for s in call.body.body)
            self.block(call.body.body, call_ctx)
            outputs = [r for r in call_ctx.returns if r is not None]
            model.complete = not has_flow_control and len(call_ctx.returns) == 1
            if outputs:
                self.graph_model(model, graph, outputs[-1])
        obj = ModelObj(model)
        self.models_by_id[id(model)] = obj
        ctx.env[node.name.value] = ClassObj(node, True, False)
        ctx.env[f"class:{node.name.value}"] = obj
        self.out.models.append(model)
