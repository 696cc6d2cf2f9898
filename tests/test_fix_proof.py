"""Every fix is proven before it is written: the result parses, its syntax tree equals the original's outside
the edited nodes (which keep their kind and stay within the code the finding is about), and linting it again
shows the finding gone. A fix that fails is not written; the user is told the file, line and rule."""

from __future__ import annotations

import textwrap

import pytest
from conftest import run_cli
from test_cli import write

from lstmlint import proof

RULE = textwrap.dedent(
    """\
    id: TEAM010
    name: team-fix
    severity: error
    summary: A team rule with a fix.
    message: bad
    explanation: "## What it does\\nx\\n## Why is this bad?\\nx\\n## Example\\nx\\n## Use instead\\nx\\n"
    match: {match}
    fix:
      description: sets an argument
      set-arg: {{name: {name}, value: {value!r}}}
    examples: {{bad: ["import keras\\nkeras.layers.LSTM(8)\\n"], good: ["import keras\\n"]}}
    """)
LAYERS = "import keras\nmodel = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.Dense(1)])\n"


UNSET = "{all: [{class: LSTM}, {arg: {name: go_backwards, present: false}}]}"


def team(tmp_path, name: str, value: str, match: str = UNSET) -> None:
    write(tmp_path, "rules/TEAM010.yaml", RULE.format(name=name, value=value, match=match))
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["rules"]\nselect = ["TEAM"]\n')


@pytest.mark.parametrize("value, reason", [
    ("True) + (1", "an edited node became a different kind of node"),  # LSTM(8, …) + (1): no longer a call
    ("True)(None", "an edited node became a different kind of node"),  # LSTM(8, …)(None): another callee
    ("True), keras.layers.Dense(1", "an edited node became a different kind of node"),  # a layer slipped in
    ("True, name='''", "the result does not parse"),
])
def test_a_fix_that_changes_more_than_its_call_is_refused(tmp_path, value, reason):
    team(tmp_path, "go_backwards", value)
    target = write(tmp_path, "m.py", LAYERS)
    run = run_cli("check", "--fix", "m.py", cwd=tmp_path)
    assert target.read_text() == LAYERS
    assert run.err == f"lstmlint: error: m.py:2:49: the fix for TEAM010 was not applied: {reason}\n"
    assert run.out.startswith("m.py:2:49: TEAM010 [error] bad\n") and "Fixed 0 findings in 0 files." in run.out
    assert run.code == 1  # the finding is still there


def test_the_same_rule_with_a_sound_value_is_applied(tmp_path):
    """The control for the test above: the proof is not what refuses them."""
    team(tmp_path, "go_backwards", "True")
    target = write(tmp_path, "m.py", LAYERS)
    run = run_cli("check", "--fix", "m.py", cwd=tmp_path)
    assert (run.code, run.err) == (0, "")
    assert target.read_text() == LAYERS.replace("LSTM(8)", "LSTM(8, go_backwards=True)")


def test_a_fix_that_leaves_its_finding_is_refused(tmp_path):
    team(tmp_path, "dropout", "0.0", match="{class: LSTM}")  # the rule matches every LSTM, fixed or not
    target = write(tmp_path, "m.py", LAYERS)
    run = run_cli("check", "--fix", "m.py", cwd=tmp_path)
    assert target.read_text() == LAYERS
    assert run.err == ("lstmlint: error: m.py:2:49: the fix for TEAM010 was not applied: "
                       "the finding is still there after the fix\n")
    assert run.code == 1


def test_a_refused_fix_does_not_stop_the_others(tmp_path):
    team(tmp_path, "go_backwards", "True) + (1")
    write(tmp_path, "pyproject.toml", '[tool.lstmlint]\nrule-paths = ["rules"]\nselect = ["TEAM", "LSTM"]\n')
    stacked = "import keras\nmodel = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.GRU(4)])\n"
    target = write(tmp_path, "m.py", stacked)
    run = run_cli("check", "--fix", "m.py", cwd=tmp_path)
    assert target.read_text() == stacked.replace("LSTM(8)", "LSTM(8, return_sequences=True)")
    assert run.err == ("lstmlint: error: m.py:2:49: the fix for TEAM010 was not applied: "
                       "an edited node became a different kind of node\n")
    assert "Fixed 1 finding in 1 file." in run.out and run.code == 1


def test_a_refused_fix_in_a_notebook_names_the_cell(tmp_path):
    import json

    team(tmp_path, "go_backwards", "True) + (1")
    book = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
                       "source": ["import keras\n"]},
                      {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
                       "source": ["x = 1\n", LAYERS.split("\n")[1]]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    target = write(tmp_path, "nb.ipynb", json.dumps(book, indent=1) + "\n")
    before = target.read_bytes()
    run = run_cli("check", "--fix", "nb.ipynb", cwd=tmp_path)
    assert target.read_bytes() == before
    assert run.err == ("lstmlint: error: nb.ipynb:cell 2:2:49: the fix for TEAM010 was not applied: "
                       "an edited node became a different kind of node\n")


# --- the proof itself, on hand-made edits (character offsets) ------------------------------------------------

SOURCE = 'import keras\nmodel.add(keras.layers.LSTM(4, name="é"))  # é\nx = [keras.layers.LSTM(8)]\n'


def at(text: str, needle: str, after: bool = False) -> int:
    index = text.index(needle)
    return index + len(needle) if after else index


def edit(text: str, start: int, end: int, content: str) -> tuple[str, list[tuple[int, int, str]]]:
    return text[:start] + content + text[end:], [(start, end, content)]


def span_of(text: str, needle: str) -> tuple[int, int]:
    return at(text, needle), at(text, needle, after=True)


LAYER = 'keras.layers.LSTM(4, name="é")'


def test_proof_accepts_a_keyword_inserted_in_the_call():
    where = at(SOURCE, '"é")', after=True) - 1
    after, edits = edit(SOURCE, where, where, ", return_sequences=True")
    assert proof.check(SOURCE, after, edits, [span_of(SOURCE, LAYER)]) is None


def test_proof_refuses_the_keyword_one_character_too_far():
    """The old form-feed bug: the keyword landed in model.add(...): it parses and even lints clean."""
    where = at(SOURCE, LAYER, after=True)
    after, edits = edit(SOURCE, where, where, ", return_sequences=True")
    assert "model.add(keras.layers.LSTM(4, name=\"é\"), return_sequences=True)" in after
    assert proof.check(SOURCE, after, edits, [span_of(SOURCE, LAYER)]) == "an edit lies outside the code it fixes"


def test_proof_refuses_an_edit_in_a_comment():
    where = at(SOURCE, "# é", after=True)
    after, edits = edit(SOURCE, where, where, "!")
    assert proof.check(SOURCE, after, edits) == "an edit lies outside any statement"


def test_proof_refuses_text_changed_beside_the_edits():
    where = at(SOURCE, '"é")', after=True) - 1
    after, edits = edit(SOURCE, where, where, ", return_sequences=True")
    assert proof.check(SOURCE, after.replace("x = [", "y = ["), edits) == "the text changed outside the edited code"


def test_proof_refuses_an_edit_that_reparses_the_code_around_it():
    """An unclosed bracket inside the call swallows the next statement into it: both still parse."""
    text = "import keras\na = keras.layers.LSTM(4)\nb = (1,\n)\n"
    where = at(text, "LSTM(4", after=True)
    after, edits = edit(text, where, where, ", (")
    after = after.replace("b = (1,\n)\n", "b = (1,\n))\n")  # a second edit closes it after the next statement
    edits.append((at(text, "(1,\n)", after=True), at(text, "(1,\n)", after=True), ")"))
    assert proof.check(text, after, edits) is not None


def test_proof_accepts_a_sibling_put_in_front_and_a_statement_replaced():
    text = "import keras\nm = keras.Sequential([keras.layers.LSTM(8)])\nm.reset_states()\n"
    layer = at(text, "keras.layers.LSTM(8)")
    call = span_of(text, "m.reset_states()")
    loop = "for layer in m.layers:\n    layer.reset_state()"
    after = text[:layer] + "keras.Input((3, 2)), " + text[layer:call[0]] + loop + text[call[1]:]
    edits = [(layer, layer, "keras.Input((3, 2)), "), (call[0], call[1], loop)]
    assert proof.check(text, after, edits, [span_of(text, "keras.layers.LSTM(8)"), call]) is None


def test_proof_accepts_a_whole_statement_deleted_with_its_lines():
    text = "from keras.layers import LSTM\nfrom keras.layers import CuDNNLSTM  # gpu\nx = CuDNNLSTM(4)\n"
    statement = span_of(text, "from keras.layers import CuDNNLSTM")
    line = (statement[0], at(text, "# gpu\n", after=True))
    use = span_of(text, "CuDNNLSTM(4)")[0], span_of(text, "CuDNNLSTM(4)")[0] + len("CuDNNLSTM")
    after = "from keras.layers import LSTM\nx = LSTM(4)\n"
    edits = [(line[0], line[1], ""), (use[0], use[1], "LSTM")]
    assert proof.check(text, after, edits, [statement, span_of(text, "x = CuDNNLSTM(4)")]) is None


@pytest.mark.parametrize("text, needle", [
    ("import os; import keras\nx = 1\n", "import os; import keras\n"),  # a line shared with another statement
    ("import keras\nif x:\n    y = 1\nz = 2\n", "if x:\n"),  # the first line of a compound statement only
    ("import keras\nx = (1,\n     2)\nz = 2\n", "x = (1,\n"),  # part of a statement's lines
])
def test_proof_refuses_a_deletion_that_is_not_a_whole_statement(text, needle):
    start, end = span_of(text, needle)
    after, edits = edit(text, start, end, "")
    assert proof.check(text, after, edits) is not None


def test_proof_refuses_a_deleted_statement_other_than_the_one_aimed_at():
    text = "import keras\nimport os\nx = 1\n"
    after, edits = edit(text, *span_of(text, "import os\n"), "")
    assert proof.check(text, after, edits, [span_of(text, "import keras")]) == "an edit lies outside the code it fixes"


# --- fixes the proof and the property test caught: now not offered -------------------------------------------


def test_input_move_is_not_offered_for_a_layer_built_outside_the_list(tmp_path):
    """Inserting ``Input(...), `` in front of ``LSTM(...)`` where the layer is assigned, not listed, made
    ``lstm = keras.layers.Input(...), keras.layers.LSTM(...)``: a tuple (found in the corpus by the proof)."""
    code = ("import keras\nlstm = keras.layers.LSTM(8, input_shape=(10, 3))\n"
            "model = keras.Sequential([lstm, keras.layers.Dense(1)])\n")
    target = write(tmp_path, "m.py", code)
    report = run_cli("check", "--no-cache", "--select", "LSTM503", "--format", "json", "m.py", cwd=tmp_path).json()
    assert [(f["rule"], f["line"], f["fix"]) for f in report] == [("LSTM503", 2, None)]
    run = run_cli("check", "--fix", "--select", "LSTM503", "m.py", cwd=tmp_path)
    assert (target.read_text(), run.err) == (code, "")


def test_reset_loop_is_not_offered_for_a_subclassed_model(tmp_path):
    """The loop was written over ``Net.layers``, the class (found by the property test)."""
    code = ("import keras\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
            "        self.l0 = keras.layers.LSTM(8, stateful=True)\n    def call(self, x):\n        return self.l0(x)\n"
            "model = Net()\nmodel.reset_states()\n")
    target = write(tmp_path, "m.py", code)
    report = run_cli("check", "--no-cache", "--select", "LSTM205", "--format", "json", "m.py", cwd=tmp_path).json()
    assert [(f["rule"], f["line"], f["fix"]) for f in report] == [("LSTM205", 9, None)]
    run_cli("check", "--fix", "--select", "LSTM205", "m.py", cwd=tmp_path)
    assert target.read_text() == code
