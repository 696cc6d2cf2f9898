"""Functions of the file: the model a function returns, and what each call of it gives.

Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from lstmlint.analyze.objects import Ctx, DataObj, Env, FuncObj, Graph, ModelObj, Obj
from lstmlint.analyze.reach import Scope
from lstmlint.analyze.walk import walk


class Functions:
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

    def call_result(self, func: FuncObj) -> Obj | None:
        """What a call of a function of the file returns (only a model is followed: see function_def). The
        model it builds is a new object at every call, with weights of its own: two calls are two models, never
        one shared, so each call gets an instance of its own."""
        if func.returns is not None:
            return dataclasses.replace(func.returns, instance=object())
        return DataObj("generator") if func.is_generator else None


def _contains_yield(node: cst.FunctionDef) -> bool:
    """A generator function (a nested function's yield does not count)."""
    nested = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
    inside = walk(node.body, enter=lambda n: type(n) not in nested)
    return any(type(n) is cst.Yield for n in inside)
