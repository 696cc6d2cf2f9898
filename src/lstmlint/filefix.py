"""Fixing one file: every fix proven (:func:`lstmlint.fix.fix_text`), the fixed text encoded as the file was
(its encoding, line endings, notebook cells) and checked to read back as exactly that text."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lstmlint.config import Config
from lstmlint.discover import display_path, read_regular
from lstmlint.engine.loader import Rule
from lstmlint.filelint import MAX_BYTES, lint_bytes, lint_text, raw_lines, to_cells, with_line_texts
from lstmlint.findings import Finding
from lstmlint.source import DecodeError, decode


@dataclass
class FileFix:
    path: Path
    shown: str
    before: bytes
    after: bytes
    applied: int
    remaining: list[Finding]  # on ``after``
    refusals: list[tuple[Finding, str]] = field(default_factory=list)  # fixes not applied, and why
    initial: list[Finding] = field(default_factory=list)  # on ``before``: what stays if ``after`` is not written


def fix_file(path: Path, config: Config, rules: list[Rule], unsafe: bool = False) -> FileFix | None:
    """The fixed bytes of one file (None when it cannot be read)."""
    try:
        data = read_regular(path)
    except OSError:
        return None
    return fix_bytes(data, path, config, rules, unsafe)


def fix_bytes(data: bytes, path: Path, config: Config, rules: list[Rule], unsafe: bool = False) -> FileFix:
    """The fixed bytes of a file's content ``data``. Every fix is proven (:func:`lstmlint.fix.fix_text`); the
    bytes must decode back to the fixed text. A file that is not analysed (no recurrent layer, too large, not
    decodable) comes back unchanged with its findings, which say why."""
    import copy
    import dataclasses

    from lstmlint import notebook
    from lstmlint.analyze import AnalysisError, analyze_source
    from lstmlint.fix import fix_text
    from lstmlint.scope import may_hold_recurrent

    shown = display_path(path)

    def unchanged() -> FileFix:
        findings = lint_bytes(data, shown, config, rules).findings
        return FileFix(path, shown, data, data, 0, findings, [], findings)

    if not may_hold_recurrent(data, shown.endswith(".ipynb")) or len(data) > notebook.MAX_JSON_BYTES or (
            len(data) > MAX_BYTES and not shown.endswith(".ipynb")):
        return unchanged()
    book = None
    try:
        if shown.endswith(".ipynb"):
            book = notebook.load(data, shown)
            text = book.text
            if notebook.too_large(book, data) is not None:
                return unchanged()
        else:
            source = decode(data, shown)
            text = source.text
    except DecodeError:
        return unchanged()

    newline = "\n" if book is not None else source.newline
    # a notebook's cells as they move with the fixes: each candidate text's map (notebook.CellMap.after)
    maps = {text: notebook.CellMap.of(book)} if book is not None else {}

    def follow(current: str, candidate: str, spans) -> str | None:
        moved = maps[current].after(current, candidate, spans)
        if isinstance(moved, str):
            return moved
        maps[candidate] = moved
        return None

    def lint(code: str, module=None) -> list[Finding]:
        findings = lint_text(code, shown, config, rules, module=module).findings
        for finding in findings:
            if finding.fix is None:
                continue
            if book is not None and not maps[code].holds(finding.fix.edits, finding.line):
                finding.fix = None  # as the JSON output says (filelint.to_cells): not in one cell's own code
            elif newline != "\n":
                finding.fix.edits = [dataclasses.replace(e, content=e.content.replace("\n", newline))
                                     for e in finding.fix.edits]
        return findings

    def compiles(code: str) -> bool:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to print
            try:
                compile(code, shown, "exec", dont_inherit=True)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
        return True

    strict = compiles(text)  # top-level `await` in a notebook never compiles: then libcst alone decides

    def check(candidate: str) -> list[Finding] | None:
        """The candidate's findings from one analysis, or None when it does not parse: libcst's grammar must
        accept it, and so must CPython's compiler where it accepted the original (it also rejects what the
        grammar allows, such as a repeated keyword argument)."""
        try:
            module = analyze_source(candidate, shown, root=config.root)
        except (AnalysisError, RecursionError):
            return None
        if strict and not compiles(candidate):
            return None
        return lint(candidate, module)

    outcome = fix_text(text, lint, check, unsafe, follow if book is not None else None)

    def place(finding: Finding, where=book) -> Finding:
        return to_cells(copy.copy(finding), where) if where is not None else finding

    # the findings that are reported carry their line's text (SARIF fingerprints): nothing reads the file again
    initial = with_line_texts([place(f) for f in outcome.initial], raw_lines(data))
    after = data
    if outcome.applied:
        try:
            after = _encode_fixed(outcome.text, book, source if book is None else None, maps.get(outcome.text))
        except ValueError as error:  # the bytes would not read back as the fixed code: write nothing
            refusals = [(place(r.finding), r.reason) for r in outcome.refusals]
            refusals.extend((place(f), str(error)) for f in outcome.applied)
            return FileFix(path, shown, data, data, 0, initial, refusals, initial)
    # a fixed notebook's cells may have gained lines: what is left is placed in the cells as written
    final = notebook.load(after, shown) if book is not None and after != data else book
    refusals = [(place(r.finding, final), r.reason) for r in outcome.refusals]
    if after == data:
        return FileFix(path, shown, data, after, len(outcome.applied), initial, refusals, initial)
    remaining = with_line_texts([place(f, final) for f in outcome.remaining], raw_lines(after))
    return FileFix(path, shown, data, after, len(outcome.applied), remaining, refusals, initial)


def _encode_fixed(text: str, book, source, cells=None) -> bytes:
    """The file's bytes for the fixed text, checked to read back as exactly that text (ValueError if not);
    ``cells``: where a notebook's cells are in the fixed text."""
    from lstmlint import notebook

    if book is not None:
        try:
            data = book.with_module(text, cells).encode("utf-8")
        except notebook.CellMapError as error:
            raise ValueError(str(error)) from None
        if notebook.load(data, book.path).text != text:
            raise ValueError("the fixed notebook does not read back as the fixed code")
        return data
    try:
        data = source.encode(text)
    except UnicodeEncodeError:
        raise ValueError(f"the fixed code cannot be written in the file's encoding ({source.encoding})") from None
    if decode(data, source.path).text != text:
        raise ValueError("the fixed file does not read back as the fixed code")
    return data
