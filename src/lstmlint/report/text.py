"""``path:line:col: LSTM101 [error] message`` lines and a summary, as ruff and flake8 print them."""

from __future__ import annotations

from lstmlint.findings import Finding


def location(finding: Finding) -> str:
    if finding.cell is not None:
        return f"{finding.path}:cell {finding.cell}:{finding.line}:{finding.column}"
    return f"{finding.path}:{finding.line}:{finding.column}"


def render(findings: list[Finding], files: int, rules=None) -> str:
    lines = [f"{location(f)}: {f.rule} [{f.severity}] {f.message}{_verdict(f)}" for f in findings]
    lines.append(summary(findings, files))
    return "\n".join(lines) + "\n"


def _verdict(finding: Finding) -> str:
    """What Keras said of the finding with --runtime (nothing when it was not checked)."""
    return "" if finding.runtime == "unchecked" else f" [keras: {finding.runtime}]"


def summary(findings: list[Finding], files: int) -> str:
    noun = "file" if files == 1 else "files"
    if not findings:
        return f"All checks passed ({files} {noun} checked)."
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    parts = [f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n]
    total = len(findings)
    return f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) in {files} {noun} checked."
