"""The README's rule table is generated from rules/; this keeps the two in sync."""

from __future__ import annotations

import re

from conftest import ROOT, run_cli


def test_readme_rule_table_matches_rules_folder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert block, "README lacks the rules:start / rules:end markers"
    generated = run_cli("rules", "--format", "markdown").out
    assert block.group(1) == generated, "README rule table is stale: regenerate it with `lstmlint rules --format markdown`"


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "lstmlint check examples/" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, test = commands[1].split(" && ")
    assert install in ci and test in ci
