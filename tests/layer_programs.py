"""Random small Keras programs that build layers of every class in keras_api.LAYERS with arbitrary argument values,
positional and keyword: mostly values Keras accepts (so that the shape functions compute something), and hostile
ones — 0, negatives, None inside tuples, tuples of the wrong length, nested tuples and lists, strings, floats,
bools, huge ints, names the analyzer cannot resolve, *args / **kwargs, keywords no version accepts — in small
Sequential and functional models (two inputs, merges, lists of tensors, multi-output unpacking, fit calls).

A program is a function of one seed (:func:`program`), drawn by hypothesis through :func:`programs`: drawing
through hypothesis's own strategies cost ~80 ms a program, which would make the 10,000-program fuzz take 15
minutes; a seeded ``random.Random`` costs ~0.1 ms. A failure prints the seed and the program.

``literal_only=True`` keeps every value a literal, so that the runtime checker can rebuild the model in Keras
(the Keras oracle in test_shapes_total.py).
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

from lstmlint.keras_api import LAYERS

CLASSES = sorted(LAYERS)
HUGE = "9" * 2500  # a literal Python parses but Keras could never build (int->str refuses past 4,300 digits)

HOSTILE = ["0", "-1", "-3", "None", "True", "False", "0.5", "2.0", "1e400", "-0.0", "'same'", "'valid'", "'causal'",
           "'concat'", "'sum'", "'channels_first'", "'CHANNELS_LAST'", "'tanh'", "'x'", "''", "()", "[]", "(None,)",
           "(1, None)", "(None, 1)", "(2, 2, 2)", "((1, 2), 3)", "[[1], [2]]", "(1.5, 2)", "('a', 1)", "(-1, -1)",
           "9223372036854775807", "9223372036854775808", "9" * 40, "-" + "9" * 40, "(" + "9" * 30 + ", 3)", HUGE]
UNRESOLVED = ["n", "k", "look_back", "X.shape", "X.shape[1:]", "cfg['units']", "lambda t: t", "-n", "n + 1",
              "np.int64(3)", "(n, 3)", "[None, n]", "{}"]
SHAPES = ["(10, 3)", "(10, 3)", "(None, 3)", "(None, 3)", "(12,)", "(None, 10, 10, 3)", "(6, 8, 2)",
          "(3, 6, 6, 6, 1)", "(None, 12)", "(5, 1)", "(2, 3)"]
HOSTILE_SHAPES = ["()", "(None,)", "(0, 3)", "(10, None)", "(10, -1)", "(None, 10.0)", "((10, 3),)", "(True, 3)",
                  "(10, " + "9" * 30 + ")", "[5, 2]", "10", "(10, 'a')"]
UNRESOLVED_SHAPES = ["(look_back, 3)", "X.shape[1:]", "X.shape", "(n, 3)"]
EXTRA_KEYWORDS = ["bogus", "nb_filter", "nb_row", "nb_col", "output_dim", "init", "input_shape", "batch_input_shape",
                  "input_dim", "batch_size"]

# a first layer gets an input of the rank it reads half of the time, so that deep shape paths are reached
RANK_HINTS = {"ConvLSTM1D": "(6, 8, 2)", "ConvLSTM2D": "(None, 10, 10, 3)", "ConvLSTM3D": "(3, 6, 6, 6, 1)",
              "RepeatVector": "(12,)", "Embedding": "(12,)", "Conv2D": "(8, 8, 3)"}
WINDOW_RANKS = {"ConvLSTM2D": 2, "ConvLSTM3D": 3, "Conv2D": 2}
# the 2-D / 3-D layers around the recurrent ones (issue 11 point 5)
_SPATIAL = {2: ("Conv2D Convolution2D Conv2DTranspose MaxPooling2D AveragePooling2D MaxPool2D AvgPool2D "
                "GlobalAveragePooling2D GlobalMaxPooling2D GlobalAvgPool2D GlobalMaxPool2D UpSampling2D Cropping2D "
                "ZeroPadding2D"),
            3: ("Conv3D Convolution3D Conv3DTranspose MaxPooling3D AveragePooling3D MaxPool3D AvgPool3D "
                "GlobalAveragePooling3D GlobalMaxPooling3D GlobalAvgPool3D GlobalMaxPool3D UpSampling3D Cropping3D "
                "ZeroPadding3D")}
for _rank, _names in _SPATIAL.items():
    for _name in _names.split():
        RANK_HINTS.setdefault(_name, "(8, 8, 3)" if _rank == 2 else "(6, 6, 6, 2)")
        WINDOW_RANKS.setdefault(_name, _rank)
RANK_HINTS["TextVectorization"] = "(1,)"
REQUIRED = {"units", "filters", "kernel_size", "n", "target_shape", "dims", "input_dim", "output_dim", "rate",
            "stddev", "activation", "layer", "cell", "cells", "pool_size", "function", "axes", "num_heads", "key_dim"}
SIZES = ("units", "filters", "n", "output_dim", "input_dim", "size", "num_heads", "key_dim", "groups",
         "depth_multiplier", "value_dim")
WINDOWS = ("kernel_size", "strides", "pool_size", "dilation_rate")
FLAGS = ("return_sequences", "return_state", "use_bias", "keepdims", "center", "scale", "reset_after",
         "go_backwards", "unroll", "unit_forget_bias", "normalize", "use_scale")
LEGAL = {
    "padding": ["'valid'", "'same'", "'causal'", "1", "2", "(1, 2)", "(0, 3)"],
    "cropping": ["1", "(1, 2)", "(0, 1)"],
    "data_format": ["'channels_last'", "'channels_last'", "'channels_first'", "None"],
    "merge_mode": ["'concat'", "'concat'", "'sum'", "'ave'", "'mul'", "None"],
    "axis": ["-1", "-1", "1", "2", "0", "[1, 2]", "-2"],
    "axes": ["-1", "1", "(1, 1)"],
    "target_shape": ["(-1,)", "(30,)", "(-1, 3)", "(3, 10)", "(None, 6)", "(6, -1)", "(2, 3, 5)", "(12,)", "(4, 3)"],
    "dims": ["(2, 1)", "(1, 2)", "(1,)", "(2, 1, 3)", "(3, 1, 2)"],
    "rate": ["0.1", "0.5"], "stddev": ["0.1"], "dropout": ["0.1", "0"], "recurrent_dropout": ["0.1", "0"],
    "activation": ["'relu'", "'tanh'", "None"], "recurrent_activation": ["'sigmoid'"],
    "shared_axes": ["[1]", "(1, 2)"], "mask_value": ["0.0"], "l1": ["0.01"], "l2": ["0.01"],
}


def _tuple(items: list[str], list_brackets: bool) -> str:
    if list_brackets:
        return "[" + ", ".join(items) + "]"
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


class _Writer:
    def __init__(self, rng: random.Random, literal_only: bool) -> None:
        self.rng = rng
        self.literal_only = literal_only

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def hostile(self, depth: int = 0) -> str:
        r = self.rng.random()
        if r < 0.55 or depth > 2:
            return self.pick(HOSTILE)
        if r < 0.8 or self.literal_only:
            parts = [self.hostile(depth + 1) if self.rng.random() < 0.3 else str(self.rng.randint(-3, 12))
                     for _ in range(self.rng.randrange(5))]
            return _tuple(parts, self.rng.random() < 0.3)
        return self.pick(UNRESOLVED)

    def legal(self, cls: str, name: str | None, depth: int) -> str:
        if name in ("layer", "backward_layer"):
            inner = ["LSTM", "GRU", "SimpleRNN", "RNN", "Dense", "Conv1D", "Dropout", "MaxPooling1D", "Embedding"]
            return self.layer(depth + 1, inner if self.rng.random() < 0.8 else None)
        if name in ("cell", "cells"):
            cells = [self.layer(depth + 1, ["LSTMCell", "GRUCell", "SimpleRNNCell"] if self.rng.random() < 0.9
                                else None) for _ in range(self.rng.randint(1, 3))]
            return cells[0] if len(cells) == 1 and self.rng.random() < 0.6 else "[" + ", ".join(cells) + "]"
        if name in ("input_shape", "shape", "batch_input_shape", "batch_shape"):
            return self.shape()
        if name in SIZES:
            return str(self.rng.randint(1, 12))
        if name in WINDOWS:
            k = str(self.rng.randint(1, 3))
            rank = WINDOW_RANKS.get(cls, 1)
            return self.pick([k, k, _tuple([k] * rank, False), _tuple([k] * rank, True), f"({k}, 1, {k}, 1)"])
        if name in FLAGS or name == "stateful":
            return self.pick(["True", "False"])
        if name in LEGAL:
            return self.pick(LEGAL[name])
        return self.hostile()

    def value(self, cls: str, name: str | None, depth: int) -> str:
        if name in ("layer", "backward_layer", "cell", "cells") and depth >= 2:
            return self.pick(["None", "n", "layers.Dense(3)"]) if not self.literal_only else "None"
        r = self.rng.random()
        if r < 0.7 or name in ("layer", "cell"):
            return self.legal(cls, name, depth)
        if r < 0.95 or self.literal_only:
            return self.hostile()
        return self.pick(UNRESOLVED)

    def shape(self, first: str = "") -> str:
        hint = next((h for cls, h in RANK_HINTS.items() if first.startswith(f"layers.{cls}(")), None)
        if hint and self.rng.random() < 0.5:
            return hint
        r = self.rng.random()
        if r < 0.8:
            return self.pick(SHAPES)
        if r < 0.95 or self.literal_only:
            return self.pick(HOSTILE_SHAPES)
        return self.pick(UNRESOLVED_SHAPES)

    def layer(self, depth: int = 0, classes: list[str] | None = None) -> str:
        """``layers.<Class>(<positional>, <keyword>=<value>, ...)``"""
        cls = self.pick(classes or CLASSES)
        spec = LAYERS[cls]
        positional = spec.positional
        keywords = sorted((spec.k3 or frozenset()) | (spec.k2 or frozenset()))
        args: list[str] = []
        required = next((i for i, name in enumerate(positional) if name not in REQUIRED), len(positional))
        if self.rng.random() < 0.85:
            count = required + self.rng.randint(0, 1)
        else:
            count = self.rng.randint(0, min(len(positional), 3) + (1 if self.rng.random() < 0.05 else 0))
        for position in range(count):
            name = positional[position] if position < len(positional) else None
            args.append(self.value(cls, name, depth))
        wanted = self.rng.randint(0, 3)
        for _ in range(wanted):
            pool = EXTRA_KEYWORDS if self.rng.random() < 0.1 else keywords
            name = self.pick(pool) if pool else "name"
            if any(a.startswith(name + "=") for a in args):
                continue
            args.append(f"{name}={self.value(cls, name, depth)}")
        if not self.literal_only and self.rng.random() < 0.03:
            args.append(self.pick(["*rest", "**cfg"]))
        return f"layers.{cls}({', '.join(args)})"

    def program(self) -> str:
        head = "import keras\nfrom keras import layers\nimport numpy as np\n"
        if not self.literal_only:
            head += "n = int(input())\nlook_back = 10\nX = np.zeros((32, 10, 3))\ncfg = {}\nrest = []\n"
        calls = [self.layer() for _ in range(self.rng.randint(1, 4))]
        style = self.pick(["list", "add", "functional", "functional"])
        if style in ("list", "add"):
            start = self.pick(["input", "input", "input", "none", "build"])
            first = [f"keras.Input(shape={self.shape(calls[0])})"] if start == "input" else []
            if style == "list":
                body = "model = keras.Sequential([" + ", ".join(first + calls) + "])\n"
            else:
                body = "model = keras.Sequential()\n" + "".join(f"model.add({c})\n" for c in first + calls)
            if start == "build":
                body += f"model.build({self.pick(['(None, 10, 3)', '(4, 10, 3)', '(None, 12)', '()', '(None, -1, 3)'])})\n"
        else:
            body = f"a = keras.Input(shape={self.shape(calls[0])})\nb = keras.Input(shape={self.shape()})\nx = a\n"
            for call in calls:
                merging = LAYERS[call[len("layers."):call.index("(")]].family in ("merge", "attention")
                source = self.pick(["[x, x]", "[x, x]", "[x, b]", "x", "[x]"] if merging else
                                   ["x", "x", "x", "x", "[x, x]", "[x, b]", "[a, b, x]"])
                target = self.pick(["x", "x", "x", "x", "x, h", "x, h, c"])
                body += f"{target} = {call}({source})\n"
            body += "model = keras.Model([a, b], x)\n"
        if self.rng.random() < 0.2:
            data = self.pick(["(32, 10, 3)", "(32, 12)", "(7, 10, 3)"])
            body += f"model.fit(np.zeros({data}), np.zeros((32, 1)), batch_size={self.value('', None, 0)})\n"
        return head + body


def program(seed: int, literal_only: bool = False) -> str:
    return _Writer(random.Random(seed), literal_only).program()


def programs(literal_only: bool = False) -> st.SearchStrategy[str]:
    return st.integers(0, 2**64).map(lambda seed: f"# seed {seed}\n" + program(seed, literal_only))
