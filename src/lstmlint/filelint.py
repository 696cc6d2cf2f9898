"""One file's check: decode (or read the notebook), analyse, run the enabled rules, apply select/ignore,
per-file-ignores and noqa; an exception of lstmlint's own becomes an LSTM003 finding for that file alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lstmlint.builtin_codes import (CODES, INTERNAL_ERROR, ISSUES_URL, SYNTAX_ERROR, UNREADABLE, BuiltinCode,
                                     exception_line)
from lstmlint.config import Config
from lstmlint.engine.loader import Rule
from lstmlint.findings import Edit, Finding, Fix
from lstmlint.ir import Module
from lstmlint.lines import split_lines
from lstmlint.source import DecodeError, decode, noqa_lines

# libcst parses about 8,000 lines a second: a larger file (generated code, a pasted data dump) would hold the
# whole run for minutes, so it is reported as unreadable instead of analysed. No hand-written model comes close.
MAX_BYTES = 1 << 20


def builtin_finding(path: str, code: BuiltinCode, message: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(path, line, column, line, column, code.id, code.name, code.severity, message)


SHOW_TRACEBACK = "--show-traceback prints the details"


def internal_error(path: str, error: BaseException, details: str = SHOW_TRACEBACK) -> Finding:
    """LSTM003 for a file on which lstmlint raised: the exception in one line, where it was raised, a request to
    report it; the traceback travels with the finding (not in any output format) for --show-traceback."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    finding = internal_failure(path, f"{exception_line(error, 300)}{where}", details)
    finding.traceback = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return finding


def internal_errors(findings: list[Finding]) -> list[Finding]:
    """The LSTM003 findings among ``findings``: a file with one was not fully checked (nor cached, nor fixed)."""
    return [f for f in findings if f.rule == INTERNAL_ERROR.id]


def internal_failure(path: str, what: str, details: str = SHOW_TRACEBACK) -> Finding:
    """LSTM003 for a file lstmlint failed on, ``what`` saying how (an exception, a worker that died)."""
    return builtin_finding(path, INTERNAL_ERROR, f"internal error: {what}. This is a bug in lstmlint, not in "
                                                 f"this file: please report it at {ISSUES_URL} ({details}).")


@dataclass
class Linted:
    """One file's check. ``module`` is its IR: None when the file does not parse, when lstmlint failed on it or
    when it builds no recurrent layer (then there are no findings either). ``noqa`` holds its ``# noqa``
    comments (line -> codes, None for all), read once from its text: findings made after linting, such as the
    runtime checker's, go through the same comments (:func:`lstmlint.api.suppressed`)."""

    module: Module | None
    findings: list[Finding]
    noqa: dict[int, list[str] | None] = field(default_factory=dict)


@dataclass
class FileText:
    """What the steps after linting need of a file they no longer read: its ``# noqa`` comments and its lines."""

    noqa: dict[int, list[str] | None]
    lines: list[str]


def lint_source(text: str, path: str, config: Config, rules: list[Rule]) -> list[Finding]:
    """Findings for one decoded source text, after select/ignore, per-file-ignores and noqa."""
    return lint_text(text, path, config, rules).findings


def analyze_and_lint(text: str, path: str, config: Config, rules: list[Rule], *, details: str = SHOW_TRACEBACK
                     ) -> tuple[Module | None, list[Finding]]:
    """The module's IR and its findings (see :class:`Linted`)."""
    linted = lint_text(text, path, config, rules, details=details)
    return linted.module, linted.findings


def lint_text(text: str, path: str, config: Config, rules: list[Rule], *, details: str = SHOW_TRACEBACK,
              module: Module | None = None) -> Linted:
    """Check one decoded source text (``module``: its IR, when the caller analysed it already); libcst never
    runs on a file whose code calls no recurrent class. An exception of lstmlint's own becomes an LSTM003
    finding for this file alone (``details``: where its traceback can be seen)."""
    from lstmlint.analyze import AnalysisError, analyze_source, python_ast
    from lstmlint.scope import calls_recurrent

    findings: list[Finding] = []
    if module is None:
        try:
            python = python_ast(text)
            if not calls_recurrent(python):
                return Linted(None, [])
            module = analyze_source(text, path, python, root=config.root)
        except AnalysisError as error:
            from lstmlint.partial_parse import salvage

            noqa = noqa_lines(text)
            module, findings = salvage(
                text, path, error, lambda code: analyze_and_lint(code, path, config, rules, details=details),
                lambda found: filter_findings(found, noqa, path, config))
            return Linted(module, findings, noqa)
        except RecursionError:
            findings = [builtin_finding(path, SYNTAX_ERROR, "syntax error: nesting too deep to analyse")]
        except Exception as error:  # noqa: BLE001 - contained: one file never sinks a run
            return Linted(None, [internal_error(path, error, details)])
    if module is not None:
        if not module.recurrent:
            return Linted(None, [])
        try:
            from lstmlint.engine.evaluate import run_rules

            findings = run_rules(module, enabled_rules(rules, config), config.target_keras)
        except Exception as error:  # noqa: BLE001 - the file was not checked: nothing downstream may use it
            return Linted(None, [internal_error(path, error, details)])
    noqa = noqa_lines(text)
    return Linted(module, filter_findings(findings, noqa, path, config), noqa)


_ENABLED: list = [None, None, []]  # the last (rules, (select, ignore), enabled rules)


def enabled_rules(rules: list[Rule], config: Config) -> list[Rule]:
    """The rules the config enables, worked out once per rule list and selection rather than per file (matching
    every code against every prefix cost a seventh of a small file's parse)."""
    key = (tuple(config.select), tuple(config.ignore))
    if _ENABLED[0] is not rules or _ENABLED[1] != key:
        _ENABLED[:] = [rules, key, [r for r in rules if config.enabled(r.id)]]
    return _ENABLED[2]


def filter_findings(findings: list[Finding], noqa: dict[int, list[str] | None], path: str, config: Config
                    ) -> list[Finding]:
    """The findings that select/ignore, per-file-ignores and the file's ``noqa`` comments let through."""
    from lstmlint.engine.cascade import fold

    ignored = config.ignored_for(path)
    kept = []
    for finding in findings:
        builtin = CODES.get(finding.rule)
        if builtin is not None and not builtin.suppressible:  # lstmlint's failure, not a verdict on the code
            kept.append(finding)
            continue
        if not config.enabled(finding.rule) or any(finding.rule.startswith(p) for p in ignored):
            continue
        codes = noqa.get(finding.line, ...)
        if codes is None or (codes is not ... and any(finding.rule.startswith(c) for c in codes)):
            continue
        kept.append(finding)
    return fold(sorted(kept, key=Finding.sort_key))  # one root cause, one finding (after noqa: a kept blamer)


def analyze_and_lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]
                           ) -> tuple[Module | None, list[Finding]]:
    """As analyze_and_lint, from the file's bytes (see :func:`lint_bytes`)."""
    linted = lint_bytes(data, path, config, rules)
    return linted.module, linted.findings


def lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]) -> Linted:
    """Check a file from its bytes (prefilter, size limit, decoding, notebooks); each finding outside a notebook
    cell gets the text of its line (:func:`with_line_texts`)."""
    try:
        linted = _lint_bytes(data, path, config, rules)
    except Exception as error:  # noqa: BLE001 - decoding, notebooks, cell mapping: still this file alone
        linted = Linted(None, [internal_error(path, error)])
    if any(f.cell is None for f in linted.findings):
        with_line_texts(linted.findings, raw_lines(data))
    return linted


def raw_lines(data: bytes) -> list[str]:
    """A file's lines as a reader of its bytes sees them (as UTF-8, undecodable bytes replaced; notebooks as
    JSON): what SARIF fingerprints are made of."""
    return split_lines(data.decode("utf-8", errors="replace"))


def with_line_texts(findings: list[Finding], lines: list[str]) -> list[Finding]:
    """Set ``line_text`` of each finding outside a notebook cell from the file's :func:`raw_lines`, so that
    nothing after the check reads the file again."""
    for finding in findings:
        if finding.cell is None and 1 <= finding.line <= len(lines):
            finding.line_text = lines[finding.line - 1]
    return findings


def too_large(size: int) -> str | None:
    """Why a source of ``size`` bytes is not analysed (the CLI and the language server share the limit)."""
    if size <= MAX_BYTES:
        return None
    return f"file too large to analyse ({size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.1f} MB)"


def _unreadable(path: str, message: str, config: Config, line: int = 1) -> Linted:
    return Linted(None, filter_findings([builtin_finding(path, UNREADABLE, message, line)], {}, path, config))


def _lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]) -> Linted:
    from lstmlint.scope import may_hold_recurrent

    if not may_hold_recurrent(data, path.endswith(".ipynb")):
        return Linted(None, [])
    if path.endswith(".ipynb"):
        return _lint_notebook(data, path, config, rules)
    message = too_large(len(data))
    if message is not None:
        return _unreadable(path, message, config)
    try:
        source = decode(data, path)
    except DecodeError as error:
        return _unreadable(path, error.message, config, error.line)
    return lint_text(source.text, path, config, rules)


def _lint_notebook(data: bytes, path: str, config: Config, rules: list[Rule]) -> Linted:
    from lstmlint import notebook

    try:
        book = notebook.load(data, path)
    except DecodeError as error:
        return _unreadable(path, error.message, config, error.line)
    message = notebook.too_large(book, data)  # the code cells are weighed, not the saved outputs
    if message is not None:
        return _unreadable(path, message, config)
    linted = lint_text(book.text, path, config, rules)
    if any(f.rule == SYNTAX_ERROR.id for f in linted.findings):
        module, linted.findings = notebook.lint_cells(
            book, linted.findings, lambda code: analyze_and_lint(code, path, config, rules),
            lambda found: filter_findings(found, noqa_lines(book.text), path, config))
        linted.module = module
    # an internal error is about the whole file: it stays at the notebook's first line, outside any cell
    linted.findings = [f if f.rule == INTERNAL_ERROR.id else to_cells(f, book) for f in linted.findings]
    return linted


def to_cells(finding: Finding, book) -> Finding:
    """Module positions -> notebook cell and line in the cell (JSON and text output carry the cell)."""
    module_line = finding.line
    if book.shift(finding.line) or book.shift(finding.end_line):  # a dedented cell: columns as the user sees them
        finding.column, finding.end_column = finding.column + book.shift(finding.line), \
            finding.end_column + book.shift(finding.end_line)
        finding.fix = None
    cell, line = book.locate(finding.line)
    end_cell, end_line = book.locate(finding.end_line)
    finding.message = cite_cells(finding.message, finding.line_refs, cell, book)
    for note in finding.notes:  # folded findings: in the same coordinates as the finding they are folded into
        note.cell, note.line = book.locate(note.line)
        note.end_line = book.locate(note.end_line)[1]
    finding.cell = cell
    finding.line = line
    finding.end_line, finding.end_column = (end_line, finding.end_column) if end_cell == cell else (
        line, finding.column)
    if finding.fix is not None and not notebook_cells(book).holds(finding.fix.edits, module_line):
        finding.fix = None  # as --fix does (filefix.py): only edits of the finding's own cell, on its code
    if finding.fix is not None:
        edits = []
        for edit in finding.fix.edits:
            (start_cell, start), (stop_cell, stop) = book.locate(edit.line), book.locate(edit.end_line)
            if start_cell != cell or stop_cell != cell:
                finding.fix = None  # an edit across cells cannot be told in cell coordinates
                return finding
            edits.append(Edit(start, edit.column, stop, edit.end_column, edit.content))
        finding.fix = Fix(finding.fix.description, finding.fix.applicability, edits)
    return finding


def cite_cells(message: str, refs: tuple[int, ...], cell: int, book) -> str:
    """The lines a message cites (``line 8`` of the module) as the finding's own position counts them: ``line 3``
    in the same cell, ``cell 1, line 3`` in another."""
    import re

    todo = list(refs)

    def place(match: re.Match) -> str:
        if not todo or int(match.group(1)) != todo[0]:
            return match.group(0)
        where, line = book.locate(todo.pop(0))
        return f"line {line}" if where == cell else f"cell {where}, line {line}"

    return re.sub(r"\bline (\d+)\b", place, message) if refs else message


def notebook_cells(book):
    """The notebook's cells where it was loaded (notebook.CellMap), made once per notebook."""
    from lstmlint.notebook import CellMap

    cells = book.__dict__.get("_cells")
    if cells is None:
        cells = book.__dict__["_cells"] = CellMap.of(book)
    return cells
