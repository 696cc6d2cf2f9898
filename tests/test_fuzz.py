"""Fuzzing: random valid Python (hypothesmith) and random Keras model programs never crash the linter, and every
finding's position stays inside the file.

Example budget (recorded as the brief asks): 150 hypothesmith grammar programs + 100 node programs + 60
near-miss mutations + 400 Keras model programs = 710 examples per run, about 40 s on two cores. The fix
properties in test_fix_properties.py reuse ``keras_programs`` for another 150.
"""

from __future__ import annotations

import warnings

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmlint.api import lint_source, rules_for
from lstmlint.config import Config

CONFIG = Config(select=["ALL"])
RULES = rules_for(CONFIG)
CONFIG2 = Config(select=["ALL"], target_keras=2)
# A recurrent layer first, so that each random program is in lstmlint's scope and goes through the analyzer.
IN_SCOPE = "import keras\nkeras.layers.LSTM(4)\n"

def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))


def lint(text: str, config: Config = CONFIG):
    return lint_source(text, "fuzz.py", config, RULES)


def assert_positions_inside(text: str, findings) -> None:
    lines = text.split("\n")
    count = max(len(text.splitlines()), 1)
    for f in findings:
        assert 1 <= f.line <= count, (f, count)
        assert 1 <= f.end_line <= count, (f, count)
        assert (f.end_line, f.end_column) >= (f.line, f.column), f
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1, (f, lines[f.line - 1])
        assert 1 <= f.end_column <= len(lines[f.end_line - 1]) + 1, (f, lines[f.end_line - 1])
        if f.fix is not None:
            for e in f.fix.edits:
                assert 1 <= e.line <= e.end_line <= len(lines), e
                assert (e.end_line, e.end_column) >= (e.line, e.column), e
                assert e.column <= len(lines[e.line - 1]) + 1 and e.end_column <= len(lines[e.end_line - 1]) + 1, e


def compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "fuzz.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def check_program(text: str) -> None:
    findings = lint(text)  # must not raise
    assert_positions_inside(text, findings)
    if not compiles(text):
        assert any(f.rule == "LSTM001" for f in findings), findings


# --- random valid Python -------------------------------------------------------------------------------------


@pytest.mark.slow
@fuzz(150)
@given(hypothesmith.from_grammar())
def test_grammar_programs_never_crash(code):
    check_program(IN_SCOPE + code)


@pytest.mark.slow
@fuzz(100)
@given(hypothesmith.from_node())
def test_node_programs_never_crash(code):
    check_program(IN_SCOPE + code)


@pytest.mark.slow
@fuzz(60)
@given(hypothesmith.from_grammar(), st.integers(0, 10_000), st.sampled_from(["(", ")", ":", "\\", "'", "\t", " ", "\n", "lambda", "print "]))
def test_near_miss_programs_are_syntax_errors_not_crashes(code, where, junk):
    """A valid program with junk spliced in: whatever libcst or CPython rejects is LSTM001, never an exception."""
    text = IN_SCOPE + code
    cut = where % (len(text) + 1)
    check_program(text[:cut] + junk + text[cut:])


# --- random Keras model programs -----------------------------------------------------------------------------

RECURRENT = ["LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU", "ConvLSTM1D", "ConvLSTM2D"]
COMPANIONS = ["Dense(1)", "Dense(10, activation='relu')", "Dropout(0.2)", "TimeDistributed(keras.layers.Dense(3))",
              "Flatten()", "RepeatVector(5)", "Embedding(100, 8)", "BatchNormalization()", "Masking()",
              "Conv1D(4, 3)", "GlobalAveragePooling1D()", "Reshape((5, 2))", "Attention()"]
UNITS = ["8", "32", "1", "0", "-4", "2.5", "'64'", "None", "n_units", "look_back", "True", "10**3", "units=16"]
BOOL = ["True", "False", "1", "0", "None", "'yes'", "flag"]


@st.composite
def shapes(draw):
    entries = draw(st.lists(st.sampled_from(["None", "10", "1", "3", "look_back", "0", "-1", "5.0"]), min_size=1,
                            max_size=4))
    inner = ", ".join(entries) + ("," if len(entries) == 1 and draw(st.booleans()) else "")
    return draw(st.sampled_from([f"({inner})", f"[{inner}]"]))


@st.composite
def recurrent_layer(draw, first: bool):
    cls = draw(st.sampled_from(RECURRENT))
    args = [draw(st.sampled_from(UNITS))]
    if cls.startswith("ConvLSTM"):
        args.append(draw(st.sampled_from(["3", "(3, 3)", "kernel_size=3"])))
    kwargs = draw(st.lists(st.sampled_from([
        "return_sequences", "return_state", "stateful", "unroll", "go_backwards", "dropout", "recurrent_dropout",
        "activation", "input_shape", "batch_input_shape", "input_dim", "batch_size", "unknown_kwarg",
        "retrun_sequences", "time_major", "implementation"]), unique=True, max_size=4))
    for kw in kwargs:
        if kw in ("input_shape", "batch_input_shape"):
            value = draw(shapes())
        elif kw in ("dropout", "recurrent_dropout"):
            value = draw(st.sampled_from(["0.1", "0", "'x'", "-1"]))
        elif kw == "activation":
            value = draw(st.sampled_from(["'tanh'", "'relu'", "None", "3"]))
        elif kw in ("input_dim", "batch_size", "implementation"):
            value = draw(st.sampled_from(["3", "32", "0", "'a'"]))
        else:
            value = draw(st.sampled_from(BOOL))
        args.append(f"{kw}={value}")
    layer = f"keras.layers.{cls}({', '.join(a for a in args if '=' not in a or a.startswith('units'))}"
    rest = [a for a in args if "=" in a and not a.startswith("units")]
    layer += (", " if rest and not layer.endswith("(") else "") + ", ".join(rest) + ")"
    if draw(st.integers(0, 5)) == 0:
        layer = f"keras.layers.Bidirectional({layer})"
    return layer


@st.composite
def layer_list(draw):
    first = draw(recurrent_layer(first=True))
    layers = [first]
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            layers.append(draw(recurrent_layer(first=False)))
        else:
            layers.append("keras.layers." + draw(st.sampled_from(COMPANIONS)))
    if draw(st.booleans()):
        layers.insert(0, f"keras.Input({draw(shapes())}" + (", batch_size=16)" if draw(st.booleans()) else ")"))
    return layers


@st.composite
def fit_calls(draw, model: str = "model"):
    calls = []
    for _ in range(draw(st.integers(0, 2))):
        method = draw(st.sampled_from(["fit", "predict", "evaluate", "reset_states", "compile"]))
        if method == "compile":
            calls.append(f"{model}.compile(loss='mse', optimizer='adam')")
            continue
        if method == "reset_states":
            calls.append(f"{model}.reset_states()")
            continue
        x = draw(st.sampled_from(["x", "np.zeros((64, 10, 3))", "np.zeros((64, 10))", "np.random.rand(100, 10, 3)",
                                  "dataset"]))
        args = [x] + (["y"] if method != "predict" else [])
        for kw in draw(st.lists(st.sampled_from(["batch_size", "shuffle", "epochs", "bogus"]), unique=True,
                                max_size=3)):
            value = {"batch_size": draw(st.sampled_from(["16", "32", "1", "0", "-8", "None", "bs"])),
                     "shuffle": draw(st.sampled_from(BOOL)), "epochs": "2", "bogus": "1"}[kw]
            args.append(f"{kw}={value}")
        calls.append(f"{model}.{method}({', '.join(args)})")
    return calls


@st.composite
def keras_programs(draw):
    """A random Keras model program: Sequential list / .add / functional / subclass, valid or not."""
    header = draw(st.sampled_from([
        "import keras\nimport numpy as np\n",
        "import numpy as np\nfrom tensorflow import keras\n",
        "import numpy as np\nfrom keras import layers\nimport keras\n",
        "import numpy as np\nimport tensorflow as tf\nkeras = tf.keras\n",
    ]))
    prelude = "look_back = 10\nn_units = 32\nx = np.zeros((64, 10, 3))\ny = np.zeros((64, 1))\n"
    layers = draw(layer_list())
    style = draw(st.sampled_from(["list", "add", "functional", "subclass"]))
    if style == "list":
        sep = draw(st.sampled_from([", ", ",\n    ", ",  # comment\n    "]))
        body = f"model = keras.Sequential([\n    {sep.join(layers)}\n])\n"
    elif style == "add":
        body = "model = keras.Sequential()\n" + "".join(f"model.add({layer})\n" for layer in layers)
    elif style == "functional":
        if not layers[0].startswith("keras.Input"):
            layers.insert(0, f"keras.Input({draw(shapes())})")
        body = f"inputs = {layers[0]}\nh = inputs\n"
        for layer in layers[1:]:
            body += f"h = {layer}(h)\n"
        body += "model = keras.Model(inputs, h)\n"
    else:
        body = "class Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
        for i, layer in enumerate(layers):
            body += f"        self.l{i} = {layer}\n"
        body += "    def call(self, x):\n"
        for i in range(len(layers)):
            body += f"        x = self.l{i}(x)\n"
        body += "        return x\nmodel = Net()\n"
    calls = draw(fit_calls())
    text = header + prelude + body + "".join(c + "\n" for c in calls)
    if draw(st.integers(0, 6)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 6)) == 0:
        text = text.replace("    ", "\t")
    if draw(st.integers(0, 8)) == 0:
        text = text.rstrip("\n")  # no final newline
    return text


@pytest.mark.slow
@fuzz(400)
@given(keras_programs(), st.sampled_from([CONFIG, CONFIG2]))
def test_keras_programs_never_crash_and_positions_stay_inside(text, config):
    findings = lint(text, config)
    assert_positions_inside(text.replace("\r\n", "\n"), findings)
    if not compiles(text):
        assert any(f.rule == "LSTM001" for f in findings), findings


@pytest.mark.slow
def test_strategy_reaches_the_rules():
    """The model strategy is not vacuous: over a fixed sample it produces findings of several rules."""
    seen: set[str] = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(keras_programs())
    def collect(text):
        seen.update(f.rule for f in lint(text))

    collect()
    assert len(seen - {"LSTM001"}) >= 6, seen


# Lone \r and \r\n end lines for Python as \n does; each finding must sit where Python (and an editor) puts the
# code: (rule, line, column, end line, end column), 1-based, worked out by hand from the text.
CR_SOURCES = [
    ("import keras\r\nx = 1\rkeras.layers.LSTM(0)\n", ("LSTM303", 3, 1, 3, 21)),
    ("import keras\rx = 1\r\ny = keras.layers.GRU(-1)\r", ("LSTM303", 3, 5, 3, 25)),
    ("import keras\rx = 1\r\ny = keras.layers.LSTM(8,", ("LSTM001", 3, 22, 3, 22)),  # at the unclosed "("
]


@pytest.mark.parametrize("text", [
    "import keras\n" + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "import keras\n" + "x = " + "-" * 5000 + "1\n",
    "import keras\n" + "x = " + "1 + " * 5000 + "1\n",
    "import keras\n" + "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "import keras\n" + "if 1:\n" * 100 + "    " * 100 + "pass\n",
    "import keras\nprint 'x'\n",
    "import keras\nkeras.layers.LSTM(8,",
    *(text for text, _ in CR_SOURCES),
    "\ufeffimport keras\n",
    "import keras\nx = '\x00'\n",
])
def test_pathological_sources_are_findings(text):
    findings = lint(text)
    assert_positions_inside(text.replace("\r\n", "\n").replace("\r", "\n"), findings)
    if not compiles(text):
        assert any(f.rule == "LSTM001" for f in findings), findings


@pytest.mark.parametrize("text, expected", CR_SOURCES)
def test_carriage_return_sources_put_findings_on_the_right_line_and_column(text, expected):
    [finding] = lint(text)
    assert (finding.rule, finding.line, finding.column, finding.end_line, finding.end_column) == expected
    line = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[finding.line - 1]
    if finding.rule == "LSTM001":  # where CPython's compiler puts the error
        with pytest.raises(SyntaxError) as error:
            compile(text, "fuzz.py", "exec", dont_inherit=True)
        assert (error.value.lineno, error.value.offset) == (finding.line, finding.column)
    else:  # the span is the layer call itself
        assert line[finding.column - 1:finding.end_column - 1].startswith("keras.layers.")
        assert line[finding.column - 1:finding.end_column - 1].endswith(")")
