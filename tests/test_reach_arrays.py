"""Issue 11 points 3 (arrays) and 4 (models built by their first call), through the real CLI and API.

Array shapes are checked against numpy itself (the expressions of fixtures/reach/arrays_numpy.py are evaluated
here, by this test, never by lstmlint); model shapes and parameter counts against real Keras.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import explain_json, layer_rows, run_cli
from lstmlint.analyze import analyze_source
from lstmlint.shape_args import dims
from lstmlint.unknown import UNKNOWN

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

REACH = Path(__file__).parent / "fixtures" / "reach"


def explain(name: str) -> list[dict]:
    return explain_json(REACH / name)


rows = layer_rows


def keras_rows(model, batch=None) -> list[tuple]:
    return [(type(layer).__name__, [batch, *[int(d) for d in layer.output.shape[1:]]], layer.count_params())
            for layer in model.layers]


def test_numpy_shapes_equal_numpys():
    """Every array given to predict in arrays_numpy.py: the static shape is numpy's, dim for dim."""
    text = (REACH / "arrays_numpy.py").read_text()
    module = analyze_source(text, "arrays_numpy.py")
    calls = module.models[0].calls
    tree = ast.parse(text)
    namespace: dict = {"np": np}
    for statement in tree.body:  # the module's numpy statements, then each predict call's argument
        if isinstance(statement, ast.Assign) and ast.unparse(statement.targets[0]) != "model":
            exec(compile(ast.Module([statement], []), "arrays_numpy.py", "exec"), namespace)  # noqa: S102
    expressions = [s.value.args[0] for s in tree.body if isinstance(s, ast.Expr)]
    assert len(calls) == len(expressions) == 34
    for call, expression in zip(calls, expressions):
        expected = list(eval(compile(ast.Expression(expression), "x", "eval"), namespace).shape)  # noqa: S307
        value = call.args["x"].value
        assert value.kind == "array", ast.unparse(expression)
        assert dims(value.items) == expected, ast.unparse(expression)


def test_r05_reshape_of_data_of_unknown_length():
    """`pd.read_csv(...).values.reshape(-1, 10, 1)`: (?, 10, 1), so X.shape[1], X.shape[2] are 10 and 1."""
    (report,) = explain("r05_data_shape.py")
    built = keras.Sequential([keras.Input((10, 1)), keras.layers.LSTM(8)])
    assert rows(report) == keras_rows(built) == [("LSTM", [None, 8], 320)]


def test_r05b_array_of_a_list_built_in_a_loop():
    """`np.array(X).reshape(-1, 10, 1)` of a list appended to in a loop: the reshape is (?, 10, 1)."""
    (report,) = explain("r05b_loop_array.py")
    built = keras.Sequential([keras.Input((10, 1)), keras.layers.LSTM(8)])
    assert rows(report) == keras_rows(built)
    assert report["total_params"] == 320


def test_r13_len_of_a_string_literal():
    (report,) = explain("r13_len_literal.py")
    built = keras.Sequential([keras.Input((7, 12)), keras.layers.LSTM(128)])
    assert rows(report) == keras_rows(built) == [("LSTM", [None, 128], 72_192)]


def test_r07_keras3_embedding_input_length_declares_nothing():
    """Keras 3 drops Embedding's input_length (a deprecation warning): the model declares no input. Its counts
    do not depend on the data it will be built on: the Embedding's weights are 10,000 x 32 for any input, and
    the LSTM is built only on the 3-D output of token ids (batch, T), with 32 features whatever T."""
    with pytest.warns(UserWarning, match="input_length"):
        built = keras.Sequential([keras.layers.Embedding(10000, 32, input_length=100), keras.layers.LSTM(32)])
    assert not built.built
    (report,) = explain("r07_deferred.py")
    for timesteps in (1, 37, 100):
        model = keras.Sequential([keras.layers.Embedding(10000, 32), keras.layers.LSTM(32)])
        model.build((None, timesteps))
        assert [layer.count_params() for layer in model.layers] == [320_000, 8_320]
        assert report["total_params"] == model.count_params() == 328_320
    assert rows(report) == [("Embedding", "?", 320_000), ("LSTM", ["?", 32], 8_320)]
    assert "input_from" not in report


def test_model_built_by_fit_takes_the_datas_shape():
    """No Input: Keras builds the model on fit for (batch, 12, 2) — the DataFrame's 2 columns, reshaped; the
    static batch stays unknown (Keras builds fit for the first batch's size, evaluate for None)."""
    first, wrong = explain("arrays_deferred.py")
    built = keras.Sequential([keras.layers.LSTM(16, return_sequences=True), keras.layers.GRU(8),
                              keras.layers.Dense(1)])
    built.compile(optimizer="adam", loss="mse")
    built.fit(np.zeros((40, 12, 2)), np.zeros((40,)), epochs=1, batch_size=32, verbose=0)
    # the batch: "?" here (Keras builds fit for the first batch's size), None in the built model's shapes
    assert keras_rows(built) == [("LSTM", [None, 12, 16], 1216), ("GRU", [None, 8], 624), ("Dense", [None, 1], 9)]
    assert rows(first) == [("LSTM", ["?", 12, 16], 1216), ("GRU", ["?", 8], 624), ("Dense", ["?", 1], 9)]
    assert first["total_params"] == built.count_params() == 1849
    assert first["input_from"] == "(?, 12, 2), from the data given to fit at line 17"
    assert "input_from" not in wrong
    text = run_cli("explain", str(REACH / "arrays_deferred.py")).out
    assert "Input: (?, 12, 2), from the data given to fit at line 17 (the model declares none" in text


def test_partial_shape_feeds_the_data_rules():
    """(?, 12, 2) against a model reading (batch, 12, 3): LSTM109, with the unknown sample count shown as ?."""
    run = run_cli("check", "--select", "LSTM108,LSTM109,LSTM110", str(REACH / "arrays_deferred.py"))
    assert run.code == 1
    assert "arrays_deferred.py:21:1: LSTM109" in run.out
    assert "fit gets x of shape (?, 12, 2), but the model reads (batch, 12, 3)" in run.out
    assert run.out.count("LSTM1") == 1


def test_train_test_split_and_make_regression_sizes(tmp_path):
    """sklearn's _validate_shuffle_split: n_test = ceil(test_size * n), n_train = floor(train_size * n), the
    complement when one is None, test_size=0.25 when both are; an unknown n leaves the counts unknown."""
    source = tmp_path / "split.py"
    source.write_text(
        "import numpy as np\nfrom keras import layers, models\n"
        "from sklearn.model_selection import train_test_split\nfrom sklearn.datasets import make_regression\n"
        "m = models.Sequential([layers.Input((3,)), layers.Dense(1)])\n"
        "X, y = make_regression(n_samples=101, n_features=7)\n"
        "a, b, c, d = train_test_split(X, y, test_size=0.33)\n"
        "e, f = train_test_split(X, train_size=0.5)\n"
        "g, h = train_test_split(X)\n"
        "i, j = train_test_split(np.zeros((50, 4)), test_size=10)\n"
        "k, l = train_test_split(np.array(unknown), test_size=0.3)\n"
        "m.predict(a)\nm.predict(b)\nm.predict(c)\nm.predict(d)\nm.predict(e)\nm.predict(f)\nm.predict(g)\n"
        "m.predict(h)\nm.predict(i)\nm.predict(j)\nm.predict(k)\nm.predict(l)\n")
    module = analyze_source(source.read_text(), str(source))
    shapes = [dims(c.args["x"].value.items) if c.args["x"].value.kind == "array" else None
              for c in module.models[0].calls]
    assert shapes == [[67, 7], [34, 7], [67], [34], [50, 7], [51, 7], [75, 7], [26, 7], [40, 4], [10, 4],
                      None, None]
    assert UNKNOWN not in [d for s in shapes if s for d in s]
