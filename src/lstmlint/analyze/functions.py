"""Functions of the file: the model a function returns, and what each call of it gives.

A function is analysed once where it is defined, with its parameters unknown. A call of it whose arguments
give at least one parameter a known value (or a default) is analysed again, at the call, with those values:
each such call builds its own models (``Model.sites`` names the call), and returns what that run of the body
returns (a model, a layer or a tensor). When every call was analysed so, the models of the first analysis are
dropped. Bounded: calls nested at most ``MAX_DEPTH`` deep, at most ``MAX_CALLS`` calls analysed per function;
past them, and for recursion, decorated functions and generators, a call gives what it gave before (the model
analysed with parameters unknown, or nothing).

Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from lstmlint.analyze.objects import (ClassObj, Ctx, DataObj, Env, FuncObj, Graph, LayerObj, ModelObj, Obj, TensorObj,
                                      TensorsObj)
from lstmlint.analyze.reach import Scope
from lstmlint.analyze.value_helpers import informative
from lstmlint.analyze.walk import walk
from lstmlint.ir import Site, Value

MAX_DEPTH = 3  # a call analysed inside a call analysed inside a call, no deeper
MAX_CALLS = 8  # calls of one function analysed with their values; further ones give the generic result


class Functions:
    def function_def(self, node: cst.FunctionDef, ctx: Ctx) -> None:
        scope = self.scopes[id(node)]
        env = self.function_env(ctx, scope)
        inner = Ctx(scope, env, Graph())
        func = FuncObj(node, is_generator=_contains_yield(node), env=dict(env.items()), outer=ctx.scope,
                       late=_late_names(node, scope, env))
        ctx.env[node.name.value] = func
        self.functions.append(func)
        models, templates = len(self.out.models), len(self.templates)
        self.suite(node.body, inner)
        self.open_graphs(inner)
        func.generic_models = self.out.models[models:]
        func.generic_templates = self.templates[templates:]
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

    def call_function(self, func: FuncObj, node: cst.Call, ctx: Ctx) -> Obj | None:
        """A call of a function of the file: analysed with the values its arguments give, where it can be."""
        key = (id(node), id(self.calling[-1][1]) if self.calling else 0)
        if key in self.call_memo:  # the same call met again in the same run (its argument read twice)
            return self.call_memo[key]
        result = self.call_memo[key] = self._call_function(func, node, ctx)
        return result

    def _call_function(self, func: FuncObj, node: cst.Call, ctx: Ctx) -> Obj | None:
        if func.node.decorators:
            return None  # a decorator may return anything in place of the function
        if func.is_generator:
            return DataObj("generator")
        if any(f is func for f, _ in self.calling) or len(self.calling) >= MAX_DEPTH or func.calls_analysed >= MAX_CALLS:
            func.generic_used = True
            return self.call_result(func)
        bound = self.bind_arguments(func, node, ctx)
        if bound is None:
            return None  # the call raises a TypeError, or binds its arguments in a way not followed
        values, objects = bound
        site = Site(func.node.name.value, self.span(node).line)
        if not any(informative(v) for v in values.values()) and not objects:
            if ctx.scope is self.module_scope and not func.generic_used and not func.calls_analysed and any(
                    isinstance(ctx.env.get(name), (FuncObj, ClassObj)) for name in func.late):
                # `main()` at the end of a script, calling functions defined below it: its body runs here,
                # where they are bound (analysed once; a further call gives the generic result)
                func.calls_analysed += 1
                late_env = self.function_env(ctx, self.scopes[id(func.node)])
                return self.run_call(func, values, objects, site, ctx, late_env)
            func.generic_used = True
            return self.call_result(func)
        func.calls_analysed += 1
        return self.run_call(func, values, objects, site, ctx)

    def run_call(self, func: FuncObj, values: dict[str, Value], objects: dict[str, Obj], site: Site,
                 ctx: Ctx, seen: Env | None = None) -> Obj | None:
        """The body run once, at the call: in the caller's block (so `.add` on a model passed in stays in
        order) and graph (so tensors passed in and out are the caller's). ``seen``: the objects around it, when
        not those of its definition."""
        scope = self.scopes[id(func.node)]
        given = {id(scope.bindings[name][0]): value for name, value in values.items() if scope.bindings.get(name)}
        env = Env()
        for key, obj in (seen if seen is not None else func.env).items():
            dict.__setitem__(env, key, obj)
        for name, obj in objects.items():
            dict.__setitem__(env, name, obj)
        inner = Ctx(scope, env, ctx.graph, block=ctx.block)
        models = len(self.out.models)
        saved = self.evaluator.enter(given)
        self.calling.append((func, object()))  # a token per run: the memo key of the calls met in it
        try:
            live = self.suite(func.node.body, inner)
        finally:
            self.calling.pop()
            self.evaluator.leave(saved)
        for model in self.out.models[models:]:
            model.sites.append(site)
        returned = [r for r in inner.returns if r is not None]
        if len(returned) == 1 and isinstance(returned[0], ModelObj):
            return returned[0]
        if len(inner.returns) == 1 and not live and isinstance(returned[0] if returned else None,
                                                               (LayerObj, TensorObj, TensorsObj)):
            return returned[0]
        return None

    def bind_arguments(self, func: FuncObj, node: cst.Call,
                       ctx: Ctx) -> tuple[dict[str, Value], dict[str, Obj]] | None:
        """Each parameter's value at this call (Python's binding rules): its argument, else its default; a
        parameter that `*args` / `**kwargs` of unknown content may fill is unknown. None when the call would
        raise a TypeError."""
        params = func.node.params
        positional = [*params.posonly_params, *params.params][1 if func.method else 0:]
        by_name = {p.name.value: p for p in [*params.params, *params.kwonly_params]}
        star = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None
        star_kwarg = params.star_kwarg.name.value if params.star_kwarg is not None else None
        line = self.span(node).line
        name = func.name or func.node.name.value
        values: dict[str, Value] = {}
        objects: dict[str, Obj] = {}
        opened = False  # an unpacking of unknown content: any parameter not bound by name may be filled
        index = 0

        def bind(param: str, value_node: cst.BaseExpression) -> bool:
            if param in values:
                return False  # "got multiple values for argument"
            value = self.evaluator.evaluate(value_node, ctx.scope)
            if not informative(value):
                value = Value.unknown(f"parameter `{param}` of {name}(), called with a value we cannot read at "
                                      f"line {line}", value.text, name=value.name)
            values[param] = value
            obj = self.expr(value_node, ctx)
            if obj is not None:
                objects[param] = obj
            return True

        for arg in node.args:
            if arg.star == "*":
                if isinstance(arg.value, (cst.List, cst.Tuple)) and not opened and not any(
                        isinstance(e, cst.StarredElement) for e in arg.value.elements):
                    for element in arg.value.elements:
                        if index >= len(positional):
                            if star is None:
                                return None
                        elif not bind(positional[index].name.value, element.value):
                            return None
                        index += 1
                    continue
                self.expr(arg.value, ctx)
                opened = True
            elif arg.star == "**":
                pairs = _literal_keywords(arg.value)
                if pairs is None:
                    self.expr(arg.value, ctx)
                    opened = True
                    continue
                for key, value_node in pairs:
                    if key in by_name:
                        if not bind(key, value_node):
                            return None
                    elif star_kwarg is None:
                        return None
            elif arg.keyword is not None:
                key = arg.keyword.value
                if key in by_name:
                    if not bind(key, arg.value):
                        return None
                elif star_kwarg is None:
                    return None
                else:
                    self.expr(arg.value, ctx)
            elif opened:
                self.expr(arg.value, ctx)
            elif index < len(positional):
                if not bind(positional[index].name.value, arg.value):
                    return None
                index += 1
            elif star is None:
                return None
            else:
                self.expr(arg.value, ctx)
        for param in [*positional, *params.kwonly_params]:
            key = param.name.value
            if key in values:
                continue
            if opened:
                values[key] = Value.unknown(f"parameter `{key}` of {name}() may be given by the unpacking at "
                                            f"line {line}")
            elif param.default is not None:
                values[key] = self.evaluator.evaluate(param.default, func.outer or self.module_scope)
            else:
                return None  # "missing a required argument"
        for key in (star, star_kwarg):
            if key is not None:
                values[key] = Value.unknown(f"parameter `{key}` of {name}() collects arguments")
        return values, objects

    def call_result(self, func: FuncObj) -> Obj | None:
        """What a call of a function of the file returns (only a model is followed: see function_def). The
        model it builds is a new object at every call, with weights of its own: two calls are two models, never
        one shared, so each call gets an instance of its own."""
        if func.returns is not None:
            return dataclasses.replace(func.returns, instance=object())
        return DataObj("generator") if func.is_generator else None

    def drop_generic(self) -> None:
        """The models and layers of a function analysed with its parameters unknown, when every call of it
        was analysed with its values: they stand for no call of the module."""
        dropped_models: set[int] = set()
        dropped_layers: set[int] = set()
        for func in self.functions:
            if func.calls_analysed and not func.generic_used:
                dropped_models.update(id(m) for m in func.generic_models)
                dropped_layers.update(id(t) for t in func.generic_templates)
        if dropped_models:
            self.out.models = [m for m in self.out.models if id(m) not in dropped_models]
        if dropped_layers:
            self.out.loose_layers = [t for t in self.out.loose_layers if id(t) not in dropped_layers]


def _literal_keywords(node: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]] | None:
    """``**{"units": 64}``: the keywords it gives; None when they are not all written."""
    pairs = []
    if isinstance(node, cst.Dict):
        for element in node.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                return None
            key = element.key.evaluated_value
            if not isinstance(key, str):
                return None
            pairs.append((key, element.value))
        return pairs
    return None


def _late_names(node: cst.FunctionDef, scope: Scope, env: Env) -> frozenset:
    """The names the body calls that neither it nor the objects around its definition bind."""
    nested = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
    called = {n.func.value for n in walk(node.body, enter=lambda n: type(n) not in nested)
              if type(n) is cst.Call and type(n.func) is cst.Name}
    return frozenset(name for name in called if name not in scope.bindings and name not in env)


def _contains_yield(node: cst.FunctionDef) -> bool:
    """A generator function (a nested function's yield does not count)."""
    nested = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
    inside = walk(node.body, enter=lambda n: type(n) not in nested)
    return any(type(n) is cst.Yield for n in inside)
