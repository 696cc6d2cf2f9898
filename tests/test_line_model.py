"""One line model everywhere, Python's: a line ends at \\r\\n, \\r or \\n, never at the other characters
``str.splitlines()`` breaks at (\\f, \\v, \\x1c-\\x1e, \\x85, \\u2028, \\u2029). Positions, messages, ``# noqa``,
fixes and --diff through the real CLI, for .py files and inside notebook cells (issue 9, section 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

# The reproductions of issue 9: before, a lone \r in a comment made --fix write `LSTM(1, return_sequences=True6)`,
# and a form feed plus an `é` moved the keyword into `model.add(...)`; both still parsed.
LONE_CR = (b"import keras  # a\r# b\nmodel = keras.Sequential([keras.Input(shape=(10, 3)),\n"
           b"    keras.layers.LSTM(4),\n    keras.layers.LSTM(8),\n    keras.layers.LSTM(16)])\n")
LONE_CR_FIXED = (b"import keras  # a\r# b\nmodel = keras.Sequential([keras.Input(shape=(10, 3)),\n"
                 b"    keras.layers.LSTM(4, return_sequences=True),\n    keras.layers.LSTM(8, return_sequences=True),\n"
                 b"    keras.layers.LSTM(16)])\n")
FORM_FEED = ('import keras\n\f\nmodel = keras.Sequential()\nmodel.add(keras.Input(shape=(10, 3)))\n'
             'model.add(keras.layers.LSTM(4, name="é"))\nmodel.add(keras.layers.LSTM(8))\n').encode()
FORM_FEED_FIXED = FORM_FEED.replace('name="é")'.encode(), 'name="é", return_sequences=True)'.encode())
NOQA_FF = (b"import keras\n\f\nmodel = keras.Sequential([keras.Input(shape=(10, 3)),\n"
           b"    keras.layers.LSTM(4),  # noqa: LSTM101\n    keras.layers.LSTM(8),\n    keras.layers.LSTM(16)])\n")
# U+2028 and NEL in strings, \v and \x1c in a comment: none of them ends a line for Python
NOQA_ODD = ('import keras\ns = "a\u2028b"; t = "\x85"  # \v\x1c\u2029\n'
            'model = keras.Sequential([keras.Input(shape=(10, 3)),\n'
            '    keras.layers.LSTM(4),  # noqa: LSTM101\n    keras.layers.LSTM(8),\n'
            '    keras.layers.LSTM(16)])\n').encode()

MESSAGE = ("LSTM101 [error] LSTM({u}) returns only its last step, shape (batch, {u}), but the LSTM({n}) after it "
           "needs the whole sequence (batch, timesteps, features); set return_sequences=True on LSTM({u}).")


def found(run) -> list[tuple]:
    return [(f["path"], f.get("cell"), f["line"], f["column"], f["end_line"], f["end_column"], f["rule"])
            for f in run.json()]


def test_lone_cr_positions_and_fix(tmp_path):
    (tmp_path / "cr.py").write_bytes(LONE_CR)
    run = run_cli("check", "--no-cache", "cr.py", cwd=tmp_path)
    assert run.out.splitlines()[:2] == [f"cr.py:4:5: {MESSAGE.format(u=4, n=8)}", f"cr.py:5:5: {MESSAGE.format(u=8, n=16)}"]
    report = run_cli("check", "--no-cache", "--format", "json", "cr.py", cwd=tmp_path).json()
    assert [f["fix"]["edits"] for f in report] == [
        [{"line": 4, "column": 24, "end_line": 4, "end_column": 24, "content": ", return_sequences=True"}],
        [{"line": 5, "column": 24, "end_line": 5, "end_column": 24, "content": ", return_sequences=True"}]]
    diff = run_cli("check", "--diff", "cr.py", cwd=tmp_path)
    assert diff.code == 1
    # six lines in Python's model; the diff keeps the file's own line endings (the lone \r after "# a")
    assert diff.out == ("--- a/cr.py\n+++ b/cr.py\n@@ -1,6 +1,6 @@\n import keras  # a\r # b\n"
                        " model = keras.Sequential([keras.Input(shape=(10, 3)),\n"
                        "-    keras.layers.LSTM(4),\n-    keras.layers.LSTM(8),\n"
                        "+    keras.layers.LSTM(4, return_sequences=True),\n"
                        "+    keras.layers.LSTM(8, return_sequences=True),\n     keras.layers.LSTM(16)])\n")
    fix = run_cli("check", "--fix", "cr.py", cwd=tmp_path)
    assert (fix.code, fix.err) == (0, "")
    assert fix.out == "All checks passed (1 file checked).\nFixed 2 findings in 1 file.\n"
    assert (tmp_path / "cr.py").read_bytes() == LONE_CR_FIXED


def test_form_feed_and_non_ascii_positions_message_and_fix(tmp_path):
    (tmp_path / "ff.py").write_bytes(FORM_FEED)
    run = run_cli("check", "--no-cache", "--format", "json", "ff.py", cwd=tmp_path)
    assert found(run) == [("ff.py", None, 5, 11, 5, 41, "LSTM101")]
    assert run.json()[0]["fix"]["edits"] == [
        {"line": 5, "column": 40, "end_line": 5, "end_column": 40, "content": ", return_sequences=True"}]
    text = run_cli("check", "--no-cache", "ff.py", cwd=tmp_path)
    assert text.out.splitlines()[0] == f"ff.py:5:11: {MESSAGE.format(u=4, n=8)}"
    fix = run_cli("check", "--fix", "ff.py", cwd=tmp_path)
    assert (fix.code, fix.err) == (0, "")
    assert (tmp_path / "ff.py").read_bytes() == FORM_FEED_FIXED


@pytest.mark.parametrize("data", [NOQA_FF, NOQA_ODD], ids=["form-feed", "u2028-nel-vt-in-strings-and-comments"])
def test_noqa_stays_on_its_line(tmp_path, data):
    (tmp_path / "nq.py").write_bytes(data)
    run = run_cli("check", "--no-cache", "--format", "json", "nq.py", cwd=tmp_path)
    line = data.split(b"\n").index(b"    keras.layers.LSTM(8),") + 1  # no \r here: \n is the only line end
    assert found(run) == [("nq.py", None, line, 5, line, 25, "LSTM101")]
    fix = run_cli("check", "--fix", "nq.py", cwd=tmp_path)
    assert fix.code == 0
    assert (tmp_path / "nq.py").read_bytes() == data.replace(
        b"    keras.layers.LSTM(8),", b"    keras.layers.LSTM(8, return_sequences=True),")


def notebook(*sources, as_list: bool = True) -> dict:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# demo\n"]}]
    for number, source in enumerate(sources, start=1):
        cells.append({"cell_type": "code", "execution_count": number, "metadata": {}, "outputs": [],
                      "source": source.splitlines(keepends=True) if as_list else source})
    return {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def write_notebook(path: Path, book: dict) -> str:
    text = json.dumps(book, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


@pytest.mark.parametrize("as_list", [True, False], ids=["source-list", "source-string"])
def test_notebook_cells_with_lone_cr_form_feed_and_u2028(tmp_path, as_list):
    first = "import keras  # a\r# b\n%matplotlib inline\n"
    second = ('\fs = "\u2028"  # \x85\nmodel = keras.Sequential([keras.Input(shape=(10, 3)),\n'
              '    keras.layers.LSTM(4, name="é"),  # noqa: LSTM101\r\n    keras.layers.LSTM(8, name="é"),\r'
              '    keras.layers.LSTM(16)])')
    book = notebook(first, second, as_list=as_list)
    path = tmp_path / "nb.ipynb"
    original = write_notebook(path, book)
    run = run_cli("check", "--no-cache", "--format", "json", "nb.ipynb", cwd=tmp_path)
    # cell 2, Python's lines: 1 `\fs = ...`, 2 `model = ...`, 3 LSTM(4) (noqa), 4 LSTM(8), 5 LSTM(16)
    assert found(run) == [("nb.ipynb", 2, 4, 5, 4, 35, "LSTM101")]
    text = run_cli("check", "--no-cache", "nb.ipynb", cwd=tmp_path)
    assert text.out.splitlines()[0] == f"nb.ipynb:cell 2:4:5: {MESSAGE.format(u=8, n=16)}"
    fix = run_cli("check", "--fix", "nb.ipynb", cwd=tmp_path)
    assert (fix.code, fix.err) == (0, "")
    fixed_second = second.replace('LSTM(8, name="é")', 'LSTM(8, name="é", return_sequences=True)')
    expected = json.loads(original)
    expected["cells"][2]["source"] = fixed_second.splitlines(keepends=True) if as_list else fixed_second
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
    # the first cell, with its lone \r and its magic, is untouched
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][1] == book["cells"][1]


def test_notebook_fix_keeps_a_foreign_cell_magic_whole(tmp_path):
    """A %%bash cell is masked to empty lines; fixing another cell must not write those empty lines back."""
    bash = "%%bash\necho hello\nls -l\n"
    model = "import keras\nmodel = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])"
    path = tmp_path / "nb.ipynb"
    original = write_notebook(path, notebook(bash, model))
    fix = run_cli("check", "--fix", "nb.ipynb", cwd=tmp_path)
    assert (fix.code, fix.err) == (0, "")
    assert path.read_text(encoding="utf-8") == original.replace("LSTM(8)", "LSTM(8, return_sequences=True)")


def test_notebook_fix_that_removes_a_line_rewrites_only_its_own_cell(tmp_path):
    """Moving an input_shape= written on its own line deletes a line break: the cell loses a line, and every
    later cell (a magic among them) is written back exactly as it was, not shifted by one line."""
    model = ("import keras\nmodel = keras.Sequential([\n    keras.layers.LSTM(8,\n"
             "                      input_shape=(10, 3)),\n    keras.layers.Dense(1)])")
    path = tmp_path / "nb.ipynb"
    book = notebook(model, "!ls\nprint('after')\n", "model.summary()")
    original = write_notebook(path, book)
    report = run_cli("check", "--no-cache", "--select", "LSTM503", "--format", "json", "nb.ipynb", cwd=tmp_path).json()
    assert [(f["rule"], f["cell"], f["line"], f["fix"]["edits"]) for f in report] == [("LSTM503", 1, 3, [
        {"line": 3, "column": 24, "end_line": 4, "end_column": 42, "content": ""},
        {"line": 3, "column": 5, "end_line": 3, "end_column": 5, "content": "keras.layers.Input(shape=(10, 3)), "}])]
    fix = run_cli("check", "--fix", "--fail-on", "info", "--select", "LSTM503", "nb.ipynb", cwd=tmp_path)
    assert (fix.code, fix.err) == (0, "")
    expected = json.loads(original)
    expected["cells"][1]["source"] = [
        "import keras\n", "model = keras.Sequential([\n",
        "    keras.layers.Input(shape=(10, 3)), keras.layers.LSTM(8),\n", "    keras.layers.Dense(1)])"]
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][2:] == book["cells"][2:]
