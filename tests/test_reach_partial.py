"""Issue 11 point 4, models that declare no input and are fitted on data of unknown shape: through the real CLI,
the parameter counts that do not depend on that shape (after an Embedding, the last axis is known whatever the
rank), checked against the same models built in real Keras on token ids of several lengths; what depends on the
unknown rank stays unknown. And to_categorical's shape (point 2), against Keras's."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import explain_json, layer_rows, run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
L = keras.layers

REACH = Path(__file__).parent / "fixtures" / "reach"
TIMESTEPS = (1, 7, 200)


def built_counts(make, timesteps: int) -> list[int]:
    """Each layer's count in Keras, the model built for token ids (batch, timesteps)."""
    keras.backend.clear_session()
    model = keras.Sequential(make())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.build((None, timesteps))
    return [layer.count_params() for layer in model.layers]


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    return {report["line"]: report for report in explain_json(REACH / "deferred_embedding.py")}


def test_embedding_then_lstm_counts_equal_keras_for_every_length(reports):
    """Sequential([Embedding(vocab, 64), LSTM(32), Dense(1)]) fitted on tokenizer output: the vocabulary is not
    known, so neither is the Embedding's count; the LSTM reads 64 features whatever the length."""
    report = reports[19]
    assert layer_rows(report) == [("Embedding", "?", None), ("LSTM", ["?", 32], 12_416), ("Dense", ["?", 1], 33)]
    for timesteps in TIMESTEPS:
        for vocab in (50, 9000):  # any vocabulary: the LSTM and Dense counts are the same
            counts = built_counts(lambda: [L.Embedding(vocab, 64), L.LSTM(32), L.Dense(1)], timesteps)
            assert counts[1:] == [12_416, 33]
    assert report["total_params"] is None
    assert "input_from" not in report  # no call with data of a known shape
    assert report["layers"][0]["unknown"][0]["reason"].startswith("the model at line 19 declares no input shape")


def test_conv_pool_lstm_chain_is_fully_counted(reports):
    report = reports[23]
    make = lambda: [L.Embedding(5000, 32), L.Conv1D(32, 3, padding="same", activation="relu"),  # noqa: E731
                    L.MaxPooling1D(2), L.LSTM(100), L.Dense(1, activation="sigmoid")]
    for timesteps in (2, 7, 200):  # MaxPooling1D(2) needs 2 steps
        assert built_counts(make, timesteps) == [160_000, 3_104, 0, 53_200, 101]
    assert layer_rows(report) == [("Embedding", "?", 160_000), ("Conv1D", "?", 3_104),
                                  ("MaxPooling1D", ["?", "?", 32], 0), ("LSTM", ["?", 100], 53_200),
                                  ("Dense", ["?", 1], 101)]
    assert report["total_params"] == 216_405
    # the layers of unknown rank: their input is unknown to the rules, and explain shows the known last axis
    assert [row["input_shape"] for row in report["layers"][:4]] == ["?", "?", "?", ["?", "?", 32]]
    text = run_cli("explain", str(REACH / "deferred_embedding.py")).out
    assert "Conv1D(32)        25     (..., 32)     (..., 32)      3,104" in text
    assert "MaxPooling1D(2)   26     (..., 32)     (?, ?, 32)     0" in text


def test_bidirectional_after_normalization(reports):
    report = reports[30]
    make = lambda: [L.Embedding(77, 50), L.Dropout(0.2), L.BatchNormalization(),  # noqa: E731
                    L.Bidirectional(L.GRU(16, return_sequences=True)), L.GlobalMaxPooling1D(),
                    L.Dense(3, activation="softmax")]
    for timesteps in TIMESTEPS:
        assert built_counts(make, timesteps)[1:] == [0, 200, 6_528, 0, 99]
    assert layer_rows(report) == [("Embedding", "?", None), ("Dropout", "?", 0), ("BatchNormalization", "?", 200),
                                  ("Bidirectional", ["?", "?", 32], 6_528), ("GlobalMaxPooling1D", ["?", 32], 0),
                                  ("Dense", ["?", 3], 99)]
    (note,) = report["layers"][3]["notes"]
    assert note.startswith("GRU(16) is fed a tensor of unknown rank whose last axis is 50; Keras builds it only on "
                           "3-D input, (batch, timesteps, 50 features).")
    assert note.endswith("6,528 parameters = 2 × 3 × (16 × (50 + 16) + 2 × 16).")


def test_what_depends_on_the_unknown_rank_stays_unknown(reports):
    # no Embedding: the LSTM's features are the data's, not known
    assert layer_rows(reports[39]) == [("LSTM", "?", None), ("Dense", "?", None)]
    # BatchNormalization(axis=1) has weights for the timesteps axis: its count changes with the data
    counts = {built_counts(lambda: [L.Embedding(100, 8), L.BatchNormalization(axis=1), L.LSTM(4)], t)[1]
              for t in TIMESTEPS}
    assert len(counts) == len(TIMESTEPS)
    assert layer_rows(reports[40]) == [("Embedding", "?", 800), ("BatchNormalization", "?", None),
                                       ("LSTM", ["?", 4], 208)]
    assert {built_counts(lambda: [L.Embedding(100, 8), L.BatchNormalization(axis=1), L.LSTM(4)], t)[2]
            for t in TIMESTEPS} == {208}
    # a Lambda: what follows it is unknown
    assert layer_rows(reports[41]) == [("Embedding", "?", 800), ("Lambda", "?", None), ("LSTM", "?", None)]
    # RNN(cell): Keras 3 runs it on 4-D input too, so its input is not known to be 3-D
    x = keras.Input((4, 3, 8))
    assert list(L.RNN(L.LSTMCell(4))(x).shape) == [None, 4]
    assert layer_rows(reports[42]) == [("Embedding", "?", 800), ("RNN", "?", None)]


def test_stacked_lstm_without_return_sequences_is_still_reported(tmp_path):
    """The second LSTM of an Embedding model with no input gets the first one's (batch, units): Keras refuses it
    whatever the data, and LSTM101 says so."""
    source = tmp_path / "stack.py"
    source.write_text("from keras import Sequential, layers\n"
                      "model = Sequential([layers.Embedding(100, 8), layers.LSTM(4), layers.LSTM(2)])\n")
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        keras.Sequential([L.Embedding(100, 8), L.LSTM(4), L.LSTM(2)]).build((None, 5))
    run = run_cli("check", "--select", "LSTM101", str(source))
    assert run.code == 1, run.out
    assert "stack.py:2:" in run.out and "LSTM101" in run.out


def test_to_categorical_drops_a_last_axis_of_one():
    for labels, expected in (((100, 1), (100, 5)), ((100,), (100, 5)), ((100, 7), (100, 7, 5))):
        assert keras.utils.to_categorical(np.zeros(labels), num_classes=5).shape == expected
    run = run_cli("check", "--select", "LSTM102", str(REACH / "to_categorical_labels.py"))
    assert run.code == 1
    assert "so the model outputs (batch, 10, 5), while fit gets a target of shape (100, 5)" in run.out


def test_normalization_options_that_change_the_weights_are_not_counted(tmp_path):
    """BatchNormalization(renorm=True) has weights of its own (Keras: 35 for 5 features, not 20), and
    LayerNormalization(rms_scaling=True) has no beta (5, not 10): lstmlint does not count them."""
    made = {"BatchNormalization(renorm=True)": L.BatchNormalization(renorm=True),
            "BatchNormalization(renorm=False)": L.BatchNormalization(renorm=False),
            "LayerNormalization(rms_scaling=True)": L.LayerNormalization(rms_scaling=True)}
    counts = {}
    for text, layer in made.items():
        model = keras.Sequential([keras.Input((3, 5)), layer])
        counts[text] = model.count_params()
    assert counts == {"BatchNormalization(renorm=True)": 35, "BatchNormalization(renorm=False)": 20,
                      "LayerNormalization(rms_scaling=True)": 5}
    (tmp_path / "pyproject.toml").write_text("[tool.lstmlint]\ntarget-keras = 3\n")
    lines = [f"m{i} = keras.Sequential([keras.Input((3, 5)), layers.{text}, layers.LSTM(2)])"
             for i, text in enumerate(made)]
    (tmp_path / "norm.py").write_text("import keras\nfrom keras import layers\n" + "\n".join(lines) + "\n")
    reports = explain_json(tmp_path / "norm.py")
    assert [report["layers"][0]["params"] for report in reports] == [None, 20, None]


def test_keras_2_embedding_declares_its_own_input():
    """Under Keras 2 the model is built for (batch, None) when it is made, whatever data fit is given; under
    Keras 3 it is built on the fit's data. Both against the Keras that runs them."""
    tf_keras = pytest.importorskip("tf_keras")
    path = REACH / "embedding_keras2.py"
    (two,) = target_json(path, 2)
    make = [tf_keras.layers.Embedding(1000, 16), tf_keras.layers.LSTM(8), tf_keras.layers.Dense(1)]
    theirs = tf_keras.Sequential(make)
    assert [(type(layer).__name__, [None if d is None else int(d) for d in layer.output_shape], layer.count_params())
            for layer in theirs.layers] == [(cls, [None if d == "?" else d for d in shape], params)
                                            for cls, shape, params in layer_rows(two)]
    assert "input_from" not in two
    (three,) = target_json(path, 3)
    assert layer_rows(three) == [("Embedding", ["?", 20, 16], 16_000), ("LSTM", ["?", 8], 800), ("Dense", ["?", 1], 9)]
    assert three["input_from"] == "(?, 20), from the data given to fit at line 11"


def target_json(path: Path, target: int) -> list[dict]:
    run = run_cli("explain", "--format", "json", "--target-keras", str(target), str(path))
    assert run.code == 0, run.err
    return run.json()
