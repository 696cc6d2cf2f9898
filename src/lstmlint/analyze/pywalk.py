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


class Kinds:
    """A parsed module's nodes grouped by class, from one walk: the scope test, the pasted-snippet names and
    the span pairing each read a few classes of node, and a whole walk for each cost more than their own
    work. The nodes inside f-strings (the JoinedStr nodes themselves included) are kept apart: the span
    pairing leaves them out."""

    __slots__ = ("outside", "inside")

    def __init__(self, tree: ast.AST) -> None:
        self.outside: dict[type, list[ast.AST]] = {}
        self.inside: dict[type, list[ast.AST]] = {}
        fstrings: list[ast.AST] = []
        outside = self.outside
        stack = [tree]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is ast.JoinedStr:
                fstrings.append(node)
                continue
            bucket = outside.get(kind)
            if bucket is None:
                bucket = outside[kind] = []
            bucket.append(node)
            stack.extend(children(node))
        inside = self.inside
        for root in fstrings:
            for node in walk(root):
                inside.setdefault(type(node), []).append(node)

    def of(self, *kinds: type, fstrings: bool = True) -> list[ast.AST]:
        """Every node of these classes (in no particular order); without those in f-strings if told so."""
        found: list[ast.AST] = []
        for kind in kinds:
            found.extend(self.outside.get(kind, ()))
            if fstrings:
                found.extend(self.inside.get(kind, ()))
        return found


def kinds(tree: ast.AST) -> Kinds:
    """The tree's Kinds, worked out on the first call and kept on the tree (which nobody changes after the
    parse) for the later ones."""
    found = getattr(tree, "_lstmlint_kinds", None)
    if found is None:
        found = Kinds(tree)
        tree._lstmlint_kinds = found  # type: ignore[attr-defined]
    return found
