"""Differences bench/rebuild.py found between what lstmlint states and what Keras builds, each kept as a model
built in real Keras by the runtime checker: the static output shapes and parameter counts must equal Keras's,
layer by layer, and be known."""

from __future__ import annotations

import importlib.util

import pytest

from lstmlint import shapes
from lstmlint.analyze import analyze_source
from lstmlint.runtime.checker import run_models

# tests/fixtures/fix/legacy.out.py: a GRU reached through tf.compat.v1.keras. Under Keras 2 that is gru_v1.GRU
# (reset_after=False: 2,352 parameters here); on TensorFlow 2.16+ with Keras 3 it is Keras 3's own GRU
# (reset_after=True: 2,400), and lstmlint said 2,352 under both targets.
COMPAT_V1_GRU = """
import tensorflow as tf
from tensorflow import keras

model = keras.Sequential()
model.add(keras.layers.Input(shape=(20, 3)))
model.add(keras.layers.LSTM(32, return_sequences=True))
model.add(tf.compat.v1.keras.layers.GRU(16, return_sequences=True))
model.add(tf.compat.v1.keras.layers.RNN(tf.compat.v1.keras.layers.GRUCell(4)))
model.add(keras.layers.Dense(1))
"""


def static_and_keras(source: str, target: int) -> list[tuple]:
    """(class, static output, static params, Keras output, Keras params) per layer Keras built."""
    model = analyze_source(source, "regression.py").models[0]
    static = shapes.infer(model, target)
    (result,) = run_models([(model, target)], timeout=120)
    assert result.status == "built", (result.reason, result.error)
    rows = []
    for layer, mine, keras in zip(model.layers, static, result.layers):
        if keras is None:
            continue
        rows.append((layer.cls, shapes.dims(mine.output), mine.params, keras.output_shape, keras.params))
    return rows


def assert_equal_and_known(rows: list[tuple]) -> None:
    assert rows
    for cls, out, params, keras_out, keras_params in rows:
        assert (cls, out, params) == (cls, keras_out, keras_params)


def test_compat_v1_gru_under_keras_3_is_keras_3s_gru():
    rows = static_and_keras(COMPAT_V1_GRU, 3)
    assert_equal_and_known(rows)
    assert [params for cls, _, params, _, _ in rows if cls in ("GRU", "RNN")] == [2400, 264]  # reset_after=True


@pytest.mark.slow  # tf_keras's import
@pytest.mark.skipif(importlib.util.find_spec("tf_keras") is None, reason="target 2 is rebuilt with tf_keras")
def test_compat_v1_gru_under_keras_2_keeps_reset_after_false():
    rows = static_and_keras(COMPAT_V1_GRU, 2)
    assert_equal_and_known(rows)
    assert [params for cls, _, params, _, _ in rows if cls in ("GRU", "RNN")] == [2352, 252]  # reset_after=False
