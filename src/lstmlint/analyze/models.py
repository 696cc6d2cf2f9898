"""libcst -> model IR: finds Keras layer constructions and the models they form.

One pass over the statements of each scope, in order, with an environment of the objects that names hold
(layers, tensors, models, training-data objects). Branches are walked from the same environment and merged:
a name that holds different objects on different paths holds nothing known afterwards, and a name assigned in
a loop holds nothing known in or after it. Model forms: ``Sequential([...])``, ``Sequential()`` + ``.add``
(a layer added in a branch or a loop makes the rest of the list unknown), the functional API (every tensor a
call takes, shared layers), subclassed ``keras.Model``. Nothing is executed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Iterator, Union

import libcst as cst

from lstmlint import keras_api
from lstmlint.analyze.imports import ImportTable, dotted, keras_distribution, split_keras
from lstmlint.analyze.flow import Flow, Scope, analyze_flow, captures, irrefutable, suppresses
from lstmlint.analyze.values import Evaluator
from lstmlint.analyze.walk import walk
from lstmlint.ir import Arg, Call, Import, Layer, Model, Module, Ref, Span, Value
from lstmlint.lines import lines_with_ends

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
    block: object = None  # the block that built it: .add / .pop elsewhere may run any number of times
    origins: dict[int, int] = field(default_factory=dict)  # id of a layer object -> its index in the model
    open_tail: bool = False  # the last layer stands for layers added in a branch or a loop
    # a model returned by a function: each call of it builds another model object (with weights of its own),
    # which this stands for; None for a model built where it is used
    instance: object | None = None


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
    returns: "ModelObj | None" = None
    is_generator: bool = False


Obj = Union[LayerObj, TensorObj, TensorsObj, ModelObj, DataObj, ClassObj, FuncObj]


@dataclass
class Graph:
    """Layer applications of one scope, for the functional API (a node per application)."""

    nodes: list[Layer] = field(default_factory=list)
    origins: list[int | None] = field(default_factory=list)  # id of the layer object each node calls

    def add(self, layer: Layer, origin: int | None = None) -> int:
        self.nodes.append(layer)
        self.origins.append(origin)
        return len(self.nodes) - 1


_MISSING = object()


class Env(dict):
    """What names hold (``x``, ``self.lstm``, ``class:Name``). Changes are logged, so that a branch can be
    walked in place, rolled back and merged with its siblings."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.undo: list[tuple[str, object]] = []

    def __setitem__(self, key: str, value: Obj) -> None:
        self.undo.append((key, self.get(key, _MISSING)))
        super().__setitem__(key, value)

    def pop(self, key: str, default=None):  # type: ignore[override]
        if key not in self:
            return default
        self.undo.append((key, self[key]))
        return super().pop(key)

    def take(self, mark: int) -> dict[str, object]:
        """The changes since ``mark`` (key -> object, or _MISSING), rolled back."""
        changes = {key: self.get(key, _MISSING) for key, _ in self.undo[mark:]}
        for key, old in reversed(self.undo[mark:]):
            if old is _MISSING:
                super().pop(key, None)
            else:
                super().__setitem__(key, old)
        del self.undo[mark:]
        return changes

    def merge(self, branches: list[tuple[dict[str, object], bool]]) -> bool:
        """Keeps what every live branch agrees on (the same object); False when no branch goes on."""
        alive = [changes for changes, live in branches if live]
        if not alive:
            return False
        keys: dict[str, None] = {}
        for changes in alive:
            keys.update(dict.fromkeys(changes))
        for key in keys:
            before = self.get(key, _MISSING)
            first = alive[0].get(key, before)
            if first is not _MISSING and all(c.get(key, before) is first for c in alive[1:]):
                self[key] = first  # type: ignore[assignment]
            else:
                self.pop(key)
        return True


@dataclass
class Ctx:
    scope: Scope
    env: Env
    graph: Graph
    block: object = field(default_factory=object)  # a new one per branch, loop body and function body
    returns: list[Obj | None] = field(default_factory=list)

    def inner(self) -> Ctx:
        """The context of a block that runs conditionally or repeatedly (same names, new block)."""
        return dataclasses.replace(self, block=object())


_ENDS = (cst.Return, cst.Raise, cst.Break, cst.Continue)
TENSOR_KEYWORDS = ("initial_state", "constants", "mask")
_IGNORED_CALL_KEYWORDS = ("training",)


class Analyzer:
    def __init__(self, module: cst.Module, path: str, positions, text: str = "") -> None:
        self.cst_module = module
        self.text = text
        self.lines = lines_with_ends(text)
        self.positions = positions
        self.imports = ImportTable()
        self.out = Module(path=path)
        self.templates: list[Layer] = []
        self.used_templates: set[int] = set()  # layers placed in a Sequential, wrapped or given as a cell
        self.applied: set[int] = set()  # layers called on tensors…
        self.placed: set[int] = set()  # …and those calls that ended up in a model
        self.alive: list[object] = []  # what the id() keys above stand for, kept from being freed (see apply)
        self.models_by_id: dict[int, ModelObj] = {}
        self.statement_call: cst.BaseExpression | None = None  # the expression of a one-statement line

    # ----------------------------------------------------------------- entry

    def run(self) -> Module:
        # `if` tests on module-level constants are decided, unless a function may rebind module names
        constants = "global" not in self.text and "nonlocal" not in self.text
        self.flow: Flow = analyze_flow(self.cst_module, SCANNED_METHODS, constants)
        self.scopes, self.hot, self.module_scope = self.flow.scopes, self.flow.hot, self.flow.module_scope
        self.evaluator = Evaluator(self.imports, self.cst_module.code_for_node, self.flow)
        ctx = Ctx(self.module_scope, Env(), Graph())
        self.block(self.cst_module.body, ctx)
        self.out.loose_layers = [t for t in self.templates
                                 if t.family != "input" and id(t) not in self.used_templates
                                 and (id(t) not in self.applied or id(t) not in self.placed)]
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

    def block(self, body, ctx: Ctx) -> bool:
        """The statements of a block, in order; False when the block never goes on past its end (a return,
        raise, break or continue on every path)."""
        live = True
        for statement in body:
            if not self.statement(statement, ctx):
                live = False
        return live

    def suite(self, node: cst.BaseSuite | None, ctx: Ctx) -> bool:
        if node is None:
            return True
        if isinstance(node, cst.SimpleStatementSuite):
            for small in node.body:
                self.small_statement(small, ctx)
            return not any(type(small) in _ENDS for small in node.body)
        return self.block(node.body, ctx)

    def statement(self, node: cst.CSTNode, ctx: Ctx) -> bool:
        if isinstance(node, cst.SimpleStatementLine):
            if len(node.body) == 1 and isinstance(node.body[0], cst.Expr):
                self.statement_call = node.body[0].value
            for small in node.body:
                self.small_statement(small, ctx)
            self.statement_call = None
            return not any(type(small) in _ENDS for small in node.body)
        if isinstance(node, cst.FunctionDef):
            self.function_def(node, ctx)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node, ctx)
        elif isinstance(node, cst.If):
            return self.if_statement(node, ctx)
        elif isinstance(node, (cst.For, cst.While)):
            return self.loop(node, ctx)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            return self.try_statement(node, ctx)
        elif isinstance(node, cst.With):
            return self.with_statement(node, ctx)
        elif isinstance(node, cst.Match):
            return self.match_statement(node, ctx)
        else:
            self.scan_calls(node, ctx)
        return True

    def if_statement(self, node: cst.If, ctx: Ctx) -> bool:
        self.scan_calls(node.test, ctx)
        env, mark = ctx.env, len(ctx.env.undo)
        live = self.suite(node.body, ctx.inner())
        branches = [(env.take(mark), live)]
        if isinstance(node.orelse, cst.If):
            live = self.if_statement(node.orelse, ctx.inner())
        else:
            live = self.suite(node.orelse.body if node.orelse is not None else None, ctx.inner())
        branches.append((env.take(mark), live))
        decided = self.flow.decided.get(id(node))
        if decided is not None:  # a constant test: the other branch never runs
            dead = branches[1 if decided else 0]
            branches[1 if decided else 0] = (dead[0], False)
        return env.merge(branches)

    def loop(self, node: cst.For | cst.While, ctx: Ctx) -> bool:
        # whatever the loop assigns holds one of several objects from its first statement on (the next
        # iteration's view) and after it
        self.scan_calls(node.iter if isinstance(node, cst.For) else node.test, ctx)
        for key in self.flow.assigned.get(id(node), ()):
            ctx.env.pop(key)
        inner = ctx.inner()
        if isinstance(node, cst.For):
            self.assign(node.target, None, inner)
        env, mark = ctx.env, len(ctx.env.undo)
        self.suite(node.body, inner)
        env.take(mark)
        if node.orelse is not None:
            live = self.suite(node.orelse.body, ctx.inner())
            env.merge([(env.take(mark), live), ({}, True)])
        return True

    def try_statement(self, node: cst.Try | cst.TryStar, ctx: Ctx) -> bool:
        env, mark = ctx.env, len(ctx.env.undo)
        body = ctx.inner()
        live = self.suite(node.body, body)
        if node.orelse is not None and live:
            live = self.suite(node.orelse.body, body)
        branches = [(env.take(mark), live)]
        for handler in node.handlers:
            # an exception may leave the body after any of its statements
            for key in self.flow.assigned.get(id(node), ()):
                env.pop(key)
            inner = ctx.inner()
            self.scan_calls(handler.type, inner)
            if handler.name is not None:
                self.assign(handler.name.name, None, inner)
            live = self.suite(handler.body, inner)
            branches.append((env.take(mark), live))
        live = env.merge(branches)
        if node.finalbody is not None:
            # `finally` runs on every path that goes on: it is straight-line code after the merge
            live = self.suite(node.finalbody.body, ctx) and live
        return live

    def with_statement(self, node: cst.With, ctx: Ctx) -> bool:
        for item in node.items:
            self.scan_calls(item.item, ctx)
            if item.asname is not None:  # `with ... as name` rebinds the name to something unknown
                self.assign(item.asname.name, None, ctx)
        if not suppresses(node):
            return self.suite(node.body, ctx)  # the body runs once, in order: straight-line code
        env, mark = ctx.env, len(ctx.env.undo)
        live = self.suite(node.body, ctx.inner())
        normal = env.take(mark)
        escaped = {key: _MISSING for key in self.flow.assigned.get(id(node), ())}
        env.merge([(normal, live), (escaped, True)])
        return True

    def match_statement(self, node: cst.Match, ctx: Ctx) -> bool:
        self.scan_calls(node.subject, ctx)
        env, mark = ctx.env, len(ctx.env.undo)
        branches = []
        exhaustive = False
        for case in node.cases:
            inner = ctx.inner()
            for capture in captures(case.pattern):
                self.assign(capture, None, inner)
            self.scan_calls(case.guard, inner)
            live = self.suite(case.body, inner)
            branches.append((env.take(mark), live))
            if case.guard is None and irrefutable(case.pattern):
                exhaustive = True
        if not exhaustive:
            branches.append(({}, True))
        return env.merge(branches)

    def small_statement(self, node: cst.CSTNode, ctx: Ctx) -> None:
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            self.import_rebinds(node, ctx)
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
        if isinstance(node, cst.AugAssign):  # `x += y` makes x something else (an op's result at best)
            self.expr(node.value, ctx)
            self.assign(node.target, None, ctx)
        elif isinstance(node, cst.Del):
            self.assign(node.target, None, ctx)
        self.scan_calls(node, ctx)

    def import_rebinds(self, node: cst.Import | cst.ImportFrom, ctx: Ctx) -> None:
        """An import rebinds its names; a star import from outside Keras may rebind any name."""
        if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
            module = dotted(node.module) if node.module is not None else None
            if node.relative or module is None or keras_distribution(module) is None:
                for key in list(ctx.env):
                    ctx.env.pop(key)
            return
        for alias in node.names:  # type: ignore[union-attr]
            local = alias.asname.name if alias.asname is not None else alias.name
            key = dotted(local) if isinstance(local, (cst.Name, cst.Attribute)) else None
            if key is not None:
                ctx.env.pop(key.split(".")[0])

    def assign(self, target: cst.BaseExpression, obj: Obj | None, ctx: Ctx) -> None:
        key = dotted(target)
        if key is not None:
            if isinstance(target, cst.Name) and key in ctx.scope.volatile:
                obj = None  # a function rebinds it (global / nonlocal): it may hold anything
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
            starred = False
            for i, element in enumerate(target.elements):
                if isinstance(element, cst.StarredElement):
                    starred = True  # what it and the names after it take depends on the length: unknown
                    self.assign(element.value, None, ctx)
                    continue
                part: Obj | None = None
                if starred:
                    pass
                elif isinstance(obj, TensorObj) and obj.index is None:
                    part = TensorObj(obj.graph, obj.node, i)
                elif isinstance(obj, TensorsObj) and i < len(obj.tensors):
                    part = obj.tensors[i]
                self.assign(element.value, part, ctx)

    def function_def(self, node: cst.FunctionDef, ctx: Ctx) -> None:
        scope = self.scopes[id(node)]
        inner = Ctx(scope, self.function_env(ctx, scope), Graph())
        func = FuncObj(node, is_generator=_contains_yield(node))
        ctx.env[node.name.value] = func
        self.suite(node.body, inner)
        returned = [r for r in inner.returns if r is not None]
        if len(returned) == 1 and isinstance(returned[0], ModelObj):
            func.returns = returned[0]

    def function_env(self, ctx: Ctx, scope: Scope) -> Env:
        """What a function body sees of the objects around it. It runs when it is called, so only names
        bound once keep their object (any other may hold something else by then), and never the function's
        own locals and parameters."""
        env = Env()
        for key, obj in ctx.env.items():
            head = key.split(".", 1)[0]
            if head in scope.bindings:
                continue
            owner = ctx.scope.owner(head)
            if owner is not None and (len(owner.bindings.get(head, ())) > 1 or head in owner.volatile):
                continue
            dict.__setitem__(env, key, obj)
        return env

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
            return self.apply(Layer("Model", "keras.Model", "model", self.span(node)), node, ctx,
                              origin=callee.model if callee.instance is None else callee.instance)
        if isinstance(callee, FuncObj):
            return self.call_result(callee)
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
        if keras_api.spec(name) is not None:
            layer = self.construct(node, name, resolved, ctx)
            return LayerObj(layer)
        return None

    def call_result(self, func: FuncObj) -> Obj | None:
        """What a call of a function of the file returns (only a model is followed: see function_def). The
        model it builds is a new object at every call, with weights of its own: two calls are two models, never
        one shared, so each call gets an instance of its own."""
        if func.returns is not None:
            return dataclasses.replace(func.returns, instance=object())
        return DataObj("generator") if func.is_generator else None

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

    def apply(self, layer: Layer, node: cst.Call, ctx: Ctx, origin: object | None = None) -> Obj | None:
        """A call of a layer (or a model: ``origin``) on tensors: a new graph node, with an edge from every
        tensor the call takes. A tensor passed in a way that is not followed becomes an unknown node, so the
        model is incomplete rather than missing the layers behind it."""
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
            elif keyword in ("inputs", "x") or (keyword is None and positional == 0):
                positional += keyword is None
                first = arg.value
            elif keyword is None and positional == 1 and _takes_initial_state(layer):
                positional += 1
                extra["initial_state"] = self.tensor_refs(arg.value, node, ctx)
            elif keyword in TENSOR_KEYWORDS:
                if not _is_none(arg.value):
                    extra[keyword] = self.tensor_refs(arg.value, node, ctx)
            elif keyword not in _IGNORED_CALL_KEYWORDS:
                positional += keyword is None
                if isinstance(self.expr(arg.value, ctx), (TensorObj, TensorsObj)):
                    extra.setdefault("?", []).append(self.unknown_node(arg.value, node, graph))
        if first is None:
            inputs = [self.unknown_node(None, node, graph)]
        else:
            inputs = self.tensor_refs(first, node, ctx)
        placed = dataclasses.replace(layer, inputs=inputs, keyword_inputs=extra)
        return TensorObj(graph, graph.add(placed, id(origin)))

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
        tensors = [source] if isinstance(source, TensorObj) else source.tensors if isinstance(
            source, TensorsObj) else []
        if not tensors or any(t.graph is not graph for t in tensors):
            return [self.unknown_node(node, call, graph)]
        return [Ref(t.node, t.index) for t in tensors]

    def unknown_node(self, node: cst.BaseExpression | None, call: cst.Call, graph: Graph) -> Ref:
        span = self.span_or(node, self.span(call)) if node is not None else self.span(call)
        return Ref(graph.add(Layer("?", "?", "unknown", span)))

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
        obj = ModelObj(model, block=ctx.block)
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
        reached: set[int] = set()
        if outputs is None:
            model.complete = False
        else:
            reached = self.graph_model(model, ctx.graph, outputs)
        if not isinstance(inputs, (TensorObj, TensorsObj)):
            model.complete = False
        else:
            # a declared input that no output depends on: Keras accepts it, but here it most likely means a
            # path the analysis did not follow
            declared = [inputs] if isinstance(inputs, TensorObj) else inputs.tensors
            if any(t.graph is not ctx.graph or t.node not in reached for t in declared):
                model.complete = False
        obj = ModelObj(model, block=ctx.block)
        self.models_by_id[id(model)] = obj
        self.out.models.append(model)
        return obj

    def graph_model(self, model: Model, graph: Graph, outputs: Obj) -> set[int]:
        """The layers the outputs depend on, through every edge (inputs, initial_state=, mask=…), in the
        order they were called; a layer object called twice is marked as sharing the first call's weights.
        Returns the graph nodes reached."""
        tensors = [outputs] if isinstance(outputs, TensorObj) else outputs.tensors if isinstance(
            outputs, TensorsObj) else []
        if not tensors or any(t.graph is not graph for t in tensors):
            model.complete = False
        seen: set[int] = set()
        stack = [t.node for t in tensors if t.graph is graph]
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            stack.extend(ref.layer for ref in _edges(graph.nodes[index]))
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
            model.layers.append(dataclasses.replace(
                layer, inputs=[Ref(renumber[r.layer], r.index) for r in layer.inputs],
                keyword_inputs={k: [Ref(renumber[r.layer], r.index) for r in refs]
                                for k, refs in layer.keyword_inputs.items()},
                same_as=same_as))
        model.outputs = [Ref(renumber[t.node], t.index) for t in tensors if t.node in renumber]
        return seen

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


def _edges(layer: Layer) -> Iterator[Ref]:
    yield from layer.inputs
    for refs in layer.keyword_inputs.values():
        yield from refs


def _takes_initial_state(layer: Layer) -> bool:
    """A recurrent layer's call takes (inputs, initial_state, …) positionally."""
    inner = layer.wrapped if layer.cls == "Bidirectional" and layer.wrapped is not None else layer
    return inner.family in ("recurrent", "conv-recurrent")


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _contains_yield(node: cst.FunctionDef) -> bool:
    """A generator function (a nested function's yield does not count)."""
    nested = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
    inside = walk(node.body, enter=lambda n: type(n) not in nested)
    return any(type(n) is cst.Yield for n in inside)
