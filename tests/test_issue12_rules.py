"""Issue 12's new rules at their boundaries with the rules that were there: one root cause, one finding."""

from __future__ import annotations

import textwrap

from lstmlint.api import lint_source, rules_for
from lstmlint.config import Config


def _rules(code: str, target: int = 3) -> list[tuple[int, str]]:
    config = Config(select=["ALL"], target_keras=target)
    findings = lint_source(textwrap.dedent(code).lstrip(), "case.py", config, rules_for(config))
    return sorted((f.line, f.rule) for f in findings if f.rule not in ("LSTM204", "LSTM503"))


def test_validation_split_short_batch_is_lstm206_alone():
    """42 samples in batches of 8: without a split LSTM110 reports the remainder; with validation_split=0.2 the
    parts are 33 and 9, and only LSTM206 speaks (LSTM110's remainder of 2 would be wrong)."""
    code = """
        import numpy as np
        import keras
        X = np.zeros((42, 5, 2))
        y = np.zeros((42, 1))
        model = keras.Sequential([keras.Input(batch_shape=(8, 5, 2)), keras.layers.LSTM(4, stateful=True)])
        model.compile("adam", "mse")
        model.fit(X, y, batch_size=8, shuffle=False, validation_split=0.2)
        model.fit(X, y, batch_size=8, shuffle=False)
        model.fit(X[:40], y[:40], batch_size=8, shuffle=False, validation_split=0.2)
    """
    assert _rules(code) == [(7, "LSTM206"), (8, "LSTM110")]  # 40 -> 32 and 8: no short batch


def test_split_arithmetic_is_keras_float_arithmetic():
    """100 * (1 - 0.7) is 30.000000000000004 in floats: Keras trains on 30, and 30 = 3 * 10 is fine."""
    code = """
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(batch_shape=(10, 5, 2)), keras.layers.LSTM(4, stateful=True)])
        model.fit(np.zeros((100, 5, 2)), np.zeros((100, 4)), batch_size=10, shuffle=False, validation_split=0.7)
        model.fit(np.zeros((100, 5, 2)), np.zeros((100, 4)), batch_size=10, shuffle=False, validation_split=0.75)
    """
    assert _rules(code) == [(5, "LSTM206")]  # 25 and 75


def test_flatten_into_recurrent_vs_stacked_without_return_sequences():
    """LSTM -> LSTM is LSTM101's; LSTM -> Dense -> LSTM is LSTM111's, which names the return_sequences way out."""
    code = """
        import keras
        model = keras.Sequential([
            keras.Input(shape=(10, 3)),
            keras.layers.LSTM(8),
            keras.layers.Dropout(0.1),
            keras.layers.LSTM(4),
        ])
        other = keras.Sequential([
            keras.Input(shape=(10, 3)),
            keras.layers.LSTM(8),
            keras.layers.Dense(16),
            keras.layers.LSTM(4),
        ])
    """
    assert _rules(code) == [(4, "LSTM101"), (12, "LSTM111")]
    config = Config(select=["ALL"])
    message = next(f.message for f in lint_source(textwrap.dedent(code).lstrip(), "case.py", config,
                                                  rules_for(config)) if f.rule == "LSTM111")
    assert "set return_sequences=True on LSTM(8)" in message


def test_one_axis_input_on_the_layer_is_lstm105_not_lstm111():
    code = """
        import keras
        model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.LSTM(4)])
        other = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dropout(0.1), keras.layers.LSTM(4)])
    """
    assert _rules(code) == [(2, "LSTM105"), (3, "LSTM111")]


def test_return_state_last_in_sequential_vs_followed_by_a_layer():
    """A next layer is LSTM106's finding; the last layer LSTM114's. Under Keras 3 a Sequential only read by
    predict is legal, under Keras 2 it is refused."""
    code = """
        import numpy as np
        import keras
        a = keras.Sequential([keras.Input(shape=(10, 8)), keras.layers.LSTM(4, return_state=True),
                              keras.layers.Dense(1)])
        b = keras.Sequential([keras.Input(shape=(10, 8)), keras.layers.LSTM(4, return_state=True)])
        out, h, c = b.predict(np.zeros((2, 10, 8)))
    """
    assert _rules(code, 3) == [(3, "LSTM106")]
    assert _rules(code, 2) == [(3, "LSTM106"), (5, "LSTM114")]


def test_horizon_forecast_is_not_a_missing_time_axis():
    """y (N, 12, 1) against Dense(12) is a 12-step forecast (Keras squeezes the 1); against Dense(1) it is not."""
    template = """
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(shape=(24, 3)), keras.layers.LSTM(8), keras.layers.Dense({units})])
        model.compile("adam", "mse")
        model.fit(np.zeros((64, 24, 3)), np.zeros((64, 12, 1)))
    """
    assert _rules(template.format(units=12)) == []
    assert _rules(template.format(units=1)) == [(3, "LSTM112")]
