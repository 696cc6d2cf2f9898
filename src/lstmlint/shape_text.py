"""The one way a shape is printed: in messages, explain's table and sentences, and the runtime verdicts."""

from __future__ import annotations

from typing import Any

from lstmlint.unknown import UNKNOWN


def shape_text(shape: Any, *, batch: bool = False, unknown: str = "?") -> str:
    """``(None, 10, ?)`` for plain dims (int, None for dynamic, UNKNOWN for not known statically), as
    :func:`lstmlint.shapes.dims` gives them or Keras reports them. Several outputs are joined with ", ";
    ``unknown`` stands for a whole output that is not known (None); with ``batch``, a dynamic first dim reads
    ``batch``. A one-dim shape keeps Python's trailing comma, as Keras prints it: ``(None,)``."""
    if shape is None:
        return unknown
    if shape and isinstance(shape[0], list):
        return ", ".join(shape_text(part, batch=batch, unknown=unknown) for part in shape)
    parts = ["batch" if batch and i == 0 and d is None else "None" if d is None else "?" if d is UNKNOWN else str(d)
             for i, d in enumerate(shape)]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
