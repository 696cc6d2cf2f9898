"""Recurrent layers that real code builds outside a `Model(...)` / `Sequential(...)` call (issue 11, third
round): graphs from a keras.Input that no Model closes, layers built by `layer.build(shape)`. Each cause is a
fixture of fixtures/reach reduced from a corpus file (named at its top), run through the real CLI; the Keras
side is the same computation done here with real Keras (the fixture files are never executed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import explain_json, run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

REACH = Path(__file__).parent / "fixtures" / "reach"


def rows(report: dict) -> list[tuple]:
    return [(row["class"], row["line"], row["input_shape"], row["output_shape"], row["params"])
            for row in report["layers"]]


def keras_rows(layers_and_lines, inputs) -> list[tuple]:
    """The rows of a graph of real Keras layers: each (layer, its fixture line) called in turn on `inputs`."""
    out = []
    x = inputs
    for layer, line in layers_and_lines:
        shape_in = [None if d is None else int(d) for d in x.shape]
        x = layer(x)
        out.append((type(layer).__name__, line, shape_in, [None if d is None else int(d) for d in x.shape],
                    layer.count_params()))
    return out


def dims(tensor) -> list:
    return [None if d is None else int(d) for d in tensor.shape]


def test_a_graph_no_model_closes_is_a_model_of_its_layers():
    """`outputs = layers.SimpleRNN(16)(inputs)` on a keras.Input, with no Model after it: Keras builds each
    layer for the input's shape (`outputs.shape` is known), so the layers are listed with those shapes and
    counts; the graph may be part of something larger, so no total is stated. A graph from a function's
    parameter, or one a function returns, is its caller's: no model there."""
    first, second, closed, reused = explain_json(REACH / "open_graph.py")
    inp = keras.Input(shape=(120, 14))
    assert rows(first) == [("InputLayer", 8, [None, 120, 14], [None, 120, 14], 0)] + keras_rows(
        [(keras.layers.SimpleRNN(16, return_sequences=False), 9)], inp)
    assert first["total_params"] is None and first["line"] == 9
    assert rows(second)[1:] == keras_rows([(keras.layers.SimpleRNN(16, return_sequences=True), 13),
                                           (keras.layers.SimpleRNN(16, return_sequences=True), 14),
                                           (keras.layers.SimpleRNN(16), 15)], inp) == [
        ("SimpleRNN", 13, [None, 120, 14], [None, 120, 16], 496),
        ("SimpleRNN", 14, [None, 120, 16], [None, 120, 16], 528),
        ("SimpleRNN", 15, [None, 120, 16], [None, 16], 528)]
    assert second["total_params"] is None
    # the model that Model(...) closes is unchanged (its total stated); the input it shares with a later
    # graph is that graph's input too
    source = keras.Input(shape=(None, 14))
    x = keras.layers.GRU(32, recurrent_dropout=0.5, return_sequences=True)(source)
    x = keras.layers.GRU(32, recurrent_dropout=0.5)(x)
    built = keras.Model(source, keras.layers.Dense(1)(x))
    assert closed["total_params"] == built.count_params() == 10_977
    assert rows(reused) == [("InputLayer", 17, [None, None, 14], [None, None, 14], 0)] + keras_rows(
        [(keras.layers.LSTM(8), 22)], source)
    assert [r["line"] for r in explain_json(REACH / "open_graph.py")] == [9, 15, 21, 22]  # none in the defs


def test_layer_build_with_a_shape_builds_the_layer_for_it():
    """`layer.build((None, 5, 3))` on a layer no call has built creates its weights for that shape: a model
    of that one layer, its input that shape. A layer built by its first call is not built again by a later
    build(), a shape known only at run time gives no model, and a Dense built then given LoRA weights is not
    listed with its build-time count when it is called (no model at all: the reports are the four above)."""
    import numpy as np

    reports = explain_json(REACH / "layer_build.py")
    expected = []
    for layer, shape in ((keras.layers.Bidirectional(keras.layers.LSTM(4, use_cudnn="auto")), (None, 5, 3)),
                         (keras.layers.SimpleRNN(units=2, use_bias=True, return_sequences=True), (None, None, 5)),
                         (keras.layers.GRU(5, return_sequences=True, reset_after=False), (3, 6, 4))):
        layer.build(shape)
        out = layer.compute_output_shape(shape)
        expected.append((type(layer).__name__, list(shape), list(out), layer.count_params()))
    called = keras.layers.LSTM(3)
    out = called(np.ones((2, 4, 6), dtype="float32"))
    expected.append(("LSTM", [2, 4, 6], dims(out), called.count_params()))
    static = [(r["layers"][0]["class"], r["layers"][0]["input_shape"], r["layers"][0]["output_shape"],
               r["layers"][0]["params"]) for r in reports]
    assert static == expected == [("Bidirectional", [None, 5, 3], [None, 8], 256),
                                  ("SimpleRNN", [None, None, 5], [None, None, 2], 16),
                                  ("GRU", [3, 6, 4], [3, 6, 5], 150), ("LSTM", [2, 4, 6], [2, 3], 120)]
    assert [(r["line"], len(r["layers"]), r["total_params"]) for r in reports] == [
        (8, 1, 256), (11, 1, 16), (16, 1, 150), (20, 1, 120)]
    assert reports[0]["input_from"] == "(None, 5, 3), from the shape given to bidi.build(...) at line 8"
    check = run_cli("check", str(REACH / "layer_build.py"))
    assert check.code == 0 and "layer_build.py:15:7: LSTM401 [info] GRU(5)" in check.out  # reset_after=False


def test_keras1_merge_reads_as_the_keras2_layer_of_its_mode():
    """`merge([a, b], mode='concat', concat_axis=1)` is Concatenate(axis=1), 'mul' Multiply, the default 'sum'
    Add (keras 1.2.2 engine/topology.py Merge: the same output shapes). Shapes that differ, which Keras 1
    refuses for 'sum' where Keras 2's Add broadcasts, and 'cos' give unknown outputs, the layers before them
    still in the model."""
    first, second = explain_json(REACH / "keras1_merge.py")
    a, b = keras.Input(shape=(10, 3)), keras.Input(shape=(10, 3))
    joined = keras.layers.Concatenate(axis=1)([a, b])
    left = keras.layers.LSTM(5, return_sequences=True)(joined)
    right = keras.layers.LSTM(5, return_sequences=True)(joined)
    both = keras.layers.Multiply()([left, right])
    summed = keras.layers.Add()([both, left])
    out = keras.layers.Dense(1)(keras.layers.LSTM(4)(keras.layers.Concatenate()([summed, both])))
    built = keras.Model([a, b], out)
    assert first["total_params"] == built.count_params() == 605
    static = [(row["class"], row["output_shape"], row["params"]) for row in first["layers"]]
    assert static == [(type(layer).__name__, dims(layer.output), layer.count_params())
                      for layer in built.layers]
    assert [(row["class"], row["output_shape"], row["params"]) for row in second["layers"][3:]] == [
        ("Add", "?", None), ("Merge", "?", 0), ("LSTM", "?", None)]
    assert second["total_params"] is None


def test_loops_of_known_length_are_unrolled_and_tests_on_known_values_decided():
    """A loop over range() of known ints or a literal list runs its body once per value, in order: `.add`
    appends each time, `x = layer(x)` chains, the loop's name holds each value (a test on it decided). In a
    function analysed for one call, a test on that call's values runs one branch. A loop too long to unroll
    still leaves the rest of a Sequential unknown."""
    import numpy as np

    reports = explain_json(REACH / "loops_branches.py")
    assert [(r["line"], r["total_params"]) for r in reports] == [
        (10, None), (27, 4_832), (38, 24_714), (38, 24_714), (48, 80), (48, 80), (48, 80)]
    seq = keras.Sequential([keras.Input((7, 12)), keras.layers.LSTM(32), keras.layers.RepeatVector(4)]
                           + [keras.layers.LSTM(32, return_sequences=True) for _ in range(2)]
                           + [keras.layers.Dense(12, activation="softmax")])
    static = [(row["class"], row["output_shape"], row["params"]) for row in reports[0]["layers"]]
    assert static[:5] == [(type(layer).__name__, dims(layer.output), layer.count_params())
                          for layer in seq.layers]
    assert [row["line"] for row in reports[0]["layers"][:5]] == [11, 12, 14, 14, 15]
    assert [row["class"] for row in reports[0]["layers"][5:]] == ["?"]  # 96 iterations: not known

    spectrogram = keras.Input((None, 33))
    x = keras.layers.Dense(16)(spectrogram)
    for i in range(1, 4):
        x = keras.layers.Bidirectional(keras.layers.GRU(8, return_sequences=True), merge_mode="concat")(x)
        if i < 3:
            x = keras.layers.Dropout(0.5)(x)
    speech = keras.Model(spectrogram, keras.layers.Dense(32, activation="softmax")(x))
    assert reports[1]["total_params"] == speech.count_params()
    assert [(row["class"], row["output_shape"], row["params"]) for row in reports[1]["layers"]] == [
        (type(layer).__name__, dims(layer.output), layer.count_params()) for layer in speech.layers]

    for report, first in zip(reports[2:4], (keras.layers.LSTM(64), keras.layers.RNN(keras.layers.LSTMCell(64)))):
        built = keras.Sequential([keras.Input((None, 28)), first, keras.layers.BatchNormalization(),
                                  keras.layers.Dense(10)])
        assert report["total_params"] == built.count_params()
        assert [(row["class"], row["output_shape"], row["params"]) for row in report["layers"]] == [
            (type(layer).__name__, dims(layer.output), layer.count_params()) for layer in built.layers]
    assert [r["layers"][0]["line"] for r in reports[2:4]] == [35, 37]
    assert [r["calls"] for r in reports[2:4]] == [[{"function": "build_classifier", "line": 41, "kind": "call"}],
                                                  [{"function": "build_classifier", "line": 42, "kind": "call"}]]

    data = np.array([[[101, 202], [303, 404]]])
    for report, mode in zip(reports[4:], ("ave", "concat", None)):
        layer = keras.layers.Bidirectional(keras.layers.LSTM(2, return_state=True), merge_mode=mode)
        outputs = layer(data)
        assert report["layers"][0]["output_shape"] == [dims(t) for t in outputs]
        assert report["layers"][0]["params"] == layer.count_params() == 80


def test_a_starred_list_in_a_sequential_splices_its_layers():
    """`Sequential([..., *([...] if flag else [...]), *(Dropout(0.5),), ...])`: a literal's layers take its
    place; of a conditional, the branch the analysed call's flag selects (the other is never evaluated)."""
    plain, pooled = explain_json(REACH / "starred_sequential.py")
    for report, middle in ((plain, [keras.layers.LSTM(100), keras.layers.Dense(350, activation="relu")]),
                           (pooled, [keras.layers.LSTM(100, return_sequences=True),
                                     keras.layers.GlobalAveragePooling1D()])):
        built = keras.Sequential([keras.Input((500,)), keras.layers.Embedding(5000, 32), *middle,
                                  keras.layers.Dropout(0.5), keras.layers.Dense(1, activation="sigmoid")])
        assert report["total_params"] == built.count_params()
        assert [(row["class"], row["output_shape"], row["params"]) for row in report["layers"]] == [
            (type(layer).__name__, dims(layer.output), layer.count_params()) for layer in built.layers]
    assert [row["line"] for row in plain["layers"]] == [10, 12, 12, 13, 14]
    assert plain["total_params"] == 160_000 + 53_200 + 35_350 + 351
