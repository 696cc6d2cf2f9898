"""`lstmlint explain`: shapes, parameter counts and the plain reading of each recurrent layer."""

from __future__ import annotations

import textwrap

from conftest import run_cli
from test_cli import golden, write

SEED = textwrap.dedent(
    """\
    import keras
    model = keras.Sequential([
        keras.Input(shape=(20, 3)),
        keras.layers.LSTM(64),
        keras.layers.Dense(1),
    ])
    """
)


def test_seed_question_is_answered_for_this_layer(tmp_path):
    write(tmp_path, "m.py", SEED)
    run = run_cli("explain", "m.py", cwd=tmp_path)
    assert run.code == 0
    assert (
        "LSTM(64) reads (batch, 20 timesteps, 3 features). 64 is the size of the hidden state h_t and the cell "
        "state c_t at every timestep, not a count of timesteps or of cells. It returns only the last step, shape "
        "(batch, 64), because return_sequences is False. 17,408 parameters = 4 × (64 × (3 + 64) + 64)."
    ) in run.out
    assert "Total params: 17,473" in run.out


def test_one_dim_shapes_print_as_keras_prints_them(tmp_path):
    """A one-dim shape keeps Python's trailing comma in the sentences as in the table: (batch,), not (batch)."""
    write(tmp_path, "m.py", "import keras\nmodel = keras.Sequential([keras.Input(shape=()), keras.layers.LSTM(8)])\n")
    run = run_cli("explain", "m.py", cwd=tmp_path)
    assert "LSTM(8) is fed (batch,), but a recurrent layer reads 3-D (batch, timesteps, features) input." in run.out


def test_json_report_shape(tmp_path):
    write(tmp_path, "m.py", SEED)
    data = run_cli("explain", "m.py", "--format", "json", cwd=tmp_path).json()
    assert len(data) == 1
    (model,) = data
    assert set(model) == {"path", "line", "kind", "layers", "total_params", "runtime"}
    assert (model["path"], model["line"], model["kind"], model["runtime"]) == ("m.py", 2, "sequential", None)
    assert [(l["class"], l["line"], l["output_shape"], l["params"]) for l in model["layers"]] == [
        ("LSTM", 4, [None, 64], 17408),
        ("Dense", 5, [None, 1], 65),
    ]
    assert model["total_params"] == 17473
    assert model["layers"][0]["notes"] and not model["layers"][1]["notes"]


def test_unknown_values_make_shapes_unknown_not_wrong(tmp_path):
    write(tmp_path, "m.py", textwrap.dedent(
        """\
        import keras
        def build(units):
            return keras.Sequential([keras.Input(shape=(20, 3)), keras.layers.GRU(units), keras.layers.Dense(1)])
        """))
    (model,) = run_cli("explain", "m.py", "--format", "json", cwd=tmp_path).json()
    # the batch is dynamic (null), the width not known statically ("?")
    assert [(l["output_shape"], l["params"]) for l in model["layers"]] == [([None, "?"], None), ([None, 1], None)]
    assert model["total_params"] is None


def test_findings_appear_under_their_layer(tmp_path):
    write(tmp_path, "m.py", SEED.replace("keras.layers.LSTM(64),", "keras.layers.LSTM(64), keras.layers.LSTM(8),"))
    (model,) = run_cli("explain", "m.py", "--format", "json", cwd=tmp_path).json()
    assert any(note.startswith("LSTM101 [error]") for note in model["layers"][0]["notes"])


def test_multi_output_shapes_and_models_in_source_order(tmp_path):
    write(tmp_path, "m.py", textwrap.dedent(
        """\
        import keras
        inputs = keras.Input(shape=(None, 8))
        out, h, c = keras.layers.LSTM(4, return_state=True)(inputs)
        encoder = keras.Model(inputs, [out, h, c])
        decoder = keras.Sequential([keras.Input(shape=(5, 4)), keras.layers.Bidirectional(keras.layers.GRU(3), merge_mode=None)])
        """))
    first, second = run_cli("explain", "m.py", "--format", "json", cwd=tmp_path).json()
    assert (first["line"], second["line"]) == (4, 5)
    assert first["layers"][1]["output_shape"] == [[None, 4], [None, 4], [None, 4]]
    assert second["layers"][0]["output_shape"] == [[None, 3], [None, 3]]


def test_examples_explain_golden():
    run = run_cli("explain", "examples")
    assert run.code == 0
    golden("explain.txt", run.out)
