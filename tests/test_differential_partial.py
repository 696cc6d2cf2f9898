"""Differential tests for models that declare no input (lstmlint.shape_partial): a random Sequential that starts
with Embedding and declares no input shape is analysed statically, then built in real Keras 3 and tf_keras on
inputs of several ranks and timesteps. For every input Keras accepts, each parameter count lstmlint states must
equal Keras's, each dim it states must equal Keras's, and a known last axis of an output of unknown rank must be
Keras's last axis. The layers are built from the same spec with the Keras API in this process (the analysed
source is never executed)."""

from __future__ import annotations

import os
import warnings

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lstmlint import shapes
from lstmlint.analyze import analyze_source
from lstmlint.shape_args import dim, dims
from lstmlint.unknown import UNKNOWN

pytestmark = pytest.mark.slow  # many small models built in two Kerases

# The data Keras may be called on: token ids (batch, T) for several T, ids per position (batch, T, 2) (the
# Embedding output is then 4-D, which every 3-D-only layer refuses) and one id per sample (batch,).
INPUTS = [(5,), (9,), (16,), (7, 2), ()]

# Each step: (source text, builder) — the builder makes the same layer with a Keras module's layers.
_RNN_KINDS = ["LSTM", "GRU", "SimpleRNN"]


@st.composite
def specs(draw) -> list[tuple]:
    steps: list[tuple] = [("Embedding", draw(st.integers(3, 40)), draw(st.integers(1, 9)))]
    for _ in range(draw(st.integers(0, 3))):  # layers that take any rank
        steps.append(draw(st.one_of(
            st.tuples(st.just("Dense"), st.integers(1, 8), st.booleans()),
            st.tuples(st.just("Dropout")),
            st.tuples(st.just("Activation")),
            st.tuples(st.just("BatchNormalization"), st.booleans(), st.booleans()),
            st.tuples(st.just("LayerNormalization"), st.booleans(), st.booleans()),
            st.tuples(st.just("Conv1D"), st.integers(1, 6), st.integers(1, 3),
                      st.sampled_from(["valid", "same", "causal"])),
        )))
    three_d = True  # whether a 3-D-only layer may still come (the rank is unknown, or 3)
    for _ in range(draw(st.integers(0, 2))):  # layers Keras builds on 3-D input only, and what may follow
        dense = st.tuples(st.just("Dense"), st.integers(1, 8), st.booleans())
        step = draw(dense if not three_d else st.one_of(
            st.tuples(st.just("RNN"), st.sampled_from(_RNN_KINDS), st.integers(1, 7), st.booleans(),
                      st.booleans()),
            st.tuples(st.just("Bidirectional"), st.sampled_from(_RNN_KINDS), st.integers(1, 5), st.booleans()),
            st.tuples(st.just("SpatialDropout1D")),
            st.tuples(st.sampled_from(["MaxPooling1D", "AveragePooling1D"])),
            st.tuples(st.sampled_from(["GlobalAveragePooling1D", "GlobalMaxPooling1D"])),
            dense,
        ))
        steps.append(step)
        if step[0].startswith("Global") or (step[0] in ("RNN", "Bidirectional") and not step[3]):
            three_d = False
    return steps


def source_of(step: tuple) -> str:
    kind = step[0]
    if kind == "Embedding":
        return f"layers.Embedding({step[1]}, {step[2]})"
    if kind == "Dense":
        return f"layers.Dense({step[1]}, use_bias={step[2]})"
    if kind == "Dropout":
        return "layers.Dropout(0.2)"
    if kind == "Activation":
        return "layers.Activation('tanh')"
    if kind in ("BatchNormalization", "LayerNormalization"):
        return f"layers.{kind}(center={step[1]}, scale={step[2]})"
    if kind == "Conv1D":
        return f"layers.Conv1D({step[1]}, {step[2]}, padding={step[3]!r})"
    if kind == "RNN":
        extra = ", use_bias=False" if step[4] else ""
        return f"layers.{step[1]}({step[2]}, return_sequences={step[3]}{extra})"
    if kind == "Bidirectional":
        return f"layers.Bidirectional(layers.{step[1]}({step[2]}, return_sequences={step[3]}))"
    if kind == "SpatialDropout1D":
        return "layers.SpatialDropout1D(0.1)"
    if kind in ("MaxPooling1D", "AveragePooling1D"):
        return f"layers.{kind}(2)"  # Keras 3.15's AveragePooling1D has no default pool_size (MaxPooling1D: 2)
    return f"layers.{kind}()"


def build_layer(L, step: tuple):
    kind = step[0]
    if kind == "Embedding":
        return L.Embedding(step[1], step[2])
    if kind == "Dense":
        return L.Dense(step[1], use_bias=step[2])
    if kind == "Dropout":
        return L.Dropout(0.2)
    if kind == "Activation":
        return L.Activation("tanh")
    if kind in ("BatchNormalization", "LayerNormalization"):
        return getattr(L, kind)(center=step[1], scale=step[2])
    if kind == "Conv1D":
        return L.Conv1D(step[1], step[2], padding=step[3])
    if kind == "RNN":
        return getattr(L, step[1])(step[2], return_sequences=step[3], use_bias=not step[4])
    if kind == "Bidirectional":
        return L.Bidirectional(getattr(L, step[1])(step[2], return_sequences=step[3]))
    if kind == "SpatialDropout1D":
        return L.SpatialDropout1D(0.1)
    if kind in ("MaxPooling1D", "AveragePooling1D"):
        return getattr(L, kind)(2)
    return getattr(L, kind)()  # the global poolings


def program(spec: list[tuple]) -> str:
    body = ",\n    ".join(source_of(step) for step in spec)
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([\n    {body},\n])\n"


def built(keras, spec: list[tuple], shape: tuple):
    """[(output shape, params)] per layer of the spec, or None when Keras refuses this input."""
    layers = [build_layer(keras.layers, step) for step in spec]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if keras.__name__ == "tf_keras" and spec[0][0] == "Embedding":
                # Keras 2's Embedding declares input_shape=(None,) itself: the Sequential is built when it is
                # made, for (batch, None), whatever data it is later given
                model = keras.Sequential(layers)
                return [([None if d is None else int(d) for d in layer.output.shape], layer.count_params())
                        for layer in model.layers]
            tensor = keras.Input(shape=shape)
            found = []
            for layer in layers:
                tensor = layer(tensor)
                found.append(([None if d is None else int(d) for d in tensor.shape], layer.count_params()))
    except Exception:  # noqa: BLE001 - Keras refusing this input is an answer
        return None
    return found


@pytest.fixture(scope="module")
def kerases():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return {3: pytest.importorskip("keras"), 2: pytest.importorskip("tf_keras")}


def check(kerases, spec: list[tuple]) -> None:
    for target, keras in kerases.items():
        source = program(spec)
        (model,) = analyze_source(source, "partial.py").models
        static = [s for s, layer in zip(shapes.infer(model, target), model.layers) if layer.family != "input"]
        assert len(static) == len(spec), source
        accepted = 0
        for shape in INPUTS:
            keras.backend.clear_session()
            theirs = built(keras, spec, shape)
            if theirs is None:
                continue
            accepted += 1
            for position, (mine, (output, params)) in enumerate(zip(static, theirs)):
                where = f"Keras {target}, input (batch, *{shape}), layer {position} ({spec[position][0]}) of:\n{source}"
                if mine.params is not None:
                    assert mine.params == params, where
                if mine.output is not None:
                    mine_dims = dims(mine.output)
                    assert len(mine_dims) == len(output), where
                    assert all(a is UNKNOWN or a == b for a, b in zip(mine_dims, output)), where
                elif mine.trailing is not None:
                    assert dim(mine.trailing) == output[-1], where
        # every layer of these all-literal programs has its count known, and its output or last axis
        for position, mine in enumerate(static):
            where = f"Keras {target}, layer {position} ({spec[position][0]}) of:\n{source}"
            assert mine.params is not None, where
            assert mine.output is not None or mine.trailing is not None, where
        assert accepted, f"Keras {target} refused every input of:\n{source}"


def test_examples_equal_keras(kerases):
    check(kerases, [("Embedding", 20, 4), ("RNN", "LSTM", 3, False, False), ("Dense", 1, True)])
    check(kerases, [("Embedding", 20, 4), ("Conv1D", 5, 3, "same"), ("MaxPooling1D",),
                    ("Bidirectional", "GRU", 3, True), ("GlobalAveragePooling1D",), ("Dense", 2, False)])
    check(kerases, [("Embedding", 9, 6), ("BatchNormalization", True, False), ("Dense", 3, False),
                    ("SpatialDropout1D",), ("RNN", "SimpleRNN", 2, True, True)])


# no shrinking: each example builds its models in two Kerases, and the message names the program
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=specs())
def test_models_without_input_equal_keras_for_every_input_accepted(kerases, spec):
    check(kerases, spec)
