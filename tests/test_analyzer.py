"""Behaviour tests for the libcst analyzer: source text in, model IR out.

Each test is a small source string with assertions on the IR (classes, spans, edges, values, calls).
Spans are 1-based line/column of the call start, as editors count them.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from lstmlint.analyze import analyze_source
from lstmlint.ir import Layer, Model, Module, Ref
from lstmlint.shapes import infer


def analyze(src: str) -> Module:
    return analyze_source(textwrap.dedent(src).lstrip("\n"), "x.py")


def only_model(module: Module) -> Model:
    assert len(module.models) == 1, [m.kind for m in module.models]
    return module.models[0]


def classes(model: Model) -> list[str]:
    return [layer.cls for layer in model.layers]


def all_layers(module: Module) -> list[Layer]:
    found = [layer for model in module.models for layer in model.layers] + list(module.loose_layers)
    return [layer for layer in found if not layer.implicit]


def find(module: Module, cls: str) -> Layer:
    hits = [layer for layer in all_layers(module) if layer.cls == cls]
    assert hits, f"no {cls} in {[layer.cls for layer in all_layers(module)]}"
    return hits[0]


def at(layer_or_call) -> tuple[int, int]:
    return layer_or_call.span.line, layer_or_call.span.column


def roundtrip(module: Module) -> Module:
    return Module.from_dict(json.loads(json.dumps(module.to_dict())))


# --------------------------------------------------------------------------- 1. import spellings


SPELLINGS = {
    "keras": ("import keras\nx = keras.layers.LSTM(8)\n", "keras.layers.LSTM", 2, 5),
    "keras-from": ("from keras import layers\nx = layers.LSTM(8)\n", "keras.layers.LSTM", 2, 5),
    "tensorflow.keras": (
        "import tensorflow.keras\nx = tensorflow.keras.layers.LSTM(8)\n", "tensorflow.keras.layers.LSTM", 2, 5),
    "tf.keras": (
        "import tensorflow as tf\nx = tf.keras.layers.LSTM(8)\n", "tensorflow.keras.layers.LSTM", 2, 5),
    "tf_keras": ("import tf_keras\nx = tf_keras.layers.LSTM(8)\n", "tf_keras.layers.LSTM", 2, 5),
    "tf.compat.v1.keras": (
        "import tensorflow as tf\n\nx = tf.compat.v1.keras.layers.LSTM(8)\n",
        "tensorflow.compat.v1.keras.layers.LSTM", 3, 5),
    "from-alias": ("from keras.layers import LSTM as L\nx = L(8)\n", "keras.layers.LSTM", 2, 5),
    "module-alias": (
        "import tensorflow.keras as K\nx = K.layers.LSTM(8)\n", "tensorflow.keras.layers.LSTM", 2, 5),
    "layers-alias": (
        "from tensorflow.keras import layers as kl\nx = kl.LSTM(8)\n", "tensorflow.keras.layers.LSTM", 2, 5),
    "recurrent": ("from keras.layers.recurrent import LSTM\nx = LSTM(8)\n", "keras.layers.recurrent.LSTM", 2, 5),
    "cudnn_recurrent": (
        "from keras.layers.cudnn_recurrent import CuDNNLSTM\n    \nx = CuDNNLSTM(8)\n",
        "keras.layers.cudnn_recurrent.CuDNNLSTM", 3, 5),
    "indented": (
        "import keras\nif True:\n    x = keras.layers.LSTM(8)\n", "keras.layers.LSTM", 3, 9),
    "tf.keras-from-layers": (
        "from tensorflow.keras.layers import LSTM\nx = LSTM(8)\n", "tensorflow.keras.layers.LSTM", 2, 5),
}


@pytest.mark.parametrize("key", sorted(SPELLINGS))
def test_keras_spelling_is_recognised(key):
    src, qualname, line, column = SPELLINGS[key]
    module = analyze_source(src, "x.py")
    assert len(module.loose_layers) == 1
    layer = module.loose_layers[0]
    assert layer.qualname == qualname
    assert layer.cls in ("LSTM", "CuDNNLSTM")
    assert layer.family == "recurrent"
    assert at(layer) == (line, column)
    assert layer.arg("units").const == 8


def test_attribute_chain_span_covers_whole_call_and_callee_span_the_class_name():
    module = analyze("""
        import tensorflow as tf
        model = tf.keras.Sequential([
            tf.keras.layers.LSTM(8, return_sequences=True),
            tf.keras.layers.GRU(4),
        ])
    """)
    model = only_model(module)
    assert classes(model) == ["LSTM", "GRU"]
    lstm, gru = model.layers
    assert lstm.span.line == 3 and lstm.span.column == 5
    assert lstm.span.end_line == 3 and lstm.span.end_column == 5 + len("tf.keras.layers.LSTM(8, return_sequences=True)")
    assert lstm.callee_span.line == 3 and lstm.callee_span.column == 5 + len("tf.keras.layers.")
    assert at(gru) == (4, 5)
    assert at(model) == (2, 9)


def test_imports_are_recorded_with_distribution():
    module = analyze("""
        import keras
        import tensorflow as tf
        from tensorflow.keras.layers import LSTM, GRU
        from tf_keras import layers
        import numpy as np
    """)
    records = [(i.distribution, i.module, i.names, i.span.line) for i in module.imports]
    assert ("keras", "keras", [], 1) in records
    assert ("tf.keras", "tensorflow.keras.layers", ["LSTM", "GRU"], 3) in records
    assert ("tf_keras", "tf_keras", ["layers"], 4) in records
    assert not any(r[1].startswith("numpy") for r in records)


NEGATIVES = {
    "torch": "import torch\nx = torch.nn.LSTM(8, 16)\n",
    "torch-from": "from torch.nn import LSTM\nx = LSTM(8, 16)\n",
    "user-class": "class LSTM:\n    def __init__(self, n):\n        pass\n\nx = LSTM(8)\n",
    # a snippet that never binds `tf` reads it as TensorFlow (issue 11); a module that binds it otherwise does not
    "tf-bound-otherwise": "import mylib as tf\nx = tf.keras.layers.LSTM(8)\nm = tf.keras.Sequential([tf.keras.layers.LSTM(8)])\n",
    "shadowed": "from keras.layers import LSTM\nfrom mylib import MyLSTM\nLSTM = MyLSTM\nx = LSTM(8)\n",
    "string": "import keras\ns = 'keras.layers.LSTM(8)'\nt = \"keras.Sequential([keras.layers.LSTM(4)])\"\n",
    "docstring": 'import keras\n\ndef f():\n    """m = keras.Sequential([keras.layers.LSTM(4)])"""\n    return 1\n',
    "comment": "import keras\n# x = keras.layers.LSTM(8)\n",
    "other-module-named-layers": "import mylib.layers as layers\nx = layers.LSTM(8)\n",
    "unrelated-keras-like": "import kerasx\nx = kerasx.layers.LSTM(8)\n",
}


@pytest.mark.parametrize("key", sorted(NEGATIVES))
def test_non_keras_code_is_never_matched(key):
    module = analyze_source(NEGATIVES[key], "x.py")
    assert module.models == []
    assert [layer for layer in module.loose_layers if layer.cls == "LSTM"] == []


def test_shadowing_only_affects_code_after_the_assignment():
    module = analyze("""
        from keras.layers import LSTM
        a = LSTM(4)
        LSTM = object
        b = LSTM(8)
    """)
    assert [(layer.cls, layer.span.line) for layer in module.loose_layers] == [("LSTM", 2)]


@pytest.mark.parametrize("src", [
    "from keras.layers import LSTM\ndef build(LSTM):\n    return LSTM(4)\n",
    "from keras.layers import LSTM\ndef build(impls):\n    for LSTM in impls:\n        x = LSTM(4)\n",
    "from keras.layers import LSTM\nfor LSTM in impls:\n    x = LSTM(4)\n",
    "import keras\nwith open('f') as keras:\n    x = keras.layers.LSTM(4)\n",
    "from keras.layers import LSTM\ndef f():\n    LSTM = Mine\n    return LSTM(4)\n",
    "import tensorflow as tf\ntf = None\nx = tf.keras.layers.LSTM(4)\n",
])
def test_local_names_shadow_keras_imports(src):
    module = analyze_source(src, "x.py")
    assert module.loose_layers == [] and module.models == []


def test_function_local_shadowing_does_not_leak_to_module_code():
    module = analyze("""
        from keras.layers import LSTM
        def f():
            LSTM = Mine
            return LSTM(4)
        x = LSTM(8)
    """)
    assert [(layer.cls, at(layer), layer.arg("units").const) for layer in module.loose_layers] == [("LSTM", (5, 5), 8)]


def test_import_inside_a_function_is_recognised():
    module = analyze("""
        def build():
            import tensorflow as tf
            return tf.keras.Sequential([tf.keras.layers.LSTM(4)])
    """)
    assert classes(only_model(module)) == ["LSTM"]
    assert at(only_model(module).layers[0]) == (3, 33)


def test_spans_with_tabs_unicode_and_crlf():
    tabs = analyze_source("import keras\nif 1:\n\tx = keras.layers.LSTM(4)\n", "x.py").loose_layers[0]
    uni = analyze_source("import keras\ns = 'éé'; x = keras.layers.LSTM(4)\n", "x.py").loose_layers[0]
    crlf = analyze_source("import keras\r\n\r\nx = keras.layers.LSTM(4)\r\n", "x.py").loose_layers[0]
    assert (at(tabs), at(uni), at(crlf)) == ((3, 6), (2, 15), (3, 5))


def test_model_built_and_used_in_one_chained_expression():
    module = analyze("""
        import keras
        keras.Sequential([keras.layers.LSTM(4, input_shape=(3, 2))]).summary()
    """)
    model = only_model(module)
    assert classes(model) == ["Input", "LSTM"] and at(model.layers[1]) == (2, 19)


# --------------------------------------------------------------------------- 2. layers


def test_recurrent_family_layers_and_their_arguments():
    module = analyze("""
        from keras import layers
        model = keras_model = None
        import keras
        model = keras.Sequential([
            keras.Input(shape=(10, 8)),
            layers.LSTM(16, return_sequences=True, dropout=0.2),
            layers.GRU(8, return_sequences=True, reset_after=False),
            layers.SimpleRNN(4, activation="relu"),
        ])
    """)
    model = only_model(module)
    assert classes(model) == ["Input", "LSTM", "GRU", "SimpleRNN"]
    inp, lstm, gru, rnn = model.layers
    assert inp.family == "input" and not inp.implicit
    assert {layer.family for layer in (lstm, gru, rnn)} == {"recurrent"}
    assert lstm.arg("units").const == 16 and lstm.arg("return_sequences").const is True
    assert lstm.arg("dropout").const == 0.2
    assert lstm.args["units"].keyword is False and lstm.args["dropout"].keyword is True
    assert gru.arg("reset_after").const is False
    assert rnn.arg("activation").const == "relu"
    assert [layer.inputs for layer in model.layers] == [[], [Ref(0)], [Ref(1)], [Ref(2)]]
    assert [at(layer) for layer in model.layers] == [(5, 5), (6, 5), (7, 5), (8, 5)]


def test_rnn_with_single_cell_and_list_of_cells():
    module = analyze("""
        import keras
        from keras.layers import RNN, LSTMCell, GRUCell
        a = RNN(LSTMCell(4))
        b = keras.layers.RNN([LSTMCell(4), GRUCell(6)], return_sequences=True)
        cell = LSTMCell(3)
        c = RNN(cell=cell)
    """)
    rnns = [layer for layer in module.loose_layers if layer.cls == "RNN"]
    assert [at(r) for r in rnns] == [(3, 5), (4, 5), (6, 5)]
    a, b, c = rnns
    assert [(cell.cls, cell.arg("units").const) for cell in a.cells] == [("LSTMCell", 4)]
    assert [(cell.cls, cell.arg("units").const) for cell in b.cells] == [("LSTMCell", 4), ("GRUCell", 6)]
    assert at(b.cells[0]) == (4, 23) and at(b.cells[1]) == (4, 36)
    assert b.arg("return_sequences").const is True
    assert [cell.cls for cell in c.cells] == ["LSTMCell"] and c.cells[0].var == "cell"
    assert all(cell.family == "cell" for r in rnns for cell in r.cells)
    # cells consumed by an RNN are not reported again as loose layers
    assert [layer.cls for layer in module.loose_layers].count("LSTMCell") == 0


def test_wrappers_expose_the_wrapped_layer():
    module = analyze("""
        from tensorflow.keras import layers, Sequential
        model = Sequential([
            layers.Bidirectional(layers.LSTM(8, return_sequences=True), merge_mode="sum", input_shape=(5, 3)),
            layers.TimeDistributed(layers.Dense(2)),
        ])
    """)
    model = only_model(module)
    assert classes(model) == ["Input", "Bidirectional", "TimeDistributed"]
    bi, td = model.layers[1:]
    assert bi.family == "wrapper" and td.family == "wrapper"
    assert bi.wrapped.cls == "LSTM" and bi.wrapped.arg("return_sequences").const is True
    assert at(bi) == (3, 5) and at(bi.wrapped) == (3, 26)
    assert bi.arg("merge_mode").const == "sum"
    assert td.wrapped.cls == "Dense" and at(td.wrapped) == (4, 28)
    assert model.layers[0].implicit and model.layers[0].arg("input_shape").py() == (5, 3)
    assert module.loose_layers == []


def test_wrapper_around_a_named_layer():
    module = analyze("""
        import keras
        inner = keras.layers.GRU(4)
        model = keras.Sequential([keras.Input((3, 2)), keras.layers.Bidirectional(inner)])
    """)
    bi = only_model(module).layers[1]
    assert bi.wrapped.cls == "GRU" and bi.wrapped.var == "inner" and at(bi.wrapped) == (2, 9)
    assert module.loose_layers == []


@pytest.mark.parametrize("cls", ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"])
def test_conv_lstm_layers(cls):
    module = analyze(f"""
        from keras import layers
        x = layers.{cls}(4, 3, padding="same", return_sequences=True)
    """)
    (layer,) = module.loose_layers
    assert layer.cls == cls and layer.family == "conv-recurrent"
    assert layer.arg("filters").const == 4 and layer.arg("kernel_size").const == 3
    assert layer.arg("padding").const == "same"
    assert at(layer) == (2, 5)


@pytest.mark.parametrize("cls", ["CuDNNLSTM", "CuDNNGRU"])
def test_cudnn_layers(cls):
    module = analyze(f"""
        import tensorflow as tf
        x = tf.compat.v1.keras.layers.{cls}(32, return_sequences=True)
    """)
    (layer,) = module.loose_layers
    assert layer.cls == cls and layer.family == "recurrent"
    assert layer.qualname == f"tensorflow.compat.v1.keras.layers.{cls}"
    assert layer.arg("units").const == 32
    assert layer.callee_span.column == 5 + len("tf.compat.v1.keras.layers.")


COMPANIONS = [
    ("Dense", "3"),
    ("Dropout", "0.5"),
    ("Embedding", "100, 8"),
    ("Flatten", ""),
    ("GlobalAveragePooling1D", ""),
    ("Conv1D", "8, 3"),
    ("BatchNormalization", ""),
    ("Reshape", "(2, 2)"),
    ("RepeatVector", "3"),
    ("Concatenate", ""),
    ("Masking", "mask_value=0.0"),
    ("Activation", "'relu'"),
]


@pytest.mark.parametrize("cls,args", COMPANIONS)
def test_companion_layers_are_recognised(cls, args):
    module = analyze(f"""
        from tensorflow import keras
        x = keras.layers.{cls}({args})
    """)
    (layer,) = module.loose_layers
    assert layer.cls == cls and layer.qualname == f"tensorflow.keras.layers.{cls}"
    assert at(layer) == (2, 5)


def test_input_layer_is_an_input_node_not_a_loose_layer():
    module = analyze("""
        from tensorflow import keras
        loose = keras.layers.InputLayer(shape=(4,))
        model = keras.Sequential([keras.layers.InputLayer(input_shape=(3, 2)), keras.layers.LSTM(2)])
    """)
    assert module.loose_layers == []
    first = only_model(module).layers[0]
    assert first.cls == "InputLayer" and first.family == "input" and not first.implicit
    assert first.qualname == "tensorflow.keras.layers.InputLayer" and at(first) == (3, 27)


def test_embedding_input_dim_is_not_an_input_spec():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.Embedding(1000, 16), keras.layers.LSTM(4)])
        other = keras.Sequential([keras.layers.Embedding(input_dim=50, output_dim=8, input_shape=(12,))])
    """)
    first, second = module.models
    assert classes(first) == ["Embedding", "LSTM"]
    assert classes(second) == ["Input", "Embedding"]
    assert set(second.layers[0].args) == {"input_shape"}


def test_companion_layer_arguments():
    module = analyze("""
        from keras.layers import Dense, Dropout, Embedding, Conv1D, Reshape, RepeatVector, Masking
        layers = [Dense(3, activation="softmax"), Dropout(0.5), Embedding(100, 8, mask_zero=True),
                  Conv1D(8, 3, strides=2), Reshape((2, 2)), RepeatVector(3), Masking(mask_value=0.0)]
    """)
    by = {layer.cls: layer for layer in module.loose_layers}
    assert by["Dense"].arg("units").const == 3 and by["Dense"].arg("activation").const == "softmax"
    assert by["Dropout"].arg("rate").const == 0.5
    assert by["Embedding"].arg("input_dim").const == 100 and by["Embedding"].arg("output_dim").const == 8
    assert by["Embedding"].arg("mask_zero").const is True
    assert by["Conv1D"].arg("filters").const == 8 and by["Conv1D"].arg("kernel_size").const == 3
    assert by["Reshape"].arg("target_shape").py() == (2, 2)
    assert by["RepeatVector"].arg("n").const == 3
    assert by["Masking"].arg("mask_value").const == 0.0
    assert at(by["Embedding"]) == (2, 57)
    assert at(by["Conv1D"]) == (3, 11)


# --------------------------------------------------------------------------- 3. model forms


def test_sequential_list():
    module = analyze("""
        import keras
        from keras import layers
        model = keras.Sequential(
            [layers.Embedding(1000, 16), layers.LSTM(32), layers.Dense(1, activation="sigmoid")],
            name="clf",
        )
    """)
    model = only_model(module)
    assert model.kind == "sequential" and model.var == "model" and model.complete
    assert classes(model) == ["Embedding", "LSTM", "Dense"]
    assert model.outputs == [Ref(2)]
    assert [layer.inputs for layer in model.layers] == [[], [Ref(0)], [Ref(1)]]
    assert at(model) == (3, 9)
    assert [at(layer) for layer in model.layers] == [(4, 6), (4, 34), (4, 51)]


def test_sequential_layers_keyword_and_tuple():
    module = analyze("""
        from keras.models import Sequential
        from keras.layers import LSTM, Dense
        model = Sequential(layers=(LSTM(4), Dense(1)))
    """)
    assert classes(only_model(module)) == ["LSTM", "Dense"]


def test_sequential_add_in_straight_line_code():
    module = analyze("""
        from keras.models import Sequential
        from keras.layers import LSTM, Dense, Dropout
        model = Sequential()
        model.add(LSTM(64, return_sequences=True, input_shape=(30, 5)))
        model.add(Dropout(0.2))
        lstm = LSTM(32)
        model.add(lstm)
        model.add(Dense(1))
        model.compile(loss="mse")
    """)
    model = only_model(module)
    assert model.complete
    assert classes(model) == ["Input", "LSTM", "Dropout", "LSTM", "Dense"]
    assert model.layers[0].implicit and model.layers[0].declared_by == "recurrent"
    assert [at(layer) for layer in model.layers[1:]] == [(4, 11), (5, 11), (6, 8), (8, 11)]
    assert model.layers[3].var == "lstm"
    assert model.outputs == [Ref(4)]
    assert [layer.inputs for layer in model.layers] == [[], [Ref(0)], [Ref(1)], [Ref(2)], [Ref(3)]]
    assert module.loose_layers == []


@pytest.mark.parametrize("control", [
    # a loop over values not known (a loop of known iterations is unrolled: tests/test_reach_inmodel.py)
    "for units in widths:\n    model.add(LSTM(units, return_sequences=True))\n",
    "for units in (8, 4):\n    if units > 4:\n        break\n    model.add(LSTM(units, return_sequences=True))\n",
    "if deep:\n    model.add(LSTM(8, return_sequences=True))\n",
    "while n:\n    model.add(LSTM(8))\n",
])
def test_sequential_add_under_control_flow_marks_model_incomplete(control):
    src = "from keras import Sequential\nfrom keras.layers import LSTM, Dense\nmodel = Sequential()\n"
    src += control + "model.add(Dense(1))\n"
    model = only_model(analyze_source(src, "x.py"))
    assert model.complete is False
    assert model.layers[-1].cls == "Dense"


def test_sequential_built_in_function_at_same_depth_is_complete():
    module = analyze("""
        import keras
        def build_model(n):
            model = keras.Sequential()
            model.add(keras.layers.LSTM(8, input_shape=(10, 4)))
            model.add(keras.layers.Dense(1))
            return model
    """)
    model = only_model(module)
    assert model.complete
    assert classes(model) == ["Input", "LSTM", "Dense"]


def test_functional_through_variable_names():
    module = analyze("""
        import keras
        from keras import layers
        inputs = keras.Input(shape=(20, 3))
        x = layers.LSTM(16, return_sequences=True)(inputs)
        x = layers.LSTM(8)(x)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
    """)
    model = only_model(module)
    assert model.kind == "functional" and model.var == "model" and model.complete
    assert classes(model) == ["Input", "LSTM", "LSTM", "Dense"]
    assert [layer.inputs for layer in model.layers] == [[], [Ref(0)], [Ref(1)], [Ref(2)]]
    assert model.outputs == [Ref(3)]
    assert [at(layer) for layer in model.layers] == [(3, 10), (4, 5), (5, 5), (6, 11)]
    assert at(model) == (7, 9)
    assert model.layers[0].arg("shape").py() == (20, 3)


def test_functional_nested_calls_and_keyword_model_args():
    module = analyze("""
        from tensorflow.keras.layers import Input, LSTM, Dense
        from tensorflow.keras.models import Model
        inp = Input((10, 4))
        model = Model(inputs=inp, outputs=Dense(1)(LSTM(8)(inp)))
    """)
    model = only_model(module)
    assert model.kind == "functional" and model.complete
    assert classes(model) == ["Input", "LSTM", "Dense"]
    assert model.layers[2].inputs == [Ref(1)] and model.layers[1].inputs == [Ref(0)]
    assert at(model.layers[1]) == (4, 44) and at(model.layers[2]) == (4, 35)


def test_functional_return_state_unpacking():
    module = analyze("""
        import keras
        from keras.layers import Input, LSTM, Dense, Concatenate
        inp = Input(shape=(7, 2))
        out, h, c = LSTM(4, return_state=True)(inp)
        merged = Concatenate()([out, h, c])
        model = keras.Model(inp, Dense(1)(merged))
    """)
    model = only_model(module)
    assert classes(model) == ["Input", "LSTM", "Concatenate", "Dense"]
    assert model.layers[2].inputs == [Ref(1, 0), Ref(1, 1), Ref(1, 2)]
    assert model.layers[1].arg("return_state").const is True


def test_functional_return_state_by_subscript():
    module = analyze("""
        import keras
        inp = keras.Input(shape=(7, 2))
        states = keras.layers.GRU(4, return_state=True)(inp)
        model = keras.Model(inp, keras.layers.Dense(1)(states[1]))
    """)
    model = only_model(module)
    assert model.layers[-1].inputs == [Ref(1, 1)]


def test_functional_multiple_inputs_and_concatenate():
    module = analyze("""
        from keras import Input, Model, layers
        a = Input(shape=(10, 3), name="a")
        b = Input(shape=(4,), name="b")
        x = layers.LSTM(8)(a)
        y = layers.Dense(8)(b)
        z = layers.Concatenate(axis=-1)([x, y])
        z2 = layers.concatenate([x, y])
        model = Model(inputs=[a, b], outputs=[layers.Dense(1)(z), z2])
    """)
    model = only_model(module)
    assert model.complete
    assert classes(model) == ["Input", "Input", "LSTM", "Dense", "Concatenate", "Concatenate", "Dense"]
    assert model.layers[4].inputs == [Ref(2), Ref(3)]
    assert model.layers[5].inputs == [Ref(2), Ref(3)]
    assert model.layers[6].inputs == [Ref(4)]
    assert sorted((r.layer, r.index) for r in model.outputs) == [(5, None), (6, None)]
    assert [at(layer) for layer in model.layers[:2]] == [(2, 5), (3, 5)]


def test_functional_shared_layer_instance():
    module = analyze("""
        import keras
        shared = keras.layers.LSTM(4)
        a = keras.Input((3, 2))
        b = keras.Input((3, 2))
        model = keras.Model([a, b], keras.layers.add([shared(a), shared(b)]))
    """)
    model = only_model(module)
    assert classes(model) == ["Input", "Input", "LSTM", "LSTM", "Add"]
    assert model.layers[2].inputs == [Ref(0)] and model.layers[3].inputs == [Ref(1)]
    assert model.layers[2].var == "shared" and at(model.layers[2]) == (2, 10)
    assert module.loose_layers == []


def test_functional_unknown_input_marks_incomplete():
    module = analyze("""
        import keras
        def make(inp):
            x = keras.layers.LSTM(4)(inp)
            return keras.Model(inp, x)
    """)
    model = only_model(module)
    assert model.complete is False
    assert "LSTM" in classes(model)


def test_subclassed_model():
    module = analyze("""
        import tensorflow as tf

        class Forecaster(tf.keras.Model):
            def __init__(self, units):
                super().__init__()
                self.lstm = tf.keras.layers.LSTM(units, return_sequences=True)
                self.gru = tf.keras.layers.GRU(8)
                self.head = tf.keras.layers.Dense(1)

            def call(self, inputs, training=False):
                x = self.lstm(inputs)
                x = self.gru(x)
                return self.head(x)

        model = Forecaster(16)
        model.fit(X, y, epochs=3)
    """)
    model = only_model(module)
    assert model.kind == "subclass" and model.var == "Forecaster" and model.complete
    assert classes(model) == ["Input", "LSTM", "GRU", "Dense"]
    assert model.layers[0].implicit and model.layers[0].var == "inputs"
    assert [layer.inputs for layer in model.layers] == [[], [Ref(0)], [Ref(1)], [Ref(2)]]
    assert [layer.var for layer in model.layers[1:]] == ["self.lstm", "self.gru", "self.head"]
    assert [at(layer) for layer in model.layers[1:]] == [(6, 21), (7, 20), (8, 21)]
    # a constructor parameter: the model is the one `Forecaster(16)` builds
    assert model.layers[1].arg("units").const == 16
    assert [(site.function, site.line, site.kind) for site in model.sites] == [("Forecaster", 15, "construct")]
    assert model.outputs == [Ref(3)]
    assert at(model) == (3, 1)
    assert [(c.method, c.args["epochs"].value.const) for c in model.calls] == [("fit", 3)]


def test_subclassed_model_with_branching_call_is_incomplete():
    module = analyze("""
        import keras
        class M(keras.Model):
            def __init__(self):
                super().__init__()
                self.a = keras.layers.LSTM(4)
            def call(self, x, training=None):
                if training:
                    x = self.a(x)
                return x
    """)
    assert only_model(module).complete is False


def test_plain_class_is_not_a_model():
    module = analyze("""
        import keras
        class Helper:
            def __init__(self):
                self.lstm = keras.layers.LSTM(4)
    """)
    assert module.models == []
    assert [layer.cls for layer in module.loose_layers] == ["LSTM"]


def test_model_returned_from_builder_function_and_fitted():
    module = analyze("""
        from keras.models import Sequential
        from keras.layers import LSTM, Dense

        def build_model():
            model = Sequential()
            model.add(LSTM(50, input_shape=(60, 1)))
            model.add(Dense(1))
            model.compile(optimizer="adam", loss="mse")
            return model

        regressor = build_model()
        regressor.fit(X_train, y_train, epochs=100, batch_size=32)
    """)
    model = only_model(module)
    assert classes(model) == ["Input", "LSTM", "Dense"]
    compile_call, call = model.calls  # compile inside the builder is the model's too (its loss, for --runtime)
    assert compile_call.method == "compile" and compile_call.args["loss"].value.const == "mse"
    assert call.method == "fit" and at(call) == (12, 1)
    assert call.args["epochs"].value.const == 100 and call.args["batch_size"].value.const == 32


def test_functional_model_returned_from_builder_function():
    module = analyze("""
        import keras
        def build(units=8):
            inp = keras.Input(shape=(5, 2))
            out = keras.layers.Dense(1)(keras.layers.LSTM(4)(inp))
            return keras.Model(inp, out)
        m = build()
        m.predict(X, batch_size=16)
    """)
    model = only_model(module)
    assert model.kind == "functional"
    assert [(c.method, c.args["batch_size"].value.const) for c in model.calls] == [("predict", 16)]


# --------------------------------------------------------------------------- 4. input spec


def test_input_shape_batch_size_and_batch_shape():
    module = analyze("""
        import keras
        a = keras.Input(shape=(10, 8), batch_size=4)
        b = keras.Input(batch_shape=(4, 10, 8))
        c = keras.layers.InputLayer(batch_input_shape=(2, 5, 3))
        m1 = keras.Model(a, keras.layers.LSTM(4, stateful=True)(a))
        m2 = keras.Model(b, keras.layers.LSTM(4, stateful=True)(b))
        m3 = keras.Sequential([c, keras.layers.LSTM(4)])
    """)
    m1, m2, m3 = module.models
    a, b, c = m1.layers[0], m2.layers[0], m3.layers[0]
    assert a.cls == "Input" and a.family == "input"
    assert a.arg("shape").py() == (10, 8) and a.arg("batch_size").const == 4
    assert b.arg("batch_shape").py() == (4, 10, 8)
    assert c.cls == "InputLayer" and c.family == "input" and c.arg("batch_input_shape").py() == (2, 5, 3)
    assert not any(x.implicit for x in (a, b, c))
    assert [at(x) for x in (a, b, c)] == [(2, 5), (3, 5), (4, 5)]
    assert [s.output and [d.const for d in s.output] for s in infer(m1)][:2] == [[4, 10, 8], [4, 4]]
    assert [d.const for d in infer(m3)[-1].output] == [2, 4]


@pytest.mark.parametrize("kwargs,expected", [
    ("input_shape=(10, 8)", {"input_shape": (10, 8)}),
    ("input_dim=8", {"input_dim": 8}),
    ("batch_input_shape=(4, 10, 8)", {"batch_input_shape": (4, 10, 8)}),
    ("input_shape=(10, 8), batch_size=4", {"input_shape": (10, 8), "batch_size": 4}),
    ("input_dim=8, input_length=10", {"input_dim": 8, "input_length": 10}),
])
def test_first_layer_declares_an_implicit_input(kwargs, expected):
    module = analyze(f"""
        from keras.models import Sequential
        from keras.layers import LSTM
        model = Sequential([LSTM(4, stateful=True, {kwargs})])
    """)
    model = only_model(module)
    assert classes(model) == ["Input", "LSTM"]
    implicit, lstm = model.layers
    assert implicit.implicit and implicit.family == "input" and implicit.declared_by == "recurrent"
    assert {k: implicit.arg(k).py() for k in implicit.args} == expected
    assert implicit.span == lstm.span
    assert lstm.inputs == [Ref(0)]


def test_no_implicit_input_without_input_kwargs_or_on_later_layers():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.LSTM(4), keras.layers.Dense(1, input_dim=4)])
    """)
    model = only_model(module)
    assert classes(model) == ["LSTM", "Dense"]
    assert not any(layer.implicit for layer in model.layers)


def test_wrapped_layer_input_shape_declares_input():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.Bidirectional(keras.layers.LSTM(4), input_shape=(6, 2))])
        model2 = keras.Sequential([keras.layers.Bidirectional(keras.layers.LSTM(4, input_shape=(6, 2)))])
    """)
    for model in module.models:
        assert classes(model) == ["Input", "Bidirectional"]
        assert model.layers[0].arg("input_shape").py() == (6, 2)


def test_array_shape_values():
    module = analyze("""
        import numpy as np
        import keras
        X = np.load("train.npy")
        model = keras.Sequential([
            keras.Input(shape=X.shape[1:]),
            keras.layers.LSTM(4, input_shape=(X.shape[1], X.shape[2])),
        ])
        other = keras.Sequential([keras.layers.LSTM(4, batch_input_shape=X.shape)])
    """)
    first, second = module.models
    shape = first.layers[0].arg("shape")
    assert shape.tag == "array-shape-tail" and shape.known is False
    dims = first.layers[1].arg("input_shape")
    assert dims.kind == "tuple" and [d.tag for d in dims.items] == [None, None]
    full = second.layers[0].arg("batch_input_shape")
    assert full.tag == "array-shape" and full.name == "X" and full.known is False


def test_known_array_shapes():
    module = analyze("""
        import numpy as np
        import keras
        n, t = 480, 20
        X = np.random.rand(n, t)
        X3 = X[..., np.newaxis]
        Y = keras.utils.to_categorical(np.zeros((n,)), num_classes=5)
        Z = X.reshape((-1, t, 1))
        W = np.expand_dims(X, -1)
        model = keras.Sequential([keras.Input(shape=X3.shape[1:]), keras.layers.LSTM(4)])
        model.fit(X, Y, batch_size=len(X))
        model.fit(Z, Y)
        model.predict(W[:, :, :])
    """)
    (model,) = module.models
    shape = model.layers[0].arg("shape")
    assert shape.py() == (20, 1) and shape.tag == "array-shape-tail"
    first, second, third = model.calls
    assert first.args["x"].value.kind == "array"
    assert [d.const for d in first.args["x"].value.items] == [480, 20]
    assert [d.const for d in first.args["y"].value.items] == [480, 5]
    assert first.args["batch_size"].value.const == 480
    assert [d.const for d in second.args["x"].value.items] == [480, 20, 1]
    assert [d.const for d in third.args["x"].value.items] == [480, 20, 1]


def test_model_build_shape():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.LSTM(4, stateful=True)])
        model.build((4, 10, 8))
    """)
    model = only_model(module)
    assert model.build_shape.py() == (4, 10, 8)
    assert [c.method for c in model.calls] == ["build"]
    shapes = infer(model)
    assert [d.const for d in shapes[0].output] == [4, 4]
    assert shapes[0].params == 208


def test_model_build_keyword():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.GRU(4)])
        model.build(input_shape=(None, 10, 8))
    """)
    assert only_model(module).build_shape.py() == (None, 10, 8)


# --------------------------------------------------------------------------- 5. values


def test_values_literals_names_tuples_and_arithmetic():
    module = analyze("""
        import keras
        units = 64
        timesteps, features = 10, 3
        shape = (timesteps, features)
        rate = 0.1 + 0.1
        model = keras.Sequential([
            keras.layers.LSTM(units, input_shape=shape, return_sequences=True, dropout=rate),
            keras.layers.LSTM(units // 2, activation=None),
            keras.layers.Dense(2 * features, name="head"),
        ])
    """)
    model = only_model(module)
    implicit, first, second, head = model.layers
    assert first.arg("units").const == 64 and first.arg("units").name == "units"
    assert implicit.arg("input_shape").py() == (10, 3)
    assert [d.name for d in implicit.arg("input_shape").items] == ["timesteps", "features"]
    assert first.arg("dropout").const == pytest.approx(0.2)
    assert second.arg("units").const == 32 and second.arg("units").known
    assert second.arg("activation").known and second.arg("activation").const is None
    assert head.arg("units").const == 6
    assert head.arg("name").const == "head"


def test_values_in_function_scope_and_enclosing_scope():
    module = analyze("""
        import keras
        N = 8
        def build():
            units = N * 2
            return keras.Sequential([keras.layers.LSTM(units, input_shape=(5, N))])
    """)
    model = only_model(module)
    assert model.layers[1].arg("units").const == 16
    assert model.layers[0].arg("input_shape").py() == (5, 8)


def test_unknown_values():
    module = analyze("""
        import keras
        units = 8
        units = 16
        def build(n, *, depth=2):
            return keras.Sequential([keras.layers.LSTM(n), keras.layers.LSTM(units), keras.layers.LSTM(depth)])
        for k in range(3):
            pass
        loose = keras.layers.GRU(k)
        also = keras.layers.GRU(undefined_name)
        act = keras.layers.GRU(4, activation=keras.activations.relu)
    """)
    model = only_model(module)
    for layer in model.layers:
        assert layer.arg("units").known is False
        assert layer.arg("units").kind == "unknown"
    assert model.layers[0].arg("units").name == "n"
    gru_k, gru_undef, gru_act = module.loose_layers
    assert gru_k.arg("units").known is False
    assert gru_undef.arg("units").known is False
    assert gru_act.arg("activation").kind == "symbol"
    assert gru_act.arg("activation").const == "keras.activations.relu"


def test_positional_args_beyond_the_signature_and_star_args():
    module = analyze("""
        import keras
        kw = dict(return_sequences=True)
        a = keras.layers.Dropout(0.1, None, 1, 99, 100)
        b = keras.layers.LSTM(4, **kw)
    """)
    a, b = module.loose_layers
    assert a.arg("rate").const == 0.1 and a.extra_positional >= 1
    assert b.has_star_args and not a.has_star_args


def test_augmented_assignment_of_numbers_is_followed_and_walrus_makes_a_name_unknown():
    module = analyze("""
        import keras
        u = 4
        u += 1
        x = keras.layers.LSTM(u)
        y = keras.layers.LSTM(n := 4)
        (a, b) = (3, 4)
        [c, d] = [5, 6]
        z = keras.layers.LSTM(a + b * c - d)
    """)
    first, second, third = module.loose_layers
    assert first.arg("units").const == 5 and first.arg("units").name == "u"  # 4, then `u += 1`
    assert second.arg("units").known is False
    assert third.arg("units").const == 17


# --------------------------------------------------------------------------- 6. calls on models


def test_fit_predict_evaluate_train_on_batch():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.LSTM(4, stateful=True, batch_input_shape=(8, 10, 3))])
        model.fit(X, y, batch_size=8, epochs=2, shuffle=False, validation_split=0.25)
        model.predict(X, batch_size=8)
        model.evaluate(X, y, 8)
        model.train_on_batch(X[:8], y[:8])
    """)
    model = only_model(module)
    fit, predict, evaluate, tob = model.calls
    assert [c.method for c in model.calls] == ["fit", "predict", "evaluate", "train_on_batch"]
    assert [at(c) for c in model.calls] == [(3, 1), (4, 1), (5, 1), (6, 1)]
    assert all(c.target == "model" for c in model.calls)
    assert fit.args["batch_size"].value.const == 8 and fit.args["batch_size"].keyword
    assert fit.args["epochs"].value.const == 2
    assert fit.args["shuffle"].value.const is False
    assert fit.args["validation_split"].value.const == 0.25
    assert fit.args["x"].value.name == "X"
    assert predict.args["batch_size"].value.const == 8
    assert evaluate.args["batch_size"].value.const == 8 and evaluate.args["batch_size"].keyword is False
    assert set(tob.args) == {"x", "y"}


def test_fit_positional_arguments():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.fit(X, y, 16, 10, 0, None, 0.1, None, False)
    """)
    (fit,) = only_model(module).calls
    values = {k: a.value.const for k, a in fit.args.items() if k not in ("x", "y")}
    assert values == {"batch_size": 16, "epochs": 10, "verbose": 0, "callbacks": None,
                      "validation_split": 0.1, "validation_data": None, "shuffle": False}
    assert not any(a.keyword for a in fit.args.values())


def test_fit_in_a_loop_and_reset_states():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.Input(batch_shape=(1, 5, 2)), keras.layers.LSTM(4, stateful=True)])
        for epoch in range(10):
            model.fit(X, y, batch_size=1, epochs=1, shuffle=False)
            model.reset_states()
        model.layers[1].reset_states()
    """)
    model = only_model(module)
    assert [(c.method, c.target, at(c)) for c in model.calls] == [
        ("fit", "model", (4, 5)), ("reset_states", "model", (5, 5)), ("reset_states", "layer", (6, 1))]
    assert model.calls[0].args["epochs"].value.const == 1
    assert module.reset_calls == 2  # call sites, not executions


def test_reset_calls_counts_unattributed_calls():
    module = analyze("""
        import keras
        lstm = keras.layers.LSTM(4, stateful=True)
        model = keras.Sequential([keras.Input(batch_shape=(2, 3, 1)), lstm])
        lstm.reset_states()
        something.reset_state()
        unrelated.fit(X)
    """)
    model = only_model(module)
    assert module.reset_calls == 2
    assert [(c.method, c.target) for c in model.calls] == [("reset_states", "layer")]


def test_get_layer_reset_states():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.LSTM(4, stateful=True, name="l")])
        model.get_layer("l").reset_states()
    """)
    assert [(c.method, c.target) for c in only_model(module).calls] == [("reset_states", "layer")]


def test_no_reset_calls():
    """Calls that are not a state reset (a fit, reset_metrics, a reset_states that is only named) count none,
    while the fit is recorded — and the same file with one real reset counts one."""
    source = """
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.fit(X, y)
        model.reset_metrics()
        handler = model.reset_states
    """
    module = analyze(source)
    assert module.reset_calls == 0
    assert [(c.method, c.target) for c in only_model(module).calls] == [("fit", "model")]
    module = analyze(source + "    model.reset_states()\n")
    assert module.reset_calls == 1
    assert [(c.method, c.target) for c in only_model(module).calls] == [("fit", "model"), ("reset_states", "model")]


def test_training_data_tags():
    module = analyze("""
        import tensorflow as tf
        import keras
        from keras.preprocessing.sequence import TimeseriesGenerator

        class Windows(keras.utils.Sequence):
            def __len__(self):
                return 10

        class Pages(keras.utils.PyDataset):
            pass

        def batches():
            while True:
                yield X, y

        ds = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(100).batch(32)
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.fit(ds, epochs=2)
        model.fit(batches(), steps_per_epoch=10)
        model.fit(Windows(), epochs=1)
        model.fit(Pages())
        model.fit(tf.data.Dataset.from_tensor_slices((X, y)).batch(8))
        model.fit(keras.utils.timeseries_dataset_from_array(X, y, 3))
        model.fit(TimeseriesGenerator(X, y, length=3))
        model.fit(X, y)
    """)
    model = only_model(module)
    tags = [c.args["x"].value.tag for c in model.calls]
    assert tags == ["dataset", "generator", "sequence", "sequence", "dataset", "dataset", "sequence", None]
    assert all(not c.args["x"].value.known for c in model.calls)


def test_fit_result_assignment_and_fit_under_with_and_try():
    module = analyze("""
        import keras
        import tensorflow as tf
        BATCH = 8
        model = keras.Sequential([keras.layers.LSTM(4)])
        history = model.fit(X, y, batch_size=BATCH)
        with tf.device("/gpu:0"):
            model.evaluate(X, y)
        try:
            model.predict(X)
        except Exception:
            pass
    """)
    model = only_model(module)
    assert [(c.method, at(c)) for c in model.calls] == [("fit", (5, 11)), ("evaluate", (7, 5)), ("predict", (9, 5))]
    batch = model.calls[0].args["batch_size"].value
    assert batch.const == 8 and batch.name == "BATCH"


def test_training_data_held_in_variables():
    module = analyze("""
        import tensorflow as tf
        from tensorflow import keras

        class Windows(keras.utils.PyDataset):
            pass

        def gen():
            yield 1

        train = Windows()
        stream = gen()
        ds = tf.data.Dataset.from_tensor_slices(X)
        batched = ds.batch(4)
        model = keras.Sequential([keras.layers.LSTM(4)])
        model.fit(train)
        model.fit(stream)
        model.fit(batched, epochs=2)
    """)
    model = only_model(module)
    assert [c.args["x"].value.tag for c in model.calls] == ["sequence", "generator", "dataset"]
    assert model.calls[2].args["epochs"].value.const == 2


def test_calls_on_unknown_receivers_are_not_attributed():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.layers.LSTM(4)])
        other = get_model()
        other.fit(X, batch_size=3)
    """)
    assert only_model(module).calls == []


def test_calls_attach_to_the_right_model():
    module = analyze("""
        import keras
        a = keras.Sequential([keras.layers.LSTM(4)])
        b = keras.Sequential([keras.layers.GRU(4)])
        b.fit(X, batch_size=2)
        a.predict(X, batch_size=3)
    """)
    a, b = module.models
    assert [(c.method, c.args["batch_size"].value.const) for c in a.calls] == [("predict", 3)]
    assert [(c.method, c.args["batch_size"].value.const) for c in b.calls] == [("fit", 2)]


# --------------------------------------------------------------------------- 7. JSON round trip


ROUNDTRIP_SOURCES = [
    SPELLINGS["tf.keras"][0],
    """
import keras
from keras.layers import Input, LSTM, Dense, Bidirectional, RNN, LSTMCell, TimeDistributed
X = load()
inp = Input(shape=X.shape[1:], batch_size=4)
out, h, c = LSTM(4, return_state=True, return_sequences=True, stateful=True)(inp)
y = Bidirectional(LSTM(3))(out)
z = RNN([LSTMCell(2), LSTMCell(3)])(TimeDistributed(Dense(2))(out))
model = keras.Model(inputs=inp, outputs=[y, z, h])
model.fit(X, batch_size=4, shuffle=False)
model.layers[1].reset_states()
seq = keras.Sequential()
seq.add(LSTM(4, input_shape=(3, 2), activation=keras.activations.relu))
for i in range(2):
    seq.add(Dense(1))
seq.build((None, 3, 2))
loose = keras.layers.GRU(8)
named = keras.layers.Dense(1, name=b"bytes-are-not-kept")
""",
]


@pytest.mark.parametrize("src", ROUNDTRIP_SOURCES)
def test_json_round_trip(src):
    module = analyze_source(src, "x.py")
    assert module.models or module.loose_layers
    assert roundtrip(module) == module
    assert roundtrip(roundtrip(module)).to_dict() == module.to_dict()


# --------------------------------------------------------------------------- shapes spot checks (keras-facts §7)


def _last(src: str):
    model = only_model(analyze(src))
    return infer(model)[-1]


@pytest.mark.parametrize("layer,shape,params", [
    ("keras.layers.LSTM(4)", [None, 4], 208),
    ("keras.layers.LSTM(4, use_bias=False)", [None, 4], 192),
    ("keras.layers.LSTM(4, return_sequences=True)", [None, 10, 4], 208),
    ("keras.layers.GRU(4)", [None, 4], 168),
    ("keras.layers.GRU(4, reset_after=False)", [None, 4], 156),
    ("keras.layers.SimpleRNN(4)", [None, 4], 52),
    ("keras.layers.Bidirectional(keras.layers.LSTM(4))", [None, 8], 416),
    ("keras.layers.Bidirectional(keras.layers.GRU(4), merge_mode='sum')", [None, 4], 336),
    ("keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.LSTMCell(6)])", [None, 6], 472),
    ("keras.layers.RNN(keras.layers.LSTMCell(4))", [None, 4], 208),
])
def test_shapes_and_params_recurrent(layer, shape, params):
    result = _last(f"""
        import keras
        model = keras.Sequential([keras.Input(shape=(10, 8)), {layer}])
    """)
    assert [d.const for d in result.output] == shape
    assert result.params == params


def test_shapes_return_state_outputs():
    model = only_model(analyze("""
        import keras
        inp = keras.Input(shape=(10, 8))
        out, h, c = keras.layers.LSTM(4, return_state=True)(inp)
        model = keras.Model(inp, keras.layers.Dense(2)(c))
    """))
    shapes = infer(model)
    assert [[d.const for d in s] for s in shapes[1].output] == [[None, 4], [None, 4], [None, 4]]
    assert [d.const for d in shapes[2].output] == [None, 2] and shapes[2].params == 10


def test_shapes_conv_lstm2d():
    result = _last("""
        import keras
        model = keras.Sequential([keras.Input(shape=(5, 16, 16, 3)), keras.layers.ConvLSTM2D(4, 3)])
    """)
    assert [d.const for d in result.output] == [None, 14, 14, 4]
    assert result.params == 1024


def test_shapes_conv_lstm1d():
    result = _last("""
        import keras
        model = keras.Sequential([keras.Input(shape=(5, 16, 3)), keras.layers.ConvLSTM1D(4, 3)])
    """)
    assert result.params == 352


def test_shapes_through_a_sequential_with_implicit_input_and_names():
    model = only_model(analyze("""
        import keras
        timesteps, features = 10, 8
        model = keras.Sequential([
            keras.layers.LSTM(4, input_shape=(timesteps, features), return_sequences=True),
            keras.layers.LSTM(4),
            keras.layers.Dense(1),
        ])
    """))
    shapes = infer(model)
    assert shapes[1].output[1].name == "timesteps"
    assert [d.const for d in shapes[1].output] == [None, 10, 4]
    assert [s.params for s in shapes] == [0, 208, 4 * (4 * 8 + 4), 5]


def test_shapes_unknown_dims_stay_unknown():
    model = only_model(analyze("""
        import keras
        def build(n):
            return keras.Sequential([keras.Input(shape=(10, n)), keras.layers.LSTM(4)])
    """))
    last = infer(model)[-1]
    assert last.output is not None and last.output[-1].const == 4
    assert last.params is None


def test_positional_arguments_whose_place_differs_between_keras_2_and_3_are_not_named():
    """Keras 3's Input(shape, batch_size, dtype, ...) is Input(shape, batch_size, name, ...) in Keras 2, and the
    analysis does not know which Keras runs the file: the third positional is read as neither. LeakyReLU's
    first positional is negative_slope in Keras 3 and alpha in Keras 2, the same parameter: read."""
    module = analyze_source(
        "import keras\n"
        "inp = keras.Input((10, 3), None, 'x')\n"
        "out = keras.layers.LSTM(4)(inp)\n"
        "model = keras.Sequential([keras.Input((10, 4)), keras.layers.LeakyReLU(0.2), keras.layers.LSTM(3)])\n",
        "p.py")
    inputs = [layer for m in module.models for layer in m.layers if layer.cls == "Input"]
    assert sorted((layer.span.line, layer.has_star_args) for layer in inputs) == [(2, True), (4, False)]
    (leaky,) = [layer for m in module.models for layer in m.layers if layer.cls == "LeakyReLU"]
    assert not leaky.has_star_args and "negative_slope" in leaky.args
