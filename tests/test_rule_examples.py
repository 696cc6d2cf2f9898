"""Every rule carries its own examples (as Fixit does), and says exactly what they expect: each bad example marks
the lines its rule reports with `# expect: CODE` and, when the rule has a fix, gives the fixed text. The checking
is lstmlint.ruletest, the same code `lstmlint test-rules` runs for teams' own rules."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from pathlib import Path

import pytest

from lstmlint.engine.loader import builtin_rules_dir, load_rules
from lstmlint.ruletest import check_rule

RULES = load_rules([builtin_rules_dir()])


def test_every_rule_has_two_bad_and_two_good_examples():
    assert RULES, "no rules were loaded"
    for rule in RULES:
        assert len(rule.examples["bad"]) >= 2, rule.id
        assert len(rule.examples["good"]) >= 2, rule.id


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples(rule):
    failures = check_rule(rule, RULES)
    assert not failures, "\n".join(str(f) for f in failures)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_explanation_has_ruffs_four_parts(rule):
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in rule.explanation, f"{rule.id} lacks {heading!r}"


# Where explanations may send a reader: a Keras, tf_keras (Keras 2) or TensorFlow source file at a released tag,
# or keras.io.
SOURCE_LINK = re.compile(r"https://github\.com/(keras-team/keras|keras-team/tf-keras|tensorflow/tensorflow)/blob/"
                         r"(v?[0-9][0-9.]*)/"
                         r"([\w/.-]+\.py)(?:#L(\d+)(?:-L(\d+))?)?")
INSTALLED = {("keras-team/keras", "keras"), ("keras-team/tf-keras", "tf_keras"),
             ("tensorflow/tensorflow", "tensorflow")}


def _installed_file(repo: str, tag: str, path: str) -> Path | None:
    """The file of a link in the installed distribution when that is the linked release (the keras 3 wheel and
    TensorFlow's python/ folder have the repository's layout); None otherwise."""
    for linked, distribution in INSTALLED:
        if repo != linked:
            continue
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return None
        spec = importlib.util.find_spec(distribution)  # no import: TensorFlow stays out of this process
        if tag.lstrip("v") != version or spec is None or not spec.submodule_search_locations:
            return None
        return Path(spec.submodule_search_locations[0]).parent / path
    return None


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_explanation_cites_places_a_reader_can_open(rule):
    """No internal document ("keras-facts §7"); GitHub links name a released tag and a file, and where that release
    is installed here the file exists and holds the cited lines."""
    text = rule.explanation
    assert "keras-facts" not in text and "§" not in text, f"{rule.id} cites an internal document"
    for url in re.findall(r"https://github\.com/\S+?(?=\)|\s|$)", text):
        match = SOURCE_LINK.fullmatch(url)
        assert match, f"{rule.id}: {url} is not a Keras or TensorFlow source file at a release tag"
        repo, tag, path, first, last = match.groups()
        local = _installed_file(repo, tag, path)
        if local is None:
            continue
        assert local.is_file(), f"{rule.id}: {url}: no {path} in the installed {repo} {tag}"
        lines = len(local.read_text(encoding="utf-8").splitlines())
        for line in (first, last):
            assert line is None or 1 <= int(line) <= lines, f"{rule.id}: {url}: {path} has {lines} lines"
