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
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import libcst as cst

from lstmlint.ir import NDARRAY, Value

if TYPE_CHECKING:
    from lstmlint.analyze.values import Evaluator, Scope

FRAME = "frame"  # tag of an unknown value known to be a pandas DataFrame (items: [columns] when known)
SERIES = "series"

# numpy function -> where its shape comes from: ("shape", position) or ("size", position) or ("dims",)
_CREATORS: dict[str, tuple] = {
    "zeros": ("shape", 0), "ones": ("shape", 0), "empty": ("shape", 0), "full": ("shape", 0),
    "random.rand": ("dims",), "random.randn": ("dims",),
    "random.random": ("size", 0), "random.random_sample": ("size", 0), "random.sample": ("size", 0),
    "random.ranf": ("size", 0), "random.standard_normal": ("size", 0),
    "random.normal": ("size", 2), "random.uniform": ("size", 2), "random.randint": ("size", 2),
    "random.binomial": ("size", 2), "random.poisson": ("size", 1), "random.exponential": ("size", 1),
}
_SAME_SHAPE_METHODS = {"astype", "copy", "__abs__"}
# DataFrame methods whose result keeps the frame's columns (rows may change)
_FRAME_KEEPING = {"dropna", "fillna", "copy", "head", "tail", "sort_values", "sort_index", "astype", "interpolate",
                  "ffill", "bfill", "abs", "round", "sample", "query"}
_PANDAS_READERS = {"read_csv", "read_excel", "read_table", "read_parquet", "read_json", "read_feather",
                   "read_pickle", "read_sql", "read_hdf", "DataFrame"}


def array(dims: list[Value], text: str, name: str | None = None) -> Value:
    return Value("array", items=dims, text=text, name=name)


def ndarray(reason: str, text: str) -> Value:
    return Value.unknown(reason, text, tag=NDARRAY)


def frame(columns: Value | None, text: str, reason: str = "a pandas DataFrame") -> Value:
    known = f" of {columns.const} columns" if columns is not None and columns.kind == "const" else ""
    return Value("unknown", items=[columns] if columns is not None else [], tag=FRAME, reason=reason + known,
                 text=text)


def is_array_like(value: Value) -> bool:
    """A numpy array (of known shape or not): only ``resize`` or ``.shape =`` change its shape in place."""
    return value.kind == "array" or (value.kind == "unknown" and value.tag == NDARRAY)


def _int(value: Value | None):
    """An int (not a bool) or None for anything else."""
    if value is not None and value.kind == "const" and type(value.const) is int:
        return value.const
    return None


def _dims_from(value: Value) -> list[Value] | None:
    if value.kind == "tuple":
        return list(value.items)
    if _int(value) is not None:
        return [value]
    return None


def _arg(node: cst.Call, position: int, keyword: str | tuple[str, ...]) -> cst.BaseExpression | None:
    keywords = (keyword,) if isinstance(keyword, str) else keyword
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    if position < 0:  # keyword-only
        return None
    positional = [a for a in node.args if a.keyword is None and not a.star]
    return positional[position].value if position < len(positional) else None


def _unknown_dim(reason: str) -> Value:
    return Value.unknown(reason)


def reshape(base: Value, target: list[Value], text: str) -> Value | None:
    """``-1`` is resolved when every other dim and the size are known; a target numpy refuses is None."""
    wanted = [_int(d) for d in target]
    if any(w is not None and w < -1 for w in wanted) or wanted.count(-1) > 1:
        return None  # numpy raises
    if any(d.kind != "const" and d.kind != "unknown" for d in target):
        return None
    if any(d.kind == "const" and _int(d) is None for d in target):
        return None  # a float, a string, None: numpy raises
    if wanted.count(-1) == 1:
        index = wanted.index(-1)
        sizes = [_int(d) for d in base.items] if base.kind == "array" else [None]
        rest = [w for i, w in enumerate(wanted) if i != index]
        if all(s is not None for s in sizes) and all(r is not None for r in rest):
            total, known = math.prod(sizes), math.prod(rest)  # type: ignore[arg-type]
            resolved = Value.of(total // known) if known and total % known == 0 else None
            if resolved is None:
                return None  # numpy raises: the size does not divide
        else:
            resolved = _unknown_dim("the -1 of a reshape of an array whose size is not known")
        target = [*target[:index], resolved, *target[index + 1:]]
    return array(target, text)


def evaluate_call(evaluator: "Evaluator", node: cst.Call, scope: "Scope", text: str) -> Value | None:
    """The array (or frame) a call makes, or None when the call is not one we know."""
    evaluate: Callable = lambda n: evaluator.evaluate(n, scope)  # noqa: E731
    func = node.func
    if isinstance(func, cst.Attribute):
        resolved = evaluator.imports.resolve(func)
        if resolved is None:  # a method on a value: x.reshape(...), x.astype(...), df.to_numpy()
            return _method(evaluate, node, func.attr.value, evaluate(func.value), text)
    else:
        resolved = evaluator.imports.resolve(func)
        if isinstance(func, cst.Name) and func.value == "len" and resolved is None and scope.lookup("len") is None:
            target = _arg(node, 0, "obj")
            return _len(evaluate(target)) if target is not None and len(node.args) == 1 else None
    if resolved is None:
        return None
    if resolved.startswith("numpy."):
        return _numpy(evaluate, node, resolved[len("numpy."):], text)
    if resolved.startswith("pandas.") and resolved.rsplit(".", 1)[-1] in _PANDAS_READERS:
        header = _arg(node, -1, "header")
        if header is not None and not isinstance(header, (cst.Integer, cst.Name)):
            return None  # header=[0, 1] makes MultiIndex columns: a column selection may take several
        return frame(None, text, f"a pandas DataFrame from {resolved.rsplit('.', 1)[-1]}()")
    if resolved.endswith(".to_categorical"):
        labels = _arg(node, 0, ("x", "y"))
        classes = _arg(node, 1, "num_classes")
        base = evaluate(labels) if labels is not None else None
        if base is not None and base.kind == "array" and classes is not None:
            dims = list(base.items)
            last = _int(dims[-1]) if len(dims) > 1 else None
            if len(dims) > 1 and last is None:
                return None  # a last axis that may be 1, which Keras drops: labels (n, 1) give (n, K)
            return array([*(dims[:-1] if last == 1 else dims), evaluate(classes)], text)
        return None
    if resolved == "sklearn.model_selection.train_test_split":
        return _train_test_split(evaluate, node, text)
    if resolved in ("sklearn.datasets.make_regression", "sklearn.datasets.make_classification"):
        return _make_dataset(evaluate, node, resolved.rsplit(".", 1)[-1], text)
    return None


def _len(value: Value) -> Value | None:
    if value.kind == "array":
        return value.items[0] if value.items else None  # len() of a 0-d array raises
    if value.kind == "tuple":
        return Value.of(len(value.items))
    if value.kind == "const" and isinstance(value.const, str):
        return Value.of(len(value.const))
    return None


def _method(evaluate: Callable, node: cst.Call, method: str, base: Value, text: str) -> Value | None:
    if base.kind == "unknown" and base.tag == FRAME:
        columns = base.items[0] if base.items else None
        if method == "to_numpy":
            return array([_unknown_dim("the row count of a DataFrame"),
                          columns or _unknown_dim("the column count of a DataFrame")], text)
        if method in _FRAME_KEEPING:
            return frame(columns, text)
        return None
    if base.kind == "unknown" and base.tag == SERIES:
        return array([_unknown_dim("the length of a pandas Series")], text) if method == "to_numpy" else None
    if not is_array_like(base):
        return None
    if method in _SAME_SHAPE_METHODS:
        return array(base.items, text) if base.kind == "array" else ndarray(base.reason, text)
    if method == "reshape":
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if any(a.star for a in node.args):
            return None
        if len(positional) == 1:
            dims = _dims_from(evaluate(positional[0].value))
        elif positional:
            dims = [evaluate(a.value) for a in positional]
        else:
            shape = _arg(node, 0, "shape")
            dims = _dims_from(evaluate(shape)) if shape is not None else None
        return reshape(base, dims, text) if dims else None
    if method in ("flatten", "ravel") and base.kind == "array":
        return array([_product(base.items)], text)
    return None


def _product(dims: list[Value]) -> Value:
    sizes = [_int(d) for d in dims]
    if all(s is not None for s in sizes):
        return Value.of(math.prod(sizes))  # type: ignore[arg-type]
    return _unknown_dim("the size of an array with an unknown dim")


def attribute(base: Value, attr: str, text: str) -> Value | None:
    """``df.values`` (2-D), ``series.values`` (1-D), ``x.T``."""
    if base.kind == "unknown" and base.tag == FRAME and attr == "values":
        columns = base.items[0] if base.items else _unknown_dim("the column count of a DataFrame")
        return array([_unknown_dim("the row count of a DataFrame"), columns], text)
    if base.kind == "unknown" and base.tag == SERIES and attr == "values":
        return array([_unknown_dim("the length of a pandas Series")], text)
    if base.kind == "array" and attr == "T":
        return array(list(reversed(base.items)), text)
    return None


# ---------------------------------------------------------------------------------------------- numpy


def _literal_shape(value: Value) -> list[Value] | None:
    """The shape numpy gives an array-like: a known array, a scalar, or nested lists/tuples of equal shapes
    (fully known: a ragged list is an error in numpy >= 1.24 and an object array before)."""
    if value.kind == "array":
        return list(value.items)
    if value.kind == "const":
        return [] if isinstance(value.const, (int, float, complex, str)) else None
    if value.kind != "tuple":
        return None
    shapes = [_literal_shape(item) for item in value.items]
    if any(s is None for s in shapes):
        return None
    if not shapes:
        return [Value.of(0)]
    if len(shapes) > 1:
        first = [_int(d) for d in shapes[0]]  # type: ignore[union-attr]
        if None in first or any([_int(d) for d in s] != first for s in shapes[1:]):  # type: ignore[union-attr]
            return None
    return [Value.of(len(shapes)), *shapes[0]]  # type: ignore[misc]


def _sequence_shapes(evaluate: Callable, node: cst.BaseExpression | None) -> list[list[Value]] | None:
    """The shapes of the arrays in a sequence argument (``np.stack([a, b])``), each as numpy reads it."""
    if node is None:
        return None
    value = evaluate(node)
    if value.kind != "tuple" or not value.items:
        return None
    shapes = [_literal_shape(item) for item in value.items]
    return None if any(s is None for s in shapes) else shapes  # type: ignore[return-value]


def _merge(dims: list[Value]) -> Value | None:
    """Dims numpy requires to be equal: the known one (the program raises unless they are); None when two
    known ones differ."""
    known = {_int(d) for d in dims} - {None}
    if len(known) > 1:
        return None
    for d in dims:
        if _int(d) is not None:
            return d
    return dims[0]


def _axis(evaluate: Callable, node: cst.Call, position: int, rank: int, default: int | None = 0):
    """A normalized axis in [0, rank); None when numpy would raise or it is not known; "none" for axis=None."""
    given = _arg(node, position, "axis")
    if given is None:
        if default is None:
            return "none"
        got = default
    else:
        value = evaluate(given)
        if value.kind == "const" and value.const is None:
            return "none"
        got = _int(value)
        if got is None:
            return None
    return got % rank if -rank <= got < rank else None


def _concatenate(shapes: list[list[Value]], axis: int, text: str) -> Value | None:
    rank = len(shapes[0])
    if rank == 0 or any(len(s) != rank for s in shapes) or not 0 <= axis < rank:
        return None
    out: list[Value] = []
    for i in range(rank):
        column = [s[i] for s in shapes]
        if i == axis:
            sizes = [_int(d) for d in column]
            out.append(Value.of(sum(sizes)) if all(s is not None for s in sizes)  # type: ignore[arg-type]
                       else _unknown_dim("a concatenation along an axis of unknown length"))
        else:
            merged = _merge(column)
            if merged is None:
                return None
            out.append(merged)
    return array(out, text)


def _at_least(shape: list[Value], kind: str) -> list[Value]:
    """numpy's atleast_1d / atleast_2d / atleast_3d / column_stack's promotion of one array."""
    one = Value.of(1)
    rank = len(shape)
    if kind == "1d":
        return shape if rank >= 1 else [one]
    if kind == "2d":
        return shape if rank >= 2 else [one, *shape] if rank == 1 else [one, one]
    if kind == "column":
        return shape if rank >= 2 else [shape[0], one] if rank == 1 else [one, one]
    # 3d: (N,) -> (1, N, 1); (M, N) -> (M, N, 1)
    if rank >= 3:
        return shape
    return [one, shape[0], one] if rank == 1 else [*shape, one] if rank == 2 else [one, one, one]


def _stacking(evaluate: Callable, node: cst.Call, name: str, text: str) -> Value | None:
    shapes = _sequence_shapes(evaluate, _arg(node, 0, ("arrays", "tup", "seq")))
    if shapes is None:
        return None
    if name == "stack":
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            return None
        axis = _axis(evaluate, node, 1, rank + 1)
        if axis is None or axis == "none":
            return None
        merged = [_merge([s[i] for s in shapes]) for i in range(rank)]
        if any(m is None for m in merged):
            return None
        return array([*merged[:axis], Value.of(len(shapes)), *merged[axis:]], text)  # type: ignore[list-item]
    if name in ("concatenate", "concat"):
        if not shapes[0]:
            return None  # zero-dimensional arrays cannot be concatenated
        axis = _axis(evaluate, node, 1, len(shapes[0]))
        if axis == "none":
            return _concatenate([[_product(s)] for s in shapes], 0, text)
        return None if axis is None else _concatenate(shapes, axis, text)
    if name == "hstack":
        promoted = [_at_least(s, "1d") for s in shapes]
        return _concatenate(promoted, 0 if len(promoted[0]) == 1 else 1, text)
    kind, axis = {"vstack": ("2d", 0), "row_stack": ("2d", 0), "dstack": ("3d", 2), "column_stack": ("column", 1)}[name]
    return _concatenate([_at_least(s, kind) for s in shapes], axis, text)


def _arange(evaluate: Callable, node: cst.Call, text: str) -> Value | None:
    positional = [a for a in node.args if a.keyword is None and not a.star]
    if len(positional) != len(node.args) or not 1 <= len(positional) <= 3:
        return None
    values = [evaluate(a.value) for a in positional]
    numbers = [v.const if v.kind == "const" and type(v.const) in (int, float) else None for v in values]
    if any(n is None for n in numbers):
        return array([_unknown_dim("np.arange of unknown bounds")], text)
    if len(numbers) == 1:
        numbers = [0, numbers[0]]
    start, stop, step = (*numbers, 1)[:3]
    if step == 0:
        return None  # numpy raises
    if all(type(n) is int for n in (start, stop, step)):
        return array([Value.of(len(range(start, stop, step)))], text)  # type: ignore[arg-type]
    # numpy: ceil((stop - start) / step) in double precision, at least 0
    length = math.ceil((stop - start) / step)  # type: ignore[operator]
    return array([Value.of(max(length, 0))], text)


def _numpy(evaluate: Callable, node: cst.Call, name: str, text: str) -> Value | None:
    spec = _CREATORS.get(name)
    if spec is not None:
        if spec[0] == "dims":
            return array([evaluate(a.value) for a in node.args if a.keyword is None and not a.star], text)
        source = _arg(node, spec[1], spec[0])
        dims = _dims_from(evaluate(source)) if source is not None else None
        return array(dims, text) if dims is not None else None
    if name in ("stack", "concatenate", "concat", "hstack", "vstack", "row_stack", "dstack", "column_stack"):
        return _stacking(evaluate, node, name, text)
    if name == "arange":
        return _arange(evaluate, node, text)
    if name in ("zeros_like", "ones_like", "empty_like", "full_like", "array", "asarray", "copy",
                "asanyarray"):
        source = _arg(node, 0, ("a", "object", "prototype"))
        if source is None:
            return None
        if any(arg.keyword is not None and arg.keyword.value in ("ndmin", "shape") for arg in node.args):
            return ndarray("an array made with ndmin= or shape=", text)
        base = evaluate(source)
        shape = _literal_shape(base)
        if shape is not None:
            return array(shape, text)
        return ndarray(f"an array made from `{base.text or 'a value'}`, whose shape is not known", text)
    if name == "reshape":
        source, shape = _arg(node, 0, "a"), _arg(node, 1, ("newshape", "shape"))
        if source is None or shape is None:
            return None
        base, dims = evaluate(source), _dims_from(evaluate(shape))
        return reshape(base, dims, text) if is_array_like(base) and dims else None
    if name == "expand_dims":
        source, axis = _arg(node, 0, "a"), _arg(node, 1, "axis")
        if source is None or axis is None:
            return None
        base, where = evaluate(source), evaluate(axis)
        if base.kind != "array" or _int(where) is None:
            return None
        dims = list(base.items)
        position = where.const if where.const >= 0 else len(dims) + 1 + where.const
        if not 0 <= position <= len(dims):
            return None
        return array([*dims[:position], Value.of(1), *dims[position:]], text)
    return None


# ---------------------------------------------------------------------------------------------- scikit-learn


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


def _train_test_split(evaluate: Callable, node: cst.Call, text: str) -> Value | None:
    if any(arg.star for arg in node.args):
        return None
    arrays = [evaluate(a.value) for a in node.args if a.keyword is None]
    if not arrays:
        return None
    keywords = {a.keyword.value: evaluate(a.value) for a in node.args if a.keyword is not None}
    lengths = {_int(a.items[0]) for a in arrays if a.kind == "array" and a.items} - {None}
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
                first = Value.of(count) if count is not None else _unknown_dim(
                    f"the {which} share of train_test_split, of a size not known statically")
                parts.append(array([first, *value.items[1:]], text))
            elif is_array_like(value):
                parts.append(ndarray("a part of train_test_split of an array of unknown shape", text))
            else:
                parts.append(Value.unknown("a part of train_test_split of data whose shape is not known", text))
    return Value("tuple", items=parts, text=text)


def _make_dataset(evaluate: Callable, node: cst.Call, name: str, text: str) -> Value | None:
    """``make_regression`` (X: (n_samples, n_features), y: (n_samples,) or (n_samples, n_targets)) and
    ``make_classification`` (X: (n_samples, n_features), y: (n_samples,)); sklearn's defaults 100 and 100 / 20."""
    if any(arg.star for arg in node.args):
        return None
    defaults = {"n_samples": 100, "n_features": 100 if name == "make_regression" else 20, "n_targets": 1}
    read: dict[str, Value] = {}
    for key, position in (("n_samples", 0), ("n_features", 1), ("n_targets", 3)):
        given = _arg(node, position, key)
        read[key] = evaluate(given) if given is not None else Value.of(defaults[key])
    samples, features = read["n_samples"], read["n_features"]
    for value in (samples, features):
        if value.kind == "const" and (_int(value) is None or value.const < 0):
            return None
    if _int(samples) == 1:
        return None  # np.squeeze of y also drops the sample axis
    x = array([samples if _int(samples) is not None else _unknown_dim("n_samples not known"),
               features if _int(features) is not None else _unknown_dim("n_features not known")], text)
    y_dims = [x.items[0]]
    if name == "make_regression":
        targets = _int(read["n_targets"])
        if targets is None:
            return None
        if targets != 1:
            y_dims.append(Value.of(targets))
    coef = _arg(node, -1, "coef") if name == "make_regression" else None
    if coef is not None:
        wanted = evaluate(coef)
        if wanted.kind != "const":
            return None
        if wanted.const:
            return Value("tuple", items=[x, array(y_dims, text), Value.unknown("the coefficients", text)], text=text)
    return Value("tuple", items=[x, array(y_dims, text)], text=text)


# Methods whose result is an array when their receiver is one, its shape not known: data for fit, not a
# tf.data.Dataset or a generator (the stateful rules tell the two apart; they need no shape for that).
_ARRAY_METHODS = {"reshape", "astype", "to_numpy", "copy", "squeeze", "transpose", "flatten", "ravel"}


def array_of_unknown_shape(evaluator: "Evaluator", node: cst.Call, scope: "Scope", text: str) -> Value | None:
    """``np.load(...)``, ``np.array(rows)``, ``x.reshape(n, t, 1)`` on such an array, ``df.to_numpy()``: an
    unknown value tagged ``array``; None when the call is not known to make an array."""
    func = node.func
    resolved = evaluator.imports.resolve(func)
    if resolved is not None:
        return ndarray("a NumPy array of unknown shape", text) if resolved.startswith(
            "numpy.") else None
    if isinstance(func, cst.Attribute) and func.attr.value in _ARRAY_METHODS:
        base = evaluator.evaluate(func.value, scope)
        if is_array_like(base) or func.attr.value == "to_numpy":
            return ndarray("an array of unknown shape", text)
    return None


# ---------------------------------------------------------------------------------------------- indexing


def subscript(evaluator: "Evaluator", base: Value, node: cst.Subscript, scope: "Scope", text: str) -> Value | None:
    """numpy basic indexing: integers drop an axis, slices keep it (its length by Python's slice rules),
    ``None`` / ``np.newaxis`` add an axis of 1, ``...`` stands for the axes not named. Anything else (an index
    array, a boolean, a value not known) is None: advanced indexing changes the shape in other ways."""
    if base.kind == "unknown" and base.tag == FRAME:
        return _frame_subscript(evaluator, node, scope, text)
    if base.kind != "array":
        return None
    dims = list(base.items)
    parts: list[tuple] = []
    for element in node.slice:
        index = element.slice
        if isinstance(index, cst.Slice):
            bounds = [_bound(evaluator, b, scope) for b in (index.lower, index.upper, index.step)]
            if bounds[2] == 0:
                return None  # numpy raises: slice step cannot be zero
            parts.append(("slice", bounds, index))
        elif isinstance(index.value, cst.Ellipsis):
            parts.append(("ellipsis",))
        elif _is_new_axis(evaluator, index):
            parts.append(("new",))
        else:
            value = evaluator.evaluate(index.value, scope)
            if _int(value) is None:
                return None
            parts.append(("int", value.const))
    if sum(1 for p in parts if p[0] == "ellipsis") > 1:
        return None
    named = sum(1 for p in parts if p[0] in ("slice", "int"))
    if named > len(dims):
        return None  # numpy raises: too many indices
    if not any(p[0] == "ellipsis" for p in parts):
        parts.append(("ellipsis",))
    out: list[Value] = []
    position = 0
    for part in parts:
        if part[0] == "ellipsis":
            for _ in range(len(dims) - named):
                out.append(dims[position])
                position += 1
            continue
        if part[0] == "new":
            out.append(Value.of(1))
            continue
        dim = dims[position]
        position += 1
        size = _int(dim)
        if part[0] == "int":
            if size is not None and not -size <= part[1] < size:
                return None  # numpy raises: index out of bounds
            continue
        out.append(_slice_dim(dim, size, part[1]))
    return array(out, text)


def _bound(evaluator: "Evaluator", node: cst.BaseExpression | None, scope: "Scope"):
    """A slice bound: an int, None (absent), or "?" when not known."""
    if node is None:
        return None
    value = evaluator.evaluate(node, scope)
    if value.kind == "const" and value.const is None:
        return None
    got = _int(value)
    return "?" if got is None else got


def _slice_dim(dim: Value, size: int | None, bounds: list) -> Value:
    lower, upper, step = bounds
    if lower is None and upper is None and step in (None, 1, -1):
        return dim  # every element, forwards or backwards: the axis is unchanged (and keeps its name)
    if size is None or "?" in bounds:
        return _unknown_dim("a slice of an axis whose length or bounds are not known")
    return Value.of(len(range(*slice(lower, upper, step).indices(size))))


def _frame_subscript(evaluator: "Evaluator", node: cst.Subscript, scope: "Scope", text: str) -> Value | None:
    """``df[["a", "b"]]``: a frame of 2 columns; ``df["a"]``: a Series."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    selected = node.slice[0].slice.value
    if isinstance(selected, cst.List):
        if any(isinstance(e, cst.StarredElement) for e in selected.elements):
            return None
        names = [evaluator.evaluate(e.value, scope) for e in selected.elements]
        if names and all(n.kind == "const" and isinstance(n.const, str) for n in names):
            return frame(Value.of(len(names)), text)
        return None
    if isinstance(selected, cst.SimpleString):
        return Value.unknown("a pandas Series", text, tag=SERIES)
    return None


def _is_new_axis(evaluator: "Evaluator", index) -> bool:
    if not isinstance(index, cst.Index):
        return False
    value = index.value
    if isinstance(value, cst.Name) and value.value == "None":
        return True
    resolved = evaluator.imports.resolve(value) if isinstance(value, (cst.Name, cst.Attribute)) else None
    return resolved == "numpy.newaxis"
