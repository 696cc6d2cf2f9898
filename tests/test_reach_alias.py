"""Names bound to a Keras class or module (issue 11, ``r14_alias.py``: ``RNN = keras.layers.LSTM``), through the
real CLI; the Keras side is the same model built here with real Keras (the fixture files are never executed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import explain_json, keras_layer_rows, layer_rows, run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

REACH = Path(__file__).parent / "fixtures" / "reach"


def test_a_name_bound_to_a_keras_class_builds_its_layer():
    """r14: `RNN = keras.layers.LSTM` then `RNN(128, input_shape=(7, 12))` in a Sequential."""
    built = keras.Sequential([keras.Input((7, 12)), keras.layers.LSTM(128)])
    (report,) = explain_json(REACH / "r14_alias.py")
    assert report["kind"] == "sequential" and report["line"] == 3
    assert layer_rows(report) == keras_layer_rows(built) == [("LSTM", [None, 128], 72_192)]
    assert report["layers"][0]["input_shape"] == [None, 7, 12]
    assert report["total_params"] == built.count_params()
    # the layer is the LSTM, so its per-layer rules run: Keras 3 prefers keras.Input to input_shape=
    run = run_cli("check", "--format", "json", str(REACH / "r14_alias.py"))
    assert [(f["rule"], f["line"]) for f in run.json()] == [("LSTM503", 4)]


def test_module_aliases_local_aliases_and_class_attributes_resolve():
    """`L = keras.layers` then `L.GRU`; tf.keras classes bound to names; an alias local to a function analysed
    for its call; `self.rnn_cls = layers.LSTM` set in __init__ and called there; a base class bound to a name."""
    stacked = keras.Sequential([keras.Input((5, 3)), keras.layers.GRU(16, return_sequences=True),
                                keras.layers.GRU(8)])
    tf_model = keras.Sequential([keras.Input((4, 2)), keras.layers.LSTM(8), keras.layers.Dense(1)])
    built = keras.Sequential([keras.Input((9, 2)), keras.layers.SimpleRNN(6, return_sequences=True),
                              keras.layers.SimpleRNN(4)])
    net = keras.Sequential([keras.Input((7, 3)), keras.layers.LSTM(10), keras.layers.Dense(1)])
    reports = explain_json(REACH / "alias_names.py")
    assert [(r["kind"], r["line"]) for r in reports] == [("sequential", 7), ("sequential", 11), ("sequential", 16),
                                                        ("subclass", 24)]
    assert [layer_rows(r) for r in reports] == [keras_layer_rows(m) for m in (stacked, tf_model, built, net)]
    assert [r["total_params"] for r in reports] == [1_632, 361, 98, 571]
    assert [r["total_params"] for r in reports] == [m.count_params() for m in (stacked, tf_model, built, net)]


def test_names_whose_class_is_not_one_value_stay_unknown():
    """Bound differently on two paths, rebound after a function that reads it, rebindable through `global`, a
    parameter hiding the alias, a conditional expression, functools.partial: never read as LSTM, so no
    finding (each model but `chosen` would get LSTM101 if it were), and no parameter count."""
    reports = explain_json(REACH / "alias_unsound.py")
    assert [r["line"] for r in reports] == [13, 19, 33, 39, 43, 47]
    chosen = reports[4]
    assert [row["class"] for row in chosen["layers"]] == ["RNN", "RNN"]
    assert [row["params"] for row in chosen["layers"]] == [None, None]
    for report in reports[:4] + reports[5:]:
        assert [row["class"] for row in report["layers"]] == ["?", "?"], report
        assert report["total_params"] is None
    run = run_cli("check", "--format", "json", str(REACH / "alias_unsound.py"))
    assert run.code == 0 and run.json() == []


def test_classes_passed_to_functions_build_their_layers_at_each_call():
    """A recurrent class given by each call (`stack(layers.GRU)`) or as a default value, in a file that never
    calls it by its own name (the scope prefilter lets it through): one model per call, each its own class."""
    expected = [keras.Sequential([keras.Input((5, 3)), layer]) for layer in (
        keras.layers.GRU(8), keras.layers.LSTM(4), keras.layers.SimpleRNN(2))]
    reports = explain_json(REACH / "alias_passed.py")
    assert [r["line"] for r in reports] == [7, 7, 15]
    assert [layer_rows(r) for r in reports] == [keras_layer_rows(m) for m in expected]
    assert [r["total_params"] for r in reports] == [312, 128, 12]


def test_attributes_of_run_time_objects_name_where_the_object_comes_from():
    """`config = wandb.config` is not a path to read as a constant (another library's object, set at run time),
    and `args.units` names the parse_args() call: the unknowns say so."""
    (config,) = explain_json(REACH / "r12_config_attr.py")
    assert config["layers"][0]["unknown"] == [
        {"what": "timesteps", "reason": "`config.look_back` is an attribute of `wandb.config`, an object of another "
                                        "library whose values are set at run time (`config.look_back` at line 6)"},
        {"what": "units", "reason": "`config.hidden_size` is an attribute of `wandb.config`, an object of another "
                                    "library whose values are set at run time (`config.hidden_size` at line 6)"}]
    (argparse,) = explain_json(REACH / "r12b_argparse.py")
    assert argparse["layers"][0]["unknown"] == [
        {"what": "units", "reason": "`args.units` is an attribute of `args`, and `args` is the result of "
                                    "`parse_args(…)` at line 4, not known statically"}]
    assert config["total_params"] is None and argparse["total_params"] is None
