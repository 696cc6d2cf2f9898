"""Every rule carries its own examples (as Fixit does): each bad one yields the rule, each good one does not."""

from __future__ import annotations

import pytest

from lstmlint.engine.loader import builtin_rules_dir, load_rules

RULES = load_rules([builtin_rules_dir()])

def _cases(kind: str):
    return [
        pytest.param(r.id, i, example.code, t, id=f"{r.id}-{kind}{i}-keras{t}")
        for r in RULES
        for i, example in enumerate(r.examples[kind])
        for t in example.keras
    ]


BAD = _cases("bad")
GOOD = _cases("good")


def test_every_rule_has_two_bad_and_two_good_examples():
    assert RULES, "no rules were loaded"
    for rule in RULES:
        assert len(rule.examples["bad"]) >= 2, rule.id
        assert len(rule.examples["good"]) >= 2, rule.id


@pytest.mark.parametrize("rule_id,index,code,target", BAD)
def test_bad_example_fires(rule_id, index, code, target, lint):
    found = [f.rule for f in lint(code, target=target)]
    assert rule_id in found, f"{rule_id} bad example {index} (Keras {target}) gave {found}"


@pytest.mark.parametrize("rule_id,index,code,target", GOOD)
def test_good_example_is_clean_for_its_rule(rule_id, index, code, target, lint):
    found = [f.rule for f in lint(code, target=target)]
    assert rule_id not in found, f"{rule_id} good example {index} (Keras {target}) gave {found}"
    assert "LSTM001" not in found


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_explanation_has_ruffs_four_parts(rule):
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in rule.explanation, f"{rule.id} lacks {heading!r}"
