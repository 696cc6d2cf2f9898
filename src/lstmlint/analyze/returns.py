"""The value a call of one of the file's own functions returns, for the evaluator: ``x, y = prepare(data)``
followed into ``x`` when ``prepare`` ends in ``return x, y`` of arrays of known (partial) shape.

The body is read, never run: each ``return`` expression is evaluated in the function's scope with the
parameters bound to this call's arguments (Python's binding rules, defaults read where the ``def`` is). The
call's value is known only when it is the same on every path: every ``return`` gives the same value, and no
path falls off the end (the body's last statement is a ``return``). Decorated, ``async`` and generator
functions, calls with ``*`` / ``**`` arguments, recursion and calls nested deeper than ``MAX_DEPTH`` stay
unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lstmlint.analyze.walk import children
from lstmlint.ir import Value

if TYPE_CHECKING:
    from lstmlint.analyze.reach import Scope
    from lstmlint.analyze.values import Evaluator

MAX_DEPTH = 3  # a call evaluated inside a call evaluated inside a call, no deeper
_NESTED = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def function_of(evaluator: "Evaluator", func: cst.BaseExpression, scope: "Scope") -> cst.FunctionDef | None:
    """The ``def`` a called name refers to, when it is the only binding of the name that reaches the call."""
    if type(func) is not cst.Name:
        return None
    bindings = evaluator.flow.bindings_at(func, scope)
    if not bindings or len(bindings) != 1:
        return None
    found = bindings[0].at
    if bindings[0].kind != "other" or type(found) is not cst.FunctionDef or found.name.value != func.value:
        return None
    return found


def returned(evaluator: "Evaluator", node: cst.Call, scope: "Scope") -> list[Value] | None:
    """What each ``return`` of the function gives at this call (the caller keeps the value when they all
    agree); None when the callee is not a function of the file or the call is not followed."""
    func = function_of(evaluator, node.func, scope)
    if func is None or func.decorators or func.asynchronous is not None:
        return None
    inner = evaluator.flow.scopes.get(id(func))
    calling = evaluator.calling
    if inner is None or any(f is func for f in calling) or len(calling) >= MAX_DEPTH:
        return None
    returns = _returns(func)
    if returns is None:
        return None
    given = _bind(evaluator, func, node, scope, inner)
    if given is None:
        return None
    saved = evaluator.enter(given, nested=True)
    calling.append(func)
    try:
        values = [evaluator.evaluate(r.value, inner) if r.value is not None else Value.of(None) for r in returns]
    finally:
        calling.pop()
        evaluator.leave(saved)
    line = evaluator.line_of(node)
    where = f" in {func.name.value}(), called at line {line}" if line is not None else f" in {func.name.value}()"
    return [_located(value, where) for value in values]


def _located(value: Value, where: str) -> Value:
    """The value with the reason of each unknown part in it saying which call it comes from: a reason from
    inside the function names its local names, meaningless at the caller."""
    if value.kind == "unknown" and value.reason and "called at line" not in value.reason:
        return Value("unknown", reason=value.reason + where, text=value.text, tag=value.tag, name=value.name)
    if value.items:
        return Value(value.kind, value.const, [_located(item, where) for item in value.items], value.name,
                     value.tag, value.reason, value.text)
    return value


def _returns(func: cst.FunctionDef) -> list[cst.Return] | None:
    """The function's reachable ``return`` statements (a statement after a ``return`` or ``raise`` in the same
    block is dead: `return value` then a stray `return`), when no path falls off its end and it is not a
    generator."""
    body = func.body
    if not isinstance(body, cst.IndentedBlock) or not body.body or not _ends(body.body[-1], (cst.Return,)):
        return None
    found: list[cst.Return] = []
    todo: list[cst.CSTNode] = [body]
    while todo:
        part = todo.pop()
        kind = type(part)
        if kind in _NESTED:
            continue
        if kind in (cst.Yield, cst.Await):
            return None
        if kind is cst.Return:
            found.append(part)  # type: ignore[arg-type]
        if kind is cst.IndentedBlock:
            live = []
            for statement in part.body:  # type: ignore[attr-defined]
                live.append(statement)
                if _ends(statement, (cst.Return, cst.Raise)):
                    break
            todo.extend(live)
        else:
            todo.extend(children(part))
    return found


def _ends(statement: cst.CSTNode, kinds: tuple) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(type(s) in kinds for s in statement.body)


def _bind(evaluator: "Evaluator", func: cst.FunctionDef, node: cst.Call, scope: "Scope",
          inner: "Scope") -> dict[int, Value] | None:
    """Each parameter binding of the function -> its value at this call; None when the call would raise a
    TypeError or binds its arguments in a way not followed (``*args``, ``**kwargs``)."""
    params = func.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        return None
    if any(arg.star for arg in node.args):
        return None
    positional = [*params.posonly_params, *params.params]
    by_name = {p.name.value: p for p in [*params.params, *params.kwonly_params]}
    values: dict[str, Value] = {}
    taken = [a for a in node.args if a.keyword is None]
    if len(taken) > len(positional):
        return None
    for param, arg in zip(positional, taken):
        values[param.name.value] = evaluator.evaluate(arg.value, scope)
    for arg in node.args:
        if arg.keyword is None:
            continue
        key = arg.keyword.value
        if key not in by_name or key in values:
            return None
        values[key] = evaluator.evaluate(arg.value, scope)
    outer = inner.parent or evaluator.flow.module_scope
    for param in [*positional, *params.kwonly_params]:
        key = param.name.value
        if key not in values:
            if param.default is None:
                return None
            values[key] = evaluator.evaluate(param.default, outer)
    given: dict[int, Value] = {}
    for key, value in values.items():
        bindings = inner.bindings.get(key)
        if not bindings:
            return None
        given[id(bindings[0])] = value
    return given
