"""State that a branch changes in place: a dict whose changes since a mark can be taken back and merged.

Both passes walk each branch of an ``if`` / ``try`` / ``match``… from the state before it, take the branch's
changes back out, and merge the branches that go on afterwards, so a branch costs what it changes, not the
size of the state. The flow pass keeps the bindings that may reach each name (``flow_frame.py``), the analyzer
the object each name holds (``objects.Env``); they differ only in how branches that disagree are joined.
"""

from __future__ import annotations

from dataclasses import dataclass

MISSING = object()  # the key is not in the dict


@dataclass
class Branch:
    changes: dict[str, object]  # key -> its value at the end of the branch, or MISSING
    live: bool  # the branch goes on past its end (no return, raise, break or continue on every path)


class UndoDict(dict):
    """A dict whose changes are logged: ``take(mark)`` rolls back those since ``mark`` and returns them;
    ``merge`` sets each changed key to the ``join`` of its values on the live branches."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.undo: list[tuple[str, object]] = []

    def __setitem__(self, key: str, value: object) -> None:
        self.undo.append((key, self.get(key, MISSING)))
        super().__setitem__(key, value)

    def pop(self, key: str, default=None):  # type: ignore[override]
        if key not in self:
            return default
        self.undo.append((key, self[key]))
        return super().pop(key)

    def mark(self) -> int:
        return len(self.undo)

    def take(self, mark: int) -> dict[str, object]:
        """The changes since ``mark`` (key -> value, or MISSING), rolled back."""
        undo = self.undo
        changes = {key: self.get(key, MISSING) for key, _ in undo[mark:]}
        for key, old in reversed(undo[mark:]):
            if old is MISSING:
                super().pop(key, None)
            else:
                super().__setitem__(key, old)
        del undo[mark:]
        return changes

    def join(self, values: list[object]) -> object:
        """What a key holds after branches in which it held ``values`` (MISSING: it is dropped)."""
        raise NotImplementedError

    def merge(self, branches: list[Branch]) -> bool:
        """Joins what the live branches changed; False when no branch goes on."""
        alive = [branch.changes for branch in branches if branch.live]
        if not alive:
            return False
        keys: dict[str, None] = {}
        for changes in alive:
            keys.update(dict.fromkeys(changes))
        for key in keys:
            before = self.get(key, MISSING)
            value = self.join([changes.get(key, before) for changes in alive])
            if value is MISSING:
                self.pop(key)
            else:
                self[key] = value
        return True
