"""What the flow pass finds: the scopes of a module and the bindings of a name that may reach each read.

Read by the evaluator (``Flow.reach``, ``Flow.mutated``) and the analyzer (the rest); built by ``flow.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass(eq=False)
class Binding:
    """One way a name gets its value. ``kind``:

    - ``assign``: ``value`` is the expression assigned (``index``: the position inside a tuple unpacking);
    - ``other``: bound by something whose value is not followed (a parameter, a loop target, ``+=``, ``del``…);
    - ``absent``: not bound on this path; ``import``: bound by an import (the import table resolves it);
    - ``loop``: stands for every binding of the name made inside a loop or ``try`` body (``alternatives``).

    ``why`` says what an ``other`` binding is ("a parameter of build()"), ``at`` the node whose line it names
    (the ``def``, the ``for``), for the reason of an unknown value.
    """

    value: cst.BaseExpression | None = None
    index: tuple[int, ...] = ()
    kind: str = "assign"
    scope: Scope | None = None
    alternatives: list[Binding] | None = None
    why: str = ""
    at: cst.CSTNode | None = None


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
    # …of those, the names an array's shape may change through in place (``x.resize(...)``, ``x.shape = ...``)
    reshaped: set[tuple[int, str]] = field(default_factory=set)
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
