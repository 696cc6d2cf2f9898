"""libcst -> model IR: finds Keras layer constructions and the models they form.

One pass over the statements of each scope, in order, with an environment of the objects that names hold
(layers, tensors, models, training-data objects). Model forms: ``Sequential([...])``, ``Sequential()`` +
``.add`` in straight-line code, the functional API, subclassed ``keras.Model``. Nothing is executed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Iterator, Union

import libcst as cst

from lstmlint import keras_api
from lstmlint.analyze.imports import ImportTable, dotted, keras_distribution, split_keras
from lstmlint.analyze.values import Binding, Evaluator, Scope, bind_targets
from lstmlint.analyze.walk import children, walk
from lstmlint.ir import Arg, Call, Import, Layer, Model, Module, Ref, Span, Value

MODEL_METHODS = {"fit", "predict", "evaluate", "train_on_batch", "test_on_batch", "predict_on_batch",
                 "reset_states", "reset_state", "build", "fit_generator", "predict_generator", "evaluate_generator",
                 "compile"}
SCANNED_METHODS = MODEL_METHODS | {"reset_states", "reset_state"}
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
# Input-spec keywords that a first layer passes on to the implicit input layer.
INPUT_KWARGS = ("input_shape", "input_dim", "input_length", "batch_input_shape", "batch_size")
_DATASET_FUNCS = {"from_tensor_slices", "from_tensors", "from_generator", "timeseries_dataset_from_array",
                  "text_dataset_from_directory", "image_dataset_from_directory", "zip", "range", "TFRecordDataset",
                  "Dataset", "audio_dataset_from_directory"}
_DATASET_METHODS = {"batch", "shuffle", "prefetch", "map", "repeat", "cache", "take", "skip", "padded_batch",
                    "unbatch", "filter", "window", "flat_map", "interleave", "rebatch", "with_options"}
_SEQUENCE_BASES = {"Sequence", "PyDataset", "TimeseriesGenerator"}


@dataclass
class LayerObj:
    layer: Layer


@dataclass
class TensorObj:
    graph: "Graph"
    node: int
    index: int | None = None


@dataclass
class TensorsObj:
    tensors: list[TensorObj]


@dataclass
class ModelObj:
    model: Model
    depth: int = 0
    layer_templates: list[Layer] = field(default_factory=list)


@dataclass
class DataObj:
    tag: str  # dataset | generator | sequence


@dataclass
class ClassObj:
    node: cst.ClassDef
    is_model: bool
    is_sequence: bool


@dataclass
class FuncObj:
    node: cst.FunctionDef
    returns: "Obj | None" = None
    is_generator: bool = False


Obj = Union[LayerObj, TensorObj, TensorsObj, ModelObj, DataObj, ClassObj, FuncObj]


@dataclass
class Graph:
    """Layer applications of one scope, for the functional API (a node per application)."""

    nodes: list[Layer] = field(default_factory=list)

    def add(self, layer: Layer) -> int:
        self.nodes.append(layer)
        return len(self.nodes) - 1


@dataclass
class Ctx:
    scope: Scope
    env: dict[str, Obj]
    graph: Graph
    depth: int = 0
    returns: list[Obj | None] = field(default_factory=list)


def bind_scopes(module: cst.Module, module_scope: Scope) -> tuple[dict[int, Scope], set[int]]:
    """First pass: which names each function, lambda and class scope binds (keyed by id of its node), so that
    values can be read from names bound once; and the ids of the nodes with a scanned method call below."""
    scopes: dict[int, Scope] = {}
    hot: set[int] = set()

    def push(node: cst.CSTNode, parent: Scope, params: cst.Parameters | None, is_class: bool = False) -> Scope:
        scope = Scope(parent=parent)
        scope.is_class = is_class  # type: ignore[attr-defined]
        if params is not None:
            for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
                scope.bind(param.name.value, Binding(None))
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    scope.bind(star.name.value, Binding(None))
        scopes[id(node)] = scope
        return scope

    def visit(node: cst.CSTNode, scope: Scope, enclosing: Scope) -> bool:
        """Binds names below ``node``; True when a method call worth scanning (fit, reset_states…) is below
        it, so that the analyzer's call scans can skip the subtrees that hold none."""
        # ``enclosing`` is the nearest non-class scope: methods do not see class-level names.
        # Dispatch on the exact type: isinstance on libcst's ABC-based classes is slow in this hot loop.
        found = False
        for child in children(node):
            kind = type(child)
            if kind is cst.ConcatenatedString:
                # "a" "b" "c"… nests one level per part (pydoc_data/topics.py has hundreds: a RecursionError
                # reported as a syntax error); walk the parts in a loop, visiting only the f-strings, the only
                # parts that can hold names or calls.
                todo = [child]
                while todo:
                    part = todo.pop()
                    if type(part) is cst.ConcatenatedString:
                        todo += [part.right, part.left]
                    elif type(part) is cst.FormattedString and visit(part, scope, enclosing):
                        hot.add(id(child))
                        found = True
                continue
            if kind is cst.FunctionDef or kind is cst.Lambda:
                if kind is cst.FunctionDef:
                    scope.bind(child.name.value, Binding(None))
                inner = push(child, enclosing, child.params)
                below = visit(child, inner, inner)
            elif kind is cst.ClassDef:
                scope.bind(child.name.value, Binding(None))
                below = visit(child, push(child, enclosing, None, is_class=True), enclosing)
            else:
                below = None
            if below is not None:
                if below:
                    hot.add(id(child))
                    found = True
                continue
            if kind is cst.Call and type(child.func) is cst.Attribute and child.func.attr.value in SCANNED_METHODS:
                hot.add(id(child))
                found = True
            if kind is cst.Assign:
                for target in child.targets:
                    bind_targets(scope, target.target, child.value)
            elif kind is cst.AnnAssign or kind is cst.NamedExpr:
                bind_targets(scope, child.target, child.value)
            elif kind is cst.AugAssign or kind is cst.For or kind is cst.CompFor:
                bind_targets(scope, child.target, None)
            elif kind is cst.WithItem and child.asname is not None:
                bind_targets(scope, child.asname.name, None)
            elif kind is cst.ExceptHandler and child.name is not None:
                bind_targets(scope, child.name.name, None)
            elif kind is cst.Global:
                for item in child.names:
                    scope.bind(item.name.value, Binding(None))
            if visit(child, scope, enclosing):
                hot.add(id(child))
                found = True
        return found

    visit(module, module_scope, module_scope)
    return scopes, hot


class Analyzer:
    def __init__(self, module: cst.Module, path: str, positions, text: str = "") -> None:
        self.cst_module = module
        self.lines = text.splitlines(keepends=True)
        self.positions = positions
        self.imports = ImportTable()
        self.evaluator = Evaluator(self.imports, module.code_for_node)
        self.out = Module(path=path)
        self.module_scope = Scope()
        self.templates: list[Layer] = []
        self.used_templates: set[int] = set()
        self.models_by_id: dict[int, ModelObj] = {}
        self.statement_call: cst.BaseExpression | None = None  # the expression of a one-statement line

    # ----------------------------------------------------------------- entry

    def run(self) -> Module:
        self.scopes, self.hot = bind_scopes(self.cst_module, self.module_scope)
        ctx = Ctx(self.module_scope, {}, Graph())
        self.block(self.cst_module.body, ctx)
        self.out.loose_layers = [t for t in self.templates
                                 if id(t) not in self.used_templates and t.family != "input"]
        self.out.models.sort(key=lambda m: (m.span.line, m.span.column))
        return self.out

    def span(self, node: cst.CSTNode) -> Span:
        return self.positions.span(node)

    def arg(self, arg: cst.Arg, scope: Scope) -> Arg:
        """An argument's value, with its exact source text (``input_shape=(10, 3)`` keeps ``(10, 3)``)."""
        span = self.span(arg)
        value = self.evaluator.evaluate(arg.value, scope)
        text = self.source(span)
        if arg.keyword is not None:
            text = text.split("=", 1)[1] if "=" in text else text
        if arg.star:
            text = text.lstrip("*")
        return Arg(dataclasses.replace(value, text=text.strip() or value.text), span, arg.keyword is not None)

    def source(self, span: Span) -> str:
        if not self.lines:
            return ""
        if span.line == span.end_line:
            return self.lines[span.line - 1][span.column - 1: span.end_column - 1]
        parts = [self.lines[span.line - 1][span.column - 1:], *self.lines[span.line: span.end_line - 1],
                 self.lines[span.end_line - 1][: span.end_column - 1]]
        return "".join(parts)

    def span_or(self, node: cst.CSTNode, near: Span) -> Span:
        """Spans are kept for calls, arguments, classes and imports; other expressions borrow ``near``."""
        return self.positions.span(node) if self.positions.has(node) else near

    # ------------------------------------------------------------ statements

    def block(self, body, ctx: Ctx) -> None:
        for statement in body:
            self.statement(statement, ctx)

    def statement(self, node: cst.CSTNode, ctx: Ctx) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            if len(node.body) == 1 and isinstance(node.body[0], cst.Expr):
                self.statement_call = node.body[0].value
            for small in node.body:
                self.small_statement(small, ctx)
            self.statement_call = None
        elif isinstance(node, cst.FunctionDef):
            self.function_def(node, ctx)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node, ctx)
        elif isinstance(node, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Match)):
            self.compound(node, ctx)
        else:
            self.scan_calls(node, ctx)

    def compound(self, node: cst.CSTNode, ctx: Ctx) -> None:
        inner = dataclasses.replace(ctx, depth=ctx.depth + 1)
        # loop variables and `with ... as name` rebind names, like an assignment of something unknown
        if isinstance(node, cst.For):
            self.assign(node.target, None, ctx)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    self.assign(item.asname.name, None, ctx)
        for child in children(node):
            if isinstance(child, cst.BaseSuite):
                body = child.body
                if isinstance(child, cst.SimpleStatementSuite):
                    for small in body:
                        self.small_statement(small, inner)
                else:
                    self.block(body, inner)
            elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally,
                                    cst.MatchCase)):
                self.compound(child, ctx if isinstance(child, cst.If) else inner)
            elif isinstance(child, cst.BaseExpression):
                self.scan_calls(child, ctx)

    def small_statement(self, node: cst.CSTNode, ctx: Ctx) -> None:
        if isinstance(node, cst.Import):
            for module in self.imports.add_import(node):
                distribution = keras_distribution(module)
                if distribution:
                    self.out.imports.append(Import(distribution, module, [], self.span(node)))
            return
        if isinstance(node, cst.ImportFrom):
            module, names = self.imports.add_import_from(node)
            if module:
                distribution = keras_distribution(module)
                if distribution is None:
                    dists = {keras_distribution(f"{module}.{n}") for n in names} - {None}
                    distribution = dists.pop() if len(dists) == 1 else None
                if distribution:
                    self.out.imports.append(Import(distribution, module, names, self.span(node)))
            return
        if isinstance(node, (cst.Assign, cst.AnnAssign)):
            value = node.value
            if value is None:
                return
            obj = self.expr(value, ctx)
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                self.assign(target, obj, ctx)
            self.scan_calls(value, ctx)
            return
        if isinstance(node, cst.Expr):
            if self.sequential_add(node.value, ctx):
                return
            self.expr(node.value, ctx)
            self.scan_calls(node.value, ctx)
            return
        if isinstance(node, cst.Return):
            obj = self.expr(node.value, ctx) if node.value is not None else None
            ctx.returns.append(obj)
            if node.value is not None:
                self.scan_calls(node.value, ctx)
            return
        self.scan_calls(node, ctx)

    def assign(self, target: cst.BaseExpression, obj: Obj | None, ctx: Ctx) -> None:
        key = dotted(target)
        if key is not None:
            if obj is None:
                ctx.env.pop(key, None)
            else:
                ctx.env[key] = obj
                if isinstance(obj, (LayerObj, ModelObj)) and obj_var(obj) is None:
                    set_var(obj, key)
            if isinstance(target, cst.Name) and ctx.scope is self.module_scope:
                # `LSTM = MyLSTM` shadows the import from here on; a function-local assignment must not
                # leak out of its function (resolve() checks local bindings instead)
                self.imports.forget(key)
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            for i, element in enumerate(target.elements):
                if isinstance(element, cst.StarredElement):
                    continue
                part: Obj | None = None
                if isinstance(obj, TensorObj) and obj.index is None:
                    part = TensorObj(obj.graph, obj.node, i)
                elif isinstance(obj, TensorsObj) and i < len(obj.tensors):
                    part = obj.tensors[i]
                self.assign(element.value, part, ctx)

    def function_def(self, node: cst.FunctionDef, ctx: Ctx) -> None:
        scope = self.scopes[id(node)]
        inner = Ctx(scope, dict(ctx.env), Graph())
        func = FuncObj(node, is_generator=_contains_yield(node))
        ctx.env[node.name.value] = func
        self.block(node.body.body, inner) if isinstance(node.body, cst.IndentedBlock) else None
        returned = [r for r in inner.returns if r is not None]
        if len(returned) == 1 and isinstance(returned[0], ModelObj):
            func.returns = returned[0]

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

    def resolve(self, node: cst.BaseExpression, ctx: Ctx) -> str | None:
        """Like ImportTable.resolve, but a name bound inside an enclosing function (a parameter, a loop
        variable, a local assignment) hides a module-level import of the same name."""
        head = (dotted(node) or "").split(".")[0]
        scope: Scope | None = ctx.scope
        while scope is not None and scope is not self.module_scope:
            if head in scope.bindings:
                return None
            scope = scope.parent
        return self.imports.resolve(node)

    def _is_keras(self, node: cst.BaseExpression) -> bool:
        resolved = self.imports.resolve(node)
        return bool(resolved and split_keras(resolved))

    # ------------------------------------------------------------- subclass

    def subclass_model(self, node: cst.ClassDef, ctx: Ctx) -> None:
        methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)} \
            if isinstance(node.body, cst.IndentedBlock) else {}
        model = Model(kind="subclass", span=self.span(node), var=node.name.value)
        env = dict(ctx.env)
        init = methods.get("__init__")
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

    # ----------------------------------------------------------- expressions

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
        if isinstance(node, cst.Call):
            return self.call(node, ctx)
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
            return self.apply(Layer("Model", "keras.Model", "model", self.span(node)), node, ctx)
        if isinstance(callee, FuncObj):
            return callee.returns if callee.returns else (DataObj("generator") if callee.is_generator else None)
        if isinstance(callee, ClassObj):
            if callee.is_model:
                return ctx.env.get(f"class:{callee.node.name.value}")
            return DataObj("sequence") if callee.is_sequence else None
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
        if name == "Sequential":
            return self.sequential(node, ctx)
        if name in ("Model", "Functional"):
            return self.functional(node, ctx)
        if name == "Input":
            layer = self.construct(node, "Input", resolved, ctx)
            return TensorObj(ctx.graph, ctx.graph.add(layer))
        if name in ("concatenate", "add", "multiply", "average", "subtract", "maximum", "minimum", "dot"):
            layer = Layer(name.capitalize() if name != "dot" else "Dot", resolved, "merge", self.span(node))
            return self.apply(layer, node, ctx, construct_args=False)
        if keras_api.spec(name) is not None:
            layer = self.construct(node, name, resolved, ctx)
            return LayerObj(layer)
        return None

    def construct(self, node: cst.Call, name: str, qualname: str, ctx: Ctx) -> Layer:
        spec = keras_api.spec(name)
        layer = Layer(cls=name, qualname=qualname, family=spec.family if spec else "other", span=self.span(node))
        if isinstance(node.func, (cst.Name, cst.Attribute)):
            layer.callee_span = self.positions.callee(node)
            layer.callee_text = dotted(node.func)
        for key, arg in named_args(node, spec.positional if spec else ()):
            if arg.star:
                layer.has_star_args = True
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
        return Layer("?", dotted(node.func if isinstance(node, cst.Call) else node) or "?", "unknown",
                     self.span_or(node, near))

    def apply(self, layer: Layer, node: cst.Call, ctx: Ctx, construct_args: bool = True) -> Obj | None:
        self.used_templates.add(id(layer))
        inputs: list[Ref] = []
        graph = ctx.graph
        first = node.args[0].value if node.args and not node.args[0].star and node.args[0].keyword in (
            None,) else None
        if first is None:
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in ("inputs", "x"):
                    first = arg.value
        source = self.expr(first, ctx) if first is not None else None
        tensors = [source] if isinstance(source, TensorObj) else source.tensors if isinstance(
            source, TensorsObj) else []
        for tensor in tensors:
            if tensor.graph is not graph:
                tensors = []
                break
        if not tensors:
            unknown = Layer("?", "?", "unknown", self.span_or(first, self.span(node)) if first is not None
                            else self.span(node))
            inputs = [Ref(graph.add(unknown))]
        else:
            inputs = [Ref(t.node, t.index) for t in tensors]
        return TensorObj(graph, graph.add(dataclasses.replace(layer, inputs=inputs)))

    # ------------------------------------------------------------- models

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
                    if isinstance(element, cst.StarredElement):
                        model.complete = False
                        items.append(Layer("?", "?", "unknown", model.span))
                    else:
                        items.append(self.layer_from(element.value, ctx, model.span))
            else:
                model.complete = False
                items.append(Layer("?", "?", "unknown", model.span))
        obj = ModelObj(model, depth=ctx.depth)
        for layer in items:
            self.append_sequential(obj, layer)
        self.models_by_id[id(model)] = obj
        self.out.models.append(model)
        return obj

    def append_sequential(self, obj: ModelObj, layer: Layer, added_at: Span | None = None) -> None:
        model = obj.model
        if layer.family == "unknown":
            model.complete = False
        if not model.layers and layer.family != "input":
            declared = implicit_input(layer)
            if declared is not None:
                model.layers.append(declared)
        previous = len(model.layers) - 1
        placed = dataclasses.replace(layer, inputs=[Ref(previous)] if previous >= 0 else [], added_at=added_at)
        model.layers.append(placed)
        model.outputs = [Ref(len(model.layers) - 1)]

    def sequential_add(self, node: cst.BaseExpression, ctx: Ctx) -> bool:
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "add"):
            return False
        obj = self.expr(node.func.value, ctx)
        if not isinstance(obj, ModelObj) or obj.model.kind != "sequential":
            return False
        if not node.args:
            return True
        layer = self.layer_from(node.args[0].value, ctx, self.span(node))
        if ctx.depth != obj.depth:
            obj.model.complete = False
            layer = Layer("?", "?", "unknown", layer.span)
        self.append_sequential(obj, layer, self.span(node) if node is self.statement_call else None)
        self.scan_calls(node.args[0].value, ctx)
        return True

    def functional(self, node: cst.Call, ctx: Ctx) -> ModelObj | None:
        inputs_node = outputs_node = None
        for i, arg in enumerate(node.args):
            key = arg.keyword.value if arg.keyword is not None else ("inputs", "outputs")[i] if i < 2 else None
            if key == "inputs":
                inputs_node = arg.value
            elif key == "outputs":
                outputs_node = arg.value
        if outputs_node is None:
            return None
        model = Model(kind="functional", span=self.span(node), var=None)
        outputs = self.expr(outputs_node, ctx)
        inputs = self.expr(inputs_node, ctx) if inputs_node is not None else None
        if outputs is None:
            model.complete = False
        else:
            self.graph_model(model, ctx.graph, outputs)
        if not isinstance(inputs, (TensorObj, TensorsObj)):
            model.complete = False
        obj = ModelObj(model, depth=ctx.depth)
        self.models_by_id[id(model)] = obj
        self.out.models.append(model)
        return obj

    def graph_model(self, model: Model, graph: Graph, outputs: Obj) -> None:
        tensors = [outputs] if isinstance(outputs, TensorObj) else outputs.tensors if isinstance(
            outputs, TensorsObj) else []
        if not tensors:
            model.complete = False
            return
        seen: set[int] = set()
        stack = [t.node for t in tensors if t.graph is graph]
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            stack.extend(ref.layer for ref in graph.nodes[index].inputs)
        order = sorted(seen)
        renumber = {old: new for new, old in enumerate(order)}
        for old in order:
            layer = graph.nodes[old]
            if layer.family == "unknown":
                model.complete = False
            model.layers.append(dataclasses.replace(
                layer, inputs=[Ref(renumber[r.layer], r.index) for r in layer.inputs]))
        model.outputs = [Ref(renumber[t.node], t.index) for t in tensors if t.node in renumber]

    # -------------------------------------------------------- model calls

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
        if method == "build" and "input_shape" in record.args:
            obj.model.build_shape = record.args["input_shape"].value
        obj.model.calls.append(record)

    def _model_of_layer(self, layer: Layer) -> ModelObj | None:
        for obj in self.models_by_id.values():
            if any(m is layer or (m.span == layer.span and m.cls == layer.cls) for m in obj.model.layers):
                return obj
        return None


def named_args(call: cst.Call, positional: tuple[str, ...]) -> Iterator[tuple[str | None, cst.Arg]]:
    """Each argument with the parameter it binds: its keyword, or the positional parameter in order (None
    past the known ones; ``*args`` / ``**kwargs`` come with None too and ``arg.star`` set)."""
    index = 0
    for arg in call.args:
        if arg.star:
            yield None, arg
        elif arg.keyword is not None:
            yield arg.keyword.value, arg
        elif index < len(positional):
            yield positional[index], arg
            index += 1
        else:
            yield None, arg


def obj_var(obj: Obj) -> str | None:
    return obj.layer.var if isinstance(obj, LayerObj) else obj.model.var if isinstance(obj, ModelObj) else None


def set_var(obj: Obj, name: str) -> None:
    if isinstance(obj, LayerObj):
        obj.layer.var = name
    elif isinstance(obj, ModelObj):
        obj.model.var = name


def implicit_input(layer: Layer) -> Layer | None:
    """The input layer that a first layer's input_shape= / input_dim= / batch_input_shape= declares."""
    source = layer
    if layer.wrapped is not None and not any(k in layer.args for k in INPUT_KWARGS):
        source = layer.wrapped
    args = {k: v for k, v in source.args.items() if k in INPUT_KWARGS}
    if source.family == "embedding":
        # Embedding's own input_dim is the vocabulary size, not an input-spec keyword.
        args.pop("input_dim", None)
    if not any(k in args for k in ("input_shape", "input_dim", "batch_input_shape")):
        return None
    return Layer("Input", "keras.Input", "input", source.span, args=args, implicit=True, declared_by=source.family)


def _contains_yield(node: cst.FunctionDef) -> bool:
    """A generator function (a nested function's yield does not count)."""
    nested = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
    inside = walk(node.body, enter=lambda n: type(n) not in nested)
    return any(type(n) is cst.Yield for n in inside)
