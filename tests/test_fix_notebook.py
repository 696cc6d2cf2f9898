"""Fixes that add or remove lines inside a notebook cell (LSTM205's reset loop, LSTM503's Input line), through the
real ``lstmlint check --fix`` and ``--format json`` on notebooks in a temporary folder: JSON offers exactly the
fixes --fix applies, in the finding's cell's coordinates; the fixed cell alone changes, the other cells (magics
among them) and the JSON's own layout stay byte for byte."""

from __future__ import annotations

import json

from conftest import run_cli

LOOP = ('for layer in model.layers:\n{i}    if getattr(layer, "stateful", False):\n'
        '{i}        layer.reset_state()')


def notebook(*sources, as_list: bool = True) -> dict:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Stateful LSTM\n"]}]
    for number, source in enumerate(sources, start=1):
        cells.append({"cell_type": "code", "execution_count": number, "id": f"cell-{number}", "metadata": {},
                      "outputs": [], "source": source.splitlines(keepends=True) if as_list else source})
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Pythön 3"},
                                         "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


SETUP = "%matplotlib inline\nimport keras\nimport numpy as np\nX, y = np.zeros((8, 10, 1)), np.zeros((8, 1))\n"
MODEL = ("model = keras.Sequential([keras.Input(batch_shape=(1, 10, 1)),\n"
         "                          keras.layers.LSTM(8, stateful=True), keras.layers.Dense(1)])\n")
TRAIN = ("for epoch in range(3):\n    model.fit(X, y, batch_size=1, epochs=1, shuffle=False)\n"
         "    model.reset_states()\n!nvidia-smi\n%time model.reset_states()\nmodel.reset_states()")


def test_lstm205_fix_in_a_notebook_is_offered_and_applied_in_its_cell(tmp_path):
    book = notebook(SETUP, MODEL, TRAIN, "print(model.layers)\n")
    path = tmp_path / "train.ipynb"
    # two spaces of indentation, non-ASCII escaped, no final newline: not nbformat's layout, kept as it is
    original = json.dumps(book, indent=2, ensure_ascii=True)
    path.write_text(original, encoding="utf-8")
    report = run_cli("check", "--no-cache", "--format", "json", "train.ipynb", cwd=tmp_path).json()
    assert [(f["rule"], f["cell"], f["line"], f["fix"]["applicability"], f["fix"]["edits"]) for f in report] == [
        ("LSTM205", 3, 3, "safe", [{"line": 3, "column": 5, "end_line": 3, "end_column": 25,
                                    "content": LOOP.format(i="    ")}]),
        ("LSTM205", 3, 6, "safe", [{"line": 6, "column": 1, "end_line": 6, "end_column": 21,
                                    "content": LOOP.format(i="")}])]
    run = run_cli("check", "--no-cache", "--fix", "train.ipynb", cwd=tmp_path)
    assert (run.code, run.err) == (0, "") and "Fixed 2 findings in 1 file." in run.out
    expected = json.loads(original)
    fixed_train = TRAIN.replace("    model.reset_states()\n", "    " + LOOP.format(i="    ") + "\n").replace(
        "\nmodel.reset_states()", "\n" + LOOP.format(i=""))
    expected["cells"][3]["source"] = fixed_train.splitlines(keepends=True)
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=2, ensure_ascii=True)
    assert "%time model.reset_states()\n" in fixed_train and "!nvidia-smi\n" in fixed_train  # magics untouched
    again = run_cli("check", "--no-cache", "--fix", "train.ipynb", cwd=tmp_path)
    assert "Fixed 0 findings" in again.out and path.read_text(encoding="utf-8") == json.dumps(
        expected, indent=2, ensure_ascii=True)


def test_fixes_in_two_cells_and_what_is_left_is_placed_in_the_written_cells(tmp_path):
    """The first fix adds two lines to cell 3: the fix in cell 4 still lands on its line, and the finding that
    stays (in a dedented cell, where no fix is offered) is reported at its cell's own line."""
    book = notebook(SETUP, MODEL, "model.fit(X, y, batch_size=1, shuffle=False)\nmodel.reset_states()\n",
                    "model.reset_state()  # again\n", "  model.reset_states()\n  print(1)\n")
    path = tmp_path / "nb.ipynb"
    original = json.dumps(book, indent=1, ensure_ascii=False) + "\n"
    path.write_text(original, encoding="utf-8")
    report = run_cli("check", "--no-cache", "--format", "json", "nb.ipynb", cwd=tmp_path).json()
    assert [(f["cell"], f["line"], f["fix"] is not None) for f in report] == [(3, 2, True), (4, 1, True),
                                                                                (5, 1, False)]
    run = run_cli("check", "--no-cache", "--fix", "nb.ipynb", cwd=tmp_path)
    assert run.out.startswith("nb.ipynb:cell 5:1:3: LSTM205 [error]")
    assert "Fixed 2 findings in 1 file." in run.out and run.code == 1
    expected = json.loads(original)
    expected["cells"][3]["source"] = ["model.fit(X, y, batch_size=1, shuffle=False)\n", "for layer in model.layers:\n",
                                      '    if getattr(layer, "stateful", False):\n', "        layer.reset_state()\n"]
    expected["cells"][4]["source"] = ["for layer in model.layers:\n", '    if getattr(layer, "stateful", False):\n',
                                      "        layer.reset_state()  # again\n"]
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"


def test_new_lines_take_the_line_ends_of_their_cell(tmp_path):
    book = notebook(SETUP, MODEL, "model.fit(X, y, batch_size=1)\r\nmodel.reset_states()\r\nprint('done')",
                    as_list=False)
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(book, indent=1) + "\n", encoding="utf-8")
    run_cli("check", "--no-cache", "--fix", "nb.ipynb", cwd=tmp_path)
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][3]["source"]
    assert source == ("model.fit(X, y, batch_size=1)\r\nfor layer in model.layers:\r\n"
                      '    if getattr(layer, "stateful", False):\r\n        layer.reset_state()\r\nprint(\'done\')')


def test_a_notebook_saved_with_windows_line_ends_keeps_them(tmp_path):
    book = notebook(SETUP, MODEL, "model.reset_states()\n")
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(book, indent=1) + "\n").replace("\n", "\r\n").encode())
    run = run_cli("check", "--no-cache", "--fix", "nb.ipynb", cwd=tmp_path)
    assert "Fixed 1 finding in 1 file." in run.out
    book["cells"][3]["source"] = LOOP.format(i="").splitlines(keepends=True)
    book["cells"][3]["source"][-1] += "\n"
    assert path.read_bytes() == b"\xef\xbb\xbf" + (json.dumps(book, indent=1) + "\n").replace("\n", "\r\n").encode()


def test_a_notebook_whose_layout_cannot_be_kept_is_not_rewritten(tmp_path):
    book = notebook(SETUP, MODEL, "model.reset_states()\n")
    path = tmp_path / "nb.ipynb"
    data = json.dumps(book, indent=1).replace('": ', '" : ').encode()  # a spacing json.dumps never writes
    path.write_bytes(data)
    run = run_cli("check", "--no-cache", "--fix", "nb.ipynb", cwd=tmp_path)
    assert path.read_bytes() == data
    assert run.err == ("lstmlint: error: nb.ipynb:cell 3:1:1: the fix for LSTM205 was not applied: the notebook's "
                       "JSON layout (its indentation, spacing or line ends) is not one lstmlint can write back "
                       "unchanged outside the fixed cells; the notebook is unchanged\n")
    assert run.code == 1 and "Traceback" not in run.err


def test_a_fix_with_edits_in_another_cell_is_neither_offered_nor_applied(tmp_path):
    """A CuDNNLSTM imported in one cell and used in another: the rename's edits would span cells, which JSON
    cannot tell in the finding's cell coordinates; --fix does what JSON says."""
    book = notebook("from keras.layers import CuDNNLSTM\nimport keras\n",
                    "model = keras.Sequential([keras.Input((10, 3)), CuDNNLSTM(8)])\n")
    path = tmp_path / "nb.ipynb"
    original = json.dumps(book, indent=1) + "\n"
    path.write_text(original, encoding="utf-8")
    report = run_cli("check", "--no-cache", "--format", "json", "nb.ipynb", cwd=tmp_path).json()
    assert [(f["rule"], f["cell"], f["fix"]) for f in report] == [("LSTM501", 2, None)]
    run = run_cli("check", "--no-cache", "--fix", "nb.ipynb", cwd=tmp_path)
    assert "Fixed 0 findings" in run.out and path.read_text(encoding="utf-8") == original


def test_a_rename_within_one_cell_is_applied(tmp_path):
    book = notebook("import keras\n", "from keras.layers import CuDNNLSTM\n"
                    "model = keras.Sequential([keras.Input((10, 3)), CuDNNLSTM(8)])\n")
    path = tmp_path / "nb.ipynb"
    original = json.dumps(book, indent=1) + "\n"
    path.write_text(original, encoding="utf-8")
    run_cli("check", "--no-cache", "--fix", "nb.ipynb", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == original.replace("CuDNNLSTM", "LSTM")
