"""A fast walk over CPython ``ast`` nodes (it does not import libcst: the scope test uses it before libcst).

``ast.walk`` goes through generators for every node and field and visits the ``Load``/``Store`` contexts and
operator singletons; reading each class's fields from a list worked out once, without those, is about half
the cost.
"""

from __future__ import annotations

import ast
from typing import Iterator

_LEAVES = ("ctx", "op", "ops")  # fields that hold only singletons without children
_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: ast.AST) -> list[ast.AST]:
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(name for name in kind._fields if name not in _LEAVES)
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            found.extend([item for item in value if isinstance(item, ast.AST)])  # Dict.keys may hold None
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def walk(tree: ast.AST, skip: type | tuple[type, ...] = ()) -> Iterator[ast.AST]:
    """Every node (in no particular order), leaving out the subtrees of ``skip`` nodes entirely."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if skip and isinstance(node, skip):
            continue
        yield node
        stack.extend(children(node))
