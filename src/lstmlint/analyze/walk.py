"""A fast pre-order walk over libcst nodes, in source order.

``CSTNode.visit`` rebuilds every node it passes (it is a transformer at heart) and dominated the analyzer's
profile; reading the dataclass fields directly, and skipping the whitespace and punctuation ones, is several
times cheaper for the read-only passes lstmlint makes. Which fields hold what is worked out once per node
class from its field types, so that a node's children cost a few attribute reads.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from typing import Callable, Iterator

import libcst as cst

_SKIP = ("whitespace", "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header",
         "footer", "trailing_whitespace", "colon", "dot", "equal", "star", "asynchronous", "newline",
         "first_line", "empty_lines", "lbracket", "rbracket", "lbrace", "rbrace", "arrow", "default_indent",
         "default_newline", "encoding", "has_trailing_newline", "indent", "prefix", "quote", "start", "end")
# Classes whose dataclass fields are not in source order: their children are listed in this order instead.
SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
}
_NODE, _NODES, _ANY = 0, 1, 2  # a field that always holds a node / a sequence of nodes / anything
_PLANS: dict[type, tuple[tuple[str, int], ...]] = {}
_IS_NODE: dict[type, bool] = {}


def is_node(value: object) -> bool:
    """isinstance(value, CSTNode) through a per-type cache: CSTNode is an ABC, and ABC checks are slow."""
    kind = type(value)
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = isinstance(value, cst.CSTNode)
    return known


def _plan(kind: type) -> tuple[tuple[str, int], ...]:
    fields = {f.name: f for f in dataclasses.fields(kind)}
    order = SOURCE_ORDER.get(kind) or [name for name in fields if not name.startswith(_SKIP)]
    plan = []
    for name in order:
        declared = fields[name].type
        if declared in (str, bool, int, float, typing.Optional[str]):
            continue
        if isinstance(declared, type) and issubclass(declared, cst.CSTNode):
            plan.append((name, _NODE))
        elif typing.get_origin(declared) is Sequence:
            plan.append((name, _NODES))
        else:  # Optional, Union with MaybeSentinel or with a sequence, forward references: looked at each time
            plan.append((name, _ANY))
    return tuple(plan)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children in source order, whitespace and punctuation left out."""
    kind = type(node)
    plan = _PLANS.get(kind)
    if plan is None:
        plan = _PLANS[kind] = _plan(kind)
    found: list[cst.CSTNode] = []
    for name, holds in plan:
        value = getattr(node, name)
        if holds == _NODE:
            found.append(value)
        elif holds == _NODES:
            found.extend(value)
        elif type(value) in (tuple, list):
            found.extend(item for item in value if is_node(item))
        elif is_node(value):
            found.append(value)
    return found


def walk(node: cst.CSTNode, enter: Callable[[cst.CSTNode], bool] | None = None) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), pre-order; ``enter(n)`` False keeps out of n's children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if enter is None or enter(current) or current is node:
            stack.extend(reversed(children(current)))
