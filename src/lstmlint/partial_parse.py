"""Files that do not parse, read as far as they do: the LSTM001 message, and the code before the error.

A file with a syntax error is still mostly code: a pasted answer cut short, a Python 2 script. lstmlint reports
the error (LSTM001) and analyses the longest prefix of whole top-level statements that CPython parses. The
lines from the cut on are blanked (line numbers never move) and the first of them becomes :data:`UNSEEN`, which
stands for the code lstmlint could not read:

- a star import from a module that is not Keras: the analyzer then treats every name as possibly rebound (its
  stance on ``from somewhere import *``), so no value is carried across code it did not read;
- a ``reset_states()`` call: a rule about something the file never does (LSTM204, states never reset) cannot
  know what the unread code does.

Notebooks use the same placeholder for a code cell that does not parse (see :mod:`lstmlint.notebook`).
"""

from __future__ import annotations

import ast
import re
import warnings

from lstmlint.lines import lines_with_ends

UNSEEN = "from _lstmlint_unparsed_ import *; _lstmlint_unparsed_.reset_states()"

# A top-level line that continues the statement before it: cutting there would drop a branch, not a statement.
_CONTINUES = re.compile(r"(else|elif|except|finally)\b|[)\]}]")
# Prefixes tried, from the error backwards: each is one ast.parse, so a file of many top-level statements
# after an unclosed bracket is given up on rather than parsed a thousand times.
MAX_TRIES = 25


def parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def parseable_prefix(text: str, error_line: int) -> str | None:
    """``text`` with everything from the first top-level statement that does not parse blanked and replaced by
    :data:`UNSEEN`; None when no statement before ``error_line`` can be kept."""
    lines = lines_with_ends(text)
    tries = 0
    for cut in range(min(error_line, len(lines)), 1, -1):  # the kept lines are lines[:cut - 1]
        line = lines[cut - 1]
        if not line[:1].strip() or line[0] == "#" or _CONTINUES.match(line):
            continue  # not the first line of a top-level statement
        tries += 1
        prefix = "".join(lines[:cut - 1])
        if parses(prefix):
            if not prefix.strip():
                return None
            rest = lines[cut - 1:]
            blank = [_end(rest_line) for rest_line in rest]
            return prefix + UNSEEN + "".join(blank)
        if tries >= MAX_TRIES:
            return None
    return None


def _end(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


# CPython's message (and the text at the error) -> the Python 2 construct it means.
_PY2_MESSAGES = (
    ("Missing parentheses in call to 'print'", None, "print statement"),
    ("Missing parentheses in call to 'exec'", None, "exec statement"),
    ("multiple exception types must be parenthesized", re.compile(r"\s*except\s+[\w.]+\s*,\s*\w+\s*:"),
     "`except E, name:`"),
    ("leading zeros in decimal integer literals", None, "octal literal without 0o"),
    ("invalid decimal literal", re.compile(r".*\b\d+[lL]\b"), "long integer literal"),
    ("invalid syntax", re.compile(r".*<>"), "`<>` operator"),
    ("invalid syntax", re.compile(r".*`"), "backquote repr"),
    ("invalid syntax", re.compile(r"\s*raise\s+[\w.]+\s*,"), "`raise E, message`"),
    ("invalid syntax", re.compile(r".*\bur['\"]"), "ur'' string"),
)


def python2_message(text: str, message: str, line: int) -> str | None:
    """The LSTM001 message for a syntax error that is Python 2 syntax, else None."""
    lines = lines_with_ends(text)
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    error = message.removeprefix("syntax error: ")
    for start, pattern, what in _PY2_MESSAGES:
        if error.startswith(start) and (pattern is None or pattern.match(source)):
            return f"Python 2 syntax ({what}): lstmlint reads Python 3"
    return None


def salvage(text: str, path: str, error, analyse, keep):
    """(module, findings) for a file that does not parse: LSTM001 at the error (``keep`` applies the file's
    noqa and selection to it), plus what ``analyse`` makes of the parseable prefix."""
    from lstmlint.filelint import builtin_finding
    from lstmlint.builtin_codes import SYNTAX_ERROR
    from lstmlint.findings import Finding

    message = python2_message(text, error.message, error.line) or error.message
    findings = keep([builtin_finding(path, SYNTAX_ERROR, message, error.line, error.column)])
    prefix = parseable_prefix(text, error.line)
    if prefix is None:
        return None, findings
    module, more = analyse(prefix)
    more = [f for f in more if f.rule != SYNTAX_ERROR.id]
    for finding in more:
        finding.fix = None  # a fixed file would still not parse: no fix is proven, so none is offered
    return module, sorted(findings + more, key=Finding.sort_key)
