"""scikit-learn's data helpers: ``train_test_split`` (along axis 0, sizes as sklearn computes them) and
``make_regression`` / ``make_classification``."""

from __future__ import annotations

import math
from typing import Callable

import libcst as cst

from lstmlint.analyze.arrays_base import arg, array, int_of, is_array_like, ndarray, unknown_dim
from lstmlint.ir import Value


def _split_sizes(samples: int | None, test: Value | None, train: Value | None) -> tuple:
    """(n_train, n_test) as sklearn's _validate_shuffle_split computes them (sklearn/model_selection/_split.py:
    float sizes ceil the test share and floor the train share, ints are counts, None is the complement,
    test_size=0.25 when both are None); None for a count not known, "raises" when sklearn refuses."""
    def kind(value: Value | None):
        if value is None or (value.kind == "const" and value.const is None):
            return None, None
        if value.kind == "const" and type(value.const) is int:
            return "i", value.const
        if value.kind == "const" and type(value.const) is float:
            return "f", value.const
        return "?", None

    (test_kind, test_size), (train_kind, train_size) = kind(test), kind(train)
    if "?" in (test_kind, train_kind):
        return None, None
    if test_kind is None and train_kind is None:
        test_kind, test_size = "f", 0.25
    for k, size in ((test_kind, test_size), (train_kind, train_size)):
        if k == "f" and not 0 < size < 1:
            return "raises", "raises"
        if k == "i" and (size <= 0 or (samples is not None and size >= samples)):
            return "raises", "raises"
    if test_kind == "f" and train_kind == "f" and train_size + test_size > 1:
        return "raises", "raises"
    n_test = n_train = None
    if test_kind == "i":
        n_test = test_size
    elif test_kind == "f" and samples is not None:
        n_test = math.ceil(test_size * samples)
    if train_kind == "i":
        n_train = train_size
    elif train_kind == "f" and samples is not None:
        n_train = math.floor(train_size * samples)
    if samples is not None:
        if train_kind is None and n_test is not None:
            n_train = samples - n_test
        elif test_kind is None and n_train is not None:
            n_test = samples - n_train
        if n_train is not None and n_test is not None and (n_train + n_test > samples or n_train == 0):
            return "raises", "raises"
    return n_train, n_test


def train_test_split(evaluate: Callable, node: cst.Call, text: str) -> Value | None:
    if any(arg.star for arg in node.args):
        return None
    arrays = [evaluate(a.value) for a in node.args if a.keyword is None]
    if not arrays:
        return None
    keywords = {a.keyword.value: evaluate(a.value) for a in node.args if a.keyword is not None}
    lengths = {int_of(a.items[0]) for a in arrays if a.kind == "array" and a.items} - {None}
    if len(lengths) > 1:
        return None  # sklearn raises: inconsistent numbers of samples
    samples = lengths.pop() if lengths else None
    n_train, n_test = _split_sizes(samples, keywords.get("test_size"), keywords.get("train_size"))
    if n_train == "raises":
        return None
    parts: list[Value] = []
    for value in arrays:
        for count, which in ((n_train, "train"), (n_test, "test")):
            if value.kind == "array" and value.items:
                first = Value.of(count) if count is not None else unknown_dim(
                    f"the {which} share of train_test_split, of a size not known statically")
                parts.append(array([first, *value.items[1:]], text))
            elif is_array_like(value):
                parts.append(ndarray("a part of train_test_split of an array of unknown shape", text))
            else:
                parts.append(Value.unknown("a part of train_test_split of data whose shape is not known", text))
    return Value("tuple", items=parts, text=text)


def make_dataset(evaluate: Callable, node: cst.Call, name: str, text: str) -> Value | None:
    """``make_regression`` (X: (n_samples, n_features), y: (n_samples,) or (n_samples, n_targets)) and
    ``make_classification`` (X: (n_samples, n_features), y: (n_samples,)); sklearn's defaults 100 and 100 / 20."""
    if any(arg.star for arg in node.args):
        return None
    defaults = {"n_samples": 100, "n_features": 100 if name == "make_regression" else 20, "n_targets": 1}
    read: dict[str, Value] = {}
    for key, position in (("n_samples", 0), ("n_features", 1), ("n_targets", 3)):
        given = arg(node, position, key)
        read[key] = evaluate(given) if given is not None else Value.of(defaults[key])
    samples, features = read["n_samples"], read["n_features"]
    for value in (samples, features):
        if value.kind == "const" and (int_of(value) is None or value.const < 0):
            return None
    if int_of(samples) == 1:
        return None  # np.squeeze of y also drops the sample axis
    x = array([samples if int_of(samples) is not None else unknown_dim("n_samples not known"),
               features if int_of(features) is not None else unknown_dim("n_features not known")], text)
    y_dims = [x.items[0]]
    if name == "make_regression":
        targets = int_of(read["n_targets"])
        if targets is None:
            return None
        if targets != 1:
            y_dims.append(Value.of(targets))
    coef = arg(node, -1, "coef") if name == "make_regression" else None
    if coef is not None:
        wanted = evaluate(coef)
        if wanted.kind != "const":
            return None
        if wanted.const:
            return Value("tuple", items=[x, array(y_dims, text), Value.unknown("the coefficients", text)], text=text)
    return Value("tuple", items=[x, array(y_dims, text)], text=text)
