"""Rules checked against their own examples: what `lstmlint test-rules` and tests/test_rule_examples.py run.

A bad example marks each line where a finding is expected with a comment, as mypy and ruff test fixtures do::

    model = keras.Sequential([layers.LSTM(8), layers.LSTM(4)])  # expect: LSTM101

Several codes on one line are separated by commas; a code written twice expects two findings on that line.
For each Keras version the example holds under, the findings of the rule, and of every code an expect comment
names, must be exactly the expected ones: each expected (line, code) reported, nothing else of those codes. A
good example expects nothing of its rule. When the rule has a fix, each bad example gives the text after it
(``fixed:``), which must equal the example (expect comments removed) after every fix of that rule is applied,
as ``lstmlint check --fix --unsafe-fixes --select RULE`` would, and on which the rule no longer fires; or
``fixed: false`` when the rule offers no fix for that example, which is checked too.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lstmlint.engine.loader import Example, Rule
from lstmlint.lines import lines_with_ends, split_lines

_CODE = r"[A-Z][A-Z0-9]*[0-9]{3}"
_EXPECT = re.compile(r"#\s*expect\b")
_EXPECT_CODES = re.compile(rf"#\s*expect:\s*({_CODE}(?:\s*,\s*{_CODE})*)\s*$")
EXAMPLE_PATH = "example.py"


@dataclass(frozen=True)
class Failure:
    rule: str
    path: str  # the rule file
    kind: str  # bad | good
    index: int  # 0-based, in the order of the file
    keras: int | None  # the Keras version the example was checked under (None: not version-specific)
    message: str

    def __str__(self) -> str:
        version = f" (Keras {self.keras})" if self.keras is not None else ""
        return f"{self.path}: {self.rule} examples/{self.kind}/{self.index}{version}: {self.message}"


@dataclass
class Report:
    rules: int
    examples: int
    failures: list[Failure]


def expectations(code: str) -> tuple[Counter, list[str]]:
    """The expected (line, code) findings of an example, and the problems with its expect comments."""
    expected: Counter = Counter()
    problems: list[str] = []
    for line, _, comment in _comments(code):
        start = _EXPECT.search(comment)
        if start is None:
            continue
        comment = comment[start.start():]  # it may follow another comment on the line (`# noqa: X  # expect: Y`)
        match = _EXPECT_CODES.match(comment)
        if match is None:
            problems.append(f"line {line}: cannot read {comment!r}; write `# expect: CODE` or "
                            "`# expect: CODE, CODE`")
            continue
        for found in re.split(r"\s*,\s*", match.group(1)):
            expected[(line, found)] += 1
    return expected, problems


def _comments(code: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every comment; by tokens, so that `# expect` inside a string is not one."""
    try:
        return [(*token.start, token.string) for token in tokenize.generate_tokens(io.StringIO(code).readline)
                if token.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):  # the example does not parse: the lint reports that
        return [(number, line.index("#"), line[line.index("#"):])
                for number, line in enumerate(split_lines(code), 1) if "#" in line]


def without_expectations(code: str) -> str:
    """The example as the fix sees it: expect comments, and the spaces before them, removed."""
    lines = lines_with_ends(code)  # Python's line model, as the tokenizer's line numbers
    for line, column, comment in _comments(code):
        start = _EXPECT.search(comment)
        if start is not None:
            text = lines[line - 1]
            cut = column + start.start()
            lines[line - 1] = text[:cut].rstrip(" \t") + text[column + len(comment):]
    return "".join(lines)


def check_example(rule: Rule, kind: str, index: int, example: Example, rules: list[Rule]) -> list[Failure]:
    """Every way one example of ``rule`` disagrees with what it says; ``rules`` are all loaded rules."""
    from lstmlint.api import SYNTAX_ERROR, UNREADABLE, lint_source
    from lstmlint.config import Config

    def fail(message: str, keras: int | None = None) -> Failure:
        return Failure(rule.id, rule.path, kind, index, keras, message)

    expected, problems = expectations(example.code)
    failures = [fail(p) for p in problems]
    known = {r.id for r in rules} | {SYNTAX_ERROR.id, UNREADABLE.id}
    failures += [fail(f"`# expect: {code}` names no loaded rule") for code in sorted({c for _, c in expected} - known)]
    own = sum(n for (_, code), n in expected.items() if code == rule.id)
    if kind == "bad" and not own:
        failures.append(fail(f"no `# expect: {rule.id}` comment: mark the line where the rule reports"))
    if kind == "good" and own:
        failures.append(fail(f"a good example expects no {rule.id}"))
    if kind == "bad" and rule.fix is not None and example.fixed is None:
        failures.append(fail("the rule has a fix: give the text after it as `fixed:` (or `fixed: false` when the "
                             "fix does not apply to this example)"))
    if example.fixed is not None and rule.fix is None:
        failures.append(fail("`fixed:` is given but the rule has no fix"))
    if not example.keras:
        failures.append(fail(f"holds under no Keras version the rule applies to ({list(rule.keras)})"))
    checked = {rule.id} | {code for _, code in expected}
    for target in example.keras:
        findings = lint_source(example.code, EXAMPLE_PATH, Config(select=["ALL"], target_keras=target), rules)
        broken = [f for f in findings if f.rule in (SYNTAX_ERROR.id, UNREADABLE.id) and f.rule not in checked]
        if broken:
            failures.append(fail(f"does not parse: line {broken[0].line}: {broken[0].message}", target))
            continue
        got = Counter((f.line, f.rule) for f in findings if f.rule in checked)
        if got != expected:
            failures.append(fail(_difference(expected, got), target))
        if isinstance(example.fixed, str) and rule.fix is not None:
            failures += [fail(m, target) for m in _check_fix(rule, example, target, rules)]
        elif example.fixed is False:
            offered = [f.line for f in findings if f.rule == rule.id and f.fix is not None and f.fix.edits]
            if offered:
                failures.append(fail(f"`fixed: false`, but the rule offers a fix on line "
                                     f"{', '.join(map(str, offered))}: give the fixed text", target))
    return failures


def _difference(expected: Counter, got: Counter) -> str:
    parts = []
    for line, code in sorted(set(expected) | set(got)):
        want, have = expected[(line, code)], got[(line, code)]
        if want == have:
            continue
        if not have:
            parts.append(f"expected {code} on line {line}, not reported")
        elif not want:
            parts.append(f"{code} reported on line {line}, not expected")
        else:
            parts.append(f"expected {code} {want} times on line {line}, reported {have}")
    return "; ".join(parts)


def _check_fix(rule: Rule, example: Example, target: int, rules: list[Rule]) -> list[str]:
    """Fix the example through the pipeline ``lstmlint check --fix`` runs (:func:`lstmlint.api.fix_bytes`)."""
    from lstmlint.api import fix_bytes
    from lstmlint.config import Config

    config = Config(select=[rule.id], target_keras=target)
    data = without_expectations(example.code).encode("utf-8")
    outcome = fix_bytes(data, Path(EXAMPLE_PATH), config, rules, unsafe=True)
    fixed = outcome.after.decode("utf-8")
    problems = [f"the fix on line {finding.line} was refused: {reason}" for finding, reason in outcome.refusals]
    if fixed != example.fixed:
        diff = difflib.unified_diff(lines_with_ends(example.fixed), lines_with_ends(fixed),
                                    "fixed (expected)", "fixed (by the rule)")
        problems.append("the fixed text differs:\n" + "".join(_ended(line) for line in diff).rstrip("\n"))
    remaining = [f for f in outcome.remaining if f.rule == rule.id]
    if remaining:
        lines = ", ".join(str(f.line) for f in remaining)
        problems.append(f"the rule still reports on the fixed text (line {lines})")
    return problems


def _ended(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of text\n"


def check_rule(rule: Rule, rules: list[Rule]) -> list[Failure]:
    failures: list[Failure] = []
    for kind in ("bad", "good"):
        for index, example in enumerate(rule.examples.get(kind, [])):
            failures += check_example(rule, kind, index, example, rules)
    return failures


def check_rules(tested: list[Rule], rules: list[Rule]) -> Report:
    """Check the examples of ``tested``; ``rules`` (which include them) are the rules every example is linted
    with, so that an expect comment may name any of them."""
    failures: list[Failure] = []
    for rule in tested:
        failures += check_rule(rule, rules)
    count = sum(len(r.examples.get(kind, [])) for r in tested for kind in ("bad", "good"))
    return Report(len(tested), count, failures)


def load_tested(paths: list[Path]) -> list[Rule]:
    """The rules in the given files and folders (a folder: its *.yaml and *.yml); raises RuleError."""
    from lstmlint.engine.loader import RuleError, load_rule, load_rules

    rules: dict[str, Rule] = {}
    for path in paths:
        if path.is_dir():
            found = load_rules([path])
        elif path.is_file():
            found = [load_rule(path)]
        else:
            raise RuleError(str(path), "", "no such file or folder")
        for rule in found:
            if rule.id in rules and rules[rule.id].path != rule.path:
                raise RuleError(rule.path, "id", f"duplicate rule id {rule.id} (also in {rules[rule.id].path})")
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: r.id)
