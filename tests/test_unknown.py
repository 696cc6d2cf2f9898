"""Issue 11 point 9: explain says what is unknown ("?") as distinct from dynamic (null), gives each layer's input
shape, and names the reason for an unknown with its line; `check --statistics` prints the reach coverage.

Fixtures: tests/fixtures/unknown/ (written for these tests). Known shapes and counts checked against Keras 3.15:
LSTM(8, return_sequences=True) on (None, None, 4) -> (None, None, 8), 416 parameters;
Bidirectional(GRU(4)) on (None, 10, 8) -> (None, 8), 336; RNN([GRUCell(3), GRUCell(4)]) on (None, 6, 2) ->
(None, 4), 171.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "unknown"


def _models():
    run = run_cli("explain", "--format", "json", "reasons.py", cwd=FIXTURES)
    assert run.code == 0, run.err
    return {model["line"]: model for model in run.json()}


def _rows(model):
    return [(row["class"], row["input_shape"], row["output_shape"], row["params"],
             [(u["what"], u["reason"]) for u in row["unknown"]]) for row in model["layers"]]


def test_json_tells_unknown_from_dynamic_and_gives_input_shapes_and_reasons():
    models = _models()
    # a parameter of the function the model is built in
    assert _rows(models[11]) == [
        ("LSTM", [None, 20, 3], [None, "?"], None, [("units", "`units` is a parameter of build_model() at line 10")]),
        ("Dense", [None, "?"], [None, 1], None,
         [("input dim 1", "unknown after LSTM(units) at line 11 (units: `units` is a parameter of build_model() "
                          "at line 10)")]),
    ]
    # a loop variable
    assert _rows(models[15]) == [
        ("GRU", [None, 20, 3], [None, "?"], None, [("units", "`width` is the target of the `for` loop at line 14")]),
    ]
    # data loaded from a file: timesteps unknown ("?"), batch dynamic (null); the count needs no timesteps
    assert _rows(models[17]) == [
        ("LSTM", [None, "?", 4], [None, "?", 8], 416,
         [("timesteps", "`X.shape[1]` reads the shape of `X`, and `X` is loaded from a file at line 7")]),
    ]
    # a layer lstmlint does not model: what follows it is unknown, what comes before it is not
    assert _rows(models[22]) == [
        ("InputLayer", [None, 10, 6], [None, 10, 6], 0, []),
        ("Lambda", [None, 10, 6], "?", None,
         [("output", "unknown after Lambda(lambda t: t[:, ::2]) at line 20 (lstmlint does not model a Lambda)")]),
        ("LSTM", "?", "?", None,
         [("input", "unknown after Lambda(lambda t: t[:, ::2]) at line 20 (lstmlint does not model a Lambda)")]),
    ]
    # branches that disagree
    assert _rows(models[28])[0] == (
        "SimpleRNN", [None, 5, 2], [None, "?"], None,
        [("units", "`size` is bound differently on different paths (`size` at line 28)")])
    # no declared input
    reason = ("the model at line 30 declares no input shape (no Input, input_shape= or build()), and no call "
              "with data of a known shape is followed")
    assert _rows(models[30]) == [("LSTM", "?", "?", None, [("input", reason)]),
                                 ("Dense", "?", "?", None, [("input", reason)])]
    assert [models[line]["total_params"] for line in sorted(models)] == [None, None, 416, None, None, None]


def test_text_has_an_input_column_and_a_reason_line_per_unknown():
    run = run_cli("explain", "reasons.py", cwd=FIXTURES)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert "Layer (type)   Line   Input shape    Output shape   Param #" in lines
    assert "LSTM(8)        17     (None, ?, 4)   (None, ?, 8)   416" in lines
    assert "  line 17: ? timesteps: `X.shape[1]` reads the shape of `X`, and `X` is loaded from a file at line 7" \
        in lines
    assert "  line 11: ? units: `units` is a parameter of build_model() at line 10" in lines
    assert "  line 21: ? input: unknown after Lambda(lambda t: t[:, ::2]) at line 20 (lstmlint does not model a " \
           "Lambda)" in lines


def test_reasons_for_rank_refusals_several_tensors_and_shared_layers(tmp_path):
    (tmp_path / "m.py").write_text(
        "import keras\n"
        "from keras import layers\n"
        "inp = keras.Input(shape=(10, 3))\n"
        "shared = layers.LSTM(8, return_sequences=True)\n"
        "x = shared(shared(inp))\n"
        "flat = layers.LSTM(4)(x)\n"
        "again = layers.GRU(2)(flat)\n"
        "out, h, c = layers.LSTM(3, return_state=True)(inp)\n"
        "both = layers.Dense(1)(layers.LSTM(3, return_state=True)(inp))\n"
        "model = keras.Model(inp, [again, both])\n", encoding="utf-8")
    dangling, model = run_cli("explain", "--format", "json", "m.py", cwd=tmp_path).json()
    # line 8's LSTM on the input, which no Model takes: a graph of its own (tests/test_reach_inmodel.py)
    assert [(row["class"], row["line"]) for row in dangling["layers"]] == [("InputLayer", 3), ("LSTM", 8)]
    reasons: dict = {}
    for row in model["layers"]:  # the first call of a shared layer object is its row
        reasons.setdefault((row["class"], row["line"]), [(u["what"], u["reason"]) for u in row["unknown"]])
    assert reasons[("LSTM", 4)] == [
        ("params", "LSTM(8) at line 4 is called on inputs that need different weights, which Keras refuses")]
    assert reasons[("GRU", 7)] == [
        ("output", "unknown after GRU(2) at line 7 (Keras refuses a 2-D input to GRU, which reads 3-D input)")]
    assert reasons[("Dense", 9)] == [
        ("output", "unknown after Dense(1) at line 9 (it is called on several tensors at once)")]


def test_statistics_prints_the_coverage_in_reach_terms():
    """shared_and_loose.py: a shared LSTM (one layer, its count unknown: Keras refuses its second input), a
    Bidirectional(GRU) (one layer, known), a SimpleRNN in no model; cells.py: RNN(LSTMCell(n)) (unknown n) and
    RNN([GRUCell, GRUCell]) (known); dense_only.py builds no recurrent layer."""
    run = run_cli("check", "--statistics", "--no-cache", "tree", cwd=FIXTURES)
    assert run.code == 0, run.err
    assert ("recurrent layers: 5 found, 4 in a model (80%), 2 fully known (parameters known) (40%)"
            in run.err.splitlines())
    assert "3 files: 2 parsed, 0 from the cache, 1 skipped (no recurrent layer)" in run.err
