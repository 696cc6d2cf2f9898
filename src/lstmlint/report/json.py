"""A JSON array of findings, one object each (keys documented in the README)."""

from __future__ import annotations

import json

from lstmlint.findings import Finding


def render(findings: list[Finding], files: int, rules=None) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"
