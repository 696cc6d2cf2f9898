"""Reaching bindings: which assignments of a name can reach each place where the name is read.

One pass over the module in execution order, with a state per scope (name -> the bindings that may reach this
point). Branches (if/elif/else, try/except/else/finally, match, loop bodies, ``with suppress(...)``) start from
the same state and are merged afterwards, so a name bound differently on two paths reaches with both bindings
and the evaluator calls it unknown unless they agree. A read inside a loop also sees every binding the loop
makes (the next iteration's view). A read of a name that a function does not bind (a free name) is resolved
when the function is called, so it sees every binding of the enclosing scope, flow-insensitively; so do reads
of names rebound elsewhere through ``global`` / ``nonlocal``.

The same pass creates the scopes of functions, lambdas and classes, records which dotted names each loop,
``try`` body and ``with`` body assigns (the analyzer's object environments need them) and marks the nodes with
a scanned method call below them (the analyzer's call scans skip the rest).

The pass is split by job: this module walks expressions and scopes; ``flow_stores.py`` binds names,
``flow_branches.py`` merges branches, ``flow_frame.py`` holds the state, ``reach.py`` what it finds.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst

from lstmlint.analyze.flow_branches import Branches
from lstmlint.analyze.flow_frame import Frame
from lstmlint.analyze.flow_stores import Stores
from lstmlint.analyze.reach import Binding, Flow, Scope
from lstmlint.analyze.walk import children

MUTATING_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                              "update", "add", "discard", "setdefault", "popitem", "__setitem__", "__delitem__",
                              "__iadd__", "resize"})


class FlowPass(Stores, Branches):
    def __init__(self, scanned_methods: frozenset[str] | set[str], constants: bool = False) -> None:
        self.scanned = scanned_methods
        self.constants = constants  # decide `if` tests on module-level constants
        self.flow = Flow(Scope())
        self.frame = Frame(self.flow.module_scope, None)
        self._mutations: list[tuple[Scope, str]] = []
        self._reshapes: list[tuple[Scope, str]] = []  # `x.resize(...)`, `x.shape = ...`: an array changes shape
        self._handlers: dict[type, Callable[[cst.CSTNode], bool]] = {
            cst.Name: self._name, cst.Attribute: self._attribute, cst.Arg: self._arg, cst.Call: self._call,
            cst.ConcatenatedString: self._concatenated,
            cst.SimpleStatementLine: self._line, cst.SimpleStatementSuite: self._line,
            cst.Assign: self._assign, cst.AnnAssign: self._ann_assign, cst.AugAssign: self._aug_assign,
            cst.NamedExpr: self._named_expr, cst.Del: self._del, cst.Global: self._global,
            cst.Nonlocal: self._nonlocal, cst.Import: self._import, cst.ImportFrom: self._import_from,
            cst.If: self._if, cst.For: self._for, cst.While: self._while, cst.Try: self._try,
            cst.TryStar: self._try, cst.With: self._with, cst.Match: self._match,
            cst.FunctionDef: self._function, cst.Lambda: self._lambda, cst.ClassDef: self._class,
            cst.ListComp: self._comprehension, cst.SetComp: self._comprehension,
            cst.GeneratorExp: self._comprehension, cst.DictComp: self._comprehension,
            cst.Return: self._generic_end, cst.Raise: self._generic_end, cst.Break: self._generic_end,
            cst.Continue: self._generic_end,
        }

    def run(self, module: cst.Module) -> Flow:
        self.visit(module)
        self._resolve_mutations(self._mutations, self.flow.mutated)
        self._resolve_mutations(self._reshapes, self.flow.reshaped)
        return self.flow

    # ------------------------------------------------------------------------------------------ walking

    def visit(self, node: cst.CSTNode | None) -> bool:
        """Walks ``node``; True when a scanned method call is below it (then its id joins ``hot``)."""
        if node is None:
            return False
        handler = self._handlers.get(type(node))
        found = handler(node) if handler is not None else self._generic(node)
        if found:
            self.flow.hot.add(id(node))
        return found

    def _generic(self, node: cst.CSTNode) -> bool:
        found = False
        for child in children(node):
            if self.visit(child):
                found = True
        return found

    def _generic_end(self, node: cst.CSTNode) -> bool:
        found = self._generic(node)
        self.frame.live = False
        return found

    def _visit_all(self, nodes) -> bool:
        found = False
        for node in nodes:
            if self.visit(node):
                found = True
        return found

    def _line(self, node) -> bool:
        return self._visit_all(node.body)

    def _name(self, node: cst.Name) -> bool:
        self.flow.reach[id(node)] = self._read(node.value)
        return False

    def _read(self, name: str) -> tuple[Scope, tuple[Binding, ...]]:
        frame = self.frame
        while True:
            kind = frame.scope.kind
            if kind in ("comprehension", "class") and name not in frame.state and frame.parent is not None:
                inner = kind
                frame = frame.parent
                while inner == "comprehension" and frame.scope.kind == "class" and frame.parent is not None:
                    frame = frame.parent  # class names are not visible inside a comprehension
                continue
            found = frame.state.get(name, ())
            if frame.loops:
                found = found + tuple(loop.marker(name) for loop in frame.loops)
            return frame.scope, found

    def _attribute(self, node: cst.Attribute) -> bool:
        return self.visit(node.value)

    def _arg(self, node: cst.Arg) -> bool:
        return self.visit(node.value)

    def _call(self, node: cst.Call) -> bool:
        func = node.func
        found = type(func) is cst.Attribute and func.attr.value in self.scanned
        if type(func) is cst.Attribute and func.attr.value in MUTATING_METHODS:
            self._mutate(func.value, reshape=func.attr.value == "resize")
        if self.visit(func):
            found = True
        if self._visit_all(node.args):
            found = True
        return found

    def _concatenated(self, node: cst.ConcatenatedString) -> bool:
        # "a" "b" "c"… nests one level per part (pydoc_data/topics.py has hundreds): walk the parts in a loop,
        # visiting only the f-strings, the only parts that can hold names or calls.
        found = False
        todo: list[cst.CSTNode] = [node]
        while todo:
            part = todo.pop()
            if type(part) is cst.ConcatenatedString:
                todo += [part.right, part.left]
            elif type(part) is cst.FormattedString and self.visit(part):
                found = True
        return found
    # ------------------------------------------------------------------------------------------ scopes

    def _new_scope(self, node: cst.CSTNode, kind: str) -> Scope:
        parent = self.frame.scope
        while parent.kind in ("class", "comprehension") and parent.parent is not None:
            parent = parent.parent
        scope = Scope(parent=parent, kind=kind)
        self.flow.scopes[id(node)] = scope
        return scope

    def _parameters(self, params: cst.Parameters) -> tuple[bool, list[str]]:
        """Visits defaults and annotations (evaluated where the function is defined); returns the names."""
        found = False
        names = []
        for param in [*params.posonly_params, *params.params, *params.kwonly_params,
                      *[s for s in (params.star_arg, params.star_kwarg) if isinstance(s, cst.Param)]]:
            names.append(param.name.value)
            below = self.visit(param.default)
            below = self.visit(param.annotation) or below
            if below:
                found = True
                self.flow.hot.add(id(param))
        if found:
            self.flow.hot.add(id(params))
        return found, names

    def _run_body(self, scope: Scope, params: list[str], body: cst.CSTNode, parent: Frame | None,
                  owner: cst.FunctionDef | None = None) -> bool:
        outer = self.frame
        self.frame = Frame(scope, parent)
        for name in params:
            why = f"a parameter of {owner.name.value}()" if owner is not None else "a parameter of a lambda"
            self._bind(name, Binding(kind="other", why=why, at=owner))
        try:
            return self.visit(body)
        finally:
            self.frame = outer

    def _function(self, node: cst.FunctionDef) -> bool:
        found = self._visit_all(node.decorators)
        below, names = self._parameters(node.params)
        found = self.visit(node.returns) or below or found
        scope = self._new_scope(node, "function")
        found = self._run_body(scope, names, node.body, None, node) or found
        self._bind(node.name.value, Binding(kind="other", at=node))  # `at`: the def a call's value is read from
        return found

    def _lambda(self, node: cst.Lambda) -> bool:
        found, names = self._parameters(node.params)
        scope = self._new_scope(node, "function")
        return self._run_body(scope, names, node.body, None) or found

    def _class(self, node: cst.ClassDef) -> bool:
        found = self._visit_all(node.decorators)
        found = self._visit_all(node.bases) or found
        found = self._visit_all(node.keywords) or found
        scope = self._new_scope(node, "class")
        found = self._run_body(scope, [], node.body, self.frame) or found
        self._bind(node.name.value, Binding(kind="other"))
        return found

    def _comprehension(self, node) -> bool:
        first: cst.CompFor = node.for_in
        found = self.visit(first.iter)  # the first iterable is evaluated in the enclosing scope
        outer = self.frame
        self.frame = Frame(Scope(parent=outer.scope, kind="comprehension"), outer)
        try:
            found = self._clause(first, found) or found
            parts = (node.key, node.value) if type(node) is cst.DictComp else (node.elt,)
            found = self._visit_all(parts) or found
        finally:
            self.frame = outer
        return found

    def _clause(self, clause: cst.CompFor, found: bool) -> bool:
        """One `for … in … if …` of a comprehension, with the clauses nested in it."""
        below = self._store(clause.target, None)
        below = self._visit_all(clause.ifs) or below
        if clause.inner_for_in is not None:
            inner = clause.inner_for_in
            below = self._clause(inner, self.visit(inner.iter)) or below
        below = below or found
        if below:
            self.flow.hot.add(id(clause))
        return below

    # ------------------------------------------------------------------------------------------ mutations

    def _resolve_mutations(self, found: list[tuple[Scope, str]], mutated: set[tuple[int, str]]) -> None:
        """(scope, name) changed in place -> the scope that owns the name; an alias (``b = a``) passes the
        mark on to what it names."""
        todo = list(found)
        while todo:
            scope, name = todo.pop()
            owner = scope.owner(name) if scope.kind != "function" or name in scope.bindings else (
                scope.parent.owner(name) if scope.parent is not None else None)
            if owner is None or (id(owner), name) in mutated:
                continue
            mutated.add((id(owner), name))
            for binding in owner.bindings.get(name, ()):
                if type(binding.value) is cst.Name and not binding.index:
                    record = self.flow.reach.get(id(binding.value))
                    todo.append((record[0] if record else owner, binding.value.value))


def analyze_flow(module: cst.Module, scanned_methods, constants: bool = False) -> Flow:
    """``constants``: decide `if` tests on module-level literal constants (pass False when names may be
    rebound from elsewhere: the file has global / nonlocal statements)."""
    return FlowPass(scanned_methods, constants).run(module)
