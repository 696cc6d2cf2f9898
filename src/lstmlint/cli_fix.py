"""``lstmlint check --fix`` and ``--diff``: fix each file (locked from its read to its write), report what is
left, what was refused and why."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lstmlint.cli_output import (EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError, emit, exit_code, render,
                                 report_internal_errors, summary_is_true)


def run_fix(paths, config, rules, unsafe: bool, write: bool, output_format: str, exit_zero: bool):
    """--fix writes fixed files and reports what is left; --diff shows the fixes and writes nothing."""
    from lstmlint import api
    from lstmlint.discover import iter_files

    paths = list(paths) or [Path(".")]
    if any(str(p) == "-" for p in paths):
        raise UsageError("--fix and --diff work on files, not on stdin")
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        emit(f"lstmlint: error: {path}: no such file or directory\n", err=True)
    result = api.Result()
    fixed = 0
    changed = 0
    failed: list[Path] = []
    for path in iter_files([p for p in paths if p not in missing], config.exclude, config.root):
        result.files += 1
        try:
            outcome, problem = _fix_one(path, config, rules, unsafe, write)
        except Exception as error:  # noqa: BLE001 - this file alone: left as it was, reported, the run goes on
            result.findings.append(api.internal_error(api.display_path(path), error))
            continue
        if outcome is None:
            if problem is not None:
                click.echo(f"lstmlint: error: {api.display_path(path)}: {problem}", err=True)
                failed.append(path)
            # never read whole here (unreadable, locked by another process, over the size limit): linting it
            # reads it and says why it was not fixed
            result.findings.extend(api.lint_paths([path], config, rules).findings)
            continue
        if problem is not None:
            click.echo(f"lstmlint: error: {outcome.shown}: {problem}", err=True)
            failed.append(path)
            result.findings.extend(outcome.initial)
            continue
        _report_refusals(outcome)
        result.findings.extend(outcome.remaining)
        if outcome.after == outcome.before or api.internal_errors(outcome.remaining):
            continue  # (a fixed text lstmlint then failed on is not written: it could not be checked)
        changed += 1
        fixed += outcome.applied
        if not write:
            emit(_diff(outcome))
    result.findings.sort(key=lambda f: f.sort_key())
    if not result.files and not missing:
        emit(f"lstmlint: warning: no Python files found in {', '.join(map(str, paths))}\n", err=True)
    if write:
        if summary_is_true(output_format, result, missing):
            emit(render(output_format, result, rules))
        if output_format == "text":
            click.echo(f"Fixed {fixed} finding{'s' if fixed != 1 else ''} in {changed} file"
                       f"{'s' if changed != 1 else ''}.")
        code = exit_code(result, config, False, exit_zero)
    else:
        code = EXIT_FINDINGS if changed and not exit_zero else EXIT_CLEAN
        for finding in result.internal_errors():  # --diff prints no findings: name the files it could not fix
            emit(f"lstmlint: error: {finding.path}: {finding.message}\n", err=True)
    report_internal_errors(result)
    sys.exit(EXIT_ERROR if missing or failed or result.internal_errors() else code)


def _fix_one(path: Path, config, rules, unsafe: bool, write: bool):
    """(the file's fix or None, why it was not written or None). With ``write``, the file is locked from
    its read to the write of its fix (lstmlint.writeback)."""
    from lstmlint import api, writeback

    if not write:
        return api.fix_file(path, config, rules, unsafe), None
    outcome = None
    try:
        with writeback.locked(path) as target:
            data = target.read(api.MAX_BYTES + 1)
            if len(data) > api.MAX_BYTES:
                return None, None  # only its first bytes were read: linting reports its real size
            outcome = api.fix_bytes(data, path, config, rules, unsafe)
            if outcome.after != outcome.before and not api.internal_errors(outcome.remaining):
                target.write(outcome.after)  # (a fixed text lstmlint then failed on is not written)
    except writeback.NotWritten as error:
        return outcome, str(error)
    except OSError as error:  # a full disk, a read-only folder: the original is intact, say so
        reason = error.strerror or str(error)
        if outcome is None:
            return None, None  # not even readable: linting it reports why
        return outcome, f"cannot write the fix: {reason}; the file is unchanged"
    return outcome, None


def _report_refusals(outcome) -> None:
    from lstmlint.report.text import location

    for finding, reason in outcome.refusals:
        click.echo(f"lstmlint: error: {location(finding)}: the fix for {finding.rule} was not applied: {reason}",
                   err=True)


def _diff(outcome) -> str:
    import difflib

    from lstmlint.lines import lines_with_ends

    before = lines_with_ends(outcome.before.decode("utf-8", "replace"))
    after = lines_with_ends(outcome.after.decode("utf-8", "replace"))
    return "".join(difflib.unified_diff(before, after, f"a/{outcome.shown}", f"b/{outcome.shown}"))
