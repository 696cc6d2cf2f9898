"""libcst's parse without re-validating what its own parser built.

Every libcst node checks its invariants in ``__post_init__`` (whitespace where a keyword needs it, balanced
parentheses...). Nodes that libcst's native parser builds from source hold them by construction, and the
checks cost about a quarter of the parse (libcst's own comment on ``CSTNode.__post_init__`` suggests moving
them out of the parse for this reason). lstmlint reaches libcst only for a text that CPython's parser accepted
first, and never builds nodes of its own, so the check is switched off for the duration of the parse alone:
under a lock, so that two threads parsing never restore each other's state, and restored even when the parse
raises.
"""

from __future__ import annotations

import threading

import libcst as cst
from libcst._nodes.base import CSTNode

_LOCK = threading.Lock()
_VALIDATE = CSTNode.__dict__["__post_init__"]


def _unchecked(self: CSTNode) -> None:
    return None


def parse_module(text: str) -> cst.Module:
    """``cst.parse_module(text)``: the same tree, the same ParserSyntaxError on text it does not accept."""
    with _LOCK:
        CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
        try:
            return cst.parse_module(text)
        finally:
            CSTNode.__post_init__ = _VALIDATE  # type: ignore[method-assign]
