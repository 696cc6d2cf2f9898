"""libcst -> model IR. ``analyze_source`` is the one entry point; nothing after it sees libcst nodes.

libcst and the analyzer are imported by ``analyze_source`` itself: ``python_ast`` decides first, without
them, whether a file is worth libcst's parse at all (see :mod:`lstmlint.scope`).
"""

from __future__ import annotations

import ast
import warnings

from lstmlint.ir import Module
from lstmlint.lines import split_lines


class AnalysisError(Exception):
    """The file cannot be analysed (syntax error); carries a 1-based position."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def python_ast(text: str) -> ast.Module:
    """CPython's own parse, first: it is ten times cheaper than libcst's, its messages are the ones users
    know, and it refuses the pathological nesting (thousands of brackets, endless operator chains) on which
    libcst's native parser crashes the whole process."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like are not lstmlint's business
        try:
            return ast.parse(text)
        except SyntaxError as error:
            raise AnalysisError(f"syntax error: {error.msg}", error.lineno or 1, max(error.offset or 1, 1)) from None
        except (RecursionError, MemoryError):
            raise AnalysisError("syntax error: too deeply nested to analyse", 1, 1) from None
        except ValueError as error:  # e.g. a NUL byte
            raise AnalysisError(f"syntax error: {error}", 1, 1) from None


def analyze_source(text: str, path: str, python: ast.Module | None = None, root=None) -> Module:
    """The IR of a source text; ``python`` is its ``python_ast`` when the caller has it already. ``root``: the
    project's root folder, for the constants of its modules (see project_constants.py); None reads none."""
    import libcst as cst

    from lstmlint.analyze.analyzer import Analyzer
    from lstmlint.analyze.cst_parse import parse_module
    from lstmlint.analyze.positions import Positions, ProviderPositions, Unpaired
    from lstmlint.analyze.project_constants import ProjectConstants
    from lstmlint.scope import RECURRENT_CLASSES
    from lstmlint.snippets import implicit_imports

    if python is None:
        python = python_ast(text)
    try:
        tree = parse_module(text)
    except cst.ParserSyntaxError as error:
        message = split_lines(str(error.message if hasattr(error, "message") else error).strip())[0]
        raise AnalysisError(f"syntax error: {message}", error.raw_line, error.raw_column + 1) from None
    project = ProjectConstants(path, root, text) if root is not None else None
    try:
        analyzer = Analyzer(tree, path, Positions(text, tree, python), text)
        analyzer.imports.names.update(implicit_imports(python))  # tf., keras., LSTM... in pasted snippets
        analyzer.project = project
        module = analyzer.run()
    except Unpaired:
        # the cheap spans do not fit this file: libcst's own (slower) positions are always right
        from libcst.metadata import MetadataWrapper, PositionProvider

        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        analyzer = Analyzer(wrapper.module, path, ProviderPositions(wrapper.resolve(PositionProvider)), text)
        analyzer.imports.names.update(implicit_imports(python))
        analyzer.project = project
        module = analyzer.run()
    # every layer the file constructs, in a model or not (a layer applied in a graph that no Model() call
    # closes is in no model, yet the file builds it)
    module.recurrent = any(layer.cls in RECURRENT_CLASSES for layer in analyzer.templates)
    module.text = text
    return module
