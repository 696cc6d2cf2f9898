"""Keyword arguments Keras layer constructors accept, per major version.

Two tables, kept apart so that each can be checked against Keras (tests/test_keras_api.py, run
where Keras is installed):

- ``SIGNATURES``: what ``inspect.signature`` shows of each constructor — its parameters, the ones
  that can be given positionally in order, and, where the signature ends in ``**kwargs``, the base
  ``Layer``'s keywords (``LAYER_BASE_K3`` / ``LAYER_BASE_K2``).  The test compares every class,
  keyword and position with the installed Keras 3 and, when ``tf_keras`` is installed, Keras 2.
- ``OVERRIDES_K3`` / ``OVERRIDES_K2``: what a signature cannot show — keywords that ``**kwargs``
  takes beyond the base Layer's (popped with or without a warning, or parameters of an
  intermediate base class), base keywords a class refuses, and constructors whose ``**kwargs``
  never reach the base Layer.  Each entry cites the source line; the test checks that each entry is
  still needed and, by constructing the layer, still true.

``LAYERS`` (what the rules read) is the first table with the second applied: ``k3``/``k2`` hold
every keyword that constructs without a keyword error.  These are keyword *names*: a listed keyword
may still be rejected for its value or for clashing with another (e.g. Input(shape=...,
batch_shape=...)).

Versions and sources: Keras 3 = the keras 3.15.1 wheel (keras-team/keras tag v3.15.1, paths
``keras/src/...``).  Keras 2 = the keras 2.15.0 wheel (the tf.keras of TF 2.15, keras-team/keras
tag v2.15.0, wheel path ``keras/src/X`` = repo path ``keras/X``) and the tf_keras 2.21.0 wheel
(keras-team/tf-keras tag v2.21.0, ``tf_keras/src/...``), which agree except for the tf_keras-only
additions noted per entry (included in ``k2``).  Line numbers are those of these releases.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace


def _s(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _t(words: str) -> tuple[str, ...]:
    return tuple(words.split())


@dataclass(frozen=True)
class LayerSpec:
    """One constructor: in SIGNATURES what its signature shows, in LAYERS with its overrides applied."""

    name: str                       # class name, e.g. "LSTM"
    family: str                     # one of FAMILIES
    positional: tuple[str, ...]     # parameters that can be given positionally, in order (Keras 3 order; Keras 2 order for Keras-2-only classes)
    k3: frozenset[str] | None       # every keyword the Keras 3 constructor accepts; None if the class does not exist in Keras 3
    k2: frozenset[str] | None       # same for Keras 2 (tf.keras 2.15 / tf_keras); None if absent there
    positional_k2: tuple[str, ...] | None = None   # only if the Keras 2 positional order differs


FAMILIES: tuple[str, ...] = (
    "recurrent", "conv-recurrent", "cell", "wrapper", "input", "embedding", "dense",
    "shape-keeping", "time-reducing", "pooling", "conv", "reshape", "merge", "attention", "preprocessing",
)

# Keras 3: Layer.__init__(*, activity_regularizer, trainable, dtype, autocast, name, **kwargs)
# pops input_dim (else input_shape) with a UserWarning and raises
# "ValueError: Unrecognized keyword arguments passed to {cls}: {kwargs}" for anything else
# (K3 keras/src/layers/layer.py:263-297).  input_shape is not popped when input_dim is given,
# so passing both raises.  Subclasses that do not forward **kwargs accept less (see OVERRIDES_K3).
LAYER_BASE_K3: frozenset[str] = _s(
    "activity_regularizer autocast dtype input_dim input_shape name trainable"
)

# Keras 2: Layer.__init__(trainable, name, dtype, dynamic, **kwargs) with allowed_kwargs =
# {input_dim, input_shape, batch_input_shape, batch_size, weights, activity_regularizer,
# autocast, implementation}; anything else raises
# "TypeError: ('Keyword argument not understood:', kw)" (K2 keras/src/engine/base_layer.py:320-340;
# tf_keras/src/engine/base_layer.py:317-328 identical).  So every Keras 2 layer accepts `implementation=`.
LAYER_BASE_K2: frozenset[str] = _s(
    "activity_regularizer autocast batch_input_shape batch_size dtype dynamic "
    "implementation input_dim input_shape name trainable weights"
)

_B3 = LAYER_BASE_K3
_B2 = LAYER_BASE_K2


def _conv_lstm(name: str) -> LayerSpec:
    # ConvLSTM1D, 2D and 3D take the same arguments in both versions; only the rank differs
    return LayerSpec(
        name=name, family='conv-recurrent',
        positional=_t(
            'filters kernel_size strides padding data_format dilation_rate activation '
            'recurrent_activation use_bias kernel_initializer recurrent_initializer '
            'bias_initializer unit_forget_bias kernel_regularizer recurrent_regularizer '
            'bias_regularizer activity_regularizer kernel_constraint recurrent_constraint '
            'bias_constraint dropout recurrent_dropout seed return_sequences return_state '
            'go_backwards stateful'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format '
            'dilation_rate dropout filters go_backwards kernel_constraint kernel_initializer '
            'kernel_regularizer kernel_size padding recurrent_activation recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer return_sequences '
            'return_state seed stateful strides unit_forget_bias use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format '
            'dilation_rate dropout filters go_backwards kernel_constraint kernel_initializer '
            'kernel_regularizer kernel_size padding recurrent_activation recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer return_sequences '
            'return_state stateful strides unit_forget_bias use_bias'
        ),
        positional_k2=_t(
            'filters kernel_size strides padding data_format dilation_rate activation '
            'recurrent_activation use_bias kernel_initializer recurrent_initializer '
            'bias_initializer unit_forget_bias kernel_regularizer recurrent_regularizer '
            'bias_regularizer activity_regularizer kernel_constraint recurrent_constraint '
            'bias_constraint return_sequences return_state go_backwards stateful dropout '
            'recurrent_dropout'
        ),
    )


# What each constructor's signature shows (k3/k2 = its keyword parameters, plus the base Layer's
# keywords when **kwargs reaches Layer.__init__); LAYERS below adds the overrides.
SIGNATURES: dict[str, LayerSpec] = {
    # K3 keras/src/layers/rnn/lstm.py:448; K2 keras/src/layers/rnn/lstm.py:496
    'LSTM': LayerSpec(
        name='LSTM', family='recurrent',
        positional=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer unit_forget_bias kernel_regularizer '
            'recurrent_regularizer bias_regularizer activity_regularizer kernel_constraint '
            'recurrent_constraint bias_constraint dropout recurrent_dropout seed return_sequences '
            'return_state go_backwards stateful unroll use_cudnn'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout go_backwards '
            'kernel_constraint kernel_initializer kernel_regularizer recurrent_activation '
            'recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer '
            'return_sequences return_state seed stateful unit_forget_bias units unroll use_bias '
            'use_cudnn'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout go_backwards '
            'kernel_constraint kernel_initializer kernel_regularizer recurrent_activation '
            'recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer '
            'return_sequences return_state stateful time_major unit_forget_bias units unroll use_bias'
        ),
        positional_k2=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer unit_forget_bias kernel_regularizer '
            'recurrent_regularizer bias_regularizer activity_regularizer kernel_constraint '
            'recurrent_constraint bias_constraint dropout recurrent_dropout return_sequences '
            'return_state go_backwards stateful time_major unroll'
        ),
    ),
    # K3 keras/src/layers/rnn/gru.py:465; K2 keras/src/layers/rnn/gru.py:523
    'GRU': LayerSpec(
        name='GRU', family='recurrent',
        positional=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer '
            'bias_regularizer activity_regularizer kernel_constraint recurrent_constraint '
            'bias_constraint dropout recurrent_dropout seed return_sequences return_state '
            'go_backwards stateful unroll reset_after use_cudnn'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout go_backwards '
            'kernel_constraint kernel_initializer kernel_regularizer recurrent_activation '
            'recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer '
            'reset_after return_sequences return_state seed stateful units unroll use_bias use_cudnn'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout go_backwards '
            'kernel_constraint kernel_initializer kernel_regularizer recurrent_activation '
            'recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer '
            'reset_after return_sequences return_state stateful time_major units unroll use_bias'
        ),
        positional_k2=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer '
            'bias_regularizer activity_regularizer kernel_constraint recurrent_constraint '
            'bias_constraint dropout recurrent_dropout return_sequences return_state go_backwards '
            'stateful unroll time_major reset_after'
        ),
    ),
    # K3 keras/src/layers/rnn/simple_rnn.py:296; K2 keras/src/layers/rnn/simple_rnn.py:341
    # no implementation/recurrent_activation; seed after unroll (K3); no seed in K2
    'SimpleRNN': LayerSpec(
        name='SimpleRNN', family='recurrent',
        positional=_t(
            'units activation use_bias kernel_initializer recurrent_initializer bias_initializer '
            'kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer '
            'kernel_constraint recurrent_constraint bias_constraint dropout recurrent_dropout '
            'return_sequences return_state go_backwards stateful unroll seed'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout go_backwards '
            'kernel_constraint kernel_initializer kernel_regularizer recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer return_sequences '
            'return_state seed stateful units unroll use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout go_backwards '
            'kernel_constraint kernel_initializer kernel_regularizer recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer return_sequences '
            'return_state stateful units unroll use_bias'
        ),
        positional_k2=_t(
            'units activation use_bias kernel_initializer recurrent_initializer bias_initializer '
            'kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer '
            'kernel_constraint recurrent_constraint bias_constraint dropout recurrent_dropout '
            'return_sequences return_state go_backwards stateful unroll'
        ),
    ),
    # K3 keras/src/layers/rnn/rnn.py:174; K2 keras/src/layers/rnn/base_rnn.py:233
    'RNN': LayerSpec(
        name='RNN', family='recurrent',
        positional=_t('cell return_sequences return_state go_backwards stateful unroll zero_output_for_mask'),
        k3=_B3 | _s('cell go_backwards return_sequences return_state stateful unroll zero_output_for_mask'),
        k2=_B2 | _s('cell go_backwards return_sequences return_state stateful time_major unroll'),
        positional_k2=_t('cell return_sequences return_state go_backwards stateful unroll time_major'),
    ),
    # K2 keras/src/layers/rnn/cudnn_lstm.py:74
    # K2 v1-only export (tf.compat.v1.keras.layers)
    'CuDNNLSTM': LayerSpec(
        name='CuDNNLSTM', family='recurrent',
        positional=_t(
            'units kernel_initializer recurrent_initializer bias_initializer unit_forget_bias '
            'kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer '
            'kernel_constraint recurrent_constraint bias_constraint return_sequences return_state '
            'go_backwards stateful'
        ),
        k3=None,
        k2=_B2 | _s(
            'bias_constraint bias_initializer bias_regularizer go_backwards kernel_constraint '
            'kernel_initializer kernel_regularizer recurrent_constraint recurrent_initializer '
            'recurrent_regularizer return_sequences return_state stateful unit_forget_bias units'
        ),
    ),
    # K2 keras/src/layers/rnn/cudnn_gru.py:70
    # K2 v1-only export (tf.compat.v1.keras.layers)
    'CuDNNGRU': LayerSpec(
        name='CuDNNGRU', family='recurrent',
        positional=_t(
            'units kernel_initializer recurrent_initializer bias_initializer kernel_regularizer '
            'recurrent_regularizer bias_regularizer activity_regularizer kernel_constraint '
            'recurrent_constraint bias_constraint return_sequences return_state go_backwards '
            'stateful'
        ),
        k3=None,
        k2=_B2 | _s(
            'bias_constraint bias_initializer bias_regularizer go_backwards kernel_constraint '
            'kernel_initializer kernel_regularizer recurrent_constraint recurrent_initializer '
            'recurrent_regularizer return_sequences return_state stateful units'
        ),
    ),
    # K3 keras/src/layers/rnn/conv_lstm1d.py:123; K2 keras/src/layers/rnn/conv_lstm1d.py:130
    'ConvLSTM1D': _conv_lstm('ConvLSTM1D'),
    # K3 keras/src/layers/rnn/conv_lstm2d.py:123; K2 keras/src/layers/rnn/conv_lstm2d.py:132
    'ConvLSTM2D': _conv_lstm('ConvLSTM2D'),
    # K3 keras/src/layers/rnn/conv_lstm3d.py:122; K2 keras/src/layers/rnn/conv_lstm3d.py:132
    'ConvLSTM3D': _conv_lstm('ConvLSTM3D'),
    # K3 keras/src/layers/rnn/lstm.py:88; K2 keras/src/layers/rnn/lstm.py:122
    'LSTMCell': LayerSpec(
        name='LSTMCell', family='cell',
        positional=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer unit_forget_bias kernel_regularizer '
            'recurrent_regularizer bias_regularizer kernel_constraint recurrent_constraint '
            'bias_constraint dropout recurrent_dropout seed'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout kernel_constraint '
            'kernel_initializer kernel_regularizer recurrent_activation recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer seed unit_forget_bias '
            'units use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout kernel_constraint '
            'kernel_initializer kernel_regularizer recurrent_activation recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer unit_forget_bias units '
            'use_bias'
        ),
        positional_k2=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer unit_forget_bias kernel_regularizer '
            'recurrent_regularizer bias_regularizer kernel_constraint recurrent_constraint '
            'bias_constraint dropout recurrent_dropout'
        ),
    ),
    # K3 keras/src/layers/rnn/gru.py:86; K2 keras/src/layers/rnn/gru.py:118
    'GRUCell': LayerSpec(
        name='GRUCell', family='cell',
        positional=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer '
            'bias_regularizer kernel_constraint recurrent_constraint bias_constraint dropout '
            'recurrent_dropout reset_after seed'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout kernel_constraint '
            'kernel_initializer kernel_regularizer recurrent_activation recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer reset_after seed units '
            'use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout kernel_constraint '
            'kernel_initializer kernel_regularizer recurrent_activation recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer reset_after units use_bias'
        ),
        positional_k2=_t(
            'units activation recurrent_activation use_bias kernel_initializer '
            'recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer '
            'bias_regularizer kernel_constraint recurrent_constraint bias_constraint dropout '
            'recurrent_dropout reset_after'
        ),
    ),
    # K3 keras/src/layers/rnn/simple_rnn.py:79; K2 keras/src/layers/rnn/simple_rnn.py:106
    'SimpleRNNCell': LayerSpec(
        name='SimpleRNNCell', family='cell',
        positional=_t(
            'units activation use_bias kernel_initializer recurrent_initializer bias_initializer '
            'kernel_regularizer recurrent_regularizer bias_regularizer kernel_constraint '
            'recurrent_constraint bias_constraint dropout recurrent_dropout seed'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout '
            'kernel_constraint kernel_initializer kernel_regularizer recurrent_constraint '
            'recurrent_dropout recurrent_initializer recurrent_regularizer seed units use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer dropout kernel_constraint '
            'kernel_initializer kernel_regularizer recurrent_constraint recurrent_dropout '
            'recurrent_initializer recurrent_regularizer units use_bias'
        ),
        positional_k2=_t(
            'units activation use_bias kernel_initializer recurrent_initializer bias_initializer '
            'kernel_regularizer recurrent_regularizer bias_regularizer kernel_constraint '
            'recurrent_constraint bias_constraint dropout recurrent_dropout'
        ),
    ),
    # K3 keras/src/layers/rnn/stacked_rnn_cells.py:34; K2 keras/src/layers/rnn/stacked_rnn_cells.py:60
    'StackedRNNCells': LayerSpec(
        name='StackedRNNCells', family='cell',
        positional=_t('cells'),
        k3=_B3 | _s('cells'),
        k2=_B2 | _s('cells'),
    ),
    # K3 keras/src/layers/rnn/bidirectional.py:86; K2 keras/src/layers/rnn/bidirectional.py:109
    'Bidirectional': LayerSpec(
        name='Bidirectional', family='wrapper',
        positional=_t('layer merge_mode weights backward_layer'),
        k3=_B3 | _s('backward_layer layer merge_mode weights'),
        k2=_B2 | _s('backward_layer layer merge_mode'),
    ),
    # K3 keras/src/layers/rnn/time_distributed.py:47; K2 keras/src/layers/rnn/time_distributed.py:72
    'TimeDistributed': LayerSpec(
        name='TimeDistributed', family='wrapper',
        positional=_t('layer'),
        k3=_B3 | _s('layer'),
        k2=_B2 | _s('layer'),
    ),
    # K3 keras/src/layers/core/input_layer.py:145; K2 keras/src/engine/input_layer.py:295
    # K3: a function without **kwargs (batch_input_shape -> TypeError). ragged/optional were
    # added during 3.x, so the positional order after `sparse` differs in early 3.x releases
    # (unverified).  K2: optional only in tf_keras 2.21 (absent in keras 2.15)
    'Input': LayerSpec(
        name='Input', family='input',
        positional=_t('shape batch_size dtype sparse ragged batch_shape name tensor optional'),
        k3=_s('batch_shape batch_size dtype name optional ragged shape sparse tensor'),
        k2=_s('batch_size dtype name optional ragged shape sparse tensor type_spec'),
        positional_k2=_t('shape batch_size name dtype sparse tensor ragged type_spec optional'),
    ),
    # K3 keras/src/layers/core/input_layer.py:11; K2 keras/src/engine/input_layer.py:103
    # K2: optional only in tf_keras 2.21 (absent in keras 2.15)
    'InputLayer': LayerSpec(
        name='InputLayer', family='input',
        positional=_t('shape batch_size dtype sparse ragged batch_shape input_tensor optional name'),
        k3=_s('batch_shape batch_size dtype input_tensor name optional ragged shape sparse'),
        k2=_s('batch_size dtype input_shape input_tensor name optional ragged sparse type_spec'),
        positional_k2=_t('input_shape batch_size dtype input_tensor sparse name ragged type_spec optional'),
    ),
    # K3 keras/src/layers/core/embedding.py:87; K2 keras/src/layers/core/embedding.py:117
    'Embedding': LayerSpec(
        name='Embedding', family='embedding',
        positional=_t(
            'input_dim output_dim embeddings_initializer embeddings_regularizer '
            'embeddings_constraint mask_zero weights lora_rank lora_alpha quantization_config'
        ),
        k3=_B3 | _s(
            'embeddings_constraint embeddings_initializer embeddings_regularizer lora_alpha lora_rank '
            'mask_zero output_dim quantization_config weights'
        ),
        k2=_B2 | _s(
            'embeddings_constraint embeddings_initializer embeddings_regularizer input_length '
            'mask_zero output_dim sparse'
        ),
        positional_k2=_t(
            'input_dim output_dim embeddings_initializer embeddings_regularizer '
            'activity_regularizer embeddings_constraint mask_zero input_length sparse'
        ),
    ),
    # K3 keras/src/layers/core/dense.py:84; K2 keras/src/layers/core/dense.py:102
    'Dense': LayerSpec(
        name='Dense', family='dense',
        positional=_t(
            'units activation use_bias kernel_initializer bias_initializer kernel_regularizer '
            'bias_regularizer activity_regularizer kernel_constraint bias_constraint lora_rank '
            'lora_alpha quantization_config'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer kernel_constraint '
            'kernel_initializer kernel_regularizer lora_alpha lora_rank quantization_config units '
            'use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer kernel_constraint '
            'kernel_initializer kernel_regularizer units use_bias'
        ),
        positional_k2=_t(
            'units activation use_bias kernel_initializer bias_initializer kernel_regularizer '
            'bias_regularizer activity_regularizer kernel_constraint bias_constraint'
        ),
    ),
    # K3 keras/src/layers/regularization/dropout.py:41; K2 keras/src/layers/regularization/dropout.py:81
    'Dropout': LayerSpec(
        name='Dropout', family='shape-keeping',
        positional=_t('rate noise_shape seed'),
        k3=_B3 | _s('noise_shape rate seed'),
        k2=_B2 | _s('noise_shape rate seed'),
    ),
    # K3 keras/src/layers/regularization/spatial_dropout.py:62; K2 keras/src/layers/regularization/spatial_dropout1d.py:52
    # K3 signature has no **kwargs (spatial_dropout.py:62): trainable/input_shape/... -> TypeError
    'SpatialDropout1D': LayerSpec(
        name='SpatialDropout1D', family='shape-keeping',
        positional=_t('rate seed name dtype'),
        k3=_s('dtype name rate seed'),
        k2=_B2 | _s('rate'),
        positional_k2=_t('rate'),
    ),
    # K3 keras/src/layers/regularization/gaussian_noise.py:28; K2 keras/src/layers/regularization/gaussian_noise.py:57
    'GaussianNoise': LayerSpec(
        name='GaussianNoise', family='shape-keeping',
        positional=_t('stddev seed'),
        k3=_B3 | _s('seed stddev'),
        k2=_B2 | _s('seed stddev'),
    ),
    # K3 keras/src/layers/regularization/gaussian_dropout.py:27; K2 keras/src/layers/regularization/gaussian_dropout.py:55
    'GaussianDropout': LayerSpec(
        name='GaussianDropout', family='shape-keeping',
        positional=_t('rate seed'),
        k3=_B3 | _s('rate seed'),
        k2=_B2 | _s('rate seed'),
    ),
    # K3 keras/src/layers/regularization/alpha_dropout.py:35; K2 keras/src/layers/regularization/alpha_dropout.py:58
    'AlphaDropout': LayerSpec(
        name='AlphaDropout', family='shape-keeping',
        positional=_t('rate noise_shape seed'),
        k3=_B3 | _s('noise_shape rate seed'),
        k2=_B2 | _s('noise_shape rate seed'),
    ),
    # K3 keras/src/layers/normalization/batch_normalization.py:160; K2 keras/src/layers/normalization/batch_normalization.py:1456
    'BatchNormalization': LayerSpec(
        name='BatchNormalization', family='shape-keeping',
        positional=_t(
            'axis momentum epsilon center scale beta_initializer gamma_initializer '
            'moving_mean_initializer moving_variance_initializer beta_regularizer '
            'gamma_regularizer beta_constraint gamma_constraint renorm renorm_clipping '
            'renorm_momentum synchronized'
        ),
        k3=_B3 | _s(
            'axis beta_constraint beta_initializer beta_regularizer center epsilon '
            'gamma_constraint gamma_initializer gamma_regularizer momentum '
            'moving_mean_initializer moving_variance_initializer renorm renorm_clipping '
            'renorm_momentum scale synchronized'
        ),
        k2=_B2 | _s(
            'axis beta_constraint beta_initializer beta_regularizer center epsilon gamma_constraint '
            'gamma_initializer gamma_regularizer momentum moving_mean_initializer '
            'moving_variance_initializer scale synchronized'
        ),
        positional_k2=_t(
            'axis momentum epsilon center scale beta_initializer gamma_initializer '
            'moving_mean_initializer moving_variance_initializer beta_regularizer '
            'gamma_regularizer beta_constraint gamma_constraint synchronized'
        ),
    ),
    # K3 keras/src/layers/normalization/layer_normalization.py:105; K2 keras/src/layers/normalization/layer_normalization.py:156
    'LayerNormalization': LayerSpec(
        name='LayerNormalization', family='shape-keeping',
        positional=_t(
            'axis epsilon center scale beta_initializer gamma_initializer beta_regularizer '
            'gamma_regularizer beta_constraint gamma_constraint'
        ),
        k3=_B3 | _s(
            'axis beta_constraint beta_initializer beta_regularizer center epsilon gamma_constraint '
            'gamma_initializer gamma_regularizer scale'
        ),
        k2=_B2 | _s(
            'axis beta_constraint beta_initializer beta_regularizer center epsilon '
            'gamma_constraint gamma_initializer gamma_regularizer scale'
        ),
    ),
    # K3 keras/src/layers/activations/activation.py:25; K2 keras/src/layers/core/activation.py:53
    'Activation': LayerSpec(
        name='Activation', family='shape-keeping',
        positional=_t('activation'),
        k3=_B3 | _s('activation'),
        k2=_B2 | _s('activation'),
    ),
    # K3 keras/src/layers/activations/relu.py:40; K2 keras/src/layers/activation/relu.py:76
    'ReLU': LayerSpec(
        name='ReLU', family='shape-keeping',
        positional=_t('max_value negative_slope threshold'),
        k3=_B3 | _s('max_value negative_slope threshold'),
        k2=_B2 | _s('max_value negative_slope threshold'),
    ),
    # K3 keras/src/layers/activations/leaky_relu.py:38; K2 keras/src/layers/activation/leaky_relu.py:61
    'LeakyReLU': LayerSpec(
        name='LeakyReLU', family='shape-keeping',
        positional=_t('negative_slope'),
        k3=_B3 | _s('negative_slope'),
        k2=_B2 | _s('alpha'),
        positional_k2=_t('alpha'),
    ),
    # K3 keras/src/layers/activations/prelu.py:34; K2 keras/src/layers/activation/prelu.py:65
    'PReLU': LayerSpec(
        name='PReLU', family='shape-keeping',
        positional=_t('alpha_initializer alpha_regularizer alpha_constraint shared_axes'),
        k3=_B3 | _s('alpha_constraint alpha_initializer alpha_regularizer shared_axes'),
        k2=_B2 | _s('alpha_constraint alpha_initializer alpha_regularizer shared_axes'),
    ),
    # K3 keras/src/layers/activations/elu.py:22; K2 keras/src/layers/activation/elu.py:49
    'ELU': LayerSpec(
        name='ELU', family='shape-keeping',
        positional=_t('alpha'),
        k3=_B3 | _s('alpha'),
        k2=_B2 | _s('alpha'),
    ),
    # K3 keras/src/layers/activations/softmax.py:48; K2 keras/src/layers/activation/softmax.py:83
    # robust_masking only in tf_keras 2.21 (absent in keras 2.15)
    'Softmax': LayerSpec(
        name='Softmax', family='shape-keeping',
        positional=_t('axis'),
        k3=_B3 | _s('axis'),
        k2=_B2 | _s('axis robust_masking'),
        positional_k2=_t('axis robust_masking'),
    ),
    # K3 keras/src/layers/core/masking.py:47; K2 keras/src/layers/core/masking.py:67
    'Masking': LayerSpec(
        name='Masking', family='shape-keeping',
        positional=_t('mask_value'),
        k3=_B3 | _s('mask_value'),
        k2=_B2 | _s('mask_value'),
    ),
    # K3 keras/src/layers/regularization/activity_regularization.py:23; K2 keras/src/layers/regularization/activity_regularization.py:42
    'ActivityRegularization': LayerSpec(
        name='ActivityRegularization', family='shape-keeping',
        positional=_t('l1 l2'),
        k3=_B3 | _s('l1 l2'),
        k2=_B2 | _s('l1 l2'),
    ),
    # K3 keras/src/layers/normalization/unit_normalization.py:27; K2 keras/src/layers/normalization/unit_normalization.py:48
    'UnitNormalization': LayerSpec(
        name='UnitNormalization', family='shape-keeping',
        positional=_t('axis'),
        k3=_B3 | _s('axis'),
        k2=_B2 | _s('axis'),
    ),
    # K3 keras/src/layers/reshaping/flatten.py:36; K2 keras/src/layers/reshaping/flatten.py:64
    'Flatten': LayerSpec(
        name='Flatten', family='time-reducing',
        positional=_t('data_format'),
        k3=_B3 | _s('data_format'),
        k2=_B2 | _s('data_format'),
    ),
    # K3 keras/src/layers/pooling/global_average_pooling1d.py:61; K2 keras/src/layers/pooling/global_average_pooling1d.py:79
    'GlobalAveragePooling1D': LayerSpec(
        name='GlobalAveragePooling1D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format'),
        positional_k2=_t('data_format'),
    ),
    # K3 keras/src/layers/pooling/global_max_pooling1d.py:56; K2 keras/src/layers/pooling/base_global_pooling1d.py:28
    'GlobalMaxPooling1D': LayerSpec(
        name='GlobalMaxPooling1D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_average_pooling1d.py:61; K2 keras/src/layers/pooling/global_average_pooling1d.py:79
    'GlobalAvgPool1D': LayerSpec(
        name='GlobalAvgPool1D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format'),
        positional_k2=_t('data_format'),
    ),
    # K3 keras/src/layers/pooling/global_max_pooling1d.py:56; K2 keras/src/layers/pooling/base_global_pooling1d.py:28
    'GlobalMaxPool1D': LayerSpec(
        name='GlobalMaxPool1D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/max_pooling1d.py:75; K2 keras/src/layers/pooling/max_pooling1d.py:107
    'MaxPooling1D': LayerSpec(
        name='MaxPooling1D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/average_pooling1d.py:74; K2 keras/src/layers/pooling/average_pooling1d.py:128
    'AveragePooling1D': LayerSpec(
        name='AveragePooling1D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/max_pooling1d.py:75; K2 keras/src/layers/pooling/max_pooling1d.py:107
    'MaxPool1D': LayerSpec(
        name='MaxPool1D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/average_pooling1d.py:74; K2 keras/src/layers/pooling/average_pooling1d.py:128
    'AvgPool1D': LayerSpec(
        name='AvgPool1D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/convolutional/conv1d.py:95; K2 keras/src/layers/convolutional/conv1d.py:135
    'Conv1D': LayerSpec(
        name='Conv1D', family='conv',
        positional=_t(
            'filters kernel_size strides padding data_format dilation_rate groups activation '
            'use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer '
            'activity_regularizer kernel_constraint bias_constraint'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
            'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
            'padding strides use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
            'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
            'padding strides use_bias'
        ),
    ),
    # K3 keras/src/layers/convolutional/conv2d.py:98; K2 keras/src/layers/convolutional/conv2d.py:158
    'Conv2D': LayerSpec(
        name='Conv2D', family='conv',
        positional=_t(
            'filters kernel_size strides padding data_format dilation_rate groups activation '
            'use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer '
            'activity_regularizer kernel_constraint bias_constraint'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
            'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
            'padding strides use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
            'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
            'padding strides use_bias'
        ),
    ),
    # K3 keras/src/layers/convolutional/separable_conv1d.py:98; K2 keras/src/layers/convolutional/separable_conv1d.py:123
    'SeparableConv1D': LayerSpec(
        name='SeparableConv1D', family='conv',
        positional=_t(
            'filters kernel_size strides padding data_format dilation_rate depth_multiplier '
            'activation use_bias depthwise_initializer pointwise_initializer bias_initializer '
            'depthwise_regularizer pointwise_regularizer bias_regularizer activity_regularizer '
            'depthwise_constraint pointwise_constraint bias_constraint'
        ),
        k3=_B3 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format '
            'depth_multiplier depthwise_constraint depthwise_initializer depthwise_regularizer '
            'dilation_rate filters kernel_size padding pointwise_constraint pointwise_initializer '
            'pointwise_regularizer strides use_bias'
        ),
        k2=_B2 | _s(
            'activation bias_constraint bias_initializer bias_regularizer data_format '
            'depth_multiplier depthwise_constraint depthwise_initializer depthwise_regularizer '
            'dilation_rate filters kernel_size padding pointwise_constraint pointwise_initializer '
            'pointwise_regularizer strides use_bias'
        ),
    ),
    # K3 keras/src/layers/reshaping/reshape.py:38; K2 keras/src/layers/reshaping/reshape.py:60
    'Reshape': LayerSpec(
        name='Reshape', family='reshape',
        positional=_t('target_shape'),
        k3=_B3 | _s('target_shape'),
        k2=_B2 | _s('target_shape'),
    ),
    # K3 keras/src/layers/reshaping/repeat_vector.py:28; K2 keras/src/layers/reshaping/repeat_vector.py:50
    'RepeatVector': LayerSpec(
        name='RepeatVector', family='reshape',
        positional=_t('n'),
        k3=_B3 | _s('n'),
        k2=_B2 | _s('n'),
    ),
    # K3 keras/src/layers/reshaping/permute.py:35; K2 keras/src/layers/reshaping/permute.py:60
    'Permute': LayerSpec(
        name='Permute', family='reshape',
        positional=_t('dims'),
        k3=_B3 | _s('dims'),
        k2=_B2 | _s('dims'),
    ),
    # K3 keras/src/layers/core/lambda_layer.py:62; K2 keras/src/layers/core/lambda_layer.py:135
    'Lambda': LayerSpec(
        name='Lambda', family='reshape',
        positional=_t('function output_shape mask arguments'),
        k3=_B3 | _s('arguments function mask output_shape'),
        k2=_B2 | _s('arguments function mask output_shape'),
    ),
    # K3 keras/src/layers/reshaping/cropping1d.py:44; K2 keras/src/layers/reshaping/cropping1d.py:64
    'Cropping1D': LayerSpec(
        name='Cropping1D', family='reshape',
        positional=_t('cropping'),
        k3=_B3 | _s('cropping'),
        k2=_B2 | _s('cropping'),
    ),
    # K3 keras/src/layers/reshaping/zero_padding1d.py:68; K2 keras/src/layers/reshaping/zero_padding1d.py:74
    'ZeroPadding1D': LayerSpec(
        name='ZeroPadding1D', family='reshape',
        positional=_t('padding data_format'),
        k3=_B3 | _s('data_format padding'),
        k2=_B2 | _s('padding'),
        positional_k2=_t('padding'),
    ),
    # K3 keras/src/layers/reshaping/up_sampling1d.py:43; K2 keras/src/layers/reshaping/up_sampling1d.py:65
    'UpSampling1D': LayerSpec(
        name='UpSampling1D', family='reshape',
        positional=_t('size'),
        k3=_B3 | _s('size'),
        k2=_B2 | _s('size'),
    ),
    # K3 keras/src/layers/merging/concatenate.py:36; K2 keras/src/layers/merging/concatenate.py:63
    'Concatenate': LayerSpec(
        name='Concatenate', family='merge',
        positional=_t('axis'),
        k3=_B3 | _s('axis'),
        k2=_B2 | _s('axis'),
    ),
    # K3 keras/src/layers/merging/base_merge.py:16; K2 keras/src/layers/merging/base_merge.py:30
    'Add': LayerSpec(
        name='Add', family='merge',
        positional=_t(""),
        k3=_B3,
        k2=_B2,
    ),
    # K3 keras/src/layers/merging/base_merge.py:16; K2 keras/src/layers/merging/base_merge.py:30
    'Multiply': LayerSpec(
        name='Multiply', family='merge',
        positional=_t(""),
        k3=_B3,
        k2=_B2,
    ),
    # K3 keras/src/layers/merging/base_merge.py:16; K2 keras/src/layers/merging/base_merge.py:30
    'Average': LayerSpec(
        name='Average', family='merge',
        positional=_t(""),
        k3=_B3,
        k2=_B2,
    ),
    # K3 keras/src/layers/merging/base_merge.py:16; K2 keras/src/layers/merging/base_merge.py:30
    'Subtract': LayerSpec(
        name='Subtract', family='merge',
        positional=_t(""),
        k3=_B3,
        k2=_B2,
    ),
    # K3 keras/src/layers/merging/base_merge.py:16; K2 keras/src/layers/merging/base_merge.py:30
    'Maximum': LayerSpec(
        name='Maximum', family='merge',
        positional=_t(""),
        k3=_B3,
        k2=_B2,
    ),
    # K3 keras/src/layers/merging/base_merge.py:16; K2 keras/src/layers/merging/base_merge.py:30
    'Minimum': LayerSpec(
        name='Minimum', family='merge',
        positional=_t(""),
        k3=_B3,
        k2=_B2,
    ),
    # K3 keras/src/layers/merging/dot.py:242; K2 keras/src/layers/merging/dot.py:63
    'Dot': LayerSpec(
        name='Dot', family='merge',
        positional=_t('axes normalize'),
        k3=_B3 | _s('axes normalize'),
        k2=_B2 | _s('axes normalize'),
    ),
    # K3 keras/src/layers/attention/attention.py:66; K2 keras/src/layers/attention/attention.py:136
    'Attention': LayerSpec(
        name='Attention', family='attention',
        positional=_t('use_scale score_mode dropout seed'),
        k3=_B3 | _s('dropout score_mode seed use_scale'),
        k2=_B2 | _s('score_mode use_scale'),
        positional_k2=_t('use_scale score_mode'),
    ),
    # K3 keras/src/layers/attention/additive_attention.py:60; K2 keras/src/layers/attention/additive_attention.py:134
    'AdditiveAttention': LayerSpec(
        name='AdditiveAttention', family='attention',
        positional=_t('use_scale dropout'),
        k3=_B3 | _s('dropout use_scale'),
        k2=_B2 | _s('use_scale'),
        positional_k2=_t('use_scale'),
    ),
    # K3 keras/src/layers/attention/multi_head_attention.py:115; K2 keras/src/layers/attention/multi_head_attention.py:234
    # softmax_robust_masking only in tf_keras 2.21 (absent in keras 2.15)
    'MultiHeadAttention': LayerSpec(
        name='MultiHeadAttention', family='attention',
        positional=_t(
            'num_heads key_dim value_dim dropout use_bias output_shape attention_axes '
            'sliding_window flash_attention kernel_initializer bias_initializer '
            'kernel_regularizer bias_regularizer activity_regularizer kernel_constraint '
            'bias_constraint use_gate seed'
        ),
        k3=_B3 | _s(
            'attention_axes bias_constraint bias_initializer bias_regularizer dropout '
            'flash_attention kernel_constraint kernel_initializer kernel_regularizer key_dim '
            'num_heads output_shape seed sliding_window use_bias use_gate value_dim'
        ),
        k2=_B2 | _s(
            'attention_axes bias_constraint bias_initializer bias_regularizer dropout '
            'kernel_constraint kernel_initializer kernel_regularizer key_dim num_heads '
            'output_shape softmax_robust_masking use_bias value_dim'
        ),
        positional_k2=_t(
            'num_heads key_dim value_dim dropout use_bias output_shape attention_axes '
            'kernel_initializer bias_initializer kernel_regularizer bias_regularizer '
            'activity_regularizer kernel_constraint bias_constraint softmax_robust_masking'
        ),
    ),
    # Layers around the recurrent ones (issue 11 point 5): signatures from inspect on the installed Keras 3.15.1
    # and tf_keras 2.21.0 (checked by tests/test_keras_api.py).
    # K3 keras/src/layers/convolutional/conv3d.py:95; K2 tf_keras/src/layers/convolutional/conv3d.py:142
    'Conv3D': LayerSpec(
        name='Conv3D', family='conv',
        positional=_t((
            'filters kernel_size strides padding data_format dilation_rate groups activation use_bias '
            'kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer '
            'kernel_constraint bias_constraint'
        )),
        k3=_B3 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
        k2=_B2 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
    ),
    # K3 keras/src/layers/convolutional/conv1d_transpose.py:101; K2 tf_keras/src/layers/convolutional/conv1d_transpose.py:124
    'Conv1DTranspose': LayerSpec(
        name='Conv1DTranspose', family='conv',
        positional=_t((
            'filters kernel_size strides padding output_padding data_format dilation_rate activation '
            'use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer '
            'activity_regularizer kernel_constraint bias_constraint'
        )),
        k3=_B3 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'output_padding padding strides use_bias'
            )),
        k2=_B2 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'output_padding padding strides use_bias'
            )),
    ),
    # K3 keras/src/layers/convolutional/conv2d_transpose.py:109; K2 tf_keras/src/layers/convolutional/conv2d_transpose.py:150
    'Conv2DTranspose': LayerSpec(
        name='Conv2DTranspose', family='conv',
        positional=_t((
            'filters kernel_size strides padding output_padding data_format dilation_rate activation '
            'use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer '
            'activity_regularizer kernel_constraint bias_constraint'
        )),
        k3=_B3 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'output_padding padding strides use_bias'
            )),
        k2=_B2 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'output_padding padding strides use_bias'
            )),
    ),
    # K3 keras/src/layers/convolutional/conv3d_transpose.py:113; K2 tf_keras/src/layers/convolutional/conv3d_transpose.py:157
    'Conv3DTranspose': LayerSpec(
        name='Conv3DTranspose', family='conv',
        positional=_t((
            'filters kernel_size strides padding data_format output_padding dilation_rate activation '
            'use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer '
            'activity_regularizer kernel_constraint bias_constraint'
        )),
        k3=_B3 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'output_padding padding strides use_bias'
            )),
        k2=_B2 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'output_padding padding strides use_bias'
            )),
        positional_k2=_t((
            'filters kernel_size strides padding output_padding data_format dilation_rate activation '
            'use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer '
            'activity_regularizer kernel_constraint bias_constraint'
        )),
    ),
    # K3 keras/src/layers/convolutional/conv1d.py:95; K2 tf_keras/src/layers/convolutional/conv1d.py:135
    'Convolution1D': LayerSpec(
        name='Convolution1D', family='conv',
        positional=_t((
            'filters kernel_size strides padding data_format dilation_rate groups activation use_bias '
            'kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer '
            'kernel_constraint bias_constraint'
        )),
        k3=_B3 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
        k2=_B2 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
    ),
    # K3 keras/src/layers/convolutional/conv2d.py:98; K2 tf_keras/src/layers/convolutional/conv2d.py:158
    'Convolution2D': LayerSpec(
        name='Convolution2D', family='conv',
        positional=_t((
            'filters kernel_size strides padding data_format dilation_rate groups activation use_bias '
            'kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer '
            'kernel_constraint bias_constraint'
        )),
        k3=_B3 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
        k2=_B2 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
    ),
    # K3 keras/src/layers/convolutional/conv3d.py:95; K2 tf_keras/src/layers/convolutional/conv3d.py:142
    'Convolution3D': LayerSpec(
        name='Convolution3D', family='conv',
        positional=_t((
            'filters kernel_size strides padding data_format dilation_rate groups activation use_bias '
            'kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer '
            'kernel_constraint bias_constraint'
        )),
        k3=_B3 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
        k2=_B2 | _s((
                'activation bias_constraint bias_initializer bias_regularizer data_format dilation_rate '
                'filters groups kernel_constraint kernel_initializer kernel_regularizer kernel_size '
                'padding strides use_bias'
            )),
    ),
    # K3 keras/src/layers/pooling/max_pooling2d.py:91; K2 tf_keras/src/layers/pooling/max_pooling2d.py:152
    'MaxPooling2D': LayerSpec(
        name='MaxPooling2D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/max_pooling3d.py:67; K2 tf_keras/src/layers/pooling/max_pooling3d.py:86
    'MaxPooling3D': LayerSpec(
        name='MaxPooling3D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/average_pooling2d.py:91; K2 tf_keras/src/layers/pooling/average_pooling2d.py:129
    'AveragePooling2D': LayerSpec(
        name='AveragePooling2D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/average_pooling3d.py:67; K2 tf_keras/src/layers/pooling/average_pooling3d.py:86
    'AveragePooling3D': LayerSpec(
        name='AveragePooling3D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/max_pooling2d.py:91; K2 tf_keras/src/layers/pooling/max_pooling2d.py:152
    'MaxPool2D': LayerSpec(
        name='MaxPool2D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/max_pooling3d.py:67; K2 tf_keras/src/layers/pooling/max_pooling3d.py:86
    'MaxPool3D': LayerSpec(
        name='MaxPool3D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/average_pooling2d.py:91; K2 tf_keras/src/layers/pooling/average_pooling2d.py:129
    'AvgPool2D': LayerSpec(
        name='AvgPool2D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/average_pooling3d.py:67; K2 tf_keras/src/layers/pooling/average_pooling3d.py:86
    'AvgPool3D': LayerSpec(
        name='AvgPool3D', family='pooling',
        positional=_t('pool_size strides padding data_format name'),
        k3=_B3 | _s('data_format padding pool_size strides'),
        k2=_B2 | _s('data_format padding pool_size strides'),
        positional_k2=_t('pool_size strides padding data_format'),
    ),
    # K3 keras/src/layers/pooling/global_average_pooling2d.py:57; K2 tf_keras/src/layers/pooling/base_global_pooling2d.py:28
    'GlobalAveragePooling2D': LayerSpec(
        name='GlobalAveragePooling2D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_average_pooling3d.py:58; K2 tf_keras/src/layers/pooling/base_global_pooling3d.py:28
    'GlobalAveragePooling3D': LayerSpec(
        name='GlobalAveragePooling3D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_max_pooling2d.py:57; K2 tf_keras/src/layers/pooling/base_global_pooling2d.py:28
    'GlobalMaxPooling2D': LayerSpec(
        name='GlobalMaxPooling2D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_max_pooling3d.py:58; K2 tf_keras/src/layers/pooling/base_global_pooling3d.py:28
    'GlobalMaxPooling3D': LayerSpec(
        name='GlobalMaxPooling3D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_average_pooling2d.py:57; K2 tf_keras/src/layers/pooling/base_global_pooling2d.py:28
    'GlobalAvgPool2D': LayerSpec(
        name='GlobalAvgPool2D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_average_pooling3d.py:58; K2 tf_keras/src/layers/pooling/base_global_pooling3d.py:28
    'GlobalAvgPool3D': LayerSpec(
        name='GlobalAvgPool3D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_max_pooling2d.py:57; K2 tf_keras/src/layers/pooling/base_global_pooling2d.py:28
    'GlobalMaxPool2D': LayerSpec(
        name='GlobalMaxPool2D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/pooling/global_max_pooling3d.py:58; K2 tf_keras/src/layers/pooling/base_global_pooling3d.py:28
    'GlobalMaxPool3D': LayerSpec(
        name='GlobalMaxPool3D', family='time-reducing',
        positional=_t('data_format keepdims'),
        k3=_B3 | _s('data_format keepdims'),
        k2=_B2 | _s('data_format keepdims'),
    ),
    # K3 keras/src/layers/reshaping/up_sampling2d.py:69; K2 tf_keras/src/layers/reshaping/up_sampling2d.py:91
    'UpSampling2D': LayerSpec(
        name='UpSampling2D', family='reshape',
        positional=_t('size data_format interpolation'),
        k3=_B3 | _s('data_format interpolation size'),
        k2=_B2 | _s('data_format interpolation size'),
    ),
    # K3 keras/src/layers/reshaping/up_sampling3d.py:56; K2 tf_keras/src/layers/reshaping/up_sampling3d.py:76
    'UpSampling3D': LayerSpec(
        name='UpSampling3D', family='reshape',
        positional=_t('size data_format'),
        k3=_B3 | _s('data_format size'),
        k2=_B2 | _s('data_format size'),
    ),
    # K3 keras/src/layers/reshaping/cropping2d.py:56; K2 tf_keras/src/layers/reshaping/cropping2d.py:80
    'Cropping2D': LayerSpec(
        name='Cropping2D', family='reshape',
        positional=_t('cropping data_format'),
        k3=_B3 | _s('cropping data_format'),
        k2=_B2 | _s('cropping data_format'),
    ),
    # K3 keras/src/layers/reshaping/cropping3d.py:59; K2 tf_keras/src/layers/reshaping/cropping3d.py:81
    'Cropping3D': LayerSpec(
        name='Cropping3D', family='reshape',
        positional=_t('cropping data_format'),
        k3=_B3 | _s('cropping data_format'),
        k2=_B2 | _s('cropping data_format'),
    ),
    # K3 keras/src/layers/reshaping/zero_padding2d.py:71; K2 tf_keras/src/layers/reshaping/zero_padding2d.py:97
    'ZeroPadding2D': LayerSpec(
        name='ZeroPadding2D', family='reshape',
        positional=_t('padding data_format'),
        k3=_B3 | _s('data_format padding'),
        k2=_B2 | _s('data_format padding'),
    ),
    # K3 keras/src/layers/reshaping/zero_padding3d.py:60; K2 tf_keras/src/layers/reshaping/zero_padding3d.py:84
    'ZeroPadding3D': LayerSpec(
        name='ZeroPadding3D', family='reshape',
        positional=_t('padding data_format'),
        k3=_B3 | _s('data_format padding'),
        k2=_B2 | _s('data_format padding'),
    ),
    # K3 keras/src/layers/preprocessing/text_vectorization.py:211; K2 tf_keras/src/layers/preprocessing/text_vectorization.py:248
    'TextVectorization': LayerSpec(
        name='TextVectorization', family='preprocessing',
        positional=_t((
            'max_tokens standardize split ngrams output_mode output_sequence_length pad_to_max_tokens '
            'vocabulary idf_weights sparse ragged encoding name'
        )),
        k3=_B3 | _s((
                'encoding idf_weights max_tokens ngrams output_mode output_sequence_length '
                'pad_to_max_tokens ragged sparse split standardize vocabulary'
            )),
        k2=_B2 | _s((
                'encoding idf_weights max_tokens ngrams output_mode output_sequence_length '
                'pad_to_max_tokens ragged sparse split standardize vocabulary'
            )),
        positional_k2=_t((
            'max_tokens standardize split ngrams output_mode output_sequence_length pad_to_max_tokens '
            'vocabulary idf_weights sparse ragged encoding'
        )),
    ),
}



@dataclass(frozen=True)
class Override:
    """What a constructor's ``**kwargs`` does that its signature cannot show."""

    extra: frozenset[str] = frozenset()    # keywords **kwargs takes beyond the base Layer's
    refused: frozenset[str] = frozenset()  # base Layer keywords the class passes itself: giving them raises
    to_layer: bool = True                  # False: **kwargs never reaches the base Layer's keyword check
    ignores_unknown: bool = False          # an unknown keyword is dropped silently instead of raising


def _x(words: str) -> Override:
    return Override(extra=_s(words))


_RNN_K3 = "zero_output_for_mask"           # RNN.__init__ parameter (K3 keras/src/layers/rnn/rnn.py:182)
_RANDOM_K2 = "force_generator rng_type seed"  # BaseRandomLayer.__init__ (tf_keras/src/engine/base_layer.py:3899)

OVERRIDES_K3: dict[str, Override] = {
    # implementation popped silently (keras/src/layers/rnn/lstm.py:497, gru.py:514) and handed to the cell
    'LSTM': _x(f"implementation {_RNN_K3}"),
    'GRU': _x(f"implementation {_RNN_K3}"),
    'SimpleRNN': _x(_RNN_K3),
    # ConvLSTM(ND) -> ConvLSTM -> RNN: unroll and zero_output_for_mask are RNN's (conv_lstm.py:530)
    'ConvLSTM1D': _x(f"unroll {_RNN_K3}"),
    'ConvLSTM2D': _x(f"unroll {_RNN_K3}"),
    'ConvLSTM3D': _x(f"unroll {_RNN_K3}"),
    # implementation popped silently (lstm.py:114, gru.py:112)
    'LSTMCell': _x("implementation"),
    'GRUCell': _x("implementation"),
    # InputLayer calls Layer.__init__(name=name) only, pops input_shape (with a warning) and
    # batch_input_shape, and never checks the rest of **kwargs: anything else is silently IGNORED
    # (keras/src/layers/core/input_layer.py:24-32)
    'InputLayer': Override(extra=_s("batch_input_shape input_shape"), to_layer=False, ignores_unknown=True),
    # popped with "UserWarning: Argument `input_length` is deprecated" (core/embedding.py:121-125)
    'Embedding': _x("input_length"),
    # popped, deprecated (normalization/layer_normalization.py:119)
    'LayerNormalization': _x("rms_scaling"),
    # popped as the deprecated name of negative_slope (activations/leaky_relu.py:39-43)
    'LeakyReLU': _x("alpha"),
    # passes activity_regularizer itself: giving it -> TypeError, multiple values
    # (regularization/activity_regularization.py:24-26)
    'ActivityRegularization': Override(refused=_s("activity_regularizer")),
    # BaseConv.__init__ parameters (convolutional/base_conv.py:109-110)
    'Conv1D': _x("lora_alpha lora_rank"),
    'Conv2D': _x("lora_alpha lora_rank"),
    'Conv3D': _x("lora_alpha lora_rank"),
    'Convolution1D': _x("lora_alpha lora_rank"),
    'Convolution2D': _x("lora_alpha lora_rank"),
    'Convolution3D': _x("lora_alpha lora_rank"),
    # popped (preprocessing/text_vectorization.py:341-344)
    'TextVectorization': _x("has_input_vocabulary vocabulary_size"),
    # forwarded to Attention.__init__ (attention/additive_attention.py:66)
    'AdditiveAttention': _x("score_mode seed"),
}

OVERRIDES_K2: dict[str, Override] = {
    # return_runtime, enable_caching_device popped (tf_keras/src/layers/rnn/lstm.py:526-536,
    # gru.py:553-563); seed etc. from BaseRandomLayer (class LSTM(..., RNN, BaseRandomLayer),
    # lstm.py:383); RNN pops zero_output_for_mask and input_length (rnn/base_rnn.py:261-268)
    'LSTM': _x(f"enable_caching_device input_length return_runtime zero_output_for_mask {_RANDOM_K2}"),
    'GRU': _x(f"enable_caching_device input_length return_runtime zero_output_for_mask {_RANDOM_K2}"),
    # enable_caching_device popped (rnn/simple_rnn.py:375); time_major is an RNN parameter
    'SimpleRNN': _x("enable_caching_device input_length time_major zero_output_for_mask"),
    'RNN': _x("input_length zero_output_for_mask"),
    # _CuDNNRNN -> RNN (rnn/base_cudnn_rnn.py:44-52)
    'CuDNNLSTM': _x("time_major"),
    'CuDNNGRU': _x("time_major"),
    # ConvLSTM(ND) -> ConvLSTM -> ConvRNN -> RNN (rnn/base_conv_rnn.py:125)
    'ConvLSTM1D': _x("input_length time_major unroll zero_output_for_mask"),
    'ConvLSTM2D': _x("input_length time_major unroll zero_output_for_mask"),
    'ConvLSTM3D': _x("input_length time_major unroll zero_output_for_mask"),
    # enable_caching_device popped (lstm.py:150, gru.py:146, simple_rnn.py:132); cells are BaseRandomLayers
    'LSTMCell': _x(f"enable_caching_device {_RANDOM_K2}"),
    'GRUCell': _x(f"enable_caching_device {_RANDOM_K2}"),
    'SimpleRNNCell': _x(f"enable_caching_device {_RANDOM_K2}"),
    # popped (rnn/stacked_rnn_cells.py:78)
    'StackedRNNCells': _x("reverse_state_order"),
    # a function: pops batch_input_shape / batch_shape and rejects the rest
    # ("Unrecognized keyword arguments", engine/input_layer.py:429-452)
    'Input': Override(extra=_s("batch_input_shape batch_shape"), to_layer=False),
    # pops batch_input_shape and rejects the rest (engine/input_layer.py:142-158)
    'InputLayer': Override(extra=_s("batch_input_shape"), to_layer=False),
    # popped (layers/core/embedding.py:155)
    'Embedding': _x("use_one_hot_matmul"),
    # BaseRandomLayer parameters
    'Dropout': _x("force_generator rng_type"),
    'GaussianNoise': _x("force_generator rng_type"),
    'GaussianDropout': _x("force_generator rng_type"),
    'AlphaDropout': _x("force_generator rng_type"),
    # SpatialDropout1D(rate, **kwargs) -> Dropout (regularization/spatial_dropout1d.py:52-53)
    'SpatialDropout1D': _x(f"noise_shape {_RANDOM_K2}"),
    # BatchNormalizationBase.__init__ parameters (normalization/batch_normalization.py:169)
    'BatchNormalization': _x("adjustment fused renorm renorm_clipping renorm_momentum virtual_batch_size"),
    # passes activity_regularizer itself: giving it -> TypeError, multiple values
    'ActivityRegularization': Override(refused=_s("activity_regularizer")),
    # GlobalPooling1D.__init__ parameter (pooling/base_global_pooling1d.py:28)
    'GlobalAveragePooling1D': _x("keepdims"),
    'GlobalAvgPool1D': _x("keepdims"),
    # Conv.__init__ parameters (convolutional/base_conv.py:115; SeparableConv -> Conv)
    'Conv1D': _x("conv_op"),
    'Conv2D': _x("conv_op"),
    'Conv3D': _x("conv_op"),
    'Convolution1D': _x("conv_op"),
    'Convolution2D': _x("conv_op"),
    'Convolution3D': _x("conv_op"),
    # ConvNDTranspose -> ConvND -> Conv: **kwargs reach Conv.__init__'s groups and conv_op
    'Conv1DTranspose': _x("conv_op groups"),
    'Conv2DTranspose': _x("conv_op groups"),
    'Conv3DTranspose': _x("conv_op groups"),
    # popped (preprocessing/text_vectorization.py:377-380)
    'TextVectorization': _x("has_input_vocabulary vocabulary_size"),
    'SeparableConv1D': _x("conv_op groups kernel_constraint kernel_initializer kernel_regularizer"),
    # BaseDenseAttention pops causal with a deprecation warning and takes dropout
    # (attention/base_dense_attention.py:71-79); it is a BaseRandomLayer
    'Attention': _x(f"causal dropout {_RANDOM_K2}"),
    'AdditiveAttention': _x(f"causal dropout {_RANDOM_K2}"),
}


def _accepted(signature: frozenset[str] | None, override: Override | None) -> frozenset[str] | None:
    if signature is None or override is None:
        return signature
    return (signature | override.extra) - override.refused


LAYERS: dict[str, LayerSpec] = {
    name: replace(spec, k3=_accepted(spec.k3, OVERRIDES_K3.get(name)), k2=_accepted(spec.k2, OVERRIDES_K2.get(name)))
    for name, spec in SIGNATURES.items()
}


def spec(name: str) -> LayerSpec | None:
    return LAYERS.get(name)


# A parameter renamed between Keras 2 and 3 with the same meaning: its position reads the same in both.
SAME_MEANING = {("LeakyReLU", "negative_slope"): "alpha", ("InputLayer", "shape"): "input_shape"}


@functools.lru_cache(maxsize=None)  # once per class: read at every layer construction the analyzer sees
def positional_differs(layer_spec: LayerSpec) -> frozenset[str]:
    """The Keras 3 positional parameters whose position binds another parameter in Keras 2 (``LSTM``'s 18th
    positional is ``seed`` in Keras 3, ``return_sequences`` in Keras 2): an argument given there by position
    means one thing or the other depending on the Keras that runs it, which the analysis does not know."""
    old = layer_spec.positional_k2
    if old is None:
        return frozenset()
    differs = set()
    for i, name in enumerate(layer_spec.positional):
        theirs = old[i] if i < len(old) else None  # None: Keras 2 takes no argument there (a TypeError)
        if theirs != name and theirs != SAME_MEANING.get((layer_spec.name, name), name):
            differs.add(name)
    return frozenset(differs)
