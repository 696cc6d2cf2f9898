"""The functions on static values that the evaluator (values.py) and its operations (value_operations.py)
share: bounds on a value's size, reasons that say where, literals, the comparable form of a value."""

from __future__ import annotations

import ast
import re

import libcst as cst

from lstmlint.analyze.reach import UNKNOWN, Binding
from lstmlint.ir import Value

# Bounds on what one expression may evaluate to: a literal or a computed tuple (nested items counted) past
# MAX_ITEMS, or a string past MAX_STRING characters, is unknown. Shapes and arguments are small; without a
# bound, `t1 = t0 + t0` repeated doubles the work and memory at every line.
MAX_ITEMS = 1_000
MAX_STRING = 10_000
_LINE = re.compile(r"\bline \d+")


def head_of(node: cst.BaseExpression) -> cst.Name | None:
    """The name a dotted expression starts from (``keras`` of ``keras.layers.LSTM``)."""
    while type(node) is cst.Attribute:
        node = node.value  # type: ignore[attr-defined]
    return node if type(node) is cst.Name else None  # type: ignore[return-value]


def imported_only(bindings: list[Binding] | None) -> bool:
    """Whether a name is bound in this file by imports only (or not at all): the import table's view holds;
    any other binding that may reach the read is for the evaluator to follow. A star import from outside Keras
    (the UNKNOWN marker) is left to the import table, which decides what it forgets (the names a Keras star
    import bound), as it did before names bound to Keras classes were followed."""
    return not bindings or all(binding.kind == "import" or binding is UNKNOWN for binding in bindings)


def names_line(reason: str) -> bool:
    """Whether a reason already says where: "… at line 12"."""
    return bool(_LINE.search(reason))


def unknown_at(reason: str, line: int | None, text: str = "", tag: str | None = None,
               name: str | None = None) -> Value:
    """The helper for analyzer code that finds a value it cannot follow: ``Value.unknown`` with " at line N"
    added to ``reason`` (when the line is known and the reason names none). Reasons are short and true, and say
    what the value is, not what lstmlint lacks: "`n` is a parameter of build() at line 3"."""
    if line is not None and not names_line(reason):
        reason = f"{reason} at line {line}"
    return Value.unknown(reason, text, tag=tag, name=name)


def literal_of(node: cst.BaseExpression, text: str):
    """Numbers and plain strings directly; ast.literal_eval (which compiles) only for the rest."""
    kind = type(node)
    if kind is cst.Integer:
        return int(text.replace("_", ""), 0)
    if kind is cst.Float:
        return float(text.replace("_", ""))
    simple = len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0] and text[:3] not in ("'''", '"""')
    if kind is cst.SimpleString and simple and "\\" not in text:
        return text[1:-1]
    return ast.literal_eval(text)


TOO_LARGE = f"a tuple or list of more than {MAX_ITEMS:,} items (nested ones counted)"


def size_of(value: Value, budget: int) -> int:
    """The number of values in ``value``'s tree (itself included), counted up to just past ``budget``."""
    total = 1
    todo = list(value.items)
    while todo and total <= budget:
        item = todo.pop()
        total += 1
        todo.extend(item.items)
    return total


def informative(value: Value) -> bool:
    """Whether a value tells anything: known, an array (its shape partly known), a tuple with a known item,
    or an unknown of a known origin (a tag): what makes a call worth analysing with its arguments."""
    if value.known or value.kind == "array" or value.tag is not None:
        return True
    return value.kind == "tuple" and any(informative(item) for item in value.items)


def signature(value: Value):
    """A comparable form of a value, for "do all bindings agree"; None when it cannot be compared."""
    if value.kind == "const":
        return "const", type(value.const).__name__, value.const
    if value.kind == "symbol":
        return "symbol", value.const
    if value.kind in ("tuple", "array"):
        items = tuple(signature(item) for item in value.items)
        return None if any(item is None for item in items) else (value.kind, items)
    if value.tag is not None:  # an unknown of a known origin (`X.shape`): equal when the origins are
        return "unknown", value.tag, value.name, value.reason
    return None


def renamed(value: Value, name: str) -> Value:
    """The value read through ``name`` keeps the name, so rules can tell `units=timesteps`."""
    copy = Value(value.kind, value.const, value.items, name, value.tag, value.reason, name)
    return copy
