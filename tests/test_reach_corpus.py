"""Causes of missed recurrent layers found on the real corpus (issue 11), each reduced to a fixture of
fixtures/reach and run through the real CLI; the Keras side is the same model built here with real Keras (the
fixture files are never executed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import explain_json, keras_layer_rows, layer_rows, run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

REACH = Path(__file__).parent / "fixtures" / "reach"


def explain(name: str) -> list[dict]:
    return explain_json(REACH / name)


keras_rows = keras_layer_rows



def test_keras_star_imports_bind_their_public_names():
    """`from tensorflow.keras.layers import *` binds Input, LSTM, Bidirectional, Dense…; a binding before the
    star import is replaced by it."""
    inp = keras.Input((30, 4))
    x = keras.layers.Bidirectional(keras.layers.LSTM(64, return_sequences=True))(inp)
    x = keras.layers.Bidirectional(keras.layers.LSTM(16))(x)
    built = keras.Model(inp, keras.layers.Dense(1)(x))
    (report,) = explain("star_imports.py")
    assert report["total_params"] == built.count_params() == 53_921
    assert layer_rows(report) == keras_rows(built)


def test_names_a_star_import_bound_and_something_else_rebinds_are_not_keras():
    """A def of the file hides the star-imported GRU; after a star import of another module, LSTM and Input
    may be anything: unknown, not Keras's."""
    first, second, third = explain("star_rebound.py")
    built = keras.Sequential([keras.Input((10, 3)), keras.layers.Dense(8)])
    assert layer_rows(first) == keras_rows(built) == [("Dense", [None, 10, 8], 32)]
    assert [row["class"] for row in second["layers"]] == ["?", "?"]
    assert second["total_params"] is None
    assert [row["class"] for row in third["layers"]] == ["?", "SimpleRNN"]


def test_star_exports_are_public_names_of_the_keras_modules():
    """Every name a star import binds is a public name of that module in the installed Keras, or a Keras 2 class
    (CuDNNLSTM / CuDNNGRU, absent from Keras 3)."""
    from lstmlint import keras_api
    from lstmlint.analyze.imports import star_exports

    for module, names in (("layers", set(dir(keras.layers))), ("models", set(dir(keras.models)))):
        exported = star_exports(f"tensorflow.keras.{module}")
        assert exported and exported == star_exports(f"keras.{module}")
        missing = {n for n in exported - names if not (n in keras_api.LAYERS and keras_api.LAYERS[n].k3 is None)}
        assert not missing, (module, missing)
    assert star_exports("tensorflow.keras.callbacks") == frozenset()


def test_a_layer_called_on_an_array_is_built_for_its_shape():
    """Keras builds a layer on its first call; on an array of known shape that is a model of its own: output
    shapes and parameters as Keras computes them, once per layer; data known only at run time gives none."""
    import numpy as np

    expected = []
    for layer, shape in ((keras.layers.GRU(3, return_sequences=True), (3, 6, 4)),
                         (keras.layers.LSTM(64, stateful=True), (20, 10, 50)),
                         (keras.layers.Bidirectional(keras.layers.SimpleRNN(5)), (2, 7, 3))):
        out = layer(np.ones(shape, dtype="float32"))
        expected.append((type(layer).__name__, list(out.shape), layer.count_params()))
    reports = explain("eager_calls.py")
    assert [layer_rows(r)[0] for r in reports] == expected == [
        ("GRU", [3, 6, 3], 81), ("LSTM", [20, 64], 29_440), ("Bidirectional", [2, 10], 90)]
    assert [(r["line"], len(r["layers"]), r["layers"][0]["input_shape"]) for r in reports] == [
        (7, 1, [3, 6, 4]), (12, 1, [20, 10, 50]), (16, 1, [2, 7, 3])]
    assert reports[0]["input_from"].endswith("from the data given to gru(...) at line 7")
    check = run_cli("check", str(REACH / "eager_calls.py"))
    assert check.code == 0, check.out  # the stateful layer's states are reset: no LSTM204
