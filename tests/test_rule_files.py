"""Rule files that load but could never work are load errors naming the file and the key: a predicate of another
subject (it would never hold), a message placeholder no predicate binds (it would print `?`), a file named other
than its id. Through the real CLI, with the rules in a project's rule-paths."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

HEAD = ("id: TEAM001\nname: team-rule\nseverity: warning\nsummary: s\nexplanation: e\n"
        "examples: {bad: [\"import keras\\n\"], good: [\"import keras\\n\"]}\n")
CODE = textwrap.dedent("""\
    import numpy as np
    import keras
    model = keras.Sequential([keras.Input(batch_shape=(4, 10, 3)), keras.layers.LSTM(8, stateful=True),
                              keras.layers.Dense(1)])
    model.fit(np.zeros((64, 10, 3)), np.zeros((64, 1)), batch_size=4)
    """)


def check_with(tmp_path: Path, rule: str, name: str = "TEAM001.yaml"):
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / name).write_text(HEAD + rule)
    (tmp_path / "pyproject.toml").write_text('[tool.lstmlint]\nrule-paths = ["rules"]\n')
    (tmp_path / "m.py").write_text(CODE)
    run = run_cli("check", "--no-cache", "m.py", cwd=tmp_path)
    assert "Traceback" not in run.err, run.err
    return run


@pytest.mark.parametrize("rule, where, words", [
    # `class` under `subject: call` loaded and never fired
    ("subject: call\nmessage: m\nmatch: {all: [{method: fit}, {class: LSTM}]}\n",
     "match/all/1/class", "`class` is a predicate of layer rules; this rule has `subject: call`"),
    ("message: m\nmatch: {all: [{class: LSTM}, {method: fit}]}\n",
     "match/all/1/method", "`method` is a predicate of call rules; this rule has `subject: layer` (the default)"),
    ("subject: import\nmessage: m\nmatch: {any: [{imports: keras}, {not: {arg: {name: units}}}]}\n",
     "match/any/1/not/arg", "`arg` is a predicate of layer rules; this rule has `subject: import`"),
    ("subject: layer\nmessage: m\nmatch: {all: [{class: LSTM}, {feeds: {match: {method: fit}}}]}\n",
     "match/all/1/feeds/match/method", "the clauses of `feeds` are evaluated on a layer"),
    ("subject: call\nmessage: m\nmatch: {model: {stateful: true}, imports: keras}\n",
     "match/imports", "`imports` is a predicate of import rules"),
])
def test_predicate_of_another_subject_is_a_load_error(tmp_path, rule, where, words):
    run = check_with(tmp_path, rule)
    assert run.code == 2 and f"TEAM001.yaml: {where}: " in run.err and words in run.err, run.err


def test_predicates_shared_by_subjects_and_misspelt_keys(tmp_path):
    """`model` and `target` belong to more than one subject; a key of no subject is still named as before."""
    run = check_with(tmp_path, "subject: call\nmessage: '{model} {method}'\n"
                               "match: {all: [{method: fit}, {target: 3}, {model: {stateful: true}}]}\n")
    assert run.code == 1 and "m.py:5:1: TEAM001 [warning] `model` fit" in run.out, run
    run = check_with(tmp_path, "message: m\nmatch: {all: [{klass: LSTM}]}\n")
    assert run.code == 2 and "TEAM001.yaml: match/all/0: " in run.err and "'klass' was unexpected" in run.err


@pytest.mark.parametrize("rule, where, words", [
    ("message: '{layr} is small'\nmatch: {class: LSTM}\n", "message", "unknown placeholder {layr} (did you mean {layer}?)"),
    # bound only by a predicate the rule does not use, or only under `not` (which lends nothing)
    ("message: '{layer} feeds {next}'\nmatch: {class: LSTM}\n", "message", "unknown placeholder {next}"),
    ("message: '{batch}'\nmatch: {all: [{class: LSTM}, {not: {model: {fixed-batch: true}}}]}\n", "message",
     "unknown placeholder {batch}"),
    ("subject: import\nmessage: '{layer}'\nmatch: {imports: keras}\n", "message", "unknown placeholder {layer}"),
    ("message: '{layer'\nmatch: {class: LSTM}\n", "message", "malformed placeholder"),
    ("message: '{}'\nmatch: {class: LSTM}\n", "message", "is not a plain name"),
    ("message: '{layer.__class__}'\nmatch: {class: LSTM}\n", "message", "is not a plain name"),
    ("message: '{units:>5}'\nmatch: {class: LSTM}\n", "message", "has a format or conversion"),
    ("message: m\nmatch: {class: LSTM}\nfix: {description: 'Set {unts}', set-arg: {name: units, value: '16'}}\n",
     "fix/description", "unknown placeholder {unts} (did you mean {units}?)"),
])
def test_unknown_or_malformed_placeholder_is_a_load_error(tmp_path, rule, where, words):
    run = check_with(tmp_path, rule)
    assert run.code == 2 and f"TEAM001.yaml: {where}: " in run.err and words in run.err, run.err


def test_placeholders_the_rule_binds_are_filled(tmp_path):
    """Bindings of the subject, of predicates anywhere under all/any, of `model` keys: accepted, and filled."""
    run = check_with(tmp_path, "message: '{layer} feeds {next} in {model}; batch {batch}; {{literal}}'\n"
                               "match: {all: [{class: LSTM}, {any: [{feeds: {match: {class: Dense}}}]},\n"
                               "              {model: {fixed-batch: true}}]}\n")
    assert run.code == 1, run
    assert "TEAM001 [warning] LSTM(8) feeds Dense(1) in `model`; batch 4; {literal}" in run.out, run.out


def test_rule_file_named_other_than_its_id(tmp_path):
    run = check_with(tmp_path, "message: m\nmatch: {class: LSTM}\n", name="small_lstm.yaml")
    assert run.code == 2, run
    assert ("small_lstm.yaml: id: the id 'TEAM001' differs from the file name 'small_lstm.yaml': a rule file is "
            "named after its id (TEAM001.yaml)") in run.err


def test_every_binding_of_the_builtin_rules_is_declared():
    """The load-time check knows each predicate's bindings from a table: every name a predicate binds in the
    engine's source is in it (a new binding not declared would make a correct message a load error)."""
    from lstmlint.engine.placeholders import MODEL_BINDINGS, PREDICATE_BINDINGS, SUBJECT_VALUES

    declared = {n for names in (*PREDICATE_BINDINGS.values(), *MODEL_BINDINGS.values()) for n in names}
    engine = ROOT / "src" / "lstmlint" / "engine"
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(engine.rglob("*.py")))
    bound = set(re.findall(r"bindings(?:\.setdefault\(|\[)\s*\"(\w+)\"", source))
    bound |= {n for args in re.findall(r"bindings\.update\(([^)]*)\)", source) for n in re.findall(r"(\w+)=", args)}
    bound |= set(re.findall(r"\"next\" if forward else \"(\w+)\"", source))
    assert bound and bound <= declared, bound - declared
    subject_values = set(re.findall(r"values\.setdefault\(\"(\w+)\"", source))
    assert subject_values == {n for names in SUBJECT_VALUES.values() for n in names}
