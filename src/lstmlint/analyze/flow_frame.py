"""The flow pass's state in one executing body: the bindings that may reach each name at this point."""

from __future__ import annotations

from dataclasses import dataclass, field

from lstmlint.analyze.reach import ABSENT, Binding, Scope
from lstmlint.analyze.undo import MISSING, Branch, UndoDict

_NOT_BOUND = (ABSENT,)


@dataclass
class Loop:
    markers: dict[str, Binding] = field(default_factory=dict)

    def marker(self, name: str) -> Binding:
        found = self.markers.get(name)
        if found is None:
            found = self.markers[name] = Binding(kind="loop", alternatives=[])
        return found


class Reaching(UndoDict):
    """Name -> the bindings that may reach this point; branches that disagree reach with all of theirs."""

    def join(self, values: list[object]) -> object:
        return union(_NOT_BOUND if value is MISSING else value for value in values)  # type: ignore[misc]


class Frame:
    """The state of one executing body. Branches change it in place and are rolled back (see undo.py)."""

    def __init__(self, scope: Scope, parent: Frame | None) -> None:
        self.scope = scope
        self.parent = parent  # for classes and comprehensions: the frame they execute in
        self.state = Reaching()
        self.log: list[tuple[str, Binding]] = []  # every binding made, in order
        self.keys: list[str] = []  # every dotted name assigned, in order
        self.loops: list[Loop] = []
        self.live = True

    def before(self, name: str) -> tuple[Binding, ...]:
        return self.state.get(name, _NOT_BOUND)

    def take(self, mark: int, live: bool) -> Branch:
        """The branch's changes since ``mark``, rolled back; the state goes on as ``live``."""
        branch = Branch(self.state.take(mark), self.live)
        self.live = live
        return branch

    def merge(self, branches: list[Branch]) -> None:
        if not self.state.merge(branches):
            self.live = False

    def made_since(self, position: int) -> dict[str, list[Binding]]:
        made: dict[str, list[Binding]] = {}
        for name, binding in self.log[position:]:
            made.setdefault(name, []).append(binding)
        return made

    def widen(self, made: dict[str, list[Binding]], earlier: dict[str, tuple[Binding, ...]] | None = None) -> None:
        """Each name in ``made`` may also hold what those bindings (and ``earlier``) give it: after a body that
        may stop at any statement (``try``, ``with suppress``) or run any number of times (a loop)."""
        for name, bindings in made.items():
            parts = (self.before(name), bindings) if earlier is None else (self.before(name), earlier[name], bindings)
            self.state[name] = union(parts)


def union(parts) -> tuple[Binding, ...]:
    out: dict[int, Binding] = {}
    for part in parts:
        for binding in part:
            out.setdefault(id(binding), binding)
    return tuple(out.values())
