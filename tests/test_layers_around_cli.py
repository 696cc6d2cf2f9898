"""Issue 11 points 5 and 6 through the real CLI: the reach repros get their model, a layer we cannot model makes
only what follows it unknown and never hides the model, Keras 1 spellings are read for their meaning while LSTM502
still reports them, and Embedding(input_length=) declares the input under target Keras 2. The expected shapes and
counts are Keras's own: each has a twin in tests/test_layers_around.py that rebuilds it in Keras 3 and tf_keras
(TextVectorization -> Embedding -> LSTM, TimeDistributed(Conv2D), UpSampling2D / Conv2D after a recurrent layer)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

REACH = Path(__file__).parent / "fixtures" / "reach"


def _explain(name: str, *extra: str, cwd: Path | None = None) -> list[dict]:
    run = run_cli("explain", "--format", "json", *extra, str(REACH / name), cwd=cwd)
    assert run.code == 0, run.err
    return json.loads(run.out)


def _rows(model: dict) -> list[tuple]:
    """(class, output shape, params); an output shape not known statically as "?" (explain writes it null or "?")."""
    return [(row["class"], "?" if row["output_shape"] in (None, "?") else row["output_shape"], row["params"])
            for row in model["layers"]]


def test_text_vectorization_with_output_sequence_length():
    (model,) = _explain("r09_textvec.py")
    assert _rows(model) == [("InputLayer", [None, 1], 0), ("TextVectorization", [None, 50], 0),
                            ("Embedding", [None, 50, 16], 16000), ("LSTM", [None, 8], 800)]
    assert model["total_params"] == 16800


def test_a_custom_layer_makes_what_follows_unknown_not_what_comes_before():
    (model,) = _explain("r10_custom_layer.py")
    assert _rows(model) == [("InputLayer", [None, 10, 3], 0), ("Scale", "?", None), ("LSTM", "?", None)]
    (model,) = _explain("r17b_two_input_custom.py")
    assert _rows(model) == [("InputLayer", [None, 10, 3], 0), ("InputLayer", [None, 5], 0),
                            ("LSTM", [None, 10, 8], 384), ("CTC", "?", None)]
    assert model["total_params"] is None


def test_lambda_keeps_the_model_and_its_declared_input():
    (model,) = _explain("r08_lambda.py")
    assert [row["class"] for row in model["layers"]] == ["Lambda", "LSTM"]
    assert _rows(model)[1] == ("LSTM", "?", None)


def test_dict_outputs_and_keras1_model_keywords():
    for name in ("r17_dict_outputs.py", "r16_keras1.py"):
        (model,) = _explain(name)
        assert _rows(model) == [("InputLayer", [None, 10, 3], 0), ("LSTM", [None, 8], 384), ("Dense", [None, 1], 9)]
        assert model["total_params"] == 393


def test_upsampling_after_the_recurrent_layers_keeps_the_model_and_lstm501():
    models = _explain("autoencoder_upsampling.py")
    assert [_rows(m) for m in models] == [
        [("Bidirectional", [None, 10, 128], 35328), ("Reshape", [None, 10, 16, 8], 0),
         ("UpSampling2D", [None, 20, 32, 8], 0), ("Conv2D", [None, 18, 30, 1], 73)],
        [("InputLayer", [None, 10, 3], 0), ("Bidirectional", [None, 10, 128], 35328),
         ("Reshape", [None, 10, 16, 8], 0), ("UpSampling2D", [None, 20, 32, 8], 0)],
    ]
    run = run_cli("check", "--no-cache", "--select", "LSTM501", str(REACH / "autoencoder_upsampling.py"))
    assert run.code == 1
    assert [line.split(":")[1] for line in run.out.splitlines() if "LSTM501" in line] == ["4", "10"]


def test_keras1_spellings_are_read_for_their_meaning_and_still_reported():
    sequential, functional = _explain("keras1_spellings.py")
    # LSTM(output_dim=32) on 3 features: 4 * (32 * (3 + 32) + 32); Dense(output_dim=1): 32 + 1
    assert _rows(sequential) == [("LSTM", [None, 32], 4608), ("Dense", [None, 1], 33)]
    # Convolution2D(nb_filter=8, nb_row=3, nb_col=3, border_mode='same', subsample=(2, 2)) per frame
    assert _rows(functional) == [("InputLayer", [None, 5, 16, 16, 1], 0),
                                 ("TimeDistributed", [None, 5, 8, 8, 8], 80),
                                 ("TimeDistributed", [None, 5, 512], 0), ("LSTM", [None, 4], 8272)]
    run = run_cli("check", "--no-cache", "--select", "LSTM502", str(REACH / "keras1_spellings.py"))
    assert [line.split(":")[1] for line in run.out.splitlines() if "LSTM502" in line] == ["4", "5", "7"]


def test_embedding_input_length_declares_the_input_under_target_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lstmlint]\ntarget-keras = 2\n")
    (tmp_path / "emb.py").write_text("from keras.models import Sequential\nfrom keras.layers import Embedding, "
                                     "LSTM, Dense\nmodel = Sequential()\nmodel.add(Embedding(5000, 32, "
                                     "input_length=100))\nmodel.add(LSTM(64))\nmodel.add(Dense(1))\n")
    run = run_cli("explain", "--format", "json", "emb.py", cwd=tmp_path)
    (model,) = json.loads(run.out)
    assert _rows(model) == [("Embedding", [None, 100, 32], 160000), ("LSTM", [None, 64], 24832),
                            ("Dense", [None, 1], 65)]
    (tmp_path / "pyproject.toml").write_text("[tool.lstmlint]\ntarget-keras = 3\n")
    run = run_cli("explain", "--format", "json", "emb.py", cwd=tmp_path)
    (model,) = json.loads(run.out)
    # Keras 3 drops input_length: the timesteps are unknown, and the batch (no input is declared); the counts
    # do not depend on them (the LSTM reads the Embedding's 32 features whatever the data)
    assert _rows(model) == [("Embedding", "?", 160000), ("LSTM", ["?", 64], 24832), ("Dense", ["?", 1], 65)]
