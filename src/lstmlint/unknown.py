"""``UNKNOWN``: a value not known statically, as distinct from ``None`` (a dynamic dim Keras leaves open).

Shapes, dims and checked arguments use it where a plain Python value would be ambiguous: ``None`` already means
"dynamic" in Keras's own shapes, so "we cannot tell" needs a name of its own that a reader and a type checker can
tell apart. It is never serialized: the IR marks unknown values with ``Value.kind == "unknown"``, and JSON output
prints unknown dims as ``null``.
"""

from __future__ import annotations

from typing import Final


class _Unknown:
    """The one instance is :data:`UNKNOWN`; compare it with ``is``."""

    __slots__ = ()
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"  # pickled by name, so a copy is the same object


UNKNOWN: Final = _Unknown()
