"""`lstmlint test-rules`: a team's own rule files checked against their examples, through the real command
(in-process with click's runner; one run crosses the process boundary for the exit code)."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from lstmlint.cli import main
from lstmlint.engine.loader import builtin_rules_dir, load_rules
from lstmlint.ruletest import expectations, without_expectations

BUILTIN = load_rules([builtin_rules_dir()])
EXAMPLES = sum(len(r.examples["bad"]) + len(r.examples["good"]) for r in BUILTIN)

HEADER = """\
id: TEAM001
name: small-lstm
severity: warning
summary: Our team uses at least 16 units.
message: "{layer} has {units} units; the team minimum is 16."
match:
  all:
    - class: LSTM
    - arg: {name: units, lt: 16}
explanation: |
  ## What it does
  Flags small LSTMs.
"""

GOOD = """\
  good:
    - |
      import keras
      keras.layers.LSTM(32)
    - |
      import keras
      keras.layers.GRU(8)
"""


def write_rule(folder, bad: str, good: str = GOOD, extra: str = "", name: str = "TEAM001"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(HEADER.replace("TEAM001", name) + extra + "examples:\n  bad:\n"
                    + textwrap.indent(textwrap.dedent(bad), "    ") + good)
    return path


def run(*args, cwd):
    import os

    before = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["test-rules", *args])
    finally:
        os.chdir(before)


def test_a_passing_rule_file(tmp_path):
    write_rule(tmp_path / "lint", """\
        - |
          import keras
          layer = keras.layers.LSTM(8)  # expect: TEAM001
        - |
          import keras
          a, b = keras.layers.LSTM(4), keras.layers.LSTM(2)  # expect: TEAM001, TEAM001
          c = keras.layers.LSTM(64)
          d = keras.layers.LSTM(15)  # expect: TEAM001
        """)
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 rule, 4 examples: all pass.\n"


def test_default_is_builtin_rules_plus_configured_rule_paths(tmp_path):
    write_rule(tmp_path / "lint", """\
        - |
          import keras
          layer = keras.layers.LSTM(8)
        """)
    (tmp_path / "pyproject.toml").write_text('[tool.lstmlint]\nrule-paths = ["lint"]\n')
    result = run(cwd=tmp_path)
    assert result.exit_code == 1
    # the built-in rules pass; the team's bad example has no expect comment
    assert result.stdout.splitlines() == [
        "lint/TEAM001.yaml: TEAM001 examples/bad/0: no `# expect: TEAM001` comment: mark the line where the rule "
        "reports",
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 2): TEAM001 reported on line 2, not expected",
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 3): TEAM001 reported on line 2, not expected",
        f"{len(BUILTIN) + 1} rules, {EXAMPLES + 3} examples: 3 failures.",
    ]


def test_wrong_line_missing_and_extra_findings_are_named(tmp_path):
    write_rule(tmp_path / "lint", """\
        - |
          import keras
          a = keras.layers.LSTM(8)
          b = keras.layers.LSTM(32)  # expect: TEAM001
        - keras: [3]
          code: |
            import keras
            a = keras.layers.LSTM(8)  # expect: TEAM001, TEAM001
        """, good="""\
  good:
    - |
      import keras
      keras.layers.LSTM(4)
""")
    result = run("lint/TEAM001.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 2): TEAM001 reported on line 2, not expected; expected "
        "TEAM001 on line 3, not reported",
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 3): TEAM001 reported on line 2, not expected; expected "
        "TEAM001 on line 3, not reported",
        "lint/TEAM001.yaml: TEAM001 examples/bad/1 (Keras 3): expected TEAM001 2 times on line 2, reported 1",
        "lint/TEAM001.yaml: TEAM001 examples/good/0 (Keras 2): TEAM001 reported on line 2, not expected",
        "lint/TEAM001.yaml: TEAM001 examples/good/0 (Keras 3): TEAM001 reported on line 2, not expected",
        "1 rule, 3 examples: 5 failures.",
    ]


def test_expect_comments_may_name_other_rules_and_are_then_checked(tmp_path):
    bad = """\
        - keras: [3]
          code: |
            import keras
            model = keras.Sequential([keras.layers.LSTM(8, input_shape=(10, 3))])  # expect: TEAM001, LSTM503
        """
    write_rule(tmp_path / "lint", bad)
    assert run("lint", cwd=tmp_path).exit_code == 0
    write_rule(tmp_path / "lint", bad.replace(", LSTM503", ", LSTM101"))
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 1
    assert "examples/bad/0 (Keras 3): expected LSTM101 on line 2, not reported" in result.stdout


@pytest.mark.parametrize("comment,problem", [
    ("# expect TEAM001", "line 2: cannot read '# expect TEAM001'"),
    ("# expect: team001", "line 2: cannot read '# expect: team001'"),
    ("# expect: TEAM001 because small", "line 2: cannot read '# expect: TEAM001 because small'"),
    ("# expect: TEAM001, TEAM999", "`# expect: TEAM999` names no loaded rule"),
])
def test_unreadable_expect_comments_are_failures(tmp_path, comment, problem):
    write_rule(tmp_path / "lint", f"""\
        - |
          import keras
          layer = keras.layers.LSTM(8)  {comment}
        """)
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 1
    assert any(line.startswith(f"lint/TEAM001.yaml: TEAM001 examples/bad/0: {problem}")
               for line in result.stdout.splitlines()), result.stdout


def test_an_expect_inside_a_string_is_not_a_comment():
    expected, problems = expectations('x = "# expect: LSTM101"\ny = 1  # expect: LSTM102, LSTM102\n')
    assert dict(expected) == {(2, "LSTM102"): 2} and problems == []


FIX = """\
fix:
  description: Use 16 units
  applicability: unsafe
  set-arg: {name: units, value: "16"}
"""


def test_fixed_text_is_checked(tmp_path):
    bad = """\
        - code: |
            import keras
            layer = keras.layers.LSTM(8, return_sequences=True)  # expect: TEAM001
          fixed: |
            import keras
            layer = keras.layers.LSTM(units=16, return_sequences=True)
        """
    write_rule(tmp_path / "lint", bad, extra=FIX)
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 0, result.output

    write_rule(tmp_path / "lint", bad.replace("LSTM(units=16,", "LSTM(16,"), extra=FIX)
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:8] == [
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 2): the fixed text differs:",
        "--- fixed (expected)",
        "+++ fixed (by the rule)",
        "@@ -1,2 +1,2 @@",
        " import keras",
        "-layer = keras.layers.LSTM(16, return_sequences=True)",
        "+layer = keras.layers.LSTM(units=16, return_sequences=True)",
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 3): the fixed text differs:",
    ]


def test_a_refused_fix_is_reported_with_its_reason(tmp_path):
    """The example is fixed as `check --fix` fixes files: a fix that is refused says why, in lstmlint's words."""
    bad = """\
        - code: |
            import keras
            layer = keras.layers.LSTM(8)  # expect: TEAM001
          fixed: |
            import keras
            layer = keras.layers.LSTM(16)
        """
    for value, reason in (("12", "the finding is still there after the fix"),
                          ("16 +", "the result does not parse")):
        write_rule(tmp_path / "lint", bad, extra=FIX.replace('value: "16"', f'value: "{value}"'))
        result = run("lint", cwd=tmp_path)
        assert result.exit_code == 1
        assert (f"lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 3): the fix on line 2 was refused: {reason}"
                in result.stdout.splitlines()), result.stdout


def test_a_fixable_rule_states_its_fix_on_every_bad_example(tmp_path):
    write_rule(tmp_path / "lint", """\
        - |
          import keras
          layer = keras.layers.LSTM(8)  # expect: TEAM001
        - code: |
            import keras
            layer = keras.layers.LSTM(8)  # expect: TEAM001
          fixed: false
        """, extra=FIX)
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert ("lint/TEAM001.yaml: TEAM001 examples/bad/0: the rule has a fix: give the text after it as `fixed:` "
            "(or `fixed: false` when the fix does not apply to this example)") in lines
    assert ("lint/TEAM001.yaml: TEAM001 examples/bad/1 (Keras 3): `fixed: false`, but the rule offers a fix on "
            "line 2: give the fixed text") in lines


def test_fixed_on_a_rule_without_fix(tmp_path):
    write_rule(tmp_path / "lint", """\
        - code: |
            import keras
            layer = keras.layers.LSTM(8)  # expect: TEAM001
          fixed: |
            import keras
        """)
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 1
    assert "lint/TEAM001.yaml: TEAM001 examples/bad/0: `fixed:` is given but the rule has no fix" in result.stdout


def test_usage_errors_exit_2(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("empty", cwd=tmp_path)
    assert result.exit_code == 2 and "no rule files (*.yaml, *.yml) in empty" in result.output

    write_rule(tmp_path / "lint", "- 3\n")
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 2
    assert "invalid rule file: lint/TEAM001.yaml: examples/bad/0:" in result.output

    write_rule(tmp_path / "ok", """\
        - |
          import keras
          layer = keras.layers.LSTM(8)  # expect: TEAM001
        """)
    result = run("ok", "missing.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "lstmlint: error: missing.yaml: no such file or directory" in result.stderr
    assert result.stdout == "1 rule, 3 examples: all pass.\n"


def test_exit_code_through_the_process(tmp_path, cli):
    write_rule(tmp_path / "lint", """\
        - |
          import keras
          layer = keras.layers.LSTM(32)  # expect: TEAM001
        """)
    run_ = cli("test-rules", "lint", cwd=tmp_path)
    assert run_.code == 1
    assert run_.out.splitlines() == [
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 2): expected TEAM001 on line 2, not reported",
        "lint/TEAM001.yaml: TEAM001 examples/bad/0 (Keras 3): expected TEAM001 on line 2, not reported",
        "1 rule, 3 examples: 2 failures.",
    ]


def test_the_readme_rule_example_passes(tmp_path):
    from conftest import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Writing your own rules", 1)[1]
    sample = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "TEAM001.yaml").write_text(sample)
    result = run("TEAM001.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 rule, 2 examples: all pass.\n"


def test_expect_comments_are_removed_before_the_fix():

    code = ('a = f(8)  # expect: TEAM001\ns = "# expect: TEAM001"  # keep\nb = 1\t# expect: X001, X002\n'
            'c = 2  # noqa: X003  # expect: TEAM001\n')
    assert without_expectations(code) == 'a = f(8)\ns = "# expect: TEAM001"  # keep\nb = 1\nc = 2  # noqa: X003\n'
    assert dict(expectations(code)[0]) == {(1, "TEAM001"): 1, (3, "X001"): 1, (3, "X002"): 1, (4, "TEAM001"): 1}


def test_an_example_for_no_version_of_the_rule_is_a_failure(tmp_path):
    write_rule(tmp_path / "lint", """\
        - keras: [2]
          code: |
            import keras
            layer = keras.layers.LSTM(8)  # expect: TEAM001
        """, extra="keras: [3]\n")
    result = run("lint", cwd=tmp_path)
    assert result.exit_code == 1
    assert "lint/TEAM001.yaml: TEAM001 examples/bad/0: holds under no Keras version the rule applies to ([3])" \
        in result.stdout.splitlines()


def test_expect_comments_are_found_in_pythons_lines():
    """A U+2028 or form feed inside a string is no line break for the tokenizer: the expect comment after it is
    on line 2 and is removed from line 2."""
    code = 'x = "a\u2028b\fc"\ny = 1  # expect: LSTM101\n'
    expected, problems = expectations(code)
    assert dict(expected) == {(2, "LSTM101"): 1} and problems == []
    assert without_expectations(code) == 'x = "a\u2028b\fc"\ny = 1\n'
