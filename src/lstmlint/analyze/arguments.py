"""Reading a call's arguments: the parameter each binds, its value and its exact source text."""

from __future__ import annotations

import dataclasses
from typing import Iterator

import libcst as cst

from lstmlint.analyze.reach import Scope
from lstmlint.ir import Arg, Span


def named_args(call: cst.Call, positional: tuple[str, ...]) -> Iterator[tuple[str | None, cst.Arg]]:
    """Each argument with the parameter it binds: its keyword, or the positional parameter in order (None
    past the known ones; ``*args`` / ``**kwargs`` come with None too and ``arg.star`` set)."""
    index = 0
    for arg in call.args:
        if arg.star:
            yield None, arg
        elif arg.keyword is not None:
            yield arg.keyword.value, arg
        elif index < len(positional):
            yield positional[index], arg
            index += 1
        else:
            yield None, arg


class Arguments:
    """Part of the Analyzer (analyzer.py): spans and argument values; reads its positions, lines and
    evaluator."""

    def span(self, node: cst.CSTNode) -> Span:
        return self.positions.span(node)

    def arg(self, arg: cst.Arg, scope: Scope) -> Arg:
        """An argument's value, with its exact source text (``input_shape=(10, 3)`` keeps ``(10, 3)``)."""
        span = self.span(arg)
        value = self.evaluator.evaluate(arg.value, scope)
        text = self.source(span)
        if arg.keyword is not None:
            text = text.split("=", 1)[1] if "=" in text else text
        if arg.star:
            text = text.lstrip("*")
        return Arg(dataclasses.replace(value, text=text.strip() or value.text), span, arg.keyword is not None)

    def source(self, span: Span) -> str:
        if not self.lines:
            return ""
        if span.line == span.end_line:
            return self.lines[span.line - 1][span.column - 1: span.end_column - 1]
        parts = [self.lines[span.line - 1][span.column - 1:], *self.lines[span.line: span.end_line - 1],
                 self.lines[span.end_line - 1][: span.end_column - 1]]
        return "".join(parts)

    def span_or(self, node: cst.CSTNode, near: Span) -> Span:
        """Spans are kept for calls, arguments, classes and imports; other expressions borrow ``near``."""
        return self.positions.span(node) if self.positions.has(node) else near
