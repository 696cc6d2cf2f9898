"""What the command line prints and how it exits: the exit codes, stdout/stderr writes that keep undecodable file
names intact, the reporter call (contained per file), and the exit-code policy shared by check, --fix and explain."""

from __future__ import annotations

import sys

import click

from lstmlint import builtin_codes

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(click.ClickException):
    """Configuration and rule-file errors: exit 2, like click's own usage errors (and ruff)."""

    exit_code = EXIT_ERROR


SHOW_TRACEBACK = "lstmlint.show_traceback"
TRACEBACK_OFFERED = "lstmlint.traceback_offered"


def quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so that Python's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def emit(text: str, err: bool = False) -> None:
    """Write text as it is, file names that are not valid UTF-8 included: their undecodable bytes (kept as
    surrogates by Python) go out as the original bytes, so a printed path names the real file."""
    stream = sys.stderr if err else sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        data = text.encode(encoding, "surrogateescape")
    except UnicodeEncodeError:  # a terminal encoding that cannot show some character of a message
        data = text.encode(encoding, "backslashreplace")
    binary = getattr(stream, "buffer", None)  # click's get_binary_stream is deprecated (Click 8.5)
    if binary is None:  # a text-only stream someone put in place of stdout: undecodable bytes escaped
        stream.write(data.decode(encoding, "backslashreplace"))
        stream.flush()
        return
    stream.flush()
    binary.write(data)
    binary.flush()


def summary_is_true(output_format: str, result, missing) -> bool:
    """The text report ends in "All checks passed (N files checked)" when there is no finding: not when a path
    was missing or nothing was checked (stderr says why). Other formats are data: always written."""
    return output_format != "text" or bool(result.findings) or (result.files > 0 and not missing)


def exit_code(result, config, failed: bool, exit_zero: bool) -> int:
    """2 for a usage error, a missing path or an internal error (even with --exit-zero, as ruff); else 1 when a
    finding at or above `fail-on` remains (0 with --exit-zero; info findings alone pass by default), else 0."""
    if failed or result.internal_errors():
        return EXIT_ERROR
    if not exit_zero and any(config.fails(f.severity) for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def report_internal_errors(result) -> None:
    """--show-traceback: the traceback of each file's internal error, on stderr."""
    if not click.get_current_context().meta.get(SHOW_TRACEBACK):
        return
    for finding in result.internal_errors():
        if finding.traceback:
            emit(f"lstmlint: traceback of the internal error in {finding.path}:\n{finding.traceback}", err=True)


def runtime_contained(run) -> bool:
    """Run the runtime checker; an exception of lstmlint's own there leaves the static findings as they are
    (unchecked), says so in one line and makes the run exit 2. False when it failed."""
    try:
        run()
    except Exception as error:  # noqa: BLE001 - the static results are still worth printing
        emit(f"lstmlint: internal error in the runtime checker: {builtin_codes.exception_line(error)}"
             f"; findings are left unchecked. This is a bug in lstmlint: please report it at "
             f"{builtin_codes.ISSUES_URL}\n", err=True)
        return False
    return True


def render(output_format: str, result, rules) -> str:
    """Reporters are modules of lstmlint.report with ``render(findings, files, rules) -> str``. A file whose
    findings the reporter fails on gets an internal error in their place; the other files are reported."""
    import importlib

    reporter = importlib.import_module(f"lstmlint.report.{output_format}")
    try:
        return reporter.render(result.findings, result.files, rules)
    except Exception:  # noqa: BLE001 - find the file(s) it fails on, below
        pass
    from lstmlint.api import internal_error

    by_path: dict[str, list] = {}
    for finding in result.findings:
        by_path.setdefault(finding.path, []).append(finding)
    kept = []
    for path, findings in by_path.items():
        try:
            reporter.render(findings, 1, rules)
            kept.extend(findings)
        except Exception as error:  # noqa: BLE001
            kept.append(internal_error(path, error))
    result.findings = sorted(kept, key=lambda f: f.sort_key())
    return reporter.render(result.findings, result.files, rules)
