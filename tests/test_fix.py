"""--fix and --diff through the real CLI: codemod fixtures (case.in.py -> case.out.py, as TorchFix does),
fixed points, formatting, encodings, line endings, permissions, notebooks, and refusal of broken results."""

from __future__ import annotations

import json
import os
import shutil
import stat
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
from test_cli import STACKED, write

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
CASES = sorted(p.name[: -len(".in.py")] for p in FIXTURES.glob("*.in.py"))


@pytest.mark.parametrize("case", CASES)
def test_fix_fixture(tmp_path, case):
    target = tmp_path / f"{case}.py"
    shutil.copy(FIXTURES / f"{case}.in.py", target)
    run = run_cli("check", "--fix", str(target))
    assert "Traceback" not in run.err
    assert target.read_text() == (FIXTURES / f"{case}.out.py").read_text()
    again = run_cli("check", "--fix", str(target))
    assert "Fixed 0 findings" in again.out, "fixing twice must change nothing"
    assert target.read_text() == (FIXTURES / f"{case}.out.py").read_text()


@pytest.mark.parametrize("case", CASES)
def test_diff_shows_and_writes_nothing(tmp_path, case):
    target = tmp_path / f"{case}.py"
    shutil.copy(FIXTURES / f"{case}.in.py", target)
    before = target.read_bytes()
    run = run_cli("check", "--diff", f"{case}.py", cwd=tmp_path)
    assert run.code == 1
    assert run.out.startswith(f"--- a/{case}.py\n+++ b/{case}.py\n")
    assert target.read_bytes() == before


def test_diff_exit_zero_when_nothing_to_fix(tmp_path):
    write(tmp_path, "ok.py", "import keras\nmodel = keras.Sequential([keras.Input((3, 2)), keras.layers.LSTM(4)])\n")
    run = run_cli("check", "--diff", "ok.py", cwd=tmp_path)
    assert (run.code, run.out) == (0, "")


def test_crlf_bom_and_permissions_are_kept(tmp_path):
    target = tmp_path / "w.py"
    target.write_bytes(b"\xef\xbb\xbf" + STACKED.replace("\n", "\r\n").encode())
    os.chmod(target, 0o640)
    run_cli("check", "--fix", str(target))
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"LSTM(8, return_sequences=True)" in data
    assert data.count(b"\r\n") == 2 and data.count(b"\n") == 2
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_latin1_coding_cookie_is_kept(tmp_path):
    target = tmp_path / "l.py"
    source = "# -*- coding: latin-1 -*-\n# café\n" + STACKED
    target.write_bytes(source.encode("latin-1"))
    run_cli("check", "--fix", str(target))
    fixed = target.read_bytes().decode("latin-1")
    assert "# café" in fixed and "return_sequences=True" in fixed


def test_multiline_fix_uses_the_files_line_endings(tmp_path):
    code = textwrap.dedent(
        """\
        import keras
        model = keras.Sequential([keras.Input(batch_shape=(1, 3, 2)), keras.layers.LSTM(4, stateful=True)])
        model.reset_states()
        """
    ).replace("\n", "\r\n")
    target = tmp_path / "r.py"
    target.write_bytes(code.encode())
    run_cli("check", "--fix", str(target))
    data = target.read_bytes()
    assert b"for layer in model.layers:\r\n    if getattr" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_fix_that_would_not_parse_is_refused(tmp_path):
    write(tmp_path, "rules/TEAM010.yaml", textwrap.dedent(
        """\
        id: TEAM010
        name: broken-fix
        severity: error
        summary: A rule whose fix produces invalid code.
        message: bad
        explanation: "## What it does\\nx\\n## Why is this bad?\\nx\\n## Example\\nx\\n## Use instead\\nx\\n"
        match: {class: LSTM}
        fix:
          description: breaks the code
          set-arg: {name: units, value: "("}
        examples: {bad: ["import keras\\nkeras.layers.LSTM(8)\\n"], good: ["import keras\\n"]}
        """))
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["rules"]\nselect = ["TEAM"]\n')
    target = write(tmp_path, "m.py", "import keras\nlayer = keras.layers.LSTM(8)\n")
    before = target.read_bytes()
    run = run_cli("check", "--fix", "m.py", cwd=tmp_path)
    assert target.read_bytes() == before
    assert "does not parse" in run.err and "Traceback" not in run.err
    assert run.code == 1


def test_notebook_fix_rewrites_only_cell_sources(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# LSTM demo\n"]},
            {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["x"]}, "outputs": [],
             "source": ["%matplotlib inline\n", "import keras\n"]},
            {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [{"output_type": "stream",
             "name": "stdout", "text": ["é\n"]}],
             "source": ["model = keras.Sequential([keras.Input((10, 3)),\n",
                        "    keras.layers.LSTM(8), keras.layers.LSTM(4)])"]},
        ],
        "metadata": {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    target = tmp_path / "nb.ipynb"
    original = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    target.write_text(original, encoding="utf-8")
    report = run_cli("check", "nb.ipynb", "--format", "json", cwd=tmp_path).json()
    assert [(f["rule"], f["cell"], f["line"], f["column"]) for f in report] == [("LSTM101", 2, 2, 5)]
    text = run_cli("check", "nb.ipynb", cwd=tmp_path).out
    assert text.startswith("nb.ipynb:cell 2:2:5: LSTM101 [error]")
    run_cli("check", "--fix", "nb.ipynb", cwd=tmp_path)
    fixed = target.read_text(encoding="utf-8")
    expected = original.replace('keras.layers.LSTM(8), keras', 'keras.layers.LSTM(8, return_sequences=True), keras')
    assert fixed == expected


def test_broken_notebook_is_a_clear_per_file_error(tmp_path):
    write(tmp_path, "bad.ipynb", '{"cells": [ keras.LSTM')
    write(tmp_path, "nocells.ipynb", '{"keras.LSTM": 1}')
    write(tmp_path, "ok.py", STACKED)
    run = run_cli("check", ".", cwd=tmp_path)
    assert "bad.ipynb:1:1: LSTM002 [error] invalid notebook JSON" in run.out
    assert 'nocells.ipynb:1:1: LSTM002 [error] invalid notebook: no "cells" list' in run.out
    assert "ok.py:2:49: LSTM101" in run.out
    assert "Traceback" not in run.err
