"""Arrays and the shapes numpy, pandas and scikit-learn give them, computed by their own rules without running
anything: creators (``np.zeros((n, t, f))``, ``np.random.rand``, ``np.arange``), ``np.array`` of nested list
literals, ``reshape`` (``-1`` resolved when the size is known), basic indexing (``x[a:b]``, ``x[:, -1]``,
``x[..., None]``, negative steps), ``np.stack`` / ``concatenate`` / ``hstack`` / ``vstack`` / ``dstack`` /
``column_stack``, ``np.expand_dims``, ``to_categorical``, ``train_test_split``, ``make_regression`` /
``make_classification``, ``DataFrame[[c1, c2]].values``.

An array is a ``Value`` of kind ``array`` whose ``items`` are its dims; a dim may be unknown (a partial shape: an
unknown sample count with known timesteps and features is enough for the rank, timesteps and features rules).
Two unknown values carry a tag: ``ndarray`` (a numpy array of unknown shape and rank, e.g. ``np.array(X)`` of a
list built in a loop: its ``reshape(-1, T, F)`` is known to be (?, T, F)) and ``frame`` (a pandas DataFrame;
``items`` holds its column count when known). Anything else stays unknown: every shape here is the one numpy
gives, or the program raises before it is used.

This module reads a call or an attribute and hands numpy's functions to ``arrays_numpy``, scikit-learn's to
``arrays_sklearn`` and indexing to ``arrays_index``; ``arrays_base`` holds what they share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import libcst as cst

from lstmlint.analyze import arrays_numpy, arrays_sklearn
from lstmlint.analyze.arrays_base import (FRAME, INT_SEQUENCES, SERIES, TOKENIZER, arg, array, dims_from, frame,
                                          int_of, is_array_like, ndarray, product, reshape, unknown_dim)
from lstmlint.analyze.arrays_index import subscript
from lstmlint.ir import NDARRAY, Value

if TYPE_CHECKING:
    from lstmlint.analyze.values import Evaluator, Scope

# the names values.py reads here
__all__ = ["FRAME", "NDARRAY", "array_of_unknown_shape", "attribute", "evaluate_call", "is_array_like", "ndarray",
           "subscript"]

_KERAS_ROOTS = ("keras", "tensorflow", "tf_keras")
_SAME_SHAPE_METHODS = {"astype", "copy", "__abs__"}
# DataFrame methods whose result keeps the frame's columns (rows may change)
_FRAME_KEEPING = {"dropna", "fillna", "copy", "head", "tail", "sort_values", "sort_index", "astype", "interpolate",
                  "ffill", "bfill", "abs", "round", "sample", "query"}
_PANDAS_READERS = {"read_csv", "read_excel", "read_table", "read_parquet", "read_json", "read_feather",
                   "read_pickle", "read_sql", "read_hdf", "DataFrame"}


def evaluate_call(evaluator: "Evaluator", node: cst.Call, scope: "Scope", text: str) -> Value | None:
    """The array (or frame) a call makes, or None when the call is not one we know."""
    evaluate: Callable = lambda n: evaluator.evaluate(n, scope)  # noqa: E731
    func = node.func
    if isinstance(func, cst.Attribute):
        resolved = evaluator.resolve(func, scope)
        if resolved is None:  # a method on a value: x.reshape(...), x.astype(...), df.to_numpy()
            return _method(evaluate, node, func.attr.value, evaluate(func.value), text)
    else:
        resolved = evaluator.resolve(func, scope)
        if isinstance(func, cst.Name) and func.value == "len" and resolved is None and scope.lookup("len") is None:
            target = arg(node, 0, "obj")
            return _len(evaluate(target)) if target is not None and len(node.args) == 1 else None
    if resolved is None:
        return None
    if resolved.startswith("numpy."):
        return arrays_numpy.call(evaluate, node, resolved[len("numpy."):], text)
    if resolved.startswith("pandas.") and resolved.rsplit(".", 1)[-1] in _PANDAS_READERS:
        header = arg(node, -1, "header")
        if header is not None and not isinstance(header, (cst.Integer, cst.Name)):
            return None  # header=[0, 1] makes MultiIndex columns: a column selection may take several
        return frame(None, text, f"a pandas DataFrame from {resolved.rsplit('.', 1)[-1]}()")
    if resolved.endswith(".to_categorical"):
        labels = arg(node, 0, ("x", "y"))
        classes = arg(node, 1, "num_classes")
        base = evaluate(labels) if labels is not None else None
        if base is not None and base.kind == "array" and classes is not None:
            dims = list(base.items)
            last = int_of(dims[-1]) if len(dims) > 1 else None
            if len(dims) > 1 and last is None:
                return None  # a last axis that may be 1, which Keras drops: labels (n, 1) give (n, K)
            return array([*(dims[:-1] if last == 1 else dims), evaluate(classes)], text)
        return None
    if resolved.rpartition(".")[2] == "Tokenizer" and ".preprocessing.text." in resolved \
            and resolved.split(".", 1)[0] in _KERAS_ROOTS:
        return Value.unknown("a Keras Tokenizer", text, tag=TOKENIZER)
    if resolved.rpartition(".")[2] == "pad_sequences" and resolved.split(".", 1)[0] in _KERAS_ROOTS:
        return _pad_sequences(evaluate, node, text)
    if resolved == "sklearn.model_selection.train_test_split":
        return arrays_sklearn.train_test_split(evaluate, node, text)
    if resolved in ("sklearn.datasets.make_regression", "sklearn.datasets.make_classification"):
        return arrays_sklearn.make_dataset(evaluate, node, resolved.rsplit(".", 1)[-1], text)
    return None


def _pad_sequences(evaluate: Callable, node: cst.Call, text: str) -> Value | None:
    """``pad_sequences(seqs, maxlen=n)``: a numpy array (len(seqs), n) when each sequence is a list of token ids;
    the longest sequence's length when ``maxlen`` is None (keras/src/utils/sequence_utils.py). Sequences of
    vectors keep their inner shape (``sample_shape = np.asarray(s).shape[1:]`` there: (n, maxlen, d)), so of
    sequences not known to be lists of ints only "a numpy array" is known."""
    if any(a.star for a in node.args):
        return None
    sequences = arg(node, 0, "sequences")
    if sequences is None or not _int_sequences(evaluate(sequences)):
        return ndarray("the result of pad_sequences() of sequences whose items may be vectors", text)
    given = arg(node, 1, "maxlen")
    maxlen = evaluate(given) if given is not None else Value.of(None)
    if maxlen.kind == "const" and maxlen.const is None or maxlen.kind == "unknown":
        maxlen = unknown_dim("the length of the longest padded sequence" if maxlen.kind == "const" else
                             maxlen.reason or "the maxlen of pad_sequences, not known statically")
    elif type(maxlen.const) is not int:
        return None
    return array([unknown_dim("the number of sequences padded"), maxlen], text)


def _int_sequences(value: Value) -> bool:
    """Lists of token ids: a Keras Tokenizer's texts_to_sequences(), or a literal list of lists of ints."""
    if value.kind == "unknown":
        return value.tag == INT_SEQUENCES
    return value.kind == "tuple" and all(
        item.kind == "tuple" and all(i.kind == "const" and type(i.const) is int for i in item.items)
        for item in value.items)


def _len(value: Value) -> Value | None:
    if value.kind == "array":
        return value.items[0] if value.items else None  # len() of a 0-d array raises
    if value.kind == "tuple":
        return Value.of(len(value.items))
    if value.kind == "const" and isinstance(value.const, str):
        return Value.of(len(value.const))
    return None


def _method(evaluate: Callable, node: cst.Call, method: str, base: Value, text: str) -> Value | None:
    if base.kind == "unknown" and base.tag == TOKENIZER and method == "texts_to_sequences":
        return Value.unknown("lists of token ids from a Keras Tokenizer", text, tag=INT_SEQUENCES)
    if base.kind == "unknown" and base.tag == FRAME:
        columns = base.items[0] if base.items else None
        if method == "to_numpy":
            return array([unknown_dim("the row count of a DataFrame"),
                          columns or unknown_dim("the column count of a DataFrame")], text)
        if method in _FRAME_KEEPING:
            return frame(columns, text)
        return None
    if base.kind == "unknown" and base.tag == SERIES:
        return array([unknown_dim("the length of a pandas Series")], text) if method == "to_numpy" else None
    if not is_array_like(base):
        return None
    if method in _SAME_SHAPE_METHODS:
        return array(base.items, text) if base.kind == "array" else ndarray(base.reason, text)
    if method == "reshape":
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if any(a.star for a in node.args):
            return None
        if len(positional) == 1:
            dims = dims_from(evaluate(positional[0].value))
        elif positional:
            dims = [evaluate(a.value) for a in positional]
        else:
            shape = arg(node, 0, "shape")
            dims = dims_from(evaluate(shape)) if shape is not None else None
        return reshape(base, dims, text) if dims else None
    if method in ("flatten", "ravel") and base.kind == "array":
        return array([product(base.items)], text)
    return None


def attribute(base: Value, attr: str, text: str) -> Value | None:
    """``df.values`` (2-D), ``series.values`` (1-D), ``x.T``."""
    if base.kind == "unknown" and base.tag == FRAME and attr == "values":
        columns = base.items[0] if base.items else unknown_dim("the column count of a DataFrame")
        return array([unknown_dim("the row count of a DataFrame"), columns], text)
    if base.kind == "unknown" and base.tag == SERIES and attr == "values":
        return array([unknown_dim("the length of a pandas Series")], text)
    if base.kind == "array" and attr == "T":
        return array(list(reversed(base.items)), text)
    return None



# Methods whose result is an array when their receiver is one, its shape not known: data for fit, not a
# tf.data.Dataset or a generator (the stateful rules tell the two apart; they need no shape for that).
_ARRAY_METHODS = {"reshape", "astype", "to_numpy", "copy", "squeeze", "transpose", "flatten", "ravel"}


def array_of_unknown_shape(evaluator: "Evaluator", node: cst.Call, scope: "Scope", text: str) -> Value | None:
    """``np.load(...)``, ``np.array(rows)``, ``x.reshape(n, t, 1)`` on such an array, ``df.to_numpy()``: an
    unknown value tagged ``array``; None when the call is not known to make an array."""
    func = node.func
    resolved = evaluator.resolve(func, scope)
    if resolved is not None:
        return ndarray("a NumPy array of unknown shape", text) if resolved.startswith(
            "numpy.") else None
    if isinstance(func, cst.Attribute) and func.attr.value in _ARRAY_METHODS:
        base = evaluator.evaluate(func.value, scope)
        if is_array_like(base) or func.attr.value == "to_numpy":
            return ndarray("an array of unknown shape", text)
    return None


# builtins whose result is a Python number (or the call raises): an array combined with one keeps its shape
_NUMBER_BUILTINS = {"float", "int", "len"}  # never abs() or round(): of an array, an array


def arithmetic(evaluator: "Evaluator", node: cst.BinaryOperation, left: Value, right: Value, scope: "Scope",
               text: str) -> Value | None:
    """``x / 255``, ``x * float(n)``, ``x - x``: a numpy array combined with a number, or with an array of the
    same known shape, has its shape (numpy's broadcasting changes none of them); None for anything else."""
    for this, other, other_node in ((left, right, node.right), (right, left, node.left)):
        if not is_array_like(this):
            continue
        if _is_number(evaluator, other, other_node, scope) or (
                this.kind == other.kind == "array" and _same_known_shape(this, other)):
            return array(list(this.items), text) if this.kind == "array" else ndarray(this.reason, text)
    return None


def _is_number(evaluator: "Evaluator", value: Value, node: cst.BaseExpression, scope: "Scope") -> bool:
    if value.kind == "const":
        return type(value.const) in (int, float)
    if not isinstance(node, cst.Call) or type(node.func) is not cst.Name:
        return False
    name = node.func.value
    return name in _NUMBER_BUILTINS and scope.lookup(name) is None and evaluator.imports.resolve(node.func) is None


def _same_known_shape(a: Value, b: Value) -> bool:
    sizes = [d.const if d.kind == "const" and type(d.const) is int else None for d in (*a.items, *b.items)]
    return len(a.items) == len(b.items) and None not in sizes and sizes[:len(a.items)] == sizes[len(a.items):]

