"""Shapes and parameter counts of the layers around the recurrent ones (issue 11 point 5), with Keras as the
oracle: every line is analysed statically and rebuilt by the runtime checker in Keras 3 and in tf_keras (Keras 2);
where the static analysis computes a shape or a count, Keras computes the same, and on these all-literal lines the
last layer's shape and every count must be known (the test is not vacuous). Lines Keras refuses must be unknown
at the layer Keras refuses."""

from __future__ import annotations

import importlib.util

import pytest

from lstmlint import shapes
from lstmlint.analyze import analyze_source
from lstmlint.runtime.checker import run_models

SEQ = "keras.Sequential([keras.Input({shape}), {layers}])"


def _seq(shape: str, *layers: str) -> str:
    return SEQ.format(shape=shape, layers=", ".join(layers))


# Each line: every argument combination named in the issue (padding, strides, dilation_rate, data_format, ...).
LEGAL = [
    _seq("(12, 10, 3)", "layers.Conv2D(4, 3)"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, (3, 2), strides=2, padding='same')"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, 3, strides=(2, 3))"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, 3, dilation_rate=2)"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, 3, dilation_rate=(1, 2), padding='same', use_bias=False)"),
    _seq("(12, 10, 4)", "layers.Conv2D(6, 3, groups=2)"),
    _seq("(3, 12, 10)", "layers.Conv2D(4, 3, data_format='channels_first')"),
    _seq("(None, 10, 3)", "layers.Conv2D(4, 3, strides=2)"),
    _seq("(8, 9, 10, 2)", "layers.Conv3D(4, 3)"),
    _seq("(8, 9, 10, 2)", "layers.Conv3D(4, (3, 2, 1), strides=(2, 1, 3), padding='same')"),
    _seq("(8, 9, 10, 2)", "layers.Conv3D(4, 2, dilation_rate=2)"),
    _seq("(10, 3)", "layers.Conv1DTranspose(4, 3)"),
    _seq("(10, 3)", "layers.Conv1DTranspose(4, 3, strides=2, padding='same')"),
    _seq("(10, 3)", "layers.Conv1DTranspose(4, 2, strides=3)"),
    _seq("(10, 3)", "layers.Conv1DTranspose(4, 3, strides=2, output_padding=1)"),
    _seq("(6, 5, 3)", "layers.Conv2DTranspose(4, 3)"),
    _seq("(6, 5, 3)", "layers.Conv2DTranspose(4, (3, 2), strides=2, padding='same')"),
    _seq("(6, 5, 3)", "layers.Conv2DTranspose(4, 3, strides=(2, 3), output_padding=(1, 2), padding='same')"),
    _seq("(6, 5, 3)", "layers.Conv2DTranspose(4, 3, dilation_rate=2)"),
    _seq("(3, 6, 5)", "layers.Conv2DTranspose(4, 3, strides=2, data_format='channels_first')"),
    _seq("(4, 5, 6, 2)", "layers.Conv3DTranspose(3, 2, strides=2)"),
    _seq("(4, 5, 6, 2)", "layers.Conv3DTranspose(3, 3, padding='same', use_bias=False)"),
    _seq("(12, 10, 3)", "layers.MaxPooling2D()"),
    _seq("(12, 10, 3)", "layers.MaxPooling2D((3, 2), strides=2, padding='same')"),
    _seq("(12, 11, 3)", "layers.AveragePooling2D(3, strides=(1, 2))"),
    _seq("(3, 12, 11)", "layers.MaxPooling2D(2, data_format='channels_first')"),
    _seq("(None, 11, 3)", "layers.MaxPool2D(2)"),
    _seq("(8, 9, 10, 2)", "layers.MaxPooling3D()"),
    _seq("(8, 9, 10, 2)", "layers.AveragePooling3D((2, 3, 1), padding='same')"),
    _seq("(8, 9, 10, 2)", "layers.AvgPool3D(2, strides=3)"),
    _seq("(12, 10, 3)", "layers.GlobalAveragePooling2D()"),
    _seq("(12, 10, 3)", "layers.GlobalMaxPooling2D(keepdims=True)"),
    _seq("(3, 12, 10)", "layers.GlobalMaxPool2D(data_format='channels_first')"),
    _seq("(3, 12, 10)", "layers.GlobalAveragePooling2D(data_format='channels_first', keepdims=True)"),
    _seq("(8, 9, 10, 2)", "layers.GlobalAveragePooling3D()"),
    _seq("(8, 9, 10, 2)", "layers.GlobalMaxPooling3D(keepdims=True)"),
    _seq("(6, 5, 3)", "layers.UpSampling2D()"),
    _seq("(6, 5, 3)", "layers.UpSampling2D((3, 2))"),
    _seq("(3, 6, 5)", "layers.UpSampling2D(2, data_format='channels_first')"),
    _seq("(None, 5, 3)", "layers.UpSampling2D(size=(2, 4), interpolation='bilinear')"),
    _seq("(4, 5, 6, 2)", "layers.UpSampling3D()"),
    _seq("(4, 5, 6, 2)", "layers.UpSampling3D((1, 2, 3))"),
    _seq("(10, 3)", "layers.Cropping1D()"),
    _seq("(10, 3)", "layers.Cropping1D((2, 5))"),
    _seq("(10, 3)", "layers.Cropping1D(4)"),
    _seq("(12, 10, 3)", "layers.Cropping2D()"),
    _seq("(12, 10, 3)", "layers.Cropping2D(2)"),
    _seq("(12, 10, 3)", "layers.Cropping2D((1, 3))"),
    _seq("(12, 10, 3)", "layers.Cropping2D(((1, 2), (3, 0)))"),
    _seq("(3, 12, 10)", "layers.Cropping2D(((1, 2), (3, 0)), data_format='channels_first')"),
    _seq("(8, 9, 10, 2)", "layers.Cropping3D()"),
    _seq("(8, 9, 10, 2)", "layers.Cropping3D(((1, 2), (0, 3), 2))"),
    _seq("(12, 10, 3)", "layers.ZeroPadding2D()"),
    _seq("(12, 10, 3)", "layers.ZeroPadding2D((2, 3))"),
    _seq("(12, 10, 3)", "layers.ZeroPadding2D(((1, 0), (2, 3)))"),
    _seq("(3, 12, 10)", "layers.ZeroPadding2D(2, data_format='channels_first')"),
    _seq("(8, 9, 10, 2)", "layers.ZeroPadding3D()"),
    _seq("(8, 9, 10, 2)", "layers.ZeroPadding3D(((1, 0), (2, 3), (0, 4)))"),
    _seq("(10, 3)", "layers.LayerNormalization(epsilon=0.01)"),
    _seq("(10, 3)", "layers.LayerNormalization(scale=False)"),
    _seq("(10, 6, 3)", "layers.TimeDistributed(layers.Conv1D(4, 3))"),
    _seq("(5, 12, 10, 3)", "layers.TimeDistributed(layers.Conv2D(4, 3, padding='same'))",
         "layers.TimeDistributed(layers.MaxPooling2D())", "layers.TimeDistributed(layers.Flatten())",
         "layers.LSTM(8)"),
    # a CNN-LSTM as people write it: Conv2D features per frame, a recurrent layer over the frames
    _seq("(5, 16, 16, 1)", "layers.TimeDistributed(layers.Conv2D(8, 3, activation='relu'))",
         "layers.TimeDistributed(layers.GlobalAveragePooling2D())", "layers.GRU(6)"),
    # an autoencoder that upsamples after its recurrent layers
    _seq("(10, 3)", "layers.Bidirectional(layers.LSTM(8, return_sequences=True))", "layers.Reshape((10, 4, 4))",
         "layers.UpSampling2D()", "layers.Conv2D(1, 3, padding='same')", "layers.Cropping2D(((0, 0), (1, 1)))"),
]
LEGAL_FUNCTIONAL = [
    "q = keras.Input((10, 4)); v = keras.Input((7, 4)); x = layers.Attention()([q, v])",
    "q = keras.Input((10, 4)); v = keras.Input((7, 5)); k = keras.Input((7, 4)); "
    "x = layers.Attention(use_scale=True)([q, v, k])",
    "q = keras.Input((10, 4)); v = keras.Input((7, 4)); x = layers.Attention(score_mode='concat')([q, v])",
    "q = keras.Input((10, 4)); v = keras.Input((7, 4)); x = layers.AdditiveAttention()([q, v])",
    "q = keras.Input((10, 4)); v = keras.Input((7, 6)); k = keras.Input((7, 4)); "
    "x = layers.AdditiveAttention(use_scale=False)([q, v, k])",
    "q = keras.Input((10, 4)); v = keras.Input((7, 6)); x = layers.MultiHeadAttention(2, 3)(q, v)",
    "q = keras.Input((10, 4)); v = keras.Input((7, 6)); k = keras.Input((7, 5)); "
    "x = layers.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=4)(q, v, key=k)",
    "q = keras.Input((10, 4)); v = keras.Input((7, 6)); x = layers.MultiHeadAttention(2, 3, use_bias=False)(q, v)",
    "q = keras.Input((10, 4)); x = layers.MultiHeadAttention(2, 5, dropout=0.1)(query=q, value=q)",
    "q = keras.Input((None, 4)); v = keras.Input((None, 6)); x = layers.MultiHeadAttention(1, 3)(q, v)",
    "q = keras.Input((1,), dtype='string'); x = layers.TextVectorization(max_tokens=100, "
    "output_sequence_length=7)(q)",
    "q = keras.Input((1,), dtype='string'); x = layers.LSTM(3)(layers.Embedding(100, 4)(layers.TextVectorization("
    "100, output_mode='int', output_sequence_length=6)(q)))",
    # a Sequential and a functional model used as layers, TimeDistributed(model)
    "q = keras.Input((10, 4)); inner = keras.Sequential([keras.Input((10, 4)), layers.LSTM(3, return_sequences=True),"
    " layers.Dense(2)]); x = inner(q)",
    "q = keras.Input((10, 4)); inner = keras.Sequential([layers.GRU(3)]); x = layers.Dense(2)(inner(q))",
    "q = keras.Input((6, 4)); i = keras.Input((4,)); inner = keras.Model(i, layers.Dense(3)(i)); "
    "x = layers.TimeDistributed(inner)(q)",
    "q = keras.Input((5, 8, 8, 1)); enc = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3), "
    "layers.Flatten()]); x = layers.LSTM(4)(layers.TimeDistributed(enc)(q))",
    "q = keras.Input((None, 4)); inner = keras.Sequential([keras.Input((None, 4)), layers.LSTM(3)]); "
    "x = layers.Concatenate()([inner(q), inner(q)])",
]
# Values Keras refuses: the static output at the refused layer, and after it, must be unknown.
REFUSED = [
    _seq("(2, 10, 3)", "layers.Conv2D(4, 3)"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, 3, strides=2, dilation_rate=2)"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, 3, padding='causal')"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, (3, 3, 3))"),
    _seq("(12, 10, 3)", "layers.Conv2D(4, 3, groups=2)"),
    _seq("(10, 3)", "layers.Conv2D(4, 3)"),
    _seq("(1, 10, 3)", "layers.MaxPooling2D()"),
    _seq("(10, 3)", "layers.Conv1DTranspose(4, 3, strides=2, output_padding=2)"),
    _seq("(10, 3)", "layers.Cropping1D((5, 5))"),
    _seq("(12, 10, 3)", "layers.Cropping2D(((6, 6), (0, 0)))"),
    _seq("(10, 3)", "layers.UpSampling2D()"),
]


def _program(line: str) -> str:
    head = "import keras\nfrom keras import layers\n"
    if line.startswith("keras."):
        return head + f"model = {line}\n"
    inputs = [part.split(" = ")[0] for part in line.split("; ") if "keras.Input" in part and " = " in part
              and part.split(" = ")[0] in ("q", "v", "k")]
    return head + line.replace("; ", "\n") + f"\nmodel = keras.Model([{', '.join(inputs)}], x)\n"


def _agrees(mine, theirs) -> bool:
    if isinstance(mine, list) and mine and isinstance(mine[0], list):
        return isinstance(theirs, list) and len(mine) == len(theirs) and all(map(_agrees, mine, theirs))
    return isinstance(theirs, list) and mine == theirs


def _check(target: int) -> None:
    legal = [_program(line) for line in LEGAL + LEGAL_FUNCTIONAL]
    refused = [_program(line) for line in REFUSED]
    models = [analyze_source(source, f"case_{i}.py").models[-1] for i, source in enumerate(legal + refused)]
    results = run_models([(model, target) for model in models], timeout=120)
    for source, model, result in zip(legal, models, results):
        assert result.status == "built", (target, source, result.error or result.reason)
        static = shapes.infer(model, target)
        last = model.outputs[0].layer
        assert static[last].output is not None, (target, source)  # not vacuous: the shape is computed
        assert shapes.total_params(model, static) is not None, (target, source)
        for position, (mine, theirs) in enumerate(zip(static, result.layers)):
            if theirs is None:
                continue
            where = f"Keras {target}: layer {position} ({model.layers[position].cls}) of:\n{source}"
            assert mine.output is not None and mine.params is not None, where
            assert _agrees(shapes.dims(mine.output), theirs.output_shape), (where, mine.output, theirs.output_shape)
            assert mine.params == theirs.params, (where, mine.params, theirs.params)
    for source, model, result in zip(refused, models[len(legal):], results[len(legal):]):
        assert result.status == "failed", (target, source, result.status, result.reason)
        static = shapes.infer(model, target)
        index = result.error_layer
        assert index is not None and static[index].output is None, (target, source, index, result.error)
        assert all(s.output is None for s in static[index:]), (target, source)


@pytest.mark.slow
def test_layers_around_the_recurrent_ones_agree_with_keras_3():
    _check(3)


@pytest.mark.slow
def test_layers_around_the_recurrent_ones_agree_with_tf_keras():
    if importlib.util.find_spec("tf_keras") is None:
        pytest.skip("tf_keras is not installed: no Keras 2 to compare with")
    _check(2)


@pytest.mark.slow
def test_embedding_input_length_is_the_input_in_tf_keras():
    """Under target 2, Embedding(input_length=L) as the first layer declares (batch, L): tf_keras builds it so."""
    if importlib.util.find_spec("tf_keras") is None:
        pytest.skip("tf_keras is not installed: no Keras 2 to compare with")
    source = ("import keras\nfrom keras import layers\nmodel = keras.Sequential()\n"
              "model.add(layers.Embedding(50, 4, input_length=7))\nmodel.add(layers.LSTM(3))\n")
    (model,) = analyze_source(source, "emb.py").models
    (result,) = run_models([(model, 2)], timeout=120)
    assert result.status == "built", result.error or result.reason
    static = shapes.infer(model, 2)
    assert [shapes.dims(s.output) for s in static] == [[None, 7], [None, 7, 4], [None, 3]]
    assert [(r.output_shape, r.params) for r in result.layers[1:]] == [([None, 7, 4], 200), ([None, 3], 96)]
    assert [s.params for s in static[1:]] == [200, 96]
