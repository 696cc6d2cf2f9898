"""Name resolution through a small import table of our own.

libcst's QualifiedNameProvider resolves every name in the file and costs several times the parse; lstmlint
only needs to know which dotted names a file's imports make visible, so it keeps a dict of local name ->
dotted path, filled in statement order.
"""

from __future__ import annotations

import libcst as cst

from lstmlint import keras_api

# Module prefixes under which Keras lives, longest first, with the distribution they belong to.
_DISTRIBUTIONS: tuple[tuple[str, str], ...] = (
    ("tensorflow.compat.v1.keras", "tf.keras"),
    ("tensorflow.compat.v2.keras", "tf.keras"),
    ("tensorflow.python.keras", "tf.keras"),
    ("tensorflow.keras", "tf.keras"),
    ("tf_keras", "tf_keras"),
    ("keras", "keras"),
)

# What may stand between the distribution and the class name: keras.layers.LSTM, keras.layers.recurrent.LSTM,
# keras.layers.rnn.lstm.LSTM, keras.src.layers..., keras.models.Sequential, keras.Input, keras.engine.sequential...
_MIDDLE_ROOTS = ("layers", "models", "engine", "src", "legacy", "api", "_tf_keras")


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` as text, or None when the expression is not a plain attribute chain."""
    kind = type(node)
    if kind is cst.Name:
        return node.value  # type: ignore[attr-defined]
    if kind is cst.Attribute:
        head = dotted(node.value)  # type: ignore[attr-defined]
        return f"{head}.{node.attr.value}" if head else None  # type: ignore[attr-defined]
    return None


def split_keras(qualname: str) -> tuple[str, str] | None:
    """(distribution, class-or-function name) when ``qualname`` names something in Keras, else None."""
    for prefix, distribution in _DISTRIBUTIONS:
        if qualname == prefix or not qualname.startswith(prefix + "."):
            continue
        rest = qualname[len(prefix) + 1 :].split(".")
        middle, last = rest[:-1], rest[-1]
        if middle and middle[0] not in _MIDDLE_ROOTS:
            return None
        return distribution, last
    return None


def keras_distribution(module: str) -> str | None:
    for prefix, distribution in _DISTRIBUTIONS:
        if module == prefix or module.startswith(prefix + "."):
            return distribution
    return None


# What `from <Keras>.layers import *` / `from <Keras>.models import *` bind, of what lstmlint reads: the public
# names of these modules (Keras 3 and tf.keras 2: tests/test_reach_corpus.py checks them against the installed
# Keras; CuDNNLSTM / CuDNNGRU are the Keras 2 ones). Star imports of other modules bind nothing here.
_STAR_EXPORTS: dict[str, frozenset[str]] = {
    "layers": frozenset(keras_api.LAYERS) | {"Layer", "InputSpec"},
    "models": frozenset({"Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"}),
}


def star_exports(module: str) -> frozenset[str]:
    """The names ``from module import *`` binds that lstmlint knows, for a public Keras module it knows."""
    for prefix, _ in _DISTRIBUTIONS:
        if module.startswith(prefix + "."):
            return _STAR_EXPORTS.get(module[len(prefix) + 1:], frozenset())
    return frozenset()


def star_rebinds_names(node: cst.ImportFrom) -> bool:
    """Whether ``from module import *`` may rebind any name bound before it: any star import but Keras's,
    whose modules export only their own API, never a user's variable names."""
    module = dotted(node.module) if node.module is not None else None
    return bool(node.relative) or module is None or keras_distribution(module) is None


class ImportTable:
    """Local name -> dotted path, for the names that imports bind."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.starred: set[str] = set()  # names bound by a Keras star import and not rebound since

    def add_import(self, node: cst.Import) -> list[str]:
        modules = []
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            modules.append(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.names[alias.asname.name.value] = full
            else:
                top = full.split(".")[0]
                self.names[top] = top
        return modules

    def add_import_from(self, node: cst.ImportFrom) -> tuple[str | None, list[str]]:
        if isinstance(node.names, cst.ImportStar) and star_rebinds_names(node):
            # a module of the project (or a library) may export any name: what a Keras star import bound may
            # now be something else
            for name in self.starred:
                self.names.pop(name, None)
            self.starred.clear()
        if node.relative:
            self._add_relative(node)
            return None, []
        if node.module is None:
            return None, []
        module = dotted(node.module)
        if module is None:
            return module, []
        if isinstance(node.names, cst.ImportStar):
            for name in star_exports(module):
                self.names[name] = f"{module}.{name}"
                self.starred.add(name)
            return module, []
        imported = []
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{module}.{name}"
            self.starred.discard(local)
            imported.append(name)
        return module, imported

    def _add_relative(self, node: cst.ImportFrom) -> None:
        """`from .config import X` -> ``.config.X`` (leading dots kept: no Keras path starts with one), for the
        project's own constants (project_constants.py)."""
        module = dotted(node.module) if node.module is not None else ""
        if module is None or isinstance(node.names, cst.ImportStar):
            return
        prefix = "." * len(node.relative) + (f"{module}." if module else "")
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = alias.asname.name.value if alias.asname is not None and isinstance(
                alias.asname.name, cst.Name) else name
            self.names[local] = prefix + name
            self.starred.discard(local)

    def forget(self, name: str) -> None:
        """A later assignment shadows an import (``LSTM = MyLSTM``)."""
        self.names.pop(name, None)
        self.starred.discard(name)

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The dotted path an expression names through the imports, or None."""
        text = dotted(node)
        return None if text is None else self.resolve_name(text)

    def resolve_name(self, text: str) -> str | None:
        head, _, tail = text.partition(".")
        base = self.names.get(head)
        if base is None:
            return None
        resolved = f"{base}.{tail}" if tail else base
        # `import tensorflow as tf` makes `tf.keras...` mean `tensorflow.keras...`.
        return resolved
