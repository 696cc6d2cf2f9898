"""One file's check: decode (or read the notebook), analyse, run the enabled rules, apply select/ignore,
per-file-ignores and noqa; an exception of lstmlint's own becomes an LSTM003 finding for that file alone."""

from __future__ import annotations

from pathlib import Path

from lstmlint.builtin_codes import (CODES, INTERNAL_ERROR, ISSUES_URL, SYNTAX_ERROR, UNREADABLE, BuiltinCode,
                                     exception_line)
from lstmlint.config import Config
from lstmlint.engine.loader import Rule
from lstmlint.findings import Edit, Finding, Fix
from lstmlint.ir import Module
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


def lint_source(text: str, path: str, config: Config, rules: list[Rule]) -> list[Finding]:
    """Findings for one decoded source text, after select/ignore, per-file-ignores and noqa."""
    return analyze_and_lint(text, path, config, rules)[1]


def analyze_and_lint(text: str, path: str, config: Config, rules: list[Rule], *, details: str = SHOW_TRACEBACK
                     ) -> tuple[Module | None, list[Finding]]:
    """The module's IR and its findings; no IR when it does not parse or when lstmlint failed on it, and
    neither IR nor findings when it builds no recurrent layer (libcst never runs on a file whose code calls no
    recurrent class). An exception of lstmlint's own becomes an LSTM003 finding for this file alone
    (``details``: where its traceback can be seen)."""
    from lstmlint.analyze import AnalysisError, analyze_source, python_ast
    from lstmlint.scope import calls_recurrent

    module = None
    try:
        python = python_ast(text)
        if not calls_recurrent(python):
            return None, []
        module = analyze_source(text, path, python)
    except AnalysisError as error:
        findings = [builtin_finding(path, SYNTAX_ERROR, error.message, error.line, error.column)]
    except RecursionError:
        findings = [builtin_finding(path, SYNTAX_ERROR, "syntax error: nesting too deep to analyse")]
    except Exception as error:  # noqa: BLE001 - contained: one file never sinks a run
        return None, [internal_error(path, error, details)]
    else:
        if not module.recurrent:
            return None, []
        try:
            from lstmlint.engine.evaluate import run_rules

            findings = run_rules(module, enabled_rules(rules, config), config.target_keras)
            return module, filter_findings(findings, text, path, config)
        except Exception as error:  # noqa: BLE001 - the file was not checked: nothing downstream may use it
            return None, [internal_error(path, error, details)]
    return module, filter_findings(findings, text, path, config)


_ENABLED: list = [None, None, []]  # the last (rules, (select, ignore), enabled rules)


def enabled_rules(rules: list[Rule], config: Config) -> list[Rule]:
    """The rules the config enables, worked out once per rule list and selection rather than per file (matching
    every code against every prefix cost a seventh of a small file's parse)."""
    key = (tuple(config.select), tuple(config.ignore))
    if _ENABLED[0] is not rules or _ENABLED[1] != key:
        _ENABLED[:] = [rules, key, [r for r in rules if config.enabled(r.id)]]
    return _ENABLED[2]


def filter_findings(findings: list[Finding], text: str, path: str, config: Config) -> list[Finding]:
    noqa = noqa_lines(text)
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
    return sorted(kept, key=Finding.sort_key)


def analyze_and_lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]
                           ) -> tuple[Module | None, list[Finding]]:
    """As analyze_and_lint, from the file's bytes (prefilter, size limit, decoding, notebooks)."""
    try:
        return _analyze_and_lint_bytes(data, path, config, rules)
    except Exception as error:  # noqa: BLE001 - decoding, notebooks, cell mapping: still this file alone
        return None, [internal_error(path, error)]


def too_large(size: int) -> str | None:
    """Why a source of ``size`` bytes is not analysed (the CLI and the language server share the limit)."""
    if size <= MAX_BYTES:
        return None
    return f"file too large to analyse ({size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.1f} MB)"


def _analyze_and_lint_bytes(data: bytes, path: str, config: Config, rules: list[Rule]
                            ) -> tuple[Module | None, list[Finding]]:
    from lstmlint.scope import may_hold_recurrent

    if not may_hold_recurrent(data, path.endswith(".ipynb")):
        return None, []
    message = too_large(len(data))
    if message is not None:
        return None, filter_findings([builtin_finding(path, UNREADABLE, message)], "", path, config)
    if path.endswith(".ipynb"):
        return _lint_notebook(data, path, config, rules)
    try:
        source = decode(data, path)
    except DecodeError as error:
        return None, filter_findings([builtin_finding(path, UNREADABLE, error.message, error.line)], "", path, config)
    return analyze_and_lint(source.text, path, config, rules)


def _lint_notebook(data: bytes, path: str, config: Config, rules: list[Rule]) -> tuple[Module | None, list[Finding]]:
    from lstmlint import notebook

    try:
        book = notebook.load(data, path)
    except DecodeError as error:
        return None, filter_findings([builtin_finding(path, UNREADABLE, error.message, error.line)], "", path, config)
    module, findings = analyze_and_lint(book.text, path, config, rules)
    # an internal error is about the whole file: it stays at the notebook's first line, outside any cell
    return module, [f if f.rule == INTERNAL_ERROR.id else to_cells(f, book) for f in findings]


def to_cells(finding: Finding, book) -> Finding:
    """Module positions -> notebook cell and line in the cell (JSON and text output carry the cell)."""
    cell, line = book.locate(finding.line)
    end_cell, end_line = book.locate(finding.end_line)
    finding.cell = cell
    finding.line = line
    finding.end_line, finding.end_column = (end_line, finding.end_column) if end_cell == cell else (
        line, finding.column)
    if finding.fix is not None and not fits_cells(finding.fix):
        finding.fix = None
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


def fits_cells(fix: Fix) -> bool:
    """A fix that adds or removes lines would shift every later cell of a notebook: not offered there."""
    from lstmlint.lines import LINE_BREAK

    return not any(LINE_BREAK.search(e.content) or e.line != e.end_line for e in fix.edits)
