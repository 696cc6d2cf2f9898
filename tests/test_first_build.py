"""LSTM108 on the call a model declaring no input is built on: Keras builds the model for that call's data, and the
first recurrent layer the data reaches refuses its rank (engine/first_build.py). Real files through the real CLI;
the runtime part replays them in Keras."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _check(path: Path, *extra: str):
    run = run_cli("check", "--no-cache", "--format", "json", *extra, str(path))
    assert run.code in (0, 1), run.err
    return json.loads(run.out)


# the mission's first data mistake: windows (samples, timesteps) fed to a model that declares no input
MISSION = """
    import numpy as np
    import keras
    X = np.random.rand(480, 20)
    y = np.random.rand(480, 1)
    model = keras.Sequential([keras.layers.LSTM(16), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(X, y, epochs=5)
"""


def test_two_d_data_building_a_model_without_input_is_reported_on_the_fit(tmp_path):
    path = _write(tmp_path, "mission.py", MISSION)
    run = run_cli("check", "--no-cache", str(path))
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == (
        f"{path}:7:1: LSTM108 [error] fit gets x of shape (480, 20), but the model declares no input, so Keras "
        "builds it on this data and LSTM(16) gets (batch, 20) (expected ndim=3, found ndim=2): a recurrent layer "
        "needs (samples, timesteps, features). Reshape the data, e.g. `x.reshape((samples, timesteps, features))` "
        "or `x[..., np.newaxis]` for one feature per step.")
    assert lines[1:] == ["Found 1 finding (1 error) in 1 file checked."]


def test_explain_and_check_tell_the_same_story(tmp_path):
    path = _write(tmp_path, "mission.py", MISSION)
    explained = run_cli("explain", str(path)).out
    assert "Input: (?, 20), from the data given to fit at line 7" in explained
    assert "is fed (?, 20), but a recurrent layer reads 3-D" in explained


@pytest.mark.parametrize("between, fed", [
    ("keras.layers.Dropout(0.2), keras.layers.Masking(), ", "(batch, 20) after Dropout(0.2), Masking()"),
    ("keras.layers.BatchNormalization(), keras.layers.Activation('relu'), keras.layers.GaussianNoise(0.1), ",
     "(batch, 20) after BatchNormalization(), Activation('relu'), GaussianNoise(0.1)"),
    ("keras.layers.Dense(8), ", "(batch, 8) after Dense(8)"),
])
def test_layers_that_keep_the_rank_lead_the_data_to_the_recurrent_layer(tmp_path, between, fed):
    path = _write(tmp_path, "m.py", f"""
        import numpy as np
        import keras
        model = keras.Sequential([{between}keras.layers.GRU(4)])
        model.predict(np.zeros((100, 20)))
    """)
    found = _check(path)
    assert [(f["rule"], f["line"]) for f in found] == [("LSTM108", 4)]  # not LSTM111 on the GRU as well
    assert f"GRU(4) gets {fed} (expected ndim=3, found ndim=2)" in found[0]["message"]


def test_no_trailing_axis_leniency_and_conv_lstm_ranks(tmp_path):
    path = _write(tmp_path, "m.py", """
        import numpy as np
        from tensorflow import keras
        a = keras.Sequential([keras.layers.LSTM(4)])
        a.predict(np.zeros((100, 20, 3, 1)))
        b = keras.Sequential([keras.layers.ConvLSTM1D(4, 3)])
        b.predict(np.zeros((10, 8, 16)))
    """)
    found = _check(path)
    assert [(f["rule"], f["line"]) for f in found] == [("LSTM108", 4), ("LSTM108", 6)]  # not LSTM107 on line 5
    assert "LSTM(4) gets (batch, 20, 3, 1) (expected ndim=3, found ndim=4)" in found[0]["message"]
    assert "e.g. `x.reshape((samples, timesteps, features))`." in found[0]["message"]  # no newaxis for a 4-D x
    assert "ConvLSTM1D(4) gets (batch, 8, 16) (expected ndim=4, found ndim=3): ConvLSTM1D needs (samples, time, " \
           "steps, channels)" in found[1]["message"]


SILENT = {
    "three_d.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.fit(np.zeros((100, 20, 1)), np.zeros((100, 4)))
    """,
    "declared_input.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(shape=(20, 1)), keras.layers.LSTM(4)])
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "built_first.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.build((None, 20, 1))
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "earlier_call.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.predict(np.zeros((100, 20, 1)))
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "sets_the_rank.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.Reshape((20, 1)), keras.layers.LSTM(4)])
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "unknown_layer.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.Lambda(lambda t: t[..., None]), keras.layers.LSTM(4)])
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "unknown_data.py": """
        import numpy as np
        import keras
        X = np.load("windows.npy")
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.fit(X, np.zeros((100, 4)))
    """,
    # used before the call in ways the analyzer does not follow, each of which may build it on other data
    "called_first.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        model(np.zeros((1, 20, 1)))
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "called_on_a_tensor_first.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        out = model(keras.Input((20, 1)))
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "passed_away_first.py": """
        import numpy as np
        import keras
        from helpers import warm_up
        model = keras.Sequential([keras.layers.LSTM(4)])
        warm_up(model)
        model.fit(np.zeros((100, 20)), np.zeros((100, 4)))
    """,
    "rnn_of_a_cell.py": """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.RNN(keras.layers.LSTMCell(4))])
        model.predict(np.zeros((100, 20)))
    """,
}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_when_not_this_case_or_not_known(tmp_path, name):
    assert not [f for f in _check(_write(tmp_path, name, SILENT[name])) if f["rule"] == "LSTM108"]


def test_flatten_is_blamed_not_the_data(tmp_path):
    """(100, 5, 3) is what an LSTM reads: the Flatten before it removes the time axis (LSTM111), not the data."""
    path = _write(tmp_path, "m.py", """
        import numpy as np
        import keras
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.LSTM(4)])
        model.predict(np.zeros((100, 5, 3)))
    """)
    assert [f["rule"] for f in _check(path)] == ["LSTM111"]


def test_only_the_building_call_is_reported(tmp_path):
    """compile, summary and add before it build nothing; the later calls never run."""
    path = _write(tmp_path, "m.py", """
        import numpy as np
        import keras
        X = np.zeros((100, 20))
        model = keras.Sequential()
        model.add(keras.layers.LSTM(4))
        model.compile("adam", "mse")
        model.summary()
        model.fit(X, np.zeros((100, 4)))
        model.predict(X)
        model.evaluate(X, np.zeros((100, 4)))
    """)
    assert [(f["rule"], f["line"]) for f in _check(path)] == [("LSTM108", 8)]


@pytest.mark.slow
def test_runtime_confirms_it_without_a_keras_build_error_finding(tmp_path):
    pytest.importorskip("tensorflow")
    path = _write(tmp_path, "mission.py", MISSION)
    found = _check(path, "--runtime")
    assert [(f["rule"], f["runtime"]) for f in found] == [("LSTM108", "confirmed")]  # no LSTM900 on the LSTM
    assert ("refuses it: the model built for x (None, 20) fails with: Input 0 with name 'None' of layer 'lstm"
            in found[0]["message"])
    assert "expected ndim=3, found ndim=2" in found[0]["message"]
