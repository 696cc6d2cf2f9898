"""GitHub Actions workflow commands: ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message``.

One line per finding and nothing else (no summary), escaped as @actions/core escapes them: properties
encode ``%``, ``\\r``, ``\\n``, ``:`` and ``,``; the message encodes ``%``, ``\\r`` and ``\\n``.
"""

from __future__ import annotations

from lstmlint.findings import Finding

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    message = finding.message if finding.cell is None else f"cell {finding.cell}: {finding.message}"
    properties = [
        ("file", finding.path),
        ("line", str(finding.line)),
        ("col", str(finding.column)),
        ("endLine", str(finding.end_line)),
        ("endColumn", str(finding.end_column)),
        ("title", f"{finding.rule} {finding.name}"),
    ]
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS.get(finding.severity, 'warning')} {joined}::{escape_data(message)}"


def render(findings: list[Finding], files: int, rules=None) -> str:
    return "".join(annotation(f) + "\n" for f in findings)
