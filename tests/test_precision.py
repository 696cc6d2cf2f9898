"""Issue 12 §1–6: findings a Keras user can trust. Each reproduction (tests/fixtures/precision, copied from the
shared repro folder) goes through the real CLI; the JSON output is what a user or a CI job reads."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "precision"


def check(path: Path | str, *options: str) -> list[dict]:
    run = run_cli("check", "--no-cache", "--format", "json", *options, str(path))
    assert run.code in (0, 1), run.err
    return run.json()


def codes(findings: list[dict]) -> list[str]:
    return [f["rule"] for f in findings]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- §2 LSTM301: the same name or expression, not the same number -------------------------------------------


def test_lstm301_quiet_on_equal_named_constants():
    assert "LSTM301" not in codes(check(FIXTURES / "r07_named_constants.py"))


def test_lstm301_quiet_on_one_unit_for_one_step():
    assert "LSTM301" not in codes(check(FIXTURES / "r08_units_one.py"))


def test_lstm301_quiet_on_equal_literals(tmp_path):
    path = write(tmp_path, "equal.py", "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n"
                 "model = Sequential([LSTM(10, input_shape=(10, 3)), Dense(1)])\n")
    assert "LSTM301" not in codes(check(path))


def test_lstm301_fires_on_the_same_name_and_on_a_sequence_length_name(tmp_path):
    path = write(tmp_path, "same.py", "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n"
                 "look_back = 10\nwidth = 10\n"
                 "a = Sequential([LSTM(look_back, input_shape=(look_back, 3)), Dense(1)])\n"
                 "b = Sequential([LSTM(width, input_shape=(look_back, 3)), Dense(1)])\n"
                 "c = Sequential([LSTM(window_size, input_shape=(20, 3)), Dense(1)])\n")
    found = [f for f in check(path) if f["rule"] == "LSTM301"]
    assert [f["line"] for f in found] == [5, 7]
    assert "units=look_back" in found[0]["message"]


# -- §3 LSTM302: a deliberate single step is not a finding -------------------------------------------------


def test_lstm302_quiet_on_the_dimension_shuffle():
    assert "LSTM302" not in codes(check(FIXTURES / "r09_dimension_shuffle.py"))


def test_lstm302_quiet_when_a_reshape_makes_the_single_step(tmp_path):
    path = write(tmp_path, "reshaped.py", "import keras\ninputs = keras.Input(shape=(24,))\n"
                 "x = keras.layers.Reshape((1, 24))(inputs)\nx = keras.layers.LSTM(16)(x)\n"
                 "model = keras.Model(inputs, keras.layers.Dense(1)(x))\n")
    assert "LSTM302" not in codes(check(path))


def test_lstm302_still_fires_on_lags_put_on_the_feature_axis(tmp_path):
    path = write(tmp_path, "lags.py", "import numpy as np\nfrom keras.models import Sequential\n"
                 "from keras.layers import LSTM, Dense\nlook_back = 3\n"
                 "X = np.random.rand(100, look_back).reshape((100, 1, look_back))\n"
                 "model = Sequential()\nmodel.add(LSTM(4, input_shape=(1, look_back)))\nmodel.add(Dense(1))\n"
                 "model.fit(X, np.random.rand(100), epochs=10, batch_size=1)\n")
    found = [f for f in check(path) if f["rule"] == "LSTM302"]
    assert [f["line"] for f in found] == [7]


# -- §4 stateful rules: only on data known to be an array ----------------------------------------------------

STATEFUL = {"LSTM202", "LSTM203", "LSTM110"}


def test_stateful_rules_quiet_on_a_dataset_returned_by_a_helper():
    assert not STATEFUL & set(codes(check(FIXTURES / "r05_dataset_fit.py")))


def test_stateful_rules_quiet_on_a_continuous_stream():
    assert not STATEFUL & set(codes(check(FIXTURES / "r06_stateful_stream.py")))


def test_stateful_rules_fire_on_a_numpy_array_of_unknown_shape(tmp_path):
    path = write(tmp_path, "loaded.py", "import numpy as np\nimport keras\nX = np.load('x.npy')\n"
                 "model = keras.Sequential([keras.Input(batch_shape=(4, 10, 8)), "
                 "keras.layers.LSTM(16, stateful=True), keras.layers.Dense(1)])\n"
                 "model.fit(X[:100], np.load('y.npy'), epochs=3)\n")
    found = {f["rule"]: f for f in check(path)}
    assert {"LSTM202", "LSTM203"} <= set(found)
    assert found["LSTM203"]["message"].endswith("Pass batch_size=4.")


def test_lstm203_names_a_batch_shape_shifted_by_one_axis(tmp_path):
    path = write(tmp_path, "shifted.py", "import numpy as np\nfrom keras.models import Sequential\n"
                 "from keras.layers import LSTM, Dense\nX = np.zeros((2000, 50, 1))\n"
                 "model = Sequential([LSTM(32, stateful=True, batch_input_shape=(50, 1, 1)), Dense(1)])\n"
                 "model.fit(X, np.zeros((2000, 1)), batch_size=1, shuffle=False)\n")
    message = next(f["message"] for f in check(path) if f["rule"] == "LSTM203")
    assert "50 is the data's number of timesteps" in message
    assert "batch_shape=(batch, 50, 1)" in message
    assert "Pass batch_size" not in message


# -- §5 LSTM504: once per file, and only when two distributions really build layers or models --------------


def test_lstm504_quiet_on_an_unused_tf_keras_import():
    assert "LSTM504" not in codes(check(FIXTURES / "r10_unused_tfkeras.py"))


def test_lstm504_fires_once_when_both_distributions_build(tmp_path):
    path = write(tmp_path, "mixed.py", "from tensorflow.keras import Input\nfrom keras.models import Sequential\n"
                 "from keras.layers import Dense\nfrom keras.layers import LSTM\n"
                 "model = Sequential([Input(shape=(10, 3)), LSTM(8), Dense(1)])\n")
    found = [f for f in check(path) if f["rule"] == "LSTM504"]
    assert [f["line"] for f in found] == [2]
    assert "the import at line 1 takes it from tf.keras" in found[0]["message"]
    assert "`Sequential` from keras and `Input` from tf.keras" in found[0]["message"]


def _notebook(tmp_path: Path, cells: list[str]) -> Path:
    import json

    data = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                      for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_lstm504_quiet_on_the_notebook_repro_that_builds_nothing():
    assert check(FIXTURES / "r11_nb_crossref.ipynb") == []


# -- §6 wording ------------------------------------------------------------------------------------------------


def test_notebook_messages_cite_lines_as_the_findings_positions_do(tmp_path):
    # r11_nb_crossref.ipynb, with layers built from both distributions so that LSTM504 cites another line
    path = _notebook(tmp_path, ["# setup\nimport os\nimport numpy as np\n",
                                "import keras\nimport tensorflow as tf\nfrom tensorflow.keras import layers",
                                "model = keras.Sequential([keras.Input(shape=(10, 3)), layers.LSTM(8)])"])
    found = [f for f in check(path) if f["rule"] == "LSTM504"]
    assert [(f["cell"], f["line"]) for f in found] == [(2, 3)]
    assert "the import at line 1 takes it from keras" in found[0]["message"]
    path = _notebook(tmp_path, ["import keras\n", "from tensorflow.keras import layers\n"
                                "model = keras.Sequential([keras.Input(shape=(10, 3)), layers.LSTM(8)])"])
    found = [f for f in check(path) if f["rule"] == "LSTM504"]
    assert [(f["cell"], f["line"]) for f in found] == [(2, 1)]
    assert "the import at cell 1, line 1 takes it from keras" in found[0]["message"]
    text = run_cli("check", "--no-cache", str(path)).out
    assert "nb.ipynb:cell 2:1:1: LSTM504" in text and "cell 1, line 1" in text


def test_lstm104_names_a_trailing_channels_axis_and_its_fix():
    message = next(f["message"] for f in check(FIXTURES / "r14_extra_axis.py") if f["rule"] == "LSTM104")
    assert "one axis too many" in message and "batch axis" not in message
    assert "channels axis" in message and "Pass (buckets, max_len)" in message


def test_lstm104_names_the_batch_size_or_the_whole_array(tmp_path):
    path = write(tmp_path, "batch.py", "import keras\n"
                 "m = keras.Sequential([keras.layers.LSTM(50, input_shape=(32, 10, 3)), keras.layers.Dense(1)])\n")
    message = next(f["message"] for f in check(path) if f["rule"] == "LSTM104")
    assert "32, looks like the batch size" in message and "Pass (10, 3)" in message
    message = next(f["message"] for f in check(FIXTURES / "legacy_keras2.py") if f["rule"] == "LSTM104")
    assert "Pass `X_train.shape[1:]`" in message


def test_lstm502_maps_consume_less_to_implementation():
    message = next(f["message"] for f in check(FIXTURES / "r12_legacy_interface.py") if f["rule"] == "LSTM502")
    assert "consume_less='mem' is implementation=1" in message
    assert "no equivalent" not in message


def test_lstm401_names_only_the_failing_conditions(tmp_path):
    path = write(tmp_path, "cudnn.py", "import keras\n"
                 "a = keras.layers.LSTM(8, activation='relu')\nb = keras.layers.GRU(8, reset_after=False)\n")
    messages = [f["message"] for f in check(path) if f["rule"] == "LSTM401"]
    assert len(messages) == 2
    assert "activation='relu' (cuDNN needs 'tanh')" in messages[0]
    assert "use_bias" not in messages[0] and "reset_after" not in messages[0]
    assert "reset_after=False" in messages[1] and "activation" not in messages[1]


def test_units_keyword_prints_as_the_layer_is_labelled():
    found = check(FIXTURES / "r13_units_kw.py")
    assert found and all("LSTM(50)" in f["message"] and "LSTM()" not in f["message"] for f in found)
    explain = run_cli("explain", str(FIXTURES / "r13_units_kw.py"))
    assert "LSTM(50)" in explain.out and "LSTM()" not in explain.out


# -- §1 cascades: one root cause, one finding ------------------------------------------------------------------

CASCADE = ("import numpy as np\nimport keras\nn = 32\nX = np.zeros((500, 32, 10))\n"
           "model = keras.Sequential([keras.layers.LSTM(n, input_shape=(n, 10, 3)), keras.layers.Dense(1)])\n"
           "model.fit(X, np.zeros((500, 1)))\n")


def test_findings_derived_from_a_blamed_declaration_are_folded_into_it(tmp_path):
    found = check(write(tmp_path, "cascade.py", CASCADE))
    assert "LSTM301" not in codes(found) and "LSTM108" not in codes(found)
    blamer = next(f for f in found if f["rule"] == "LSTM104")
    assert [(n["rule"], n["line"]) for n in blamer["notes"]] == [("LSTM301", 5), ("LSTM108", 6)]
    assert "also makes units=n look like the number of timesteps (LSTM301)" in blamer["message"]
    assert "fix the declaration, not the data (LSTM108, line 6)" in blamer["message"]
    assert blamer["notes"][1]["message"].startswith("fit gets x of shape (500, 32, 10)")


def test_the_legacy_example_gets_no_reshape_the_data_advice():
    found = check(FIXTURES / "legacy_keras2.py")
    assert "LSTM108" not in codes(found)
    blamer = next(f for f in found if f["rule"] == "LSTM104")
    assert [n["rule"] for n in blamer["notes"]] == ["LSTM108"]


def test_a_folded_finding_stands_alone_when_its_blamer_is_silenced(tmp_path):
    path = write(tmp_path, "noqa.py", CASCADE.replace("keras.layers.Dense(1)])\n",
                                                      "keras.layers.Dense(1)])  # noqa: LSTM104\n"))
    assert {"LSTM301", "LSTM108"} <= set(codes(check(path)))
    assert {"LSTM301", "LSTM108"} <= set(codes(check(write(tmp_path, "c.py", CASCADE), "--ignore", "LSTM104")))


def test_a_sequence_length_name_is_a_finding_of_its_own(tmp_path):
    found = check(write(tmp_path, "named.py", CASCADE.replace("n = 32", "timesteps = 32").replace(
        "LSTM(n, input_shape=(n,", "LSTM(timesteps, input_shape=(timesteps,")))
    assert "LSTM301" in codes(found)
    assert [n["rule"] for n in next(f for f in found if f["rule"] == "LSTM104")["notes"]] == ["LSTM108"]


def test_folded_findings_are_sarif_related_locations(tmp_path):
    from test_reporters import assert_valid_sarif

    import json

    run = run_cli("check", "--no-cache", "--format", "sarif", str(write(tmp_path, "cascade.py", CASCADE)))
    log = json.loads(run.out)
    assert_valid_sarif(log)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "LSTM104")
    related = result["relatedLocations"]
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [5, 6]
    assert related[1]["message"]["text"].startswith("LSTM108: fit gets x")
    assert result["properties"]["folded"] == ["LSTM301", "LSTM108"]
    assert not any(r["ruleId"] in ("LSTM301", "LSTM108") for r in log["runs"][0]["results"])


def test_folding_in_a_notebook_cites_the_cells(tmp_path):
    path = _notebook(tmp_path, [CASCADE.rsplit("model.fit", 1)[0], "model.fit(X, np.zeros((500, 1)))"])
    found = check(path)
    blamer = next(f for f in found if f["rule"] == "LSTM104")
    assert (blamer["cell"], blamer["line"]) == (1, 5)
    assert [(n["rule"], n["cell"], n["line"]) for n in blamer["notes"]] == [("LSTM301", 1, 5), ("LSTM108", 2, 1)]
    assert "(LSTM108, cell 2, line 1)" in blamer["message"]


def test_lstm302_quiet_on_step_by_step_generation_with_returned_state(tmp_path):
    # the shape of the corpus's one remaining LSTM302 (a generation model of Deep Learning with Python, ch. 15)
    path = write(tmp_path, "generate.py", "import keras\nfrom keras import layers\n"
                 "inputs = keras.Input(shape=(1,), dtype='int')\nstate = keras.Input(shape=(256,))\n"
                 "x = layers.Embedding(100, 32)(inputs)\n"
                 "x, out = layers.GRU(256, return_state=True)(x, initial_state=state)\n"
                 "model = keras.Model(inputs=(inputs, state), outputs=(layers.Dense(100)(x), out))\n")
    assert "LSTM302" not in codes(check(path))
