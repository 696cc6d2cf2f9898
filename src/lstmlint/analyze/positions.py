"""Source spans of the libcst nodes the analyzer records, taken from Python's own parser.

libcst's PositionProvider computes a range for every node by generating the whole module's code again, which
cost twice the parse itself. CPython's ``ast`` gives line and column for free at a tenth of libcst's parse
time, so lstmlint parses the text with both and pairs the nodes it needs — calls, call arguments, class
definitions, imports — by their order in the source. The pairing is checked (same count, same callee
names); where it does not hold, the file falls back to PositionProvider, so a span is never wrong.
"""

from __future__ import annotations

import ast
import libcst as cst

from lstmlint.analyze.imports import dotted
from lstmlint.analyze.pywalk import kinds
from lstmlint.analyze.walk import children
from lstmlint.ir import Span
from lstmlint.lines import lines_with_ends

# (FunctionDef and For: their lines name where a parameter or a loop variable comes from, in reasons)
_PAIRED_CST = (cst.Call, cst.ClassDef, cst.Import, cst.ImportFrom, cst.FunctionDef, cst.For)
_PAIRED_AST = (ast.Call, ast.ClassDef, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.For,
               ast.AsyncFor)
# Nodes with no paired node below them: leaves (most nodes are names and numbers) and the imports themselves.
_NOTHING_BELOW = frozenset({cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis,
                            cst.Import, cst.ImportFrom})


class Unpaired(Exception):
    """The two parses cannot be paired: use libcst's PositionProvider for this file."""


def _cst_paired(module: cst.Module) -> list[cst.CSTNode]:
    """The nodes of the _PAIRED_CST classes in source order (pre-order), f-string internals left out."""
    found: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [module]
    pop, extend, append = stack.pop, stack.extend, found.append
    while stack:
        current = pop()
        kind = type(current)
        if kind is cst.FormattedString:
            continue  # f-string internals: CPython 3.11 gives them unreliable columns
        if kind in _PAIRED_CST:
            append(current)
        if kind in _NOTHING_BELOW:
            continue
        below = children(current)
        if below:
            below.reverse()  # children come in source order: the first is popped first
            extend(below)
    return found


def _ast_in_order(tree: ast.AST) -> list[ast.AST]:
    found = kinds(tree).of(*_PAIRED_AST, fstrings=False)
    found.sort(key=_source_position)
    return found


def _source_position(node) -> tuple[int, int, int, int]:
    """Where the node starts in the source, outermost first; a decorated class starts at its ``@``, as libcst
    holds the decorators inside the ClassDef."""
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        first = decorators[0]
        return (first.lineno, first.col_offset - 1, -node.end_lineno, -node.end_col_offset)
    return (node.lineno, node.col_offset, -node.end_lineno, -node.end_col_offset)


def _ast_dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _ast_dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


class Positions:
    """``span(node)`` for the paired libcst nodes; raises Unpaired when pairing is not possible."""

    def __init__(self, text: str, module: cst.Module, tree: ast.Module) -> None:
        self.text = text
        self.ascii = text.isascii()  # then every byte column is the column: the lines are never split
        self._lines: list[str] | None = None
        wanted = _cst_paired(module)
        found = _ast_in_order(tree)
        if len(wanted) != len(found):
            raise Unpaired("different node counts")
        self.pairs: dict[int, ast.AST] = {}
        self.args: dict[int, ast.AST] = {}
        for mine, theirs in zip(wanted, found):
            if type(mine).__name__ != type(theirs).__name__.replace("Async", "", 1):
                raise Unpaired("different node kinds")
            if isinstance(mine, cst.Call):
                assert isinstance(theirs, ast.Call)
                if dotted(mine.func) != _ast_dotted(theirs.func):
                    raise Unpaired("different callees")
                arguments = sorted([*theirs.args, *theirs.keywords], key=lambda a: (a.lineno, a.col_offset))
                if len(arguments) != len(mine.args):
                    raise Unpaired("different argument counts")
                for arg, node in zip(mine.args, arguments):
                    self.args[id(arg)] = node
            self.pairs[id(mine)] = theirs

    def _column(self, line: int, byte_offset: int) -> int:
        """ast counts UTF-8 bytes; lstmlint counts code points (1-based)."""
        if self.ascii:
            return byte_offset + 1
        if self._lines is None:
            self._lines = lines_with_ends(self.text)  # CPython's lines: its byte columns count within them
        lines = self._lines
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    def _span(self, node: ast.AST) -> Span:
        return Span(node.lineno, self._column(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                    node.end_lineno, self._column(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def has(self, node: cst.CSTNode) -> bool:
        return id(node) in self.pairs or id(node) in self.args

    def span(self, node: cst.CSTNode) -> Span:
        theirs = self.pairs.get(id(node)) or self.args.get(id(node))
        if theirs is None:
            raise Unpaired(f"no position for a {type(node).__name__}")
        return self._span(theirs)

    def callee(self, node: cst.Call) -> Span | None:
        """The class name in ``layers.LSTM(...)`` (the last name of the callee)."""
        theirs = self.pairs.get(id(node))
        func = theirs.func if isinstance(theirs, ast.Call) else None
        if isinstance(func, ast.Name):
            return self._span(func)
        if isinstance(func, ast.Attribute):
            end = self._span(func)
            return Span(end.end_line, end.end_column - len(func.attr), end.end_line, end.end_column)
        return None


class ProviderPositions:
    """The fallback: libcst's PositionProvider, which knows every node."""

    def __init__(self, ranges) -> None:
        self.ranges = ranges

    def has(self, node: cst.CSTNode) -> bool:
        return node in self.ranges

    def span(self, node: cst.CSTNode) -> Span:
        r = self.ranges[node]
        return Span(r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)

    def callee(self, node: cst.Call) -> Span | None:
        func = node.func
        target = func.attr if isinstance(func, cst.Attribute) else func if isinstance(func, cst.Name) else None
        return self.span(target) if target is not None else None
