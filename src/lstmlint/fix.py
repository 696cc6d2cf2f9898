"""Applying fixes: edits -> new text, to a fixed point. A round of edits is kept only when the result parses,
is proven to change nothing outside the edited code (:mod:`lstmlint.proof`) and no longer has the findings it
fixed; a fix that fails is refused, with the reason, and the others go on."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from lstmlint import proof
from lstmlint.findings import Edit, Finding
from lstmlint.lines import Positions

MAX_ROUNDS = 10


class FixError(Exception):
    pass


@dataclass
class Refusal:
    finding: Finding  # where it is in the final text
    reason: str


@dataclass
class FixOutcome:
    text: str
    applied: list[Finding]  # the findings whose fixes went in, all rounds together
    remaining: list[Finding]  # findings on the final text
    refusals: list[Refusal] = field(default_factory=list)  # fixes that were tried and not kept
    initial: list[Finding] = field(default_factory=list)  # findings on the original text


class _Text(Positions):
    """A text's positions (:class:`lstmlint.lines.Positions`); one outside it is a FixError."""

    def offset(self, line: int, column: int) -> int:
        try:
            return super().offset(line, column)
        except ValueError as error:
            raise FixError(f"edit {error}") from None


def _spans(text: _Text, edits: list[Edit]) -> list[tuple[int, int, str]]:
    """The edits as sorted ``[start, end)`` character offsets with their new text; FixError if they overlap."""
    spans = sorted((text.offset(e.line, e.column), text.offset(e.end_line, e.end_column), e.content) for e in edits)
    previous_end = 0
    for start, end, _ in spans:
        if start > end or start < previous_end:
            raise FixError("overlapping edits")
        previous_end = end
    return spans


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    parts = []
    previous = 0
    for start, end, content in spans:
        parts.append(text[previous:start])
        parts.append(content)
        previous = end
    parts.append(text[previous:])
    return "".join(parts)


def moved(offset: int, spans: list[tuple[int, int, str]]) -> int:
    """Where an offset of the old text is in the new one: after an insertion made at it, at the start of a
    replacement that covers it."""
    shift = 0
    for start, end, content in spans:
        if start > offset or (start == offset and end > offset):
            break
        if end > offset:
            return start + shift
        shift += len(content) - (end - start)
    return offset + shift


def _move(finding: Finding, old: _Text, new: _Text, spans) -> Finding:
    """The finding with its position carried into the new text."""
    try:
        line, column = new.position(moved(old.offset(finding.line, finding.column), spans))
        end_line, end_column = new.position(moved(old.offset(finding.end_line, finding.end_column), spans))
    except FixError:  # a position outside the text (none of ours): left where it was
        return finding
    return dataclasses.replace(finding, line=line, column=column, end_line=end_line, end_column=end_column)


def choose(findings: list[Finding], unsafe: bool) -> list[Finding]:
    """The fixes to apply in one round: safe ones (and unsafe ones when asked), no two touching the same span."""
    chosen: list[Finding] = []
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
    return chosen


def fix_text(text: str, lint, check, unsafe: bool = False, follow=None) -> FixOutcome:
    """Fix repeatedly until nothing fixable is left. ``lint(text) -> findings`` for the original text;
    ``check(candidate) -> findings``, or None when the candidate does not parse (it is analysed once).
    ``follow(text, candidate, spans)``, when given, is told of each candidate before it is checked (a notebook
    moves its cells' lines with the edits) and returns why it cannot take it, or None.

    Each round tries all chosen fixes together, else each alone; a result is kept only when it passes
    :func:`_verify`. A fix that fails alone is refused for the rest of the run (its finding stays)."""
    applied: list[Finding] = []
    refusals: list[Refusal] = []
    initial = findings = lint(text)
    for _ in range(MAX_ROUNDS):
        refused = {(r.finding.rule, r.finding.line, r.finding.column) for r in refusals}
        chosen = choose([f for f in findings if (f.rule, f.line, f.column) not in refused], unsafe)
        if not chosen:
            break
        attempts = [chosen] + ([[f] for f in chosen] if len(chosen) > 1 else [])
        kept = None
        for attempt in attempts:
            result = _verify(text, attempt, findings, check, follow)
            if isinstance(result, str):
                if len(attempt) == 1:
                    refusals.append(Refusal(attempt[0], result))
                continue
            kept = attempt, result
            break
        if kept is None:
            continue
        attempt, (candidate, spans, findings) = kept
        old, new = _Text(text), _Text(candidate)
        refusals = [Refusal(_move(r.finding, old, new, spans), r.reason) for r in refusals]
        text = candidate
        applied.extend(attempt)
    return FixOutcome(text, applied, findings, refusals, initial)


def _aim(text: _Text, finding: Finding, edit: Edit) -> tuple[int, int]:
    """The offsets of the code an edit is meant for: its own aim, else the finding's code."""
    line, column, end_line, end_column = edit.aim or (finding.line, finding.column, finding.end_line,
                                                      finding.end_column)
    return text.offset(line, column), text.offset(end_line, end_column)


def _verify(text: str, fixes: list[Finding], findings: list[Finding], check, follow=None):
    """The fixed text, its edits and its findings when ``fixes`` together are proven right; else the reason:
    the edits apply, the result parses, it equals ``text`` outside the edited syntax nodes and the findings
    fixed are gone from where they were (``check`` reports fewer of each rule at the moved place)."""
    old = _Text(text)
    try:
        spans = _spans(old, [e for f in fixes for e in f.fix.edits])
        aims = {(old.offset(e.line, e.column), old.offset(e.end_line, e.end_column), e.content): _aim(old, f, e)
                for f in fixes for e in f.fix.edits}
    except FixError as error:
        return f"its edits do not fit the file ({error})"
    candidate = _apply(text, spans)
    problem = follow(text, candidate, spans) if follow is not None else None
    if problem is not None:
        return problem
    after = check(candidate)
    if after is None:
        return "the result does not parse"
    problem = proof.check(text, candidate, spans, [aims[span] for span in spans])
    if problem is not None:
        return problem
    new = _Text(candidate)
    for fixed in fixes:
        placed = _move(fixed, old, new, spans)
        before_count = sum(1 for f in findings if (f.rule, f.line, f.column) == (fixed.rule, fixed.line, fixed.column))
        after_count = sum(1 for f in after if (f.rule, f.line, f.column) == (placed.rule, placed.line, placed.column))
        if after_count >= before_count:
            return "the finding is still there after the fix"
    return candidate, spans, after
