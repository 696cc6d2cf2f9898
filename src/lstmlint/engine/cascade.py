"""One root cause, one finding: a finding derived from a declaration that another finding reports as wrong is
folded into that finding, as a note of what else the declaration breaks.

A rule says which declaration it reports as wrong (``blames: input`` in its file: the input shape declared for its
subject). A finding records the declarations it was derived from while its match held (``Subject.depends``: the
predicates that read a declared shape — timesteps, the model's input rank… — add the input nodes it came from).
``input_shape=(32, 10, 3)`` gets LSTM104 (one axis too many); an LSTM108 "reshape the data" on the fit call, or
an LSTM301 that reads the 32 as the timesteps, would give advice that contradicts it: they become notes of the
LSTM104 finding instead of findings of their own. A folded finding stays visible: its rule and its message in
JSON (``notes``) and SARIF (``relatedLocations``), a sentence at the end of the blaming finding's message in text
and in editors. A finding with a fix is never folded: its edit would be lost.
"""

from __future__ import annotations

from lstmlint.findings import Finding, LineRef, Note


def fold(findings: list[Finding]) -> list[Finding]:
    """The findings of one file with those derived from a blamed declaration folded into the blaming one."""
    blamers: dict[tuple[int, int], Finding] = {}
    for finding in findings:
        for key in finding.blames:
            blamers.setdefault(key, finding)
    if not blamers:
        return findings
    kept = []
    folded: dict[int, list[Finding]] = {}
    for finding in findings:
        owner = next((blamers[k] for k in finding.depends if k in blamers and blamers[k] is not finding), None)
        if owner is None or finding.fix is not None or finding.blames:
            kept.append(finding)
        else:
            folded.setdefault(id(owner), []).append(finding)
    for owner in kept:
        if id(owner) in folded:
            _attach(owner, folded[id(owner)])
    return kept


def _attach(owner: Finding, folded: list[Finding]) -> None:
    """Each folded finding as a note, and one sentence at the end of the owner's message naming them all."""
    parts = []
    for finding in folded:
        owner.notes.append(Note(finding.rule, finding.name, finding.line, finding.column, finding.end_line,
                                finding.end_column, finding.message))
        where = ""
        if finding.line != owner.line:
            where = f", {LineRef(finding.line)}"
            owner.line_refs = (*owner.line_refs, finding.line)
        what = finding.note or f"leads to {finding.rule}: {finding.message.rstrip('.')}"
        parts.append(f"{what} ({finding.rule}{where})")
    owner.message += " The same declaration also " + "; it also ".join(parts) + "."
