"""Unknown, never wrong: which binding of a name reaches a read (values), and which object a name holds
(layers, tensors, models) when it was bound differently on different paths.

Source text in, IR out, through ``analyze_source``. A value is either the one every path agrees on, or unknown;
never the binding that happens to come last in the file. Parameter counts against real Keras are in
test_reach.py.
"""

from __future__ import annotations

import textwrap

import pytest

from lstmlint.analyze import analyze_source
from lstmlint.ir import Module


def analyze(src: str) -> Module:
    return analyze_source(textwrap.dedent(src).lstrip("\n"), "x.py")


def units(src: str) -> list:
    """The `units` of every LSTM/GRU in the file, in line order: the int, or "?" when unknown."""
    module = analyze(src)
    layers = [layer for model in module.models for layer in model.layers] + module.loose_layers
    found = []
    for layer in sorted((l for l in layers if l.cls in ("LSTM", "GRU")), key=lambda l: l.span.line):
        value = layer.arg("units")
        found.append(value.const if value.kind == "const" else "?")
    return found


# --------------------------------------------------------------------------- values: paths that disagree

UNKNOWN_WHEN_PATHS_DISAGREE = {
    "if-else": """
        import keras
        if c:
            n = 8
        else:
            n = 16
        keras.layers.LSTM(n)
    """,
    "if-without-else": """
        import keras
        n = 4
        if c:
            n = 8
        keras.layers.LSTM(n)
    """,
    "elif": """
        import keras
        if a:
            n = 8
        elif b:
            n = 8
        else:
            n = 16
        keras.layers.LSTM(n)
    """,
    "try-except": """
        import keras
        n = 4
        try:
            n = 8
            load()
        except OSError:
            pass
        keras.layers.LSTM(n)
    """,
    "try-finally": """
        import keras
        n = 4
        try:
            n = 8
        finally:
            keras.layers.LSTM(n)
    """,
    "for-body": """
        import keras
        n = 4
        for i in range(3):
            n = 8
        keras.layers.LSTM(n)
    """,
    "while-augmented": """
        import keras
        n = 4
        while n < 100:
            n += 1
        keras.layers.LSTM(n)
    """,
    "read-before-the-loop-rebinds-it": """
        import keras
        n = 4
        for i in range(3):
            keras.layers.LSTM(n)
            n = 8
    """,
    "with-suppress": """
        import keras
        from contextlib import suppress
        n = 4
        with suppress(ValueError):
            n = int(text)
            n = 8
        keras.layers.LSTM(n)
    """,
    "match": """
        import keras
        match kind:
            case "big":
                n = 128
            case _:
                n = 8
        keras.layers.LSTM(n)
    """,
    "match-not-exhaustive": """
        import keras
        n = 4
        match kind:
            case "big":
                n = 128
        keras.layers.LSTM(n)
    """,
    "global-rebound-in-a-function": """
        import keras
        n = 4
        def configure():
            global n
            n = 8
        configure()
        keras.layers.LSTM(n)
    """,
    "nonlocal-rebound-in-a-function": """
        import keras
        def build():
            n = 4
            def configure():
                nonlocal n
                n = 8
            configure()
            return keras.layers.LSTM(n)
    """,
    "free-name-rebound-after-the-def": """
        import keras
        N = 8
        def build():
            return keras.layers.LSTM(N)
        N = 16
        model = build()
    """,
    "del": """
        import keras
        n = 4
        del n
        keras.layers.LSTM(n)
    """,
    "walrus-in-a-condition": """
        import keras
        n = 4
        if ok and (n := 8):
            pass
        keras.layers.LSTM(n)
    """,
    "star-import": """
        import keras
        n = 4
        from helpers import *
        keras.layers.LSTM(n)
    """,
    "loop-target": """
        import keras
        for n in range(4, 100):  # too many iterations to unroll: walked once, for all of them
            keras.layers.LSTM(n)
    """,
    "local-read-before-its-assignment": """
        import keras
        n = 4
        def build():
            layer = keras.layers.LSTM(n)
            n = 8
            return layer
    """,
    "assigned-only-in-a-function": """
        import keras
        def configure():
            n = 8
        keras.layers.LSTM(n)
    """,
    "after-a-starred-target": """
        import keras
        first, *middle, last = (1, 2, 3, 4)
        keras.layers.LSTM(last)
    """,
    "list-changed-in-place": """
        import keras
        sizes = [8, 16]
        sizes.reverse()
        keras.layers.LSTM(sizes[0])
    """,
    "alias-of-a-list-changed-in-place": """
        import keras
        sizes = [8, 16]
        other = sizes
        other.insert(0, 4)
        keras.layers.LSTM(sizes[0])
    """,
}


@pytest.mark.parametrize("case", sorted(UNKNOWN_WHEN_PATHS_DISAGREE))
def test_a_value_that_differs_between_paths_is_unknown(case):
    assert set(units(UNKNOWN_WHEN_PATHS_DISAGREE[case])) == {"?"}


def test_a_function_called_with_different_arguments_gives_one_model_per_call():
    """Not one value for both calls (that would be wrong for one of them): a model per call, each with its own."""
    module = analyze("""
        import keras
        def build(n):
            return keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(n)])
        a = build(4)
        b = build(8)
    """)
    found = [(m.sites[0].line, m.layers[-1].arg("units").const) for m in module.models]
    assert sorted(found) == [(4, 4), (5, 8)]


# --------------------------------------------------------------------------- values: what every path agrees on

KNOWN = {
    "branches-agree": ("""
        import keras
        if c:
            n = 8
        else:
            n = 8
        keras.layers.LSTM(n)
    """, [8]),
    "the-other-branch-raises": ("""
        import keras
        if c:
            n = 8
        else:
            raise SystemExit("no")
        keras.layers.LSTM(n)
    """, [8]),
    "re-run-notebook-cell": ("""
        import keras
        n = 10
        n = 10
        keras.layers.LSTM(n)
    """, [10]),
    "straight-line-rebinding-uses-the-binding-that-reaches": ("""
        import keras
        x = 1
        a = keras.layers.LSTM(x)
        x = 2
        b = keras.layers.GRU(x)
    """, [1, 2]),
    "a-binding-is-evaluated-where-it-was-made": ("""
        import keras
        b = 1
        a = b + 1
        b = 5
        keras.layers.LSTM(a)
    """, [2]),
    "with-body-runs-once": ("""
        import keras
        import tensorflow as tf
        with tf.device("/cpu:0"):
            n = 8
        keras.layers.LSTM(n)
    """, [8]),
    "loop-that-does-not-touch-the-name": ("""
        import keras
        n = 8
        for i in range(count):  # iterations not known: walked once (a loop of known length is unrolled)
            keras.layers.LSTM(n)
        keras.layers.GRU(n)
    """, [8, 8]),
    "read-after-the-assignment-in-the-same-iteration": ("""
        import keras
        for i in range(count):
            n = 8
            keras.layers.LSTM(n)
    """, [8]),
    "comprehension-target-does-not-leak": ("""
        import keras
        n = 4
        squares = [n * n for n in range(10)]
        keras.layers.LSTM(n)
    """, [4]),
    "free-name-bound-once": ("""
        import keras
        def build():
            return keras.layers.LSTM(N)
        N = 16
    """, [16]),
    "keras-star-import-rebinds-no-user-name": ("""
        n = 4
        from keras.layers import *
        import keras
        keras.layers.LSTM(n)
    """, [4]),
    "class-body-does-not-rebind-module-names": ("""
        import keras
        n = 4
        class Config:
            n = 8
        keras.layers.GRU(n)
    """, [4]),
    "before-a-starred-target": ("""
        import keras
        first, *rest = (6, 2, 3)
        keras.layers.LSTM(first)
    """, [6]),
    "tuple-unpacking": ("""
        import keras
        (a, b), c = (3, 4), 5
        keras.layers.LSTM(a + b * c)
    """, [23]),
}


@pytest.mark.parametrize("case", sorted(KNOWN))
def test_a_value_every_path_agrees_on_is_known(case):
    src, expected = KNOWN[case]
    assert units(src) == expected


# --------------------------------------------------------------------------- constant `if` tests

def test_if_on_a_module_constant_takes_one_branch():
    module = analyze("""
        import keras
        USE_GRU = False
        if USE_GRU:
            rnn = keras.layers.GRU(8)
            n = 1
        else:
            rnn = keras.layers.LSTM(128)
            n = 2
        if not USE_GRU:
            m = 3
        model = keras.Sequential([keras.Input((10, 3)), rnn, keras.layers.Dense(n + m)])
    """)
    (model,) = module.models
    assert [layer.cls for layer in model.layers] == ["Input", "LSTM", "Dense"] and model.complete
    assert model.layers[2].arg("units").const == 5
    assert [layer.cls for layer in module.loose_layers] == ["GRU"]  # still linted on its own


@pytest.mark.parametrize("src", [
    # the constant is bound differently on two paths
    "import keras\nif a:\n    FLAG = True\nelse:\n    FLAG = False\nif FLAG:\n    n = 4\nelse:\n    n = 8\n"
    "keras.layers.LSTM(n)\n",
    # not a literal
    "import keras\nFLAG = os.environ.get('X')\nif FLAG:\n    n = 4\nelse:\n    n = 8\nkeras.layers.LSTM(n)\n",
    # inside a loop the next iteration may see another value
    "import keras\nFLAG = True\nfor i in range(2):\n    if FLAG:\n        n = 4\n    else:\n        n = 8\n"
    "    FLAG = False\nkeras.layers.LSTM(n)\n",
    # in a function, FLAG is read when it is called
    "import keras\nFLAG = True\ndef f():\n    if FLAG:\n        n = 4\n    else:\n        n = 8\n"
    "    return keras.layers.LSTM(n)\n",
    # a function may rebind it
    "import keras\nFLAG = True\ndef g():\n    global FLAG\n    FLAG = False\ng()\nif FLAG:\n    n = 4\n"
    "else:\n    n = 8\nkeras.layers.LSTM(n)\n",
])
def test_if_tests_that_are_not_constant_where_they_run_are_not_decided(src):
    assert units(src) == ["?"]


# --------------------------------------------------------------------------- bounded work

def test_doubling_tuples_are_bounded_and_unknown():
    """`t1 = t0 + t0` forty times would be a 2**41-item tuple: each binding is evaluated once and a tuple past
    the size cap is unknown (the issue's 22-line version took 111 s and 2.6 GB)."""
    lines = ["import keras", "t0 = (1, 1)"] + [f"t{i + 1} = t{i} + t{i}" for i in range(40)]
    lines.append("model = keras.Sequential([keras.Input(shape=t40), keras.layers.LSTM(4)])")
    lines.append("a = keras.layers.Reshape(t8)")  # 512 items: under the cap
    lines.append("b = keras.layers.Reshape(t9)")  # 1,024 items: over it
    module = analyze_source("\n".join(lines) + "\n", "dbl.py")
    (model,) = module.models
    assert model.layers[0].arg("shape").kind == "unknown"
    a, b = module.loose_layers
    assert len(a.arg("target_shape").items) == 512 and a.arg("target_shape").known
    assert b.arg("target_shape").kind == "unknown" and "more than 1,000 items" in b.arg("target_shape").reason
    small = analyze_source("import keras\nt0 = (10,)\nt1 = t0 + (3,)\nx = keras.Input(shape=t1)\n"
                           "m = keras.Sequential([x, keras.layers.LSTM(4)])\n", "s.py")
    assert small.models[0].layers[0].arg("shape").py() == (10, 3)


def test_nested_tuples_are_counted_with_their_items():
    lines = ["import keras", "t0 = (1, 1)"] + [f"t{i + 1} = (t{i}, t{i})" for i in range(40)]
    lines.append("layer = keras.layers.Reshape(t40)")
    module = analyze_source("\n".join(lines) + "\n", "nest.py")
    (layer,) = module.loose_layers
    assert not layer.arg("target_shape").known
    assert len(str(module.to_dict())) < 100_000  # the IR stays small  # the IR stays small enough to serialise


def test_long_chains_of_rebinding_are_analysed():
    """A notebook re-binding a name from itself hundreds of times: each read goes one binding back; past a
    bound on the chain the value is unknown (not a RecursionError that loses the whole file)."""
    src = "import keras\nimport numpy as np\nx = 1\n" + "x = x + 1\n" * 600 + "a = keras.layers.LSTM(x)\n"
    src += "df = np.zeros((10, 5, 3))\n" + "df = df.copy()\n" * 800
    src += "m = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4)])\nm.fit(df, batch_size=2)\n"
    module = analyze_source(src, "chain.py")
    assert module.loose_layers[0].arg("units").kind == "unknown"
    assert module.models[0].calls[0].args["x"].value.kind == "unknown"
    short = analyze_source("import keras\nx = 1\n" + "x = x + 1\n" * 20 + "a = keras.layers.LSTM(x)\n", "s.py")
    assert short.loose_layers[0].arg("units").const == 21


def test_long_literals_are_unknown():
    items = ", ".join(["1"] * 1500)
    module = analyze_source(f"import keras\nx = [{items}]\nl = keras.layers.Reshape(x)\n"
                            f"s = keras.layers.LSTM(4, name='{'a' * 20_000}')\n", "long.py")
    reshape, lstm = module.loose_layers
    assert reshape.arg("target_shape").kind == "unknown"
    assert lstm.arg("name").kind == "unknown"


# --------------------------------------------------------------------------- objects a name holds

def classes(model) -> list[str]:
    return [layer.cls for layer in model.layers]


def test_layer_bound_in_branches_of_a_builder_is_unknown():
    """reach/x_branch.py: Keras builds the LSTM(128) branch (build(True)); the last binding is the GRU."""
    source = """
        import keras
        def build(big=True):
            if big:
                layer = keras.layers.LSTM(128, input_shape=(10, 3))
            else:
                layer = keras.layers.GRU(8, input_shape=(10, 3))
            return keras.Sequential([layer, keras.layers.Dense(1)])
        model = build({argument})
    """
    module = analyze(source.format(argument="True"))
    (model,) = module.models
    # analysed for the call build(True): the test on `big` runs its first branch only
    assert classes(model) == ["Input", "LSTM", "Dense"] and model.complete
    assert [layer.cls for layer in module.loose_layers] == []
    unknown = analyze(source.format(argument="flag"))
    (model,) = unknown.models
    assert classes(model) == ["?", "Dense"] and not model.complete
    assert sorted(layer.cls for layer in unknown.loose_layers) == ["GRU", "LSTM"]  # per-layer rules still see them


def test_model_variable_reassigned_keeps_each_models_layers_and_calls():
    module = analyze("""
        import keras
        model = keras.Sequential()
        model.add(keras.layers.LSTM(4, input_shape=(10, 3)))
        model.fit(X, y, batch_size=2)
        model = keras.Sequential()
        model.add(keras.layers.GRU(8, input_shape=(10, 3)))
        model.fit(X, y, batch_size=5)
    """)
    first, second = module.models
    assert classes(first) == ["Input", "LSTM"] and classes(second) == ["Input", "GRU"]
    assert [c.args["batch_size"].value.const for c in first.calls] == [2]
    assert [c.args["batch_size"].value.const for c in second.calls] == [5]
    assert first.complete and second.complete


@pytest.mark.parametrize("control", [
    "if deep:\n    model.add(LSTM(8, return_sequences=True))\n    model.add(LSTM(8, return_sequences=True))\n"
    "else:\n    model.add(LSTM(8, return_sequences=True))\n",
    "for i in range(count):\n    model.add(LSTM(32, return_sequences=True))\n",
    "while more():\n    model.add(LSTM(32, return_sequences=True))\n    model.add(Dropout(0.1))\n",
    "try:\n    model.add(LSTM(32, return_sequences=True))\nexcept ValueError:\n    pass\n",
    "def more():\n    model.add(LSTM(32, return_sequences=True))\n",
    "if shrink:\n    model.pop()\n",
])
def test_layers_added_in_a_branch_or_loop_make_the_rest_unknown(control):
    """One unknown layer stands for whatever those calls add; the layers after it are still listed."""
    src = ("from keras import Input, Sequential\nfrom keras.layers import LSTM, Dense, Dropout\n"
           "model = Sequential([Input((10, 3)), LSTM(8, return_sequences=True)])\n" + control +
           "model.add(LSTM(16))\nmodel.add(Dense(1))\n")
    (model,) = analyze_source(src, "x.py").models
    assert not model.complete
    assert classes(model) == ["Input", "LSTM", "?", "LSTM", "Dense"]


def test_pop_in_straight_line_code_removes_the_last_layer():
    (model,) = analyze("""
        import keras
        model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8), keras.layers.Dense(1)])
        model.pop()
        model.add(keras.layers.Dense(2))
    """).models
    assert classes(model) == ["Input", "LSTM", "Dense"] and model.complete
    assert model.layers[-1].arg("units").const == 2


def test_with_block_is_straight_line_code():
    (model,) = analyze("""
        import keras
        with strategy.scope():
            model = keras.Sequential([keras.Input((10, 3))])
            model.add(keras.layers.LSTM(8))
        model.add(keras.layers.Dense(1))
        model.fit(X, y)
    """).models
    assert classes(model) == ["Input", "LSTM", "Dense"] and model.complete
    assert [c.method for c in model.calls] == ["fit"]


def test_model_bound_differently_in_try_and_except_is_not_followed():
    module = analyze("""
        import keras
        try:
            model = keras.models.load_model("m.keras")
        except OSError:
            model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8)])
        model.fit(X, y, batch_size=4)
    """)
    assert [m.calls for m in module.models] == [[]]


def test_parameter_shadows_a_module_model():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8)])
        def train(model):
            model.fit(X, y, batch_size=3)
        def evaluate():
            model.evaluate(X, y, batch_size=7)
    """)
    (model,) = module.models
    assert [(c.method, c.args["batch_size"].value.const) for c in model.calls] == [("evaluate", 7)]


def test_del_forgets_the_model_here_and_in_functions():
    """After `del model` the name holds nothing; a function reading it may run before or after the del."""
    module = analyze("""
        import keras
        model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8)])
        def evaluate():
            model.evaluate(X, y, batch_size=7)
        model.fit(X, y, batch_size=3)
        del model
        model.predict(X, batch_size=9)
    """)
    (model,) = module.models
    assert [(c.method, c.args["batch_size"].value.const) for c in model.calls] == [("fit", 3)]


def test_model_rebound_through_global_in_a_function_is_not_followed():
    module = analyze("""
        import keras
        model = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8)])
        def rebuild():
            global model
            model = keras.Sequential([keras.Input((10, 3)), keras.layers.GRU(8)])
        rebuild()
        model.fit(X, y, batch_size=4)
    """)
    assert [m.calls for m in module.models] == [[], []]


def test_tensor_rebound_in_a_loop_makes_the_model_incomplete():
    module = analyze("""
        import keras
        inp = keras.Input((10, 3))
        x = inp
        for i in range(count):  # a loop of unknown length (one of known length is unrolled)
            x = keras.layers.LSTM(8, return_sequences=True)(x)
        model = keras.Model(inp, keras.layers.Dense(1)(x))
    """)
    (model,) = module.models
    assert not model.complete and "?" in classes(model)


def test_tensor_from_different_branches_is_unknown():
    module = analyze("""
        import keras
        inp = keras.Input((10, 3))
        if bi:
            x = keras.layers.Bidirectional(keras.layers.LSTM(8))(inp)
        else:
            x = keras.layers.LSTM(8)(inp)
        model = keras.Model(inp, keras.layers.Dense(1)(x))
    """)
    # each branch's layer, on the input, is a graph of its own that no Model closes (true on its path only:
    # incomplete, no total); the Model's own graph starts from the unknown tensor
    *branches, model = module.models
    assert not model.complete and classes(model)[0] == "?"
    assert [(classes(m), m.complete) for m in branches] == [(["Input", "Bidirectional"], False),
                                                            (["Input", "LSTM"], False)]


def test_augmented_assignment_and_walrus_forget_the_tensor():
    model = analyze("""
        import keras
        inp = keras.Input((10, 3))
        x = keras.layers.LSTM(8, return_sequences=True)(inp)
        x += inp
        model = keras.Model(inp, keras.layers.LSTM(2)(x))
    """).models[-1]
    assert not model.complete and classes(model) == ["?", "LSTM"]


# --------------------------------------------------------------------------- the functional graph

def test_initial_state_brings_the_encoder_into_the_model():
    (model,) = analyze("""
        import keras
        enc_in = keras.Input((None, 20)); dec_in = keras.Input((None, 30))
        _, h, c = keras.layers.LSTM(64, return_state=True)(enc_in)
        dec = keras.layers.LSTM(64, return_sequences=True)(dec_in, initial_state=[h, c])
        model = keras.Model([enc_in, dec_in], keras.layers.Dense(30)(dec))
    """).models
    assert model.complete
    assert classes(model) == ["Input", "Input", "LSTM", "LSTM", "Dense"]
    decoder = model.layers[3]
    assert decoder.inputs == [model.layers[3].inputs[0]] and model.layers[decoder.inputs[0].layer].cls == "Input"
    assert [(r.layer, r.index) for r in decoder.keyword_inputs["initial_state"]] == [(2, 1), (2, 2)]


@pytest.mark.parametrize("call", [
    "keras.layers.GRU(6)(b, initial_state=s)",
    "keras.layers.GRU(6)(b, [s])",
    "keras.layers.GRU(6)(b, initial_state=states)",
])
def test_initial_state_single_list_or_positional(call):
    (model,) = analyze(f"""
        import keras
        a = keras.Input((5, 3)); b = keras.Input((5, 4))
        _, s = keras.layers.GRU(6, return_state=True)(a)
        states = [s]
        o = {call}
        model = keras.Model([a, b], o)
    """).models
    assert model.complete and classes(model) == ["Input", "Input", "GRU", "GRU"]
    assert [(r.layer, r.index) for r in model.layers[3].keyword_inputs["initial_state"]] == [(2, 1)]


def test_mask_and_constants_are_edges():
    (model,) = analyze("""
        import keras
        a = keras.Input((5, 3)); m = keras.Input((5,), dtype="bool"); k = keras.Input((2,))
        x = keras.layers.LSTM(4)(a, mask=m, constants=[k], training=False)
        model = keras.Model([a, m, k], x)
    """).models
    assert model.complete and classes(model) == ["Input", "Input", "Input", "LSTM"]
    assert set(model.layers[3].keyword_inputs) == {"mask", "constants"}


@pytest.mark.parametrize("call", [
    "keras.layers.LSTM(4)(a, initial_state=get_states(b))",
    "keras.layers.LSTM(4)(a, **kwargs)",
    "keras.layers.LSTM(4)(a, initial_state=[b, unknown_tensor])",
])
def test_a_tensor_passed_in_a_way_not_followed_makes_the_model_incomplete(call):
    (model,) = analyze(f"""
        import keras
        a = keras.Input((5, 3)); b = keras.Input((4,))
        x = {call}
        model = keras.Model([a, b], x)
    """).models
    assert not model.complete and "?" in classes(model)


def test_partly_unknown_list_of_inputs_keeps_the_known_branches():
    (model,) = analyze("""
        import keras
        a = keras.Input((5, 3)); b = keras.Input((5, 3))
        x = keras.layers.LSTM(4)(a)
        merged = keras.layers.Concatenate()([x, something(b)])
        model = keras.Model([a, b], merged)
    """).models
    assert not model.complete and classes(model) == ["Input", "LSTM", "?", "Concatenate"]


def test_declared_input_that_no_output_uses_makes_the_model_incomplete():
    (model,) = analyze("""
        import keras
        a = keras.Input((5, 3)); b = keras.Input((5, 3))
        model = keras.Model([a, b], keras.layers.LSTM(4)(a))
    """).models
    assert not model.complete


def test_shared_layer_calls_point_at_the_first_call():
    module = analyze("""
        import keras
        shared = keras.layers.LSTM(4)
        a = keras.Input((3, 2)); b = keras.Input((3, 2))
        model = keras.Model([a, b], keras.layers.add([shared(a), shared(b)]))
        dense = keras.layers.Dense(3)
        seq = keras.Sequential([keras.Input((3,)), dense, dense])
    """)
    functional, sequential = module.models
    assert [layer.same_as for layer in functional.layers] == [None, None, None, 2, None]
    assert [layer.same_as for layer in sequential.layers] == [None, None, 1]


def test_lstm101_inside_an_encoder_reached_through_initial_state(lint):
    findings = lint(textwrap.dedent("""
        import keras
        enc_in = keras.Input((None, 20)); dec_in = keras.Input((None, 30))
        x = keras.layers.LSTM(32)(enc_in)
        _, h, c = keras.layers.LSTM(64, return_state=True)(x)
        dec = keras.layers.LSTM(64, return_sequences=True)(dec_in, initial_state=[h, c])
        model = keras.Model([enc_in, dec_in], keras.layers.Dense(30)(dec))
    """))
    assert [(f.rule, f.line) for f in findings if f.rule == "LSTM101"] == [("LSTM101", 4)]


def test_a_layer_popped_and_added_again_is_not_shared_with_itself():
    """After ``m.pop()`` the popped layer object is out of the model: adding it again is its first call there
    (Keras: 128 + 10 parameters), not a second call sharing weights with a layer that is gone."""
    from lstmlint.analyze import analyze_source
    from lstmlint.shapes import infer, total_params

    source = ("import keras\nfrom keras import layers\na = layers.LSTM(4)\nb = layers.Dense(2)\n"
              "m = keras.Sequential([keras.Input((10, 3)), a])\nm.add(b)\nm.pop()\nm.add(b)\n")
    (model,) = analyze_source(source, "pop.py").models
    assert [layer.same_as for layer in model.layers] == [None, None, None]
    assert total_params(model, infer(model, 3)) == 138


def test_a_function_form_merge_is_never_taken_for_a_later_layer():
    """``layers.concatenate([a, b])`` makes a layer nothing else refers to; were it freed, the Dense built next
    could get its id and pass for the same layer object (a shared layer, counted once). Before the objects
    behind those ids were kept alive this happened in about one analysis in four: 200 analyses, none may."""
    from lstmlint.analyze import analyze_source

    source = ("import keras\nfrom keras import layers\na = keras.Input((4,))\nb = keras.Input((4,))\n"
              "m = layers.concatenate([a, b])\nout = layers.Dense(2)(m)\nmodel = keras.Model([a, b], out)\n")
    for _ in range(200):
        (model,) = analyze_source(source, "merge.py").models
        assert [layer.same_as for layer in model.layers] == [None] * len(model.layers)


ENSEMBLE = ("import keras\nfrom keras import layers\ndef get_model():\n    i = keras.Input((4,))\n"
            "    return keras.Model(i, layers.Dense(4)(i))\n{models}\nx = keras.Input((4,))\n"
            "ens = keras.Model(x, layers.average([{calls}]))\n")


def test_each_call_of_a_model_factory_is_a_model_of_its_own():
    """keras.io's ensemble: three calls of get_model() are three models with weights of their own; one model
    called twice is one shared model."""
    from lstmlint.analyze import analyze_source

    three = ENSEMBLE.format(models="m1 = get_model()\nm2 = get_model()\nm3 = get_model()",
                            calls="m1(x), m2(x), m3(x)")
    ensemble = analyze_source(three, "ens.py").models[-1]
    assert [layer.cls for layer in ensemble.layers] == ["Input", "Model", "Model", "Model", "Average"]
    assert [layer.same_as for layer in ensemble.layers] == [None] * 5
    once = ENSEMBLE.format(models="m1 = get_model()", calls="m1(x), m1(x)")
    shared = analyze_source(once, "ens.py").models[-1]
    assert [layer.same_as for layer in shared.layers] == [None, None, 1, None]
