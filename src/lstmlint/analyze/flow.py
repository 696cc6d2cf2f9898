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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from lstmlint.analyze.imports import dotted, keras_distribution
from lstmlint.analyze.walk import children


@dataclass(eq=False)
class Binding:
    """One way a name gets its value. ``kind``:

    - ``assign``: ``value`` is the expression assigned (``index``: the position inside a tuple unpacking);
    - ``other``: bound by something whose value is not followed (a parameter, a loop target, ``+=``, ``del``…);
    - ``absent``: not bound on this path; ``import``: bound by an import (the import table resolves it);
    - ``loop``: stands for every binding of the name made inside a loop or ``try`` body (``alternatives``).
    """

    value: cst.BaseExpression | None = None
    index: tuple[int, ...] = ()
    kind: str = "assign"
    scope: Scope | None = None
    alternatives: list[Binding] | None = None


ABSENT = Binding(kind="absent")
IMPORTED = Binding(kind="import")
UNKNOWN = Binding(kind="other")


@dataclass(eq=False)
class Scope:
    """Names bound in one module, function, lambda, class or comprehension body (flow-insensitively)."""

    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    parent: Scope | None = None  # the nearest enclosing scope whose names this one can see (never a class)
    kind: str = "module"  # module | function | class | comprehension
    volatile: set[str] = field(default_factory=set)  # rebound from a nested scope: read flow-insensitively
    imported: set[str] = field(default_factory=set)  # bound by an import somewhere in this scope
    declared: dict[str, str] = field(default_factory=dict)  # name -> "global" | "nonlocal"

    @property
    def is_class(self) -> bool:
        return self.kind == "class"

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def lookup(self, name: str) -> list[Binding] | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        return None

    def owner(self, name: str) -> Scope | None:
        """The scope a read of ``name`` here refers to, Python's LEGB way (class scopes are skipped from
        inside functions: ``parent`` never is a class)."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings or name in scope.imported:
                return scope
            scope = scope.parent
        return None

    def every_binding(self, name: str) -> list[Binding]:
        found = list(self.bindings.get(name, ()))
        if name in self.imported:
            found.append(IMPORTED)
        return found


@dataclass
class Flow:
    """What the pass found; read by the evaluator (``reach``, ``mutated``) and the analyzer (the rest)."""

    module_scope: Scope
    scopes: dict[int, Scope] = field(default_factory=dict)  # FunctionDef / Lambda / ClassDef node id -> scope
    hot: set[int] = field(default_factory=set)
    # Name node id -> (the scope it is read in, the bindings that may reach it there)
    reach: dict[int, tuple[Scope, tuple[Binding, ...]]] = field(default_factory=dict)
    # For / While / Try / With node id -> the dotted names (``x``, ``self.lstm``) its body assigns
    assigned: dict[int, set[str]] = field(default_factory=dict)
    mutated: set[tuple[int, str]] = field(default_factory=set)  # (id of the owning scope, name) changed in place
    decided: dict[int, bool] = field(default_factory=dict)  # If node id -> the branch a constant test takes

    def bindings_at(self, node: cst.Name, scope: Scope) -> list[Binding] | None:
        """The bindings that may reach this read of a name, markers expanded; None when no scope of this file
        binds it (an import, a builtin or an undefined name)."""
        name = node.value
        record = self.reach.get(id(node))
        if record is None:  # not met by the pass (a synthesised node): every binding, flow-insensitively
            owner = scope.owner(name)
            return None if owner is None else owner.every_binding(name)
        where, found = record
        local = name in where.bindings or name in where.imported
        if where.kind == "function" and not local:
            owner = where.parent.owner(name) if where.parent is not None else None  # a free name
            return None if owner is None else owner.every_binding(name)
        if name in where.volatile:
            return where.every_binding(name)
        expanded: list[Binding] = []
        seen: set[int] = set()
        for binding in found:
            for one in binding.alternatives if binding.kind == "loop" else (binding,):
                if id(one) not in seen:
                    seen.add(id(one))
                    expanded.append(one)
        if not expanded or all(b.kind in ("absent", "import") for b in expanded):
            if where.kind == "function" and name in where.bindings:
                return [ABSENT]  # a local read before any assignment (or a function-local import)
            return None
        return expanded


MUTATING_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                              "update", "add", "discard", "setdefault", "popitem", "__setitem__", "__delitem__",
                              "__iadd__"})


def suppresses(node: cst.With) -> bool:
    """``with suppress(...)`` (contextlib): the body may stop at any statement and go on after the block."""
    for item in node.items:
        if isinstance(item.item, cst.Call):
            name = dotted(item.item.func) or ""
            if name.rsplit(".", 1)[-1] == "suppress":
                return True
    return False


@dataclass
class _Loop:
    markers: dict[str, Binding] = field(default_factory=dict)

    def marker(self, name: str) -> Binding:
        found = self.markers.get(name)
        if found is None:
            found = self.markers[name] = Binding(kind="loop", alternatives=[])
        return found


@dataclass
class _Branch:
    changes: dict[str, tuple[Binding, ...]]
    live: bool


class _Frame:
    """The state of one executing body. Branches change the state in place and are rolled back with an undo
    log, so a branch costs what it changes, not the size of the state."""

    def __init__(self, scope: Scope, parent: _Frame | None) -> None:
        self.scope = scope
        self.parent = parent  # for classes and comprehensions: the frame they execute in
        self.state: dict[str, tuple[Binding, ...]] = {}
        self.undo: list[tuple[str, tuple[Binding, ...] | None]] = []
        self.log: list[tuple[str, Binding]] = []  # every binding made, in order
        self.keys: list[str] = []  # every dotted name assigned, in order
        self.loops: list[_Loop] = []
        self.live = True

    def set(self, name: str, value: tuple[Binding, ...]) -> None:
        self.undo.append((name, self.state.get(name)))
        self.state[name] = value

    def before(self, name: str) -> tuple[Binding, ...]:
        return self.state.get(name, (ABSENT,))

    def take(self, mark: int, live: bool) -> _Branch:
        """The branch's changes since ``mark``, rolled back."""
        changes: dict[str, tuple[Binding, ...]] = {}
        undo = self.undo
        for name, _ in undo[mark:]:
            changes[name] = self.state[name]
        for name, old in reversed(undo[mark:]):
            if old is None:
                del self.state[name]
            else:
                self.state[name] = old
        del undo[mark:]
        branch = _Branch(changes, self.live)
        self.live = live
        return branch

    def merge(self, branches: list[_Branch]) -> None:
        alive = [b for b in branches if b.live]
        if not alive:
            self.live = False
            return
        names: dict[str, None] = {}
        for branch in alive:
            names.update(dict.fromkeys(branch.changes))
        for name in names:
            before = self.before(name)
            self.set(name, _union(b.changes.get(name, before) for b in alive))

    def made_since(self, position: int) -> dict[str, list[Binding]]:
        made: dict[str, list[Binding]] = {}
        for name, binding in self.log[position:]:
            made.setdefault(name, []).append(binding)
        return made


def _union(parts) -> tuple[Binding, ...]:
    out: dict[int, Binding] = {}
    for part in parts:
        for binding in part:
            out.setdefault(id(binding), binding)
    return tuple(out.values())


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


class FlowPass:
    def __init__(self, scanned_methods: frozenset[str] | set[str], constants: bool = False) -> None:
        self.scanned = scanned_methods
        self.constants = constants  # decide `if` tests on module-level constants
        self.flow = Flow(Scope())
        self.frame = _Frame(self.flow.module_scope, None)
        self._mutations: list[tuple[Scope, str]] = []
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
        self._resolve_mutations()
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
            self._mutate(func.value)
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

    # ------------------------------------------------------------------------------------------ binding

    def _bind(self, name: str, binding: Binding, walrus: bool = False) -> None:
        frame = self.frame
        while walrus and frame.scope.kind == "comprehension" and frame.parent is not None:
            frame = frame.parent  # a walrus in a comprehension binds in the enclosing scope
        scope = frame.scope
        redirected = self._redirect(scope, name)
        if redirected is not None:
            binding.scope = redirected
            redirected.bind(name, binding)
            redirected.volatile.add(name)
            frame.keys.append(name)
            return
        binding.scope = scope
        scope.bind(name, binding)
        frame.set(name, (binding,))
        frame.log.append((name, binding))
        frame.keys.append(name)

    def _redirect(self, scope: Scope, name: str) -> Scope | None:
        """The scope a ``global`` / ``nonlocal`` declaration sends a binding to."""
        how = scope.declared.get(name)
        if how is None:
            return None
        if how == "global" or scope.parent is None:
            return self.flow.module_scope
        outer: Scope | None = scope.parent
        while outer is not None and outer.kind == "function" and name not in outer.bindings:
            outer = outer.parent
        # a nonlocal name must be bound in an enclosing function, maybe further down than this point
        return outer if outer is not None and outer.kind == "function" else scope.parent

    def _store(self, target: cst.BaseExpression, value: cst.BaseExpression | None, index=()) -> bool:
        """Binds the names of an assignment target; visits what the target reads (``a[i]``, ``obj.x``)."""
        kind = type(target)
        if kind is cst.Name:
            self._bind(target.value, Binding(value, index) if value is not None else Binding(kind="other"))
            return False
        if kind is cst.StarredElement:
            found = self._store(target.value, None)
        elif kind is cst.Tuple or kind is cst.List:
            found = False
            starred = False
            for i, element in enumerate(target.elements):
                if type(element) is cst.StarredElement:
                    starred = True  # it and the names after it take positions that depend on the length
                    below = self._store(element, None)
                else:
                    below = self._store(element.value, None if starred else value, (*index, i))
                    if below:
                        self.flow.hot.add(id(element))
                found = below or found
        else:
            found = None
        if found is not None:
            if found:
                self.flow.hot.add(id(target))
            return found
        key = dotted(target)
        if key is not None:
            self.frame.keys.append(key)
        if kind is cst.Subscript:
            self._mutate(target.value)
        return self.visit(target)

    def _mutate(self, base: cst.BaseExpression) -> None:
        if type(base) is cst.Name:
            self._mutations.append((self.frame.scope, base.value))

    def _assign(self, node: cst.Assign) -> bool:
        found = self.visit(node.value)
        for target in node.targets:
            if self._store(target.target, node.value):
                found = True
                self.flow.hot.add(id(target))
        return found

    def _ann_assign(self, node: cst.AnnAssign) -> bool:
        found = self.visit(node.annotation)
        if node.value is not None:
            found = self.visit(node.value) or found
            found = self._store(node.target, node.value) or found
        else:
            found = self.visit(node.target) or found  # `x: int` binds nothing
        return found

    def _aug_assign(self, node: cst.AugAssign) -> bool:
        found = self.visit(node.value)
        if type(node.target) is cst.Name:
            self.visit(node.target)  # `x += 1` reads x first
            self._bind(node.target.value, Binding(kind="other"))
            return found
        return self._store(node.target, None) or found

    def _named_expr(self, node: cst.NamedExpr) -> bool:
        found = self.visit(node.value)
        # short-circuits and comprehensions decide whether it runs: the value is not followed
        if type(node.target) is cst.Name:
            self._bind(node.target.value, Binding(kind="other"), walrus=True)
        return found

    def _del(self, node: cst.Del) -> bool:
        return self._delete(node.target)

    def _delete(self, target: cst.BaseExpression) -> bool:
        if type(target) is cst.Name:
            self._bind(target.value, Binding(kind="other"))
            return False
        if type(target) in (cst.Tuple, cst.List):
            return any([self._delete(e.value) for e in target.elements])
        if type(target) is cst.Subscript:
            self._mutate(target.value)
        key = dotted(target)
        if key is not None:
            self.frame.keys.append(key)
        return self.visit(target)

    def _global(self, node) -> bool:
        return self._declare(node, "global")

    def _nonlocal(self, node) -> bool:
        return self._declare(node, "nonlocal")

    def _declare(self, node, how: str) -> bool:
        for item in node.names:
            self.frame.scope.declared[item.name.value] = how
        return False

    def _import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                self._bind_import(alias.asname.name.value)
            else:
                head = dotted(alias.name)
                if head:
                    self._bind_import(head.split(".")[0])
        return False

    def _import_from(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            module = dotted(node.module) if node.module is not None else None
            if node.relative or module is None or keras_distribution(module) is None:
                # any name bound so far may be rebound by the star import (Keras's modules export only
                # their own API, never a user's variable names)
                frame = self.frame
                for name in list(frame.state):
                    frame.set(name, _union((frame.state[name], (UNKNOWN,))))
                    frame.log.append((name, UNKNOWN))
            return False
        for alias in node.names:
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                self._bind_import(alias.asname.name.value)
            elif type(alias.name) is cst.Name:
                self._bind_import(alias.name.value)
        return False

    def _bind_import(self, name: str) -> None:
        frame = self.frame
        frame.scope.imported.add(name)
        frame.set(name, (IMPORTED,))
        frame.keys.append(name)

    # ------------------------------------------------------------------------------------------ branches

    def _if(self, node: cst.If) -> bool:
        frame = self.frame
        found = self.visit(node.test)
        decided = self._constant(node.test)
        live, mark = frame.live, len(frame.undo)
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
        live, mark, logged, keyed = frame.live, len(frame.undo), len(frame.log), len(frame.keys)
        loop = _Loop()
        frame.loops.append(loop)
        found = before()
        found = self.visit(node.body) or found
        frame.loops.pop()
        frame.take(mark, live)
        made = frame.made_since(logged)
        for name, marker in loop.markers.items():
            marker.alternatives = made.get(name, [])
        for name, bindings in made.items():
            frame.set(name, _union((frame.before(name), bindings)))
        self.flow.assigned[id(node)] = set(frame.keys[keyed:])
        found = self.visit(node.orelse) or found
        return found

    def _for(self, node: cst.For) -> bool:
        found = self.visit(node.iter)

        def target() -> bool:
            below = self._store(node.target, None)
            if below:
                self.flow.hot.add(id(node.target))
            return below

        return self._loop_body(node, target) or found

    def _while(self, node: cst.While) -> bool:
        return self._loop_body(node, lambda: self.visit(node.test))

    def _try(self, node) -> bool:
        frame = self.frame
        live, mark, logged, keyed = frame.live, len(frame.undo), len(frame.log), len(frame.keys)
        found = self.visit(node.body)
        made = frame.made_since(logged)
        self.flow.assigned[id(node)] = set(frame.keys[keyed:])
        found = self.visit(node.orelse) or found
        branches = [frame.take(mark, live)]
        for handler in node.handlers:
            # an exception can leave the body after any of its statements
            for name, bindings in made.items():
                frame.set(name, _union((frame.before(name), bindings)))
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
            for name, bindings in made.items():
                frame.set(name, _union((frame.before(name), before[name], bindings)))
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
        if not suppresses(node):
            keyed = len(frame.keys)
            found = self.visit(node.body) or found
            self.flow.assigned[id(node)] = set(frame.keys[keyed:])
            return found
        live, mark, logged, keyed = frame.live, len(frame.undo), len(frame.log), len(frame.keys)
        found = self.visit(node.body) or found
        made = frame.made_since(logged)
        self.flow.assigned[id(node)] = set(frame.keys[keyed:])
        normal = frame.take(mark, live)
        for name, bindings in made.items():
            frame.set(name, _union((frame.before(name), bindings)))
        frame.merge([normal, frame.take(mark, live)])
        return found

    def _match(self, node: cst.Match) -> bool:
        frame = self.frame
        found = self.visit(node.subject)
        live, mark = frame.live, len(frame.undo)
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
            branches.append(_Branch({}, live))  # no case matched
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

    def _run_body(self, scope: Scope, params: list[str], body: cst.CSTNode, parent: _Frame | None) -> bool:
        outer = self.frame
        self.frame = _Frame(scope, parent)
        for name in params:
            self._bind(name, Binding(kind="other"))
        try:
            return self.visit(body)
        finally:
            self.frame = outer

    def _function(self, node: cst.FunctionDef) -> bool:
        found = self._visit_all(node.decorators)
        below, names = self._parameters(node.params)
        found = self.visit(node.returns) or below or found
        scope = self._new_scope(node, "function")
        found = self._run_body(scope, names, node.body, None) or found
        self._bind(node.name.value, Binding(kind="other"))
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
        self.frame = _Frame(Scope(parent=outer.scope, kind="comprehension"), outer)
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

    def _resolve_mutations(self) -> None:
        """(scope, name) changed in place -> the scope that owns the name; an alias (``b = a``) passes the
        mark on to what it names."""
        todo = list(self._mutations)
        mutated = self.flow.mutated
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


def analyze_flow(module: cst.Module, scanned_methods, constants: bool = False) -> Flow:
    """``constants``: decide `if` tests on module-level literal constants (pass False when names may be
    rebound from elsewhere: the file has global / nonlocal statements)."""
    return FlowPass(scanned_methods, constants).run(module)
