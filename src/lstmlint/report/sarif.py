"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: one run, one reportingDescriptor per rule.

Paths are relative to the working directory and resolved against ``%SRCROOT%`` (run lstmlint from the
repository root in CI); columns count Unicode code points (``run.columnKind``), ends are exclusive as in SARIF.
Fixable findings carry ``fixes`` (artifactChanges → replacements), which ruff and semgrep leave out.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from lstmlint import __version__
from lstmlint.builtin_codes import CODES
from lstmlint.findings import Finding

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/your-org/lstmlint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "lstmlint/v1"

LEVELS = {"error": "error", "warning": "warning", "info": "note"}

CATEGORIES = {"0": "parse", "1": "shapes", "2": "stateful", "3": "units", "4": "performance", "5": "compatibility"}


def render(findings: list[Finding], files: int, rules=None) -> str:
    descriptors, index = _descriptors(findings, rules or [])
    results = []
    seen: dict[tuple, int] = {}
    for finding in findings:
        results.append(_result(finding, index[finding.rule], seen))
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lstmlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {
                    SRCROOT: {"description": {"text": "The directory lstmlint ran in (the repository root in CI); "
                                                      "every path is relative to it."}},
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {"filesChecked": files},
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


# -- rules ------------------------------------------------------------------------------------------------


def _descriptors(findings: list[Finding], rules) -> tuple[list[dict], dict[str, int]]:
    entries: dict[str, dict] = {}
    for code in CODES.values():  # findings no YAML rule produces: every result's ruleId has a descriptor
        entries[code.id] = _descriptor(code.id, code.name, code.severity, code.summary, code.explanation,
                                       keras=code.keras, fixable=False, category=code.category)
    for rule in rules:
        entries[rule.id] = _descriptor(rule.id, rule.name, rule.severity, rule.summary, rule.explanation,
                                       keras=tuple(rule.keras), fixable=rule.fix is not None)
    for finding in findings:  # a finding from a rule the catalog does not list (never expected)
        if finding.rule not in entries:
            entries[finding.rule] = _descriptor(finding.rule, finding.name, finding.severity,
                                                f"{finding.rule} {finding.name}", "", keras=(2, 3), fixable=False)
    ordered = [entries[code] for code in sorted(entries)]
    return ordered, {d["id"]: i for i, d in enumerate(ordered)}


def _descriptor(code: str, name: str, severity: str, summary: str, explanation: str, keras, fixable: bool,
                category: str | None = None) -> dict:
    if category is None:
        category = CATEGORIES.get(code[4:5], "other") if code.startswith("LSTM") else "custom"
    tags = ["keras", "recurrent", category]
    tags += [f"keras-{v}" for v in keras]
    if fixable:
        tags.append("fixable")
    help_text = explanation.strip() or summary
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary.strip()},
        "fullDescription": {"text": first_section(explanation) or summary.strip()},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": {"tags": tags},
    }


def first_section(explanation: str) -> str:
    """The body of the explanation's first ``## `` section, its lines joined into one paragraph."""
    parts = re.split(r"^##[^\n]*\n", explanation.strip(), flags=re.M)
    body = next((p for p in parts if p.strip()), "")
    return " ".join(line.strip() for line in body.strip().splitlines() if line.strip())


# -- results ----------------------------------------------------------------------------------------------


def artifact_location(path: str) -> dict:
    """A relative URI against %SRCROOT%; a path outside the working directory stays an absolute file URI. URIs
    are percent-encoded from the path's bytes, so a file name that is not valid UTF-8 keeps its exact bytes."""
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute() or re.match(r"^[A-Za-z]:/", posix):
        try:
            relative = Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except (ValueError, OSError):
            return {"uri": Path(path).resolve().as_uri()}
        posix = relative
    while posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(os.fsencode(posix)), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int, empty_ok: bool) -> dict:
    region = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    if empty_ok or (end_line, end_column) > (line, column):
        region["endLine"] = max(end_line, region["startLine"])
        region["endColumn"] = max(end_column, 1)
    return region


def _result(finding: Finding, rule_index: int, seen: dict) -> dict:
    message = finding.message if finding.cell is None else f"cell {finding.cell}: {finding.message}"
    location = artifact_location(finding.path)
    result: dict = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": location,
                # A zero-width finding (a syntax error's position) becomes the rest of its line.
                "region": _region(finding.line, finding.column, finding.end_line, finding.end_column, False),
            }
        }],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding, seen)},
    }
    if finding.notes:  # findings folded into this one (engine/cascade.py), each where it would have been reported
        result["relatedLocations"] = [{
            "id": number,
            "physicalLocation": {
                "artifactLocation": location,
                "region": _region(note.line, note.column, note.end_line, note.end_column, False),
            },
            "message": {"text": (f"cell {note.cell}: " if note.cell is not None else "") + f"{note.rule}: {note.message}"},
        } for number, note in enumerate(finding.notes, start=1)]
    if finding.fix is not None and finding.fix.edits and finding.cell is None:
        # Notebook fixes are left out: their positions are inside a cell, not inside the .ipynb file's bytes.
        result["fixes"] = [{
            "description": {"text": finding.fix.description},
            "artifactChanges": [{
                "artifactLocation": location,
                "replacements": [
                    {
                        "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column, True),
                        "insertedContent": {"text": e.content},
                    }
                    for e in finding.fix.edits
                ],
            }],
            "properties": {"applicability": finding.fix.applicability},
        }]
    properties: dict = {"name": finding.name, "runtime": finding.runtime}
    if finding.cell is not None:
        properties["cell"] = finding.cell
    if finding.notes:
        properties["folded"] = [note.rule for note in finding.notes]
    result["properties"] = properties
    return result


def _fingerprint(finding: Finding, seen: dict) -> str:
    """Stable across edits elsewhere in the file: the rule, path, cell and the flagged line's text (carried by
    the finding from when the file was read), not its number."""
    text = finding.message
    if finding.cell is None and finding.line_text is not None:
        text = " ".join(finding.line_text.split())
    key = (finding.rule, finding.path, finding.cell, text)
    seen[key] = seen.get(key, 0) + 1
    digest = hashlib.sha256("\0".join(map(str, key)).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{digest}:{seen[key]}"
