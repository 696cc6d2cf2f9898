"""Classes of the file: subclassed ``keras.Model`` (layers set in ``__init__``, graph built in ``call``),
Keras ``Sequence`` data classes, and the methods of any other class. Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import libcst as cst

from lstmlint.analyze.imports import dotted, split_keras
from lstmlint.analyze.functions import MAX_CALLS, MAX_DEPTH
from lstmlint.analyze.objects import ClassObj, Ctx, DataObj, Env, FuncObj, Graph, LayerObj, ModelObj, Obj, TensorObj
from lstmlint.analyze.value_helpers import informative
from lstmlint.analyze.walk import walk
from lstmlint.ir import Layer, Model, Site, Value

_SEQUENCE_BASES = {"Sequence", "PyDataset", "TimeseriesGenerator"}
# attributes a Keras layer or model manages itself (settable properties, set by its methods): never read as
# what __init__ assigned
_KERAS_ATTRIBUTES = frozenset({"name", "trainable", "dtype", "dtype_policy", "built", "input_spec",
                               "supports_masking", "stateful", "compute_dtype", "variable_dtype", "autocast",
                               "input_shape", "output_shape", "inputs", "outputs", "layers", "optimizer", "loss",
                               "metrics", "compiled", "stop_training", "history", "weights", "states", "cell"})


class Classes:
    def class_def(self, node: cst.ClassDef, ctx: Ctx) -> None:
        base_names = []
        for base in node.bases:
            resolved = self.evaluator.resolve(base.value, ctx.scope)  # `Base = keras.Model` too
            keras_name = split_keras(resolved)[1] if resolved and split_keras(resolved) else None
            base_names.append(keras_name or (dotted(base.value) or "").split(".")[-1])
        is_model = any(name == "Model" and self._is_keras(base.value, ctx.scope)
                       for name, base in zip(base_names, node.bases))
        is_sequence = any(name in _SEQUENCE_BASES for name in base_names)
        obj = ClassObj(node, is_model, is_sequence)
        ctx.env[node.name.value] = obj
        plain = all(self._is_keras(base.value, ctx.scope) or dotted(base.value) == "object" for base in node.bases)
        attributes = self.init_attributes(node) if plain and not node.decorators else {}
        init = _method(node, "__init__")
        snapshot = Ctx(ctx.scope, Env(ctx.env), ctx.graph)  # what the class sees where it is defined
        if init is not None and plain and not node.decorators and not is_sequence:
            obj.init = FuncObj(init, env=dict(ctx.env.items()), outer=ctx.scope, method=True,
                               name=node.name.value)
            self.functions.append(obj.init)
        models, templates = len(self.out.models), len(self.templates)
        built = self.class_body(node, snapshot if obj.init is not None else ctx, is_model, attributes)
        if obj.init is not None:
            obj.init.generic_models = self.out.models[models:]
            obj.init.generic_templates = self.templates[templates:]
        if built is not None:
            ctx.env[f"class:{node.name.value}"] = built

    def class_body(self, node: cst.ClassDef, ctx: Ctx, is_model: bool, attributes: dict[str, Value]) -> ModelObj | None:
        """The methods of a class: the model of a subclassed keras.Model, the models other methods build."""
        if is_model:
            return self.subclass_model(node, ctx, attributes)
        for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else []:
            if isinstance(statement, cst.FunctionDef):
                saved = self.evaluator.enter({}, attributes, self._self_binding(statement))
                try:
                    self.function_def(statement, ctx)
                finally:
                    self.evaluator.leave(saved)
                ctx.env.pop(statement.name.value, None)
        return None

    def construct_class(self, cls: ClassObj, node: cst.Call, ctx: Ctx) -> Obj | None:
        """``Forecaster(64)``: the class analysed with the values its construction gives its __init__, as a call
        of a function is (functions.py): its models named by the construction."""
        generic = ctx.env.get(f"class:{cls.node.name.value}") if cls.is_model else \
            DataObj("sequence") if cls.is_sequence else None
        init = cls.init
        if init is None:
            return generic
        key = (id(node), id(self.calling[-1][1]) if self.calling else 0)
        if key in self.call_memo:
            return self.call_memo[key]
        result = generic
        bound = None
        if not any(f is init for f, _ in self.calling) and len(self.calling) < MAX_DEPTH and \
                init.calls_analysed < MAX_CALLS:
            bound = self.bind_arguments(init, node, ctx)
        if bound is None or not any(informative(v) for v in bound[0].values()) and not bound[1]:
            init.generic_used = True
        else:
            init.calls_analysed += 1
            result = self.run_construction(cls, bound[0], Site(cls.node.name.value, self.span(node).line,
                                                                "construct"))
        self.call_memo[key] = result
        return result

    def run_construction(self, cls: ClassObj, values: dict[str, Value], site: Site) -> ModelObj | None:
        init = cls.init
        assert init is not None
        scope = self.scopes[id(init.node)]
        given = {id(scope.bindings[name][0]): value for name, value in values.items() if scope.bindings.get(name)}
        env = Env()
        for key, obj in init.env.items():
            dict.__setitem__(env, key, obj)
        ctx = Ctx(init.outer or self.module_scope, env, Graph())
        models = len(self.out.models)
        saved = self.evaluator.enter(given)
        self.calling.append((init, object()))
        try:
            attributes = self.init_attributes(cls.node)
            built = self.class_body(cls.node, ctx, cls.is_model, attributes)
        finally:
            self.calling.pop()
            self.evaluator.leave(saved)
        for model in self.out.models[models:]:
            model.sites.append(site)
        return built

    def init_attributes(self, node: cst.ClassDef) -> dict[str, Value]:
        """``self.x`` -> its value, for the attributes ``__init__`` sets once, in its straight-line part (before
        any branch, loop or return), and that nothing else in the file sets, deletes or defines (a method or
        class attribute of that name in any class could be a property); the methods read them so."""
        init = _method(node, "__init__")
        if init is None or init.decorators or not init.params.params:
            return {}
        me = init.params.params[0].name.value
        scope = self.scopes[id(init)]
        found: dict[str, Value] = {}
        # a Keras base's __init__ sets attributes of its own: only what is set after it ran counts
        after_base = not any(self._is_keras(base.value, self._outer(node)) for base in node.bases)
        for statement in init.body.body if isinstance(init.body, cst.IndentedBlock) else []:
            if not isinstance(statement, cst.SimpleStatementLine):
                break
            small = statement.body[0] if len(statement.body) == 1 else None
            if isinstance(small, (cst.Return, cst.Raise)):
                break
            if isinstance(small, cst.Expr) and _calls_super_init(small.value):
                after_base = True
            if not after_base:
                continue
            target = small.targets[0].target if isinstance(small, cst.Assign) and len(small.targets) == 1 else \
                small.target if isinstance(small, cst.AnnAssign) and small.value is not None else None
            if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                    and target.value.value == me) or target.attr.value in _KERAS_ATTRIBUTES:
                continue
            value = self.evaluator.evaluate(small.value, scope)
            immutable = value.kind in ("const", "symbol") or (
                isinstance(small.value, cst.Tuple) and all(i.kind in ("const", "symbol") for i in value.items))
            if immutable or (value.kind == "unknown" and value.tag is None):
                found[f"self.{target.attr.value}"] = value
        if not found:
            return {}
        stores, defined, dynamic = self.attribute_stores()
        if dynamic:
            return {}
        mine = node.name.value

        def others(attr: str) -> int:
            """Stores that may set this attribute on an instance of this class: through `self` in the class
            itself or in a class that may derive from it, or through any other object."""
            return sum(1 for owner in stores.get(attr, ()) if owner is None or owner[0] == mine or owner[1])
        return {key: value for key, value in found.items()
                if others(key.split(".", 1)[1]) == 1 and key.split(".", 1)[1] not in defined}

    def attribute_stores(self) -> tuple[dict[str, list], set[str], bool]:
        """Over the whole file, once: the stores to each attribute name (assignments, augmented ones, `del`,
        subscripts, loop and `with` targets), each with who is stored to — the name of the class whose method
        stores through its first parameter (with whether that class may derive from another of the file), or
        None for any other object; the names any class body defines; whether the file sets attributes by other
        means (setattr, __dict__, __slots__)."""
        if self._attribute_stores is None:
            stores: dict[str, list] = {}
            defined: set[str] = set()

            def target(node: cst.CSTNode, owner) -> None:
                if isinstance(node, (cst.Tuple, cst.List)):
                    for element in node.elements:
                        target(element.value, owner)
                elif isinstance(node, (cst.StarredElement, cst.Subscript)):
                    target(node.value, owner)
                elif isinstance(node, cst.Attribute):
                    through = owner is not None and isinstance(node.value, cst.Name) and node.value.value == owner[0]
                    stores.setdefault(node.attr.value, []).append(owner[1] if through else None)

            def visit(root: cst.CSTNode, owner) -> None:
                for node in walk(root, enter=lambda n: n is root or type(n) not in (cst.ClassDef, cst.FunctionDef)):
                    kind = type(node)
                    if node is not root and kind in (cst.ClassDef, cst.FunctionDef):
                        nested(node, owner)
                    elif kind is cst.Assign:
                        for t in node.targets:
                            target(t.target, owner)
                    elif kind in (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.Del):
                        target(node.target, owner)
                    elif kind is cst.AsName:
                        target(node.name, owner)

            def nested(node, owner) -> None:
                if isinstance(node, cst.ClassDef):
                    plain = all(self._is_keras(b.value) or dotted(b.value) == "object" for b in node.bases)
                    cls = (node.name.value, not plain)
                    for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else []:
                        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                            defined.add(statement.name.value)
                        elif isinstance(statement, cst.SimpleStatementLine):
                            for small in statement.body:
                                for t in getattr(small, "targets", ()):
                                    defined.update(n.value for n in walk(t.target) if isinstance(n, cst.Name))
                                if isinstance(small, cst.AnnAssign):
                                    defined.update(n.value for n in walk(small.target) if isinstance(n, cst.Name))
                        if isinstance(statement, cst.FunctionDef) and statement.params.params and \
                                not statement.decorators:
                            visit(statement, (statement.params.params[0].name.value, cls))
                        else:
                            visit(statement, None)
                else:
                    visit(node, None)  # a nested function: its first parameter is not an instance of ours

            visit(self.cst_module, None)
            dynamic = any(word in self.text for word in ("setattr", "__dict__", "vars(", "__slots__"))
            self._attribute_stores = (stores, defined, dynamic)
        return self._attribute_stores

    def _self_binding(self, method: cst.FunctionDef) -> set[int]:
        """The binding of a method's first parameter (``self``), when nothing rebinds it."""
        if method.decorators or not method.params.params:
            return set()
        bindings = self.scopes[id(method)].bindings.get(method.params.params[0].name.value, [])
        return {id(bindings[0])} if len(bindings) == 1 else set()

    def _outer(self, node: cst.ClassDef):
        """The scope a class's bases are read in."""
        return self.scopes[id(node)].parent or self.module_scope

    def _is_keras(self, node: cst.BaseExpression, scope=None) -> bool:
        """Whether a base names a Keras class; without a scope, through the imports only (a base bound to one
        by assignment then counts as a class of the file, which may derive from another: the cautious view)."""
        resolved = self.imports.resolve(node) if scope is None else self.evaluator.resolve(node, scope)
        return bool(resolved and split_keras(resolved))

    def subclass_model(self, node: cst.ClassDef, ctx: Ctx, attributes: dict[str, Value]) -> ModelObj:
        methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)} \
            if isinstance(node.body, cst.IndentedBlock) else {}
        selves: set[int] = set()
        for method in methods.values():
            selves |= self._self_binding(method)
        saved = self.evaluator.enter({}, attributes, selves)
        try:
            return self._subclass_model(node, ctx, methods)
        finally:
            self.evaluator.leave(saved)

    def _subclass_model(self, node: cst.ClassDef, ctx: Ctx, methods: dict[str, cst.FunctionDef]) -> ModelObj:
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
        self.out.models.append(model)
        return obj


def _method(node: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    """The last definition of a method in the class body (the one the class keeps)."""
    found = None
    for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else []:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            found = statement
    return found


def _calls_super_init(node: cst.BaseExpression) -> bool:
    """``super().__init__(...)`` or ``Base.__init__(self, ...)``."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "__init__"
