"""The statement walk: each statement of a block in order, branches walked in place and merged.

Branches (if/elif/else, try, match, loop bodies, ``with suppress(...)``) start from the same environment and
are merged afterwards: a name that holds different objects on different paths holds nothing known after them,
and a name assigned in a loop holds nothing known in or after it. Part of the Analyzer (analyzer.py).
"""

from __future__ import annotations

import dataclasses
import operator

import libcst as cst

from lstmlint.analyze.flow_branches import captures, irrefutable, suppresses
from lstmlint.analyze.imports import dotted, keras_distribution, star_exports, star_rebinds_names
from lstmlint.analyze.objects import Ctx, LayerObj, ModelObj, Obj, TensorObj, TensorsObj, obj_var, set_var
from lstmlint.analyze.undo import MISSING, Branch
from lstmlint.analyze.walk import walk
from lstmlint.ir import Import, Value

_ENDS = (cst.Return, cst.Raise, cst.Break, cst.Continue)
MAX_UNROLL = 8  # iterations of a loop walked one by one; longer loops are walked once, their names unknown
MAX_NESTED_UNROLL = 2  # loops unrolled inside one another: at most 8 × 8 walks of the innermost body
_COMPARE = {cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt,
            cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt, cst.GreaterThanEqual: operator.ge,
            cst.Is: operator.is_, cst.IsNot: operator.is_not}


class Statements:
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
        if (self.calling or self.unrolling) and id(node) not in self.flow.decided:
            # a function analysed for one call, or one iteration of an unrolled loop: a test on the values it
            # gives runs one branch only (the other builds nothing there)
            taken = self.decide(node.test, ctx)
            if taken is True:
                return self.suite(node.body, ctx)
            if taken is False:
                if isinstance(node.orelse, cst.If):
                    return self.if_statement(node.orelse, ctx)
                return self.suite(node.orelse.body if node.orelse is not None else None, ctx)
        env, mark = ctx.env, ctx.env.mark()
        live = self.suite(node.body, ctx.inner())
        branches = [Branch(env.take(mark), live)]
        if isinstance(node.orelse, cst.If):
            live = self.if_statement(node.orelse, ctx.inner())
        else:
            live = self.suite(node.orelse.body if node.orelse is not None else None, ctx.inner())
        branches.append(Branch(env.take(mark), live))
        decided = self.flow.decided.get(id(node))
        if decided is not None:  # a constant test: the other branch never runs
            branches[1 if decided else 0].live = False
        return env.merge(branches)

    def decide(self, test: cst.BaseExpression, ctx: Ctx) -> bool | None:
        """The truth of an ``if`` test when the evaluator knows it (names, ``not``, ``and`` / ``or``, one
        comparison of two constants); None when it does not."""
        if isinstance(test, cst.BooleanOperation):
            left, right = self.decide(test.left, ctx), self.decide(test.right, ctx)
            if isinstance(test.operator, cst.And):
                return False if False in (left, right) else True if left is right is True else None
            return True if True in (left, right) else False if left is right is False else None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            left = self.evaluator.evaluate(test.left, ctx.scope)
            right = self.evaluator.evaluate(test.comparisons[0].comparator, ctx.scope)
            operator = type(test.comparisons[0].operator)
            if left.kind != "const" or right.kind != "const" or operator not in _COMPARE:
                return None
            a, b = left.const, right.const
            if operator in (cst.Is, cst.IsNot):
                if a is not None and b is not None:
                    return None  # identity of other constants is CPython's business
            elif operator not in (cst.Equal, cst.NotEqual) and not (
                    type(a) in (int, float) and type(b) in (int, float)):
                return None
            return bool(_COMPARE[operator](a, b))
        value = self.evaluator.evaluate(test, ctx.scope)
        if value.kind == "const" and type(value.const) in (bool, int, str, type(None)):
            return bool(value.const)
        return None

    def loop(self, node: cst.For | cst.While, ctx: Ctx) -> bool:
        # whatever the loop assigns holds one of several objects from its first statement on (the next
        # iteration's view) and after it
        self.scan_calls(node.iter if isinstance(node, cst.For) else node.test, ctx)
        values = self.iterations(node, ctx) if isinstance(node, cst.For) else None
        if values is not None:
            return self.unrolled(node, values, ctx)  # type: ignore[arg-type]
        for key in self.flow.assigned.get(id(node), ()):
            ctx.env.pop(key)
        inner = ctx.inner()
        if isinstance(node, cst.For):
            self.assign(node.target, None, inner)
        env, mark = ctx.env, ctx.env.mark()
        self.suite(node.body, inner)
        env.take(mark)
        if node.orelse is not None:
            live = self.suite(node.orelse.body, ctx.inner())
            env.merge([Branch(env.take(mark), live), Branch({}, True)])
        return True

    def iterations(self, node: cst.For, ctx: Ctx) -> list[Value] | None:
        """The values a ``for`` loop's name takes, when the loop runs a known number of times (at most
        MAX_UNROLL) over ``range(...)`` of known ints or a list / tuple literal, and its body always runs to its
        end (no break, continue, return, raise or yield, no else); None otherwise."""
        if node.orelse is not None or not isinstance(node.target, cst.Name) or self.unrolling >= MAX_NESTED_UNROLL:
            return None
        source = node.iter
        if isinstance(source, (cst.List, cst.Tuple)):
            if len(source.elements) > MAX_UNROLL or any(isinstance(e, cst.StarredElement) for e in source.elements):
                return None
            if _leaves(node.body):
                return None
            return [self.evaluator.evaluate(e.value, ctx.scope) for e in source.elements]
        if not (isinstance(source, cst.Call) and isinstance(source.func, cst.Name) and source.func.value == "range"
                and ctx.scope.lookup("range") is None and 1 <= len(source.args) <= 3
                and not any(a.star or a.keyword is not None for a in source.args)):
            return None
        bounds = [self.evaluator.evaluate(a.value, ctx.scope) for a in source.args]
        if any(b.kind != "const" or type(b.const) is not int for b in bounds) or (len(bounds) == 3 and bounds[2].const == 0):
            return None
        steps = range(*(b.const for b in bounds))
        if len(steps) > MAX_UNROLL or _leaves(node.body):
            return None
        return [Value.of(i) for i in steps]

    def unrolled(self, node: cst.For, values: list[Value], ctx: Ctx) -> bool:
        """A loop of known iterations, walked as the straight-line code it runs: each iteration's statements in
        order, in the loop's own block (``.add`` appends, ``x = layer(x)`` chains), the loop's name holding that
        iteration's value. What the evaluator reads of other names assigned in the loop stays unknown."""
        name = node.target.value  # type: ignore[attr-defined]
        bindings = [b for b in ctx.scope.bindings.get(name, ()) if b.at is node and b.kind == "other"]
        memo = self.call_memo
        self.unrolling += 1
        for value in values:
            self.assign(node.target, None, ctx)
            self.call_memo = {}  # each iteration's calls are calls of their own
            saved = self.evaluator.enter({id(b): dataclasses.replace(value, name=name) for b in bindings})
            try:
                self.suite(node.body, ctx)
            finally:
                self.evaluator.leave(saved)
                self.call_memo = memo
        self.unrolling -= 1
        self.assign(node.target, None, ctx)
        return True

    def try_statement(self, node: cst.Try | cst.TryStar, ctx: Ctx) -> bool:
        env, mark = ctx.env, ctx.env.mark()
        body = ctx.inner()
        live = self.suite(node.body, body)
        if node.orelse is not None and live:
            live = self.suite(node.orelse.body, body)
        branches = [Branch(env.take(mark), live)]
        for handler in node.handlers:
            # an exception may leave the body after any of its statements
            for key in self.flow.assigned.get(id(node), ()):
                env.pop(key)
            inner = ctx.inner()
            self.scan_calls(handler.type, inner)
            if handler.name is not None:
                self.assign(handler.name.name, None, inner)
            live = self.suite(handler.body, inner)
            branches.append(Branch(env.take(mark), live))
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
        env, mark = ctx.env, ctx.env.mark()
        live = self.suite(node.body, ctx.inner())
        normal = env.take(mark)
        escaped = {key: MISSING for key in self.flow.assigned.get(id(node), ())}
        env.merge([Branch(normal, live), Branch(escaped, True)])
        return True

    def match_statement(self, node: cst.Match, ctx: Ctx) -> bool:
        self.scan_calls(node.subject, ctx)
        env, mark = ctx.env, ctx.env.mark()
        branches = []
        exhaustive = False
        for case in node.cases:
            inner = ctx.inner()
            for capture in captures(case.pattern):
                self.assign(capture, None, inner)
            self.scan_calls(case.guard, inner)
            live = self.suite(case.body, inner)
            branches.append(Branch(env.take(mark), live))
            if case.guard is None and irrefutable(case.pattern):
                exhaustive = True
        if not exhaustive:
            branches.append(Branch({}, True))
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
            if star_rebinds_names(node):
                for key in list(ctx.env):
                    ctx.env.pop(key)
            elif node.module is not None:
                for key in star_exports(dotted(node.module) or ""):
                    ctx.env.pop(key, None)
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


def _leaves(body: cst.BaseSuite) -> bool:
    """A loop body that may stop before its end or pause (break, continue, return, raise, yield, await), in
    it or in a loop or block nested in it; functions and classes defined in it do not count."""
    nested = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    return any(type(node) in _STOPS for node in walk(body, enter=lambda n: type(n) not in nested))


_STOPS = {cst.Break, cst.Continue, cst.Return, cst.Raise, cst.Yield, cst.Await}
