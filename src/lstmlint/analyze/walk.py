"""A fast pre-order walk over libcst nodes.

``CSTNode.visit`` rebuilds every node it passes (it is a transformer at heart) and dominated the analyzer's
profile; reading the dataclass fields directly, and skipping the whitespace and punctuation ones, is several
times cheaper for the read-only passes lstmlint makes.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator

import libcst as cst

_SKIP = ("whitespace", "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header",
         "footer", "trailing_whitespace", "colon", "dot", "equal", "star", "asynchronous", "newline",
         "first_line", "empty_lines", "lbracket", "rbracket", "lbrace", "rbrace", "arrow", "default_indent",
         "default_newline", "encoding", "has_trailing_newline", "indent", "prefix", "quote", "start", "end")
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind) if not f.name.startswith(_SKIP))
        _FIELDS[kind] = names
    return names


_IS_NODE: dict[type, bool] = {}


def is_node(value: object) -> bool:
    """isinstance(value, CSTNode) through a per-type cache: CSTNode is an ABC, and ABC checks are slow."""
    kind = type(value)
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = isinstance(value, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _fields(type(node)):
        value = getattr(node, name)
        if type(value) in (tuple, list):
            for item in value:
                if is_node(item):
                    yield item
        elif is_node(value):
            yield value


def walk(node: cst.CSTNode, enter: Callable[[cst.CSTNode], bool] | None = None) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), pre-order; ``enter(n)`` False keeps out of n's children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if enter is None or enter(current) or current is node:
            stack.extend(reversed(list(children(current))))
