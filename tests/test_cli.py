"""The real CLI in a subprocess: output pinned by golden files (as ruff and TorchFix do), exit codes, options."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LSTMLINT_UPDATE_GOLDEN") == "1"

STACKED = textwrap.dedent(
    """\
    import keras
    model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])
    """
)
CLEAN = textwrap.dedent(
    """\
    import keras
    model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8, return_sequences=True),
                              keras.layers.LSTM(4)])
    """
)


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with LSTMLINT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_examples_text_golden():
    run = run_cli("check", "examples")
    assert run.code == 1
    golden("examples.txt", run.out)


def test_examples_json_golden():
    run = run_cli("check", "examples", "--format", "json")
    assert run.code == 1
    data = run.json()
    keys = {"path", "line", "column", "end_line", "end_column", "rule", "name", "severity", "message", "fix",
            "runtime"}
    # `notes`: the findings folded into this one (engine/cascade.py), only when there are some
    assert data and all(set(item) - {"notes"} == keys for item in data)
    assert any("notes" in item for item in data)
    assert all(item["runtime"] == "unchecked" for item in data)
    golden("examples.json", run.out)


def test_rules_listing_golden():
    run = run_cli("rules")
    assert run.code == 0
    golden("rules.txt", run.out)


def test_rule_explanation(cli):
    run = cli("rule", "lstm101")
    assert run.code == 0
    assert run.out.startswith("# LSTM101 stacked-without-return-sequences [error]")
    for part in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert part in run.out
    missing = cli("rule", "LSTM999")
    assert missing.code == 2 and "unknown rule" in missing.err


def test_exit_codes(tmp_path, cli):
    bad = write(tmp_path, "bad.py", STACKED)
    good = write(tmp_path, "good.py", CLEAN)
    assert cli("check", str(good)).code == 0
    assert cli("check", str(bad)).code == 1
    assert cli("check", str(bad), "--exit-zero").code == 0
    assert cli("check", "--format", "xml", str(bad)).code == 2
    assert cli("check", "--target-keras", "4", str(bad)).code == 2


def test_text_line_format_and_position(tmp_path, cli):
    write(tmp_path, "bad.py", STACKED)
    run = cli("check", "bad.py", cwd=tmp_path)
    first = run.out.splitlines()[0]
    # reported where the upstream LSTM call starts: line 2, column 49
    assert first.startswith("bad.py:2:49: LSTM101 [error] LSTM(8) returns only its last step")
    assert run.out.splitlines()[-1] == "Found 1 finding (1 error) in 1 file checked."


def test_clean_summary(tmp_path, cli):
    write(tmp_path, "good.py", CLEAN)
    run = cli("check", ".", cwd=tmp_path)
    assert run.code == 0
    assert run.out == "All checks passed (1 file checked).\n"


def test_select_and_ignore_by_prefix(tmp_path, cli):
    write(tmp_path, "bad.py", STACKED)
    assert cli("check", "bad.py", "--ignore", "LSTM1", cwd=tmp_path).code == 0
    assert cli("check", "bad.py", "--select", "LSTM2", cwd=tmp_path).code == 0
    assert cli("check", "bad.py", "--select", "LSTM101", cwd=tmp_path).code == 1


def test_noqa(tmp_path, cli):
    specific = STACKED.replace("LSTM(4)])", "LSTM(4)])  # noqa: LSTM101")
    other = STACKED.replace("LSTM(4)])", "LSTM(4)])  # noqa: LSTM204")
    bare = STACKED.replace("LSTM(4)])", "LSTM(4)])  # noqa")
    assert cli("check", str(write(tmp_path, "a.py", specific))).code == 0
    assert cli("check", str(write(tmp_path, "b.py", other))).code == 1
    assert cli("check", str(write(tmp_path, "c.py", bare))).code == 0


def test_stdin(cli):
    run = cli("check", "-", "--stdin-filename", "model.py", stdin=STACKED)
    assert run.code == 1
    assert run.out.startswith("model.py:2:49: LSTM101")


def test_syntax_error_is_reported_and_other_files_are_checked(tmp_path, cli):
    write(tmp_path, "broken.py", "import keras\nmodel = keras.Sequential([keras.layers.LSTM(4)\n")
    write(tmp_path, "bad.py", STACKED)
    run = cli("check", ".", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    assert "Traceback" not in run.err
    rules = {(item["path"], item["rule"]) for item in run.json()}
    assert ("broken.py", "LSTM001") in rules
    assert ("bad.py", "LSTM101") in rules


def test_undecodable_file_is_reported(tmp_path, cli):
    (tmp_path / "latin.py").write_bytes(b"from keras.layers import LSTM\nname = '\xe9'\n")
    run = cli("check", ".", cwd=tmp_path)
    assert run.code == 1
    assert "latin.py:2:1: LSTM002 [error]" in run.out
    assert "Traceback" not in run.err


def test_missing_path_is_a_usage_error(tmp_path, cli):
    write(tmp_path, "good.py", CLEAN)
    run = cli("check", "good.py", "nope.py", cwd=tmp_path)
    assert run.code == 2
    assert "nope.py: no such file or directory" in run.err


def test_files_without_keras_are_not_parsed(tmp_path, cli):
    write(tmp_path, "other.py", "def broken(:\n")  # not Keras code: not lstmlint's business
    assert cli("check", ".", cwd=tmp_path).code == 0


def test_skips_virtualenvs_and_build_folders(tmp_path, cli):
    write(tmp_path, ".venv/lib/bad.py", STACKED)
    write(tmp_path, "build/bad.py", STACKED)
    write(tmp_path, "custom_env/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "custom_env/bad.py", STACKED)
    assert cli("check", ".", cwd=tmp_path).code == 0


def test_config_from_pyproject(tmp_path, cli):
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nignore = ["LSTM101"]\n')
    write(tmp_path, "pkg/bad.py", STACKED)
    assert cli("check", ".", cwd=tmp_path).code == 0
    # found from a sub-folder too (nearest pyproject.toml upwards)
    assert cli("check", ".", cwd=tmp_path / "pkg").code == 0


def test_config_exclude_and_per_file_ignores(tmp_path, cli):
    write(tmp_path, "pyproject.toml",
          '[tool.lstmlint]\nexclude = ["generated/"]\n[tool.lstmlint.per-file-ignores]\n"legacy/*.py" = ["LSTM1"]\n')
    write(tmp_path, "generated/bad.py", STACKED)
    write(tmp_path, "legacy/bad.py", STACKED)
    assert cli("check", ".", cwd=tmp_path).code == 0
    write(tmp_path, "src/bad.py", STACKED)
    assert cli("check", ".", cwd=tmp_path).code == 1


def test_target_keras_from_config_and_flag(tmp_path, cli):
    code = "import keras\nmodel = keras.Sequential([keras.layers.LSTM(4, input_dim=8), keras.layers.Dense(1)])\n"
    write(tmp_path, "m.py", code)
    assert "LSTM105" in cli("check", "m.py", cwd=tmp_path).out
    assert "LSTM105" not in cli("check", "m.py", "--target-keras", "2", cwd=tmp_path).out
    write(tmp_path, "pyproject.toml", "[tool.lstmlint]\ntarget-keras = 2\n")
    assert "LSTM105" not in cli("check", "m.py", cwd=tmp_path).out


@pytest.mark.parametrize(
    "toml,needle",
    [
        ('[tool.lstmlint]\nselectt = ["LSTM1"]\n', "unknown key `selectt`"),
        ('[tool.lstmlint]\ntarget-keras = 4\n', "must be 2 or 3"),
        ('[tool.lstmlint]\nselect = "LSTM1"\n', "`select` must be a list"),
        ('[tool.lstmlint\n', "invalid TOML"),
    ],
)
def test_bad_config_exits_2(tmp_path, cli, toml, needle):
    write(tmp_path, "pyproject.toml", toml)
    write(tmp_path, "good.py", CLEAN)
    run = cli("check", ".", cwd=tmp_path)
    assert run.code == 2
    assert "pyproject.toml" in run.err and needle in run.err
    assert "Traceback" not in run.err


def test_user_rule_paths_run_like_builtin_rules(tmp_path, cli):
    write(tmp_path, "my_rules/TEAM001.yaml", textwrap.dedent(
        """\
        id: TEAM001
        name: small-lstm
        severity: warning
        summary: Our team uses at least 16 units.
        message: "{layer} has {units} units; the team minimum is 16."
        explanation: |
          ## What it does
          Flags small LSTMs.
          ## Why is this bad?
          Team convention.
          ## Example
          LSTM(8)
          ## Use instead
          LSTM(16)
        match:
          all:
            - class: LSTM
            - arg: {name: units, lt: 16}
        examples:
          bad: ["import keras\\nkeras.layers.LSTM(8)\\n"]
          good: ["import keras\\nkeras.layers.LSTM(32)\\n"]
        """))
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\nselect = ["LSTM", "TEAM"]\n')
    write(tmp_path, "m.py", "import keras\nlayer = keras.layers.LSTM(8)\n")
    run = cli("check", "m.py", cwd=tmp_path)
    assert run.code == 1
    assert "m.py:2:9: TEAM001 [warning] LSTM(8) has 8 units; the team minimum is 16." in run.out
    assert "TEAM001" in cli("rules", cwd=tmp_path).out


def test_invalid_user_rule_names_file_and_field(tmp_path, cli):
    write(tmp_path, "my_rules/TEAM002.yaml",
          "id: TEAM002\nname: x\nseverity: fatal\nsummary: s\nmessage: m\nexplanation: e\nmatch: {class: LSTM}\n"
          "examples: {bad: [a], good: [b]}\n")
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\n')
    write(tmp_path, "m.py", CLEAN)
    run = cli("check", "m.py", cwd=tmp_path)
    assert run.code == 2
    assert "TEAM002.yaml" in run.err and "severity" in run.err and "'fatal' is not one of" in run.err


def test_rule_yaml_is_loaded_safely(tmp_path, cli):
    marker = tmp_path / "pwned"
    write(tmp_path, "my_rules/TEAM003.yaml",
          f"id: !!python/object/apply:os.system ['touch {marker}']\nname: x\n")
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\n')
    write(tmp_path, "m.py", CLEAN)
    run = cli("check", "m.py", cwd=tmp_path)
    assert run.code == 2 and "TEAM003.yaml" in run.err
    assert not marker.exists()


def test_python_dash_m_matches_console_script(tmp_path):
    """The installed `lstmlint` script (found beside this interpreter, never on PATH) and `python -m lstmlint`
    give the same output and exit code."""
    import subprocess
    import sysconfig
    from importlib.metadata import entry_points

    [entry] = [e for e in entry_points(group="console_scripts") if e.name == "lstmlint"]
    assert entry.value == "lstmlint.cli:main"
    name = "lstmlint.exe" if sys.platform == "win32" else "lstmlint"
    folders = {Path(sysconfig.get_path("scripts")), Path(sys.executable).parent}
    scripts = [folder / name for folder in folders if (folder / name).is_file()]
    assert scripts, f"the lstmlint console script is installed with the package, in one of {sorted(folders)}"
    env = {**os.environ, "PATH": os.defpath}  # nothing of the caller's PATH is needed
    via_script = subprocess.run([str(scripts[0]), "check", "examples"], cwd=ROOT, capture_output=True, text=True,
                                env=env)
    via_module = run_cli("check", "examples", env={"PATH": os.defpath})
    assert (via_script.returncode, via_script.stdout) == (via_module.code, via_module.out) == (1, via_module.out)
    assert via_module.out.startswith("examples/")


def test_static_check_never_imports_tensorflow_or_keras(tmp_path):
    import subprocess

    probe = textwrap.dedent(
        """\
        import sys
        from lstmlint.cli import main
        try:
            main(["check", "examples"], standalone_mode=False)
        finally:
            bad = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras"))
            print("IMPORTED:", bad)
        """
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert "IMPORTED: []" in proc.stdout, proc.stdout + proc.stderr


# --- the CLI where a user meets it: severity decides the exit code, a typo never switches the linter off, and
# --- a missing path or an empty folder is said so

INFO_ONLY = textwrap.dedent(
    """\
    import keras
    model = keras.Sequential([keras.layers.LSTM(8, input_shape=(10, 3)), keras.layers.Dense(1)])
    """
)
WARNING_AND_INFO = textwrap.dedent(
    """\
    import numpy as np
    import keras
    model = keras.Sequential([keras.Input(batch_shape=(4, 10, 3)), keras.layers.LSTM(8, stateful=True),
                              keras.layers.Dense(1)])
    model.fit(np.zeros((64, 10, 3)), np.zeros((64, 1)), batch_size=4)
    """
)


def test_fail_on_decides_the_exit_code(tmp_path, cli):
    write(tmp_path, "info.py", INFO_ONLY)
    write(tmp_path, "warn.py", WARNING_AND_INFO)
    write(tmp_path, "bad.py", STACKED)
    run = cli("check", "info.py", cwd=tmp_path)  # default: warning; info findings are shown but pass
    assert run.code == 0 and "info.py:2:27: LSTM503 [info]" in run.out
    assert run.out.splitlines()[-1] == "Found 1 finding (1 info) in 1 file checked."
    expected = {  # fail-on -> exit code of (info.py, warn.py, bad.py)
        None: (0, 1, 1), "info": (1, 1, 1), "warning": (0, 1, 1), "error": (0, 0, 1)}
    for level, codes in expected.items():
        option = ["--fail-on", level] if level else []
        assert tuple(cli("check", name, *option, cwd=tmp_path).code
                     for name in ("info.py", "warn.py", "bad.py")) == codes, level
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nfail-on = "info"\n')
    assert cli("check", "info.py", cwd=tmp_path).code == 1
    assert cli("check", "info.py", "--fail-on", "warning", cwd=tmp_path).code == 0  # the flag wins
    assert cli("check", "info.py", "--exit-zero", cwd=tmp_path).code == 0
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nfail-on = "fatal"\n')
    run = cli("check", "info.py", cwd=tmp_path)
    assert run.code == 2 and "pyproject.toml" in run.err and "`fail-on` must be one of error, warning, info" in run.err
    run = cli("check", "info.py", "--fail-on", "fatal", cwd=tmp_path)
    assert run.code == 2 and "--fail-on" in run.err


def test_fail_on_applies_to_fix(tmp_path, cli):
    write(tmp_path, "info.py", INFO_ONLY)
    run = cli("check", "--fix", "info.py", cwd=tmp_path)  # LSTM503's fix moves input_shape into keras.Input
    assert run.code == 0 and "Fixed 1 finding in 1 file." in run.out, run
    write(tmp_path, "warn.py", WARNING_AND_INFO)
    assert cli("check", "--fix", "warn.py", "--fail-on", "error", cwd=tmp_path).code == 0
    assert cli("check", "--fix", "warn.py", cwd=tmp_path).code == 1


@pytest.mark.parametrize("args, named", [
    (["--select", "LTSM101"], "--select: `LTSM101` is not a rule code or prefix of one (did you mean `LSTM101`?)"),
    (["--select", "LSTM1,LTSM2"], "--select: `LTSM2`"),
    (["--extend-select", "TEAM"], "--extend-select: `TEAM`"),
    (["--ignore", "LSTM6"], "--ignore: `LSTM6`"),
    (["--extend-ignore", "LSTM1O1"], "--ignore: `LSTM1O1`"),
])
def test_unknown_code_on_the_command_line_is_an_error(tmp_path, cli, args, named):
    write(tmp_path, "bad.py", STACKED)
    run = cli("check", "bad.py", *args, cwd=tmp_path)
    assert run.code == 2 and named in run.err and "All checks passed" not in run.out, run


@pytest.mark.parametrize("toml, named", [
    ('select = ["LTSM1"]', "pyproject.toml: `select`: `LTSM1` is not a rule code or prefix of one"),
    ('extend-select = ["LSTM7"]', "pyproject.toml: `extend-select`: `LSTM7`"),
    ('ignore = ["LSTM1", "LSMT2"]', "pyproject.toml: `ignore`: `LSMT2`"),
    ('extend-ignore = ["X1"]', "pyproject.toml: `extend-ignore`: `X1`"),
    ('[tool.lstmlint.per-file-ignores]\n"tests/*.py" = ["LSTM20"]\n"legacy/*.py" = ["LSTM01"]',
     "pyproject.toml: `per-file-ignores.legacy/*.py`: `LSTM01`"),
])
def test_unknown_code_in_the_configuration_is_an_error(tmp_path, cli, toml, named):
    write(tmp_path, "pyproject.toml", f"[tool.lstmlint]\n{toml}\n")
    write(tmp_path, "bad.py", STACKED)
    for command in (["check", "bad.py"], ["explain", "bad.py"]):
        run = cli(*command, cwd=tmp_path)
        assert run.code == 2 and named in run.err and "Traceback" not in run.err, run
    run = cli("rules", cwd=tmp_path)  # the catalog, where the right code is looked up, still answers
    assert run.code == 0 and "LSTM101" in run.out, run


def test_builtin_codes_and_rule_path_codes_are_known(tmp_path, cli):
    write(tmp_path, "broken.py", "import keras\nmodel = keras.Sequential([keras.layers.LSTM(4)\n")
    run = cli("check", "broken.py", "--select", "LSTM001,LSTM002,LSTM003,LSTM900,LSTM901", cwd=tmp_path)
    assert run.code == 1 and "broken.py:2:26: LSTM001 [error]" in run.out, run
    assert cli("check", "broken.py", "--ignore", "LSTM0,LSTM9", cwd=tmp_path).code == 0
    assert cli("check", "broken.py", "--select", "ALL", cwd=tmp_path).code == 1
    run = cli("check", "broken.py", "--select", "TEAM", cwd=tmp_path)
    assert run.code == 2 and "--select: `TEAM`" in run.err
    write(tmp_path, "my_rules/TEAM001.yaml", TEAM_RULE)
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\n')
    assert cli("check", "broken.py", "--select", "TEAM", cwd=tmp_path).code == 0  # known now; LSTM001 not selected


TEAM_RULE = textwrap.dedent(
    """\
    id: TEAM001
    name: small-lstm
    severity: warning
    summary: Our team uses at least 16 units.
    message: "{layer} has {units} units; the team minimum is 16."
    explanation: Team convention.
    match:
      all:
        - class: LSTM
        - arg: {name: units, lt: 16}
    examples:
      bad: ["import keras\\nkeras.layers.LSTM(8)\\n"]
      good: ["import keras\\nkeras.layers.LSTM(32)\\n"]
    """
)


def test_rule_paths_rules_run_by_default(tmp_path, cli):
    write(tmp_path, "my_rules/TEAM001.yaml", TEAM_RULE)
    write(tmp_path, "m.py", "import keras\nlayer = keras.layers.LSTM(8)\n")
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\n')
    run = cli("check", "m.py", cwd=tmp_path)
    assert run.code == 1 and "m.py:2:9: TEAM001 [warning] LSTM(8) has 8 units" in run.out, run
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\nselect = ["LSTM"]\n')
    assert cli("check", "m.py", cwd=tmp_path).code == 0  # an explicit select is obeyed
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["my_rules"]\nignore = ["TEAM001"]\n')
    assert cli("check", "m.py", cwd=tmp_path).code == 0


def test_missing_path_never_says_all_checks_passed(tmp_path, cli):
    write(tmp_path, "good.py", CLEAN)
    for paths in (["nope.py"], ["nope"], ["good.py", "nope.py"]):
        for extra in ([], ["--fix"]):
            run = cli("check", *paths, *extra, cwd=tmp_path)
            assert run.code == 2 and f"lstmlint: error: {paths[-1]}: no such file or directory" in run.err, run
            assert "All checks passed" not in run.out and "no Python files" not in run.err, run
    run = cli("check", "nope.py", "--format", "json", cwd=tmp_path)
    assert run.code == 2 and run.json() == []


def test_folder_without_python_files_warns(tmp_path, cli):
    write(tmp_path, "docs/notes.txt", "keras.layers.LSTM(8)\n")
    (tmp_path / "empty").mkdir()
    for folder in ("docs", "empty"):
        run = cli("check", folder, cwd=tmp_path)
        assert run.code == 0 and run.err == f"lstmlint: warning: no Python files found in {folder}\n", run
        assert "All checks passed" not in run.out
    run = cli("check", cwd=tmp_path / "empty")  # the default path, `.`
    assert run.code == 0 and "warning: no Python files found in ." in run.err
    write(tmp_path, "docs/plain.py", "x = 1\n")  # a Python file without Keras is checked (and passes)
    run = cli("check", "docs", cwd=tmp_path)
    assert run.code == 0 and run.out == "All checks passed (1 file checked).\n" and run.err == ""
