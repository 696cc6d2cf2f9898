"""The flow pass, part 3: control flow — ``if`` (constant tests decided), loops, ``try``, ``with``, ``match``.

Each branch starts from the state before it and the branches that go on are merged afterwards. A mixin of
``flow.FlowPass``.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst

from lstmlint.analyze.flow_frame import Loop
from lstmlint.analyze.imports import dotted
from lstmlint.analyze.undo import Branch
from lstmlint.analyze.walk import children


def suppresses(node: cst.With) -> bool:
    """``with suppress(...)`` (contextlib): the body may stop at any statement and go on after the block."""
    for item in node.items:
        if isinstance(item.item, cst.Call):
            name = dotted(item.item.func) or ""
            if name.rsplit(".", 1)[-1] == "suppress":
                return True
    return False


_LITERAL_NAMES = {"True": True, "False": False, "None": False}


def _literal_truth(node: cst.BaseExpression | None) -> bool | None:
    if type(node) is cst.Name:
        return _LITERAL_NAMES.get(node.value)
    if type(node) is cst.Integer:
        try:
            return int(node.value.replace("_", ""), 0) != 0
        except ValueError:
            return None
    if type(node) is cst.SimpleString and node.value[:1] in "'\"":
        return len(node.value) > 2  # "" or '' only: prefixed and triple-quoted strings are not decided
    return None


class Branches:
    def _if(self, node: cst.If) -> bool:
        frame = self.frame
        found = self.visit(node.test)
        decided = self._constant(node.test)
        live, mark = frame.live, frame.state.mark()
        found = self.visit(node.body) or found
        body = frame.take(mark, live)
        found = self.visit(node.orelse) or found
        other = frame.take(mark, live)
        if decided is not None:
            self.flow.decided[id(node)] = decided
            (other if decided else body).live = False
        frame.merge([body, other])
        return found

    def _constant(self, test: cst.BaseExpression) -> bool | None:
        """The truth of an `if` test that is a constant where it runs (``USE_GRU = False`` … ``if USE_GRU:``),
        or None. Only at module level, outside loops, in a file without global / nonlocal statements, and
        only for names every reaching binding of which is a literal: then the test cannot be anything else."""
        frame = self.frame
        if not self.constants or frame.scope.kind != "module" or frame.loops:
            return None
        negate = False
        while type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
            negate, test = not negate, test.expression
        if type(test) is cst.Name and test.value not in _LITERAL_NAMES:
            bindings = self.flow.bindings_at(test, frame.scope)
            if not bindings or any(b.kind != "assign" or b.index for b in bindings):
                return None
            truths = {_literal_truth(b.value) for b in bindings}
        else:
            truths = {_literal_truth(test)}
        if len(truths) != 1 or None in truths:
            return None
        return truths.pop() != negate

    def _loop_body(self, node, before: Callable[[], bool]) -> bool:
        """A loop: ``before`` (the target binding or the test) and the body run zero or more times; reads in
        them see the bindings of the loop's other iterations through markers filled in afterwards."""
        frame = self.frame
        live, mark = frame.live, frame.state.mark()
        loop = Loop()
        frame.loops.append(loop)

        def once() -> bool:
            found = before()
            return self.visit(node.body) or found

        found, made = self._body(node, once)
        frame.loops.pop()
        frame.take(mark, live)
        for name, marker in loop.markers.items():
            marker.alternatives = made.get(name, [])
        frame.widen(made)
        found = self.visit(node.orelse) or found
        return found

    def _for(self, node: cst.For) -> bool:
        found = self.visit(node.iter)

        def target() -> bool:
            below = self._store(node.target, None, why=("the target of the `for` loop", node))
            if below:
                self.flow.hot.add(id(node.target))
            return below

        return self._loop_body(node, target) or found

    def _while(self, node: cst.While) -> bool:
        return self._loop_body(node, lambda: self.visit(node.test))

    def _try(self, node) -> bool:
        frame = self.frame
        live, mark, logged = frame.live, frame.state.mark(), len(frame.log)
        found, made = self._body(node, lambda: self.visit(node.body))
        found = self.visit(node.orelse) or found
        branches = [frame.take(mark, live)]
        for handler in node.handlers:
            frame.widen(made)  # an exception can leave the body after any of its statements
            below = self.visit(handler.type)
            if handler.name is not None:
                self._store(handler.name.name, None)
            below = self.visit(handler.body) or below
            if below:
                found = True
                self.flow.hot.add(id(handler))
            branches.append(frame.take(mark, live))
        made = frame.made_since(logged)
        before = {name: frame.before(name) for name in made}  # the state is back where the `try` began
        frame.merge(branches)
        if node.finalbody is not None:
            # `finally` also runs when an exception leaves the statement at any point; after it, only the
            # normal paths go on
            after = frame.live
            frame.live = live
            frame.widen(made, before)
            found = self.visit(node.finalbody) or found
            frame.live = frame.live and after
        return found

    def _with(self, node: cst.With) -> bool:
        frame = self.frame
        found = False
        for item in node.items:
            below = self.visit(item.item)
            if item.asname is not None:
                below = self._store(item.asname.name, None) or below
            if below:
                found = True
                self.flow.hot.add(id(item))
        live, mark = frame.live, frame.state.mark()
        below, made = self._body(node, lambda: self.visit(node.body))
        found = below or found
        if suppresses(node):  # the body may stop at any statement and go on after the block
            normal = frame.take(mark, live)
            frame.widen(made)
            frame.merge([normal, frame.take(mark, live)])
        return found

    def _body(self, node: cst.CSTNode, run: Callable[[], bool]) -> tuple[bool, dict[str, list]]:
        """Runs the body of a loop, ``try`` or ``with``: records the dotted names it assigns (the analyzer's
        environments forget them) and returns, with ``run()``'s result, the bindings it made by name."""
        frame = self.frame
        logged, keyed = len(frame.log), len(frame.keys)
        found = run()
        self.flow.assigned[id(node)] = set(frame.keys[keyed:])
        return found, frame.made_since(logged)

    def _match(self, node: cst.Match) -> bool:
        frame = self.frame
        found = self.visit(node.subject)
        live, mark = frame.live, frame.state.mark()
        branches = []
        exhaustive = False
        for case in node.cases:
            below = self._pattern(case.pattern)
            below = self.visit(case.guard) or below
            below = self.visit(case.body) or below
            if below:
                found = True
                self.flow.hot.add(id(case))
            branches.append(frame.take(mark, live))
            if case.guard is None and irrefutable(case.pattern):
                exhaustive = True
        if not exhaustive:
            branches.append(Branch({}, live))  # no case matched
        frame.merge(branches)
        return found

    def _pattern(self, pattern: cst.CSTNode) -> bool:
        kind = type(pattern)
        found = False
        if kind is cst.MatchAs or kind is cst.MatchStar:
            if kind is cst.MatchAs and pattern.pattern is not None:
                found = self._pattern(pattern.pattern)
            if pattern.name is not None:
                self._store(pattern.name, None)
        elif kind is cst.MatchMapping:
            for element in pattern.elements:
                found = self.visit(element.key) or found
                found = self._pattern(element.pattern) or found
            if pattern.rest is not None:
                self._store(pattern.rest, None)
        elif kind is cst.MatchValue:
            found = self.visit(pattern.value)
        elif kind is cst.MatchSingleton:
            pass
        else:  # MatchClass, MatchList, MatchTuple, MatchOr and their elements
            for child in children(pattern):
                if type(child) is cst.Name and kind is cst.MatchKeywordElement:
                    continue  # the keyword of `Point(x=…)`
                if isinstance(child, cst.MatchPattern) or type(child) in (
                        cst.MatchSequenceElement, cst.MatchKeywordElement, cst.MatchOrElement):
                    below = self._pattern(child)
                else:
                    below = self.visit(child)
                found = below or found
        if found:
            self.flow.hot.add(id(pattern))
        return found


def irrefutable(pattern: cst.CSTNode) -> bool:
    if type(pattern) is cst.MatchAs:
        return pattern.pattern is None or irrefutable(pattern.pattern)
    if type(pattern) is cst.MatchOr:
        return any(irrefutable(element.pattern) for element in pattern.patterns)
    return False


def captures(pattern: cst.CSTNode):
    """The names a match pattern binds."""
    todo = [pattern]
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind in (cst.MatchAs, cst.MatchStar) and node.name is not None:
            yield node.name
        if kind is cst.MatchMapping and node.rest is not None:
            yield node.rest
        if kind is cst.MatchValue or kind is cst.MatchSingleton:
            continue
        todo.extend(c for c in children(node) if type(c) is not cst.Name)
