"""Applying fixes: edits -> new text, to a fixed point, never producing code that does not parse, and
writing files atomically with their permissions, encoding and line endings kept."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from lstmlint.atomic import replace_file
from lstmlint.findings import Edit, Finding

MAX_ROUNDS = 10


class FixError(Exception):
    pass


@dataclass
class FixOutcome:
    text: str
    applied: list[Finding]  # the findings whose fixes went in, all rounds together
    remaining: list[Finding]  # findings on the final text
    refused: bool = False  # a round produced code that does not parse and was dropped


def _offsets(text: str) -> list[int]:
    starts = [0]
    for i, char in enumerate(text):
        if char == "\n":
            starts.append(i + 1)
    return starts


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (1-based line/column positions in ``text``)."""
    starts = _offsets(text)

    def offset(line: int, column: int) -> int:
        if not 1 <= line <= len(starts):
            raise FixError(f"edit outside the file (line {line})")
        return starts[line - 1] + column - 1

    spans = sorted(((offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in edits),
                   reverse=True)
    previous_start = len(text) + 1
    for start, end, content in spans:
        if end > previous_start or start > end:
            raise FixError("overlapping edits")
        text = text[:start] + content + text[end:]
        previous_start = start
    return text


def choose(findings: list[Finding], unsafe: bool) -> tuple[list[Finding], list[Edit]]:
    """The fixes to apply in one round: safe ones (and unsafe ones when asked), no two touching the same span."""
    chosen: list[Finding] = []
    edits: list[Edit] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    places: set[tuple[int, int]] = set()
    for finding in sorted(findings, key=Finding.sort_key):
        fix = finding.fix
        if fix is None or (fix.applicability == "unsafe" and not unsafe) or not fix.edits:
            continue
        # One fix per reported place per round, and no two edits that touch: two fixes on one call (a rename
        # and an inserted keyword, say) are each right alone but not together; the next round re-lints.
        if (finding.line, finding.column) in places:
            continue
        ranges = [((e.line, e.column), (e.end_line, e.end_column)) for e in fix.edits]
        if any(a <= e and s <= b for (a, b) in ranges for (s, e) in taken):
            continue
        places.add((finding.line, finding.column))
        taken.extend(ranges)
        chosen.append(finding)
        edits.extend(fix.edits)
    return chosen, edits


def fix_text(text: str, lint, parses, unsafe: bool = False) -> FixOutcome:
    """Fix repeatedly until nothing fixable is left. ``lint(text) -> findings``; ``parses(text) -> bool``.
    A round whose result does not parse is dropped and fixing stops there."""
    applied: list[Finding] = []
    findings = lint(text)
    for _ in range(MAX_ROUNDS):
        chosen, edits = choose(findings, unsafe)
        if not chosen:
            break
        candidate = _first_that_parses(text, [edits] + ([f.fix.edits for f in chosen] if len(chosen) > 1 else []),
                                       parses)
        if candidate is None:
            return FixOutcome(text, applied, findings, refused=True)
        candidate, used = candidate
        chosen = chosen if used == 0 else [chosen[used - 1]]
        if candidate == text:
            break
        text = candidate
        applied.extend(chosen)
        findings = lint(text)
    return FixOutcome(text, applied, findings)


def _first_that_parses(text: str, attempts: list[list[Edit]], parses) -> tuple[str, int] | None:
    """All of a round's edits together, else each fix alone: the first result that parses, and which."""
    for number, edits in enumerate(attempts):
        try:
            candidate = apply_edits(text, edits)
        except FixError:
            continue
        if parses(candidate):
            return candidate, number
    return None


def write_atomic(path: Path, data: bytes) -> None:
    """A fixed file replaces the original atomically, synced to disk, with the original's permissions."""
    replace_file(path, data, mode=stat.S_IMODE(path.stat().st_mode), durable=True, prefix=f".{path.name}.",
                 suffix=".lstmlint-tmp")
