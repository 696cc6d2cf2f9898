"""libcst -> model IR. ``analyze_source`` is the one entry point; nothing after it sees libcst nodes."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from lstmlint.analyze.models import Analyzer
from lstmlint.ir import Module


class AnalysisError(Exception):
    """The file cannot be analysed (syntax error); carries a 1-based position."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def analyze_source(text: str, path: str) -> Module:
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message = str(error.message if hasattr(error, "message") else error).strip().splitlines()[0]
        raise AnalysisError(f"syntax error: {message}", error.raw_line, error.raw_column + 1) from None
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    return Analyzer(wrapper.module, path, positions.__getitem__).run()
